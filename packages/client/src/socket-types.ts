/*
 * The types of a Socket: its events, the disconnect reasons, `timeout(ms)`'s emitter, and the
 * shapes of its internal bookkeeping (pending acks, buffered and received events).
 */
import type {
  AckResult,
  ClientToServerEvents,
  EncodedPacket,
  EventArgs,
  EventContract,
  EventNames,
  EventNamesWithAck,
  TimeoutEmitArgs,
} from '@emitwire/protocol';
import type { Socket } from './socket.js';

/** Why a socket disconnected (its `disconnect` event). */
export type DisconnectReason =
  | 'io server disconnect'
  | 'io client disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error';

/** The socket's own events. The server may never send these names (PROTOCOL.md). */
export interface SocketReservedEvents {
  /** Connected to the namespace (also after each reconnection). */
  connect(): void;
  /**
   * Connecting failed: an `RpcError` with code `EW_CONNECT_REFUSED` (and the server's `message` and
   * `data`) when the server refused the namespace (then the socket stays disconnected), or the
   * manager's error when the connection failed (then it reconnects).
   */
  connect_error(err: Error): void;
  /** Disconnected; the manager reconnects unless `reason` is `io server disconnect` or `io client disconnect`. */
  disconnect(reason: DisconnectReason, description?: unknown): void;
}

/** `socket.timeout(ms)`: emits whose ack callback receives an error first. */
export interface TimeoutEmitter<C extends EventContract> {
  /** Emits with an ack that gets a `TimeoutError` (`EW_ACK_TIMEOUT`) if no answer comes in time. */
  emit<K extends EventNames<ClientToServerEvents<C>>>(
    event: K,
    ...args: TimeoutEmitArgs<ClientToServerEvents<C>, K> | EventArgs<ClientToServerEvents<C>, K>
  ): Socket<C>;
  /** Emits and resolves with the ack's first argument; rejects after `ms`. */
  emitWithAck<K extends EventNamesWithAck<ClientToServerEvents<C>>>(
    event: K,
    ...args: EventArgs<ClientToServerEvents<C>, K>
  ): Promise<AckResult<ClientToServerEvents<C>, K>>;
}

/**
 * How a pending ack ends, the one way for all of them: an error (timeout, disconnect), or the ack's
 * arguments. Returns true when an error reached the caller (an error-first callback, emitWithAck).
 */
export type Settle = (err: Error | null, args?: unknown[]) => boolean | void;
export type Callback = (...args: unknown[]) => void;
export interface Flags {
  volatile?: boolean;
  timeout?: number;
}
/** An emit, encoded: its frames, its data (for onAnyOutgoing) and its ack id. */
export type Buffered = [frames: EncodedPacket, data: unknown[], id: number | undefined];
/** An event as it arrives: name then arguments, and the ack id the server asked for. */
export type Received = { data: unknown[]; id: number | undefined };
