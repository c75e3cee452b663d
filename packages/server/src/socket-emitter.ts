/*
 * A socket's emits: one event sent to its client (and the ack it waits for registered), and
 * `socket.volatile`, `socket.compress(flag)` and `socket.timeout(ms)`: immutable views of a socket
 * that emit with flags, so no flag lingers on the socket after an emit.
 */
import {
  ClosedError,
  ErrorCode,
  PacketType,
  RESERVED_EVENTS,
  encodePacket,
  fromRemoteErrorPayload,
  type AckResult,
  type EventContract,
  type EventNames,
  type Packet,
  type TimeoutEmitArgs,
  invalidArgument,
} from '@emitwire/protocol';
import { PendingAcks, acksFullError, type AckSettler } from './acks.js';
import type { BroadcastOptions, Room } from './adapter.js';
import { toEngineFrames } from './engine-frames.js';
import type { AnyFunction } from './listeners.js';
import type { Socket } from './socket.js';
import type { AckEventNames, EmitEvents, EmitParams, EmitWithAckArgs } from './typed-events.js';

const NO_ROOMS: ReadonlySet<Room> = new Set();

/** Flags of one emit. */
export interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
}

/** `socket.timeout(ms)`: emits whose ack callback receives an error first. */
export interface TimeoutEmitter<E> {
  emit<K extends EventNames<E>>(ev: K, ...args: TimeoutEmitArgs<E, K>): boolean;
  emitWithAck<K extends AckEventNames<E>>(ev: K, ...args: EmitWithAckArgs<E, K>): Promise<AckResult<E, K>>;
}

/** `socket.volatile` / `socket.compress(flag)`: emits with flags. */
export class SocketEmitter<C extends EventContract = EventContract> {
  constructor(
    private readonly socket: Socket<C>,
    private readonly flags: EmitFlags,
  ) {}

  /** Emits with these flags. */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: EmitParams<EmitEvents<C>, K>): boolean {
    return emitEvent(this.socket, this.flags, ev, args);
  }

  /** Emits and resolves with the client's ack. */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>> {
    return emitEventWithAck(this.socket, this.flags, ev, args) as Promise<AckResult<EmitEvents<C>, K>>;
  }

  /** Adds an ack timeout. */
  timeout(ms: number): TimeoutEmitter<EmitEvents<C>> {
    return new SocketEmitter(this.socket, { ...this.flags, timeout: checkTimeout(ms) }) as unknown as TimeoutEmitter<EmitEvents<C>>;
  }

  /** Drops the emits when the connection is not ready to write at once. */
  get volatile(): SocketEmitter<C> {
    return new SocketEmitter(this.socket, { ...this.flags, volatile: true });
  }

  /** Sets permessage-deflate for these emits (when enabled on the server). */
  compress(compress: boolean): SocketEmitter<C> {
    return new SocketEmitter(this.socket, { ...this.flags, compress });
  }
}

/** Validates a timeout argument (misuse throws synchronously). */
export function checkTimeout(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) invalidArgument('timeout must be a finite non-negative number');
  return ms;
}

/** Refuses a reserved event name (misuse throws synchronously). */
export function checkReserved(ev: string): void {
  if (RESERVED_EVENTS.has(ev)) invalidArgument(`"${ev}" is a reserved event name`);
}

/** Refuses what may not be emitted: a non-string or reserved event name. */
export function checkEventName(ev: unknown): void {
  if (typeof ev !== 'string') invalidArgument('event name must be a string');
  checkReserved(ev);
}

/** Sends an event to the socket's client; a last function argument is the ack callback. */
export function emitEvent<C extends EventContract>(socket: Socket<C>, flags: EmitFlags, ev: string, args: readonly unknown[]): boolean {
  checkEventName(ev);
  const last = args[args.length - 1];
  if (typeof last !== 'function') return sendEvent(socket, flags, ev, args, undefined);
  const cb = last as AnyFunction;
  const settle: AckSettler =
    flags.timeout === undefined
      ? (err, res) => {
          if (err === null) cb(...res);
        }
      : (err, res) => (err === null ? cb(null, ...res) : cb(err));
  return sendEvent(socket, flags, ev, args.slice(0, -1), settle);
}

/** Sends an event and resolves with the client's ack (rejects with an RpcError if its handler failed). */
export function emitEventWithAck<C extends EventContract>(socket: Socket<C>, flags: EmitFlags, ev: string, args: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle: AckSettler = (err, res) => {
      if (err !== null) return reject(err);
      const remote = fromRemoteErrorPayload(res);
      if (remote !== undefined) reject(remote);
      else resolve(res[0]);
    };
    try {
      checkReserved(ev);
      sendEvent(socket, flags, ev, args, settle);
    } catch (err) {
      reject(err);
    }
  });
}

function sendEvent<C extends EventContract>(
  socket: Socket<C>,
  flags: EmitFlags,
  ev: string,
  args: readonly unknown[],
  settle: AckSettler | undefined,
): boolean {
  // (the event name is checked by the callers: once per emit)
  const packet: Packet = { type: PacketType.EVENT, nsp: socket.nsp.name, data: [ev, ...args] };
  if (settle !== undefined) {
    if (!socket.connected) {
      const err = new ClosedError(ErrorCode.DISCONNECTED, 'socket is not connected');
      queueMicrotask(() => settle(err, []));
      return false;
    }
    if ((socket._acks?.size ?? 0) >= socket.client.options.maxPendingAcks) {
      const err = acksFullError(socket.client.options.maxPendingAcks);
      queueMicrotask(() => settle(err, []));
      return false;
    }
    packet.id = socket.nsp._nextAckId();
  }
  if (settle === undefined && socket.nsp._recovery !== undefined && flags.volatile !== true) return sendKept(socket, flags, packet);
  // encode before registering: data that cannot be encoded throws here, leaving nothing pending
  const frames = toEngineFrames(encodePacket(packet));
  if (!socket.connected) return false;
  if (flags.volatile === true && !socket.conn.writable) return false;
  if (settle !== undefined) (socket._acks ??= new PendingAcks()).add(packet.id!, settle, flags.timeout);
  if (socket._anyOutgoing.length > 0) socket._notifyOutgoing(ev, args);
  return socket.conn.write(frames, flags.compress !== false);
}

/**
 * Connection state recovery: an event without ack that is not volatile goes through the adapter,
 * as a broadcast to the socket's own room, so it gets an offset and is kept for a reconnection.
 */
function sendKept<C extends EventContract>(socket: Socket<C>, flags: EmitFlags, packet: Packet): boolean {
  if (!socket.connected) return false;
  const opts: BroadcastOptions = { rooms: new Set([socket.id]), except: NO_ROOMS, flags: { compress: flags.compress !== false } };
  socket.nsp.adapter.broadcast(packet, opts);
  return true;
}
