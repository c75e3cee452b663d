/**
 * @emitwire/client: `io()`, the Manager (one connection, heartbeat, reconnection) and the Socket
 * (one namespace). Browser build: uses the global `WebSocket` only.
 */
export { io, SocketIO, ioFor, socketIOFor, type IoFunction, type SocketIOConstructor } from './io.js';
export { Manager, type ManagerEvents, type CloseReason, type ReadyState } from './manager.js';
export { Socket, type SocketReservedEvents, type DisconnectReason, type TimeoutEmitter } from './socket.js';
export { Emitter, type EmitterEvents, type EmitterListener } from './emitter.js';
export { Backoff } from './backoff.js';
export {
  DEFAULT_MANAGER_OPTIONS,
  DEFAULT_SOCKET_OPTIONS,
  type ManagerOptions,
  type SocketOptions,
  type ClientOptions,
  type AuthOption,
  type WebSocketLike,
  type WebSocketConstructor,
} from './options.js';
export {
  ErrorCode,
  EmitwireError,
  ProtocolError,
  TimeoutError,
  ClosedError,
  RpcError,
  type EventContract,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type EventNames,
  type EventParams,
  type EventArgs,
  type AckResult,
  type AnyListener,
} from '@emitwire/protocol';
