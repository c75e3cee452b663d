/*
 * The server's view of the shared contract (DESIGN.md): a `Server<C>` listens to
 * `ClientToServerEvents<C>` and emits `ServerToClientEvents<C>`; `socket.data` is `SocketDataOf<C>`.
 */
import type {
  AckResult,
  ClientToServerEvents,
  EventArgs,
  EventNames,
  EventNamesWithAck,
  EventParams,
  HasAck,
  ServerToClientEvents,
  ServerToServerEvents,
  SocketDataOf,
} from '@emitwire/protocol';
import type { CloseReason } from './engine-connection.js';

/** The events a server listens to. */
export type ListenEvents<C> = ClientToServerEvents<C>;
/** The events a server emits. */
export type EmitEvents<C> = ServerToClientEvents<C>;
/** The events server processes exchange. */
export type ServerSideEvents<C> = ServerToServerEvents<C>;
/** The type of `socket.data`. */
export type SocketData<C> = SocketDataOf<C>;

/** Why a socket disconnected (PROTOCOL.md). */
export type DisconnectReason = CloseReason | 'client namespace disconnect';

/** What a listener of client event `K` may return: the ack's value, when the event takes an ack. */
export type ListenerResult<E, K extends keyof E> =
  HasAck<E, K> extends true ? void | AckResult<E, K> | Promise<void | AckResult<E, K>> : void | Promise<void>;

/** A socket-level listener of client event `K`. */
export type SocketListener<E, K extends keyof E> = (...args: EventParams<E, K>) => ListenerResult<E, K>;

/** The socket's own lifecycle events. */
export interface SocketReservedEvents {
  /** The socket is leaving; `socket.rooms` is still readable. */
  disconnecting: (reason: DisconnectReason, description?: Error) => void;
  /** The socket left. */
  disconnect: (reason: DisconnectReason, description?: Error) => void;
}

/** The listener type of `socket.on(ev)`. */
export type SocketOnListener<E, K> = K extends keyof SocketReservedEvents
  ? SocketReservedEvents[K]
  : K extends keyof E
    ? SocketListener<E, K>
    : never;

/** Event names accepted by `socket.on`. */
export type SocketOnEvent<E> = EventNames<E> | keyof SocketReservedEvents;

/** The arguments of `emit(ev)`: the event's arguments, plus its ack callback when it declares one. */
export type EmitParams<E, K extends keyof E> = EventParams<E, K>;

/** The arguments of `emitWithAck(ev)`: the event's arguments without the ack. */
export type EmitWithAckArgs<E, K extends keyof E> = EventArgs<E, K>;

/** The names `emitWithAck` accepts. */
export type AckEventNames<E> = EventNamesWithAck<E>;

/** The arguments a broadcast ack callback gets: an error (timeout) then one answer per socket. */
export type BroadcastAckCallback<E, K extends keyof E> = (err: Error | null, responses: AckResult<E, K>[]) => void;
