/*
 * `socket.volatile`, `socket.compress(flag)` and `socket.timeout(ms)`: immutable views of a socket
 * that emit with flags, so no flag lingers on the socket after an emit.
 */
import type { AckResult, EventContract, EventNames, TimeoutEmitArgs } from '@emitwire/protocol';
import { invalidArgument } from './errors.js';
import type { Socket } from './socket.js';
import type { AckEventNames, EmitEvents, EmitParams, EmitWithAckArgs } from './typed-events.js';

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
    return this.socket._emit(this.flags, ev, args);
  }

  /** Emits and resolves with the client's ack. */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>> {
    return this.socket._emitWithAck(this.flags, ev, args) as Promise<AckResult<EmitEvents<C>, K>>;
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
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw invalidArgument('timeout must be a finite non-negative number');
  return ms;
}
