/**
 * @emitwire/protocol: the typed event contract, the Engine.IO v4 and Socket.IO v5 wire codec, and
 * the error hierarchy shared by `@emitwire/server` and `@emitwire/client`. No runtime dependencies;
 * only web APIs.
 */
export {
  ErrorCode,
  type ErrorCodeValue,
  EmitwireError,
  ProtocolError,
  TimeoutError,
  ClosedError,
  RpcError,
  REMOTE_ERROR_KEY,
  type RemoteErrorPayload,
  toRemoteErrorPayload,
  fromRemoteErrorPayload,
  toEmitwireError,
  invalidArgument,
} from './errors.js';
export {
  EnginePacketType,
  type EnginePacketTypeValue,
  type EnginePacket,
  type OpenPacketData,
  type BinaryData,
  ENGINE_PROTOCOL,
  ENGINE_PING,
  ENGINE_PONG,
  ENGINE_CLOSE,
  ENGINE_NOOP,
  encodeEnginePacket,
  encodeOpenPacket,
  decodeEnginePacket,
  decodeOpenPacket,
  base64ToBytes,
} from './engine-codec.js';
export {
  PacketType,
  type PacketTypeValue,
  type Packet,
  type DecodedPacket,
  type WireEventName,
  SOCKET_PROTOCOL,
  MAIN_NAMESPACE,
  MAX_ATTACHMENTS,
  RESERVED_EVENTS,
  type ReservedEventName,
} from './packet.js';
export { isBinary, hasBinary } from './binary.js';
export { encodePacket, type EncodedPacket } from './packet-codec.js';
export { Decoder, type DecoderOptions, DEFAULT_DECODER_OPTIONS } from './decoder.js';
export type {
  EventContract,
  UntypedEvents,
  EventsMap,
  ClientToServerEvents,
  ServerToClientEvents,
  ServerToServerEvents,
  SocketDataOf,
  EventNames,
  EventParams,
  EventListener,
  EventArgs,
  AckCallback,
  AckArgs,
  AckResult,
  HasAck,
  EventNamesWithAck,
  AckReturningListener,
  TimeoutAckCallback,
  TimeoutEmitArgs,
  AnyListener,
} from './events.js';
