// One constant per packet type, so that bundlers inline them inside the protocol package.
export const CONNECT = 0;
export const DISCONNECT = 1;
export const EVENT = 2;
export const ACK = 3;
export const CONNECT_ERROR = 4;
export const BINARY_EVENT = 5;
export const BINARY_ACK = 6;

/** Socket.IO v5 packet types (PROTOCOL.md). */
export const PacketType = { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } as const;

/** One of the values of {@link PacketType}. */
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** The Socket.IO protocol revision this codec speaks. */
export const SOCKET_PROTOCOL = 5;

/**
 * Most binary attachments in one packet, on both sides by default: the decoder's `maxAttachments`,
 * and what `encodePacket` agrees to produce (socket.io-parser refuses more too).
 */
export const MAX_ATTACHMENTS = 10;

/** The main namespace. */
export const MAIN_NAMESPACE = '/';

/**
 * A packet to encode. `EVENT` and `ACK` packets whose data holds binaries are sent as
 * `BINARY_EVENT` / `BINARY_ACK` automatically.
 */
export interface Packet {
  type: PacketTypeValue;
  /** Namespace, `/` when omitted. */
  nsp?: string | undefined;
  /** Ack id (EVENT asking for an ack, or ACK answering one). */
  id?: number | undefined;
  data?: unknown;
}

/** An event name as it travels: a string, or a number from some older peers. */
export type WireEventName = string | number;

/**
 * A validated, fully reassembled packet from the {@link Decoder}. Binary packets are reported as
 * `EVENT` / `ACK` with their attachments back in place.
 */
export type DecodedPacket =
  | { type: typeof PacketType.CONNECT; nsp: string; data: Record<string, unknown> | undefined }
  | { type: typeof PacketType.DISCONNECT; nsp: string }
  | { type: typeof PacketType.EVENT; nsp: string; id: number | undefined; data: [WireEventName, ...unknown[]] }
  | { type: typeof PacketType.ACK; nsp: string; id: number; data: unknown[] }
  | { type: typeof PacketType.CONNECT_ERROR; nsp: string; data: { message: string; data?: unknown } };

/** An event name a peer may never send: the socket's own lifecycle events (PROTOCOL.md). */
export type ReservedEventName = 'connect' | 'connect_error' | 'disconnect' | 'disconnecting' | 'newListener' | 'removeListener';

/**
 * Event names a peer may never send, and that `emit` refuses: they are the socket's own
 * lifecycle events (PROTOCOL.md). A Set of strings, so any name can be looked up.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set<string>([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
] satisfies ReservedEventName[]);
