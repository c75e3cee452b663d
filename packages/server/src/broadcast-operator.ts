/*
 * `io.to(room).except(other).emit(…)`: an immutable description of who receives a broadcast. Each
 * modifier returns a new operator; `emit` encodes the packet once (in the adapter) and writes the
 * same frames to every target.
 */
import {
  ErrorCode,
  PacketType,
  TimeoutError,
  type AckResult,
  type EventArgs,
  type EventContract,
  type EventNames,
} from '@emitwire/protocol';
import { NO_ANSWER, type Adapter, type BroadcastFlags, type BroadcastOptions, type Room } from './adapter.js';
import type { Namespace } from './namespace.js';
import { checkEventName, checkReserved, checkTimeout } from './socket-emitter.js';
import type { Socket } from './socket.js';
import type { AckEventNames, EmitEvents, EmitWithAckArgs } from './typed-events.js';

/** The arguments of a broadcast `emit`: the event's arguments, or (with a timeout) a last `(err, responses)` callback. */
export type BroadcastEmitArgs<E, K extends keyof E> = EventArgs<E, K> | [...EventArgs<E, K>, (err: Error | null, responses: AckResult<E, K>[]) => void];

function toSet(rooms: Room | readonly Room[]): Room[] {
  return typeof rooms === 'string' ? [rooms] : [...rooms];
}

/** Who a broadcast reaches, and how. */
export class BroadcastOperator<C extends EventContract = EventContract> {
  constructor(
    private readonly nsp: Namespace<C>,
    private readonly rooms: ReadonlySet<Room> = new Set(),
    private readonly exceptRooms: ReadonlySet<Room> = new Set(),
    private readonly flags: BroadcastFlags = {},
  ) {}

  /** Targets the sockets in `room` (rooms add up: a socket in any of them receives once). */
  to(room: Room | readonly Room[]): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, new Set([...this.rooms, ...toSet(room)]), this.exceptRooms, this.flags);
  }

  /** Same as {@link to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.to(room);
  }

  /** Excludes the sockets in `room`. */
  except(room: Room | readonly Room[]): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, this.rooms, new Set([...this.exceptRooms, ...toSet(room)]), this.flags);
  }

  /** Sets permessage-deflate for this broadcast (when enabled). */
  compress(compress: boolean): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, this.rooms, this.exceptRooms, { ...this.flags, compress });
  }

  /** Skips recipients whose connection is not ready to write at once. */
  get volatile(): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, this.rooms, this.exceptRooms, { ...this.flags, volatile: true });
  }

  /** Only this server process (for cluster adapters; no effect in memory). */
  get local(): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, this.rooms, this.exceptRooms, { ...this.flags, local: true });
  }

  /** Waits at most `ms` for the acks of `emit(…, callback)` / `emitWithAck`. */
  timeout(ms: number): BroadcastOperator<C> {
    return new BroadcastOperator(this.nsp, this.rooms, this.exceptRooms, { ...this.flags, timeout: checkTimeout(ms) });
  }

  private get options(): BroadcastOptions {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }

  private adapters(): Adapter[] {
    return this.nsp._adapters();
  }

  /**
   * Sends an event to every target. A last function argument asks every target for an ack: it is
   * called once with `(err, responses)`, `err` a TimeoutError when some did not answer in time.
   */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: BroadcastEmitArgs<EmitEvents<C>, K>): boolean {
    checkEventName(ev);
    const last = args[args.length - 1];
    if (typeof last !== 'function') {
      for (const adapter of this.adapters()) {
        adapter.broadcast({ type: PacketType.EVENT, data: [ev, ...args] }, this.options);
      }
      return true;
    }
    this.emitWithAckCallback(ev, args.slice(0, -1), last as (err: Error | null, responses: unknown[]) => void);
    return true;
  }

  /** Sends an event to every target and resolves with one answer per target (rejects on timeout). */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>[]> {
    checkReserved(ev);
    return new Promise((resolve, reject) => {
      this.emitWithAckCallback(ev, args, (err, responses) =>
        err === null ? resolve(responses as AckResult<EmitEvents<C>, K>[]) : reject(err),
      );
    });
  }

  private emitWithAckCallback(ev: string, args: unknown[], callback: (err: Error | null, responses: unknown[]) => void): void {
    const adapters = this.adapters();
    const responses: unknown[] = [];
    let expected = 0;
    let pendingCounts = adapters.length;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      callback(err, responses);
    };
    const check = (): void => {
      if (pendingCounts === 0 && responses.length >= expected) finish(null);
    };
    const timeout = this.flags.timeout;
    if (timeout !== undefined) {
      timer = setTimeout(
        () => finish(new TimeoutError(ErrorCode.ACK_TIMEOUT, `operation has timed out after ${timeout} ms`)),
        timeout,
      );
    }
    if (adapters.length === 0) return finish(null);
    for (const adapter of adapters) {
      const packet = { type: PacketType.EVENT, data: [ev, ...args], id: this.nsp._nextAckId() };
      adapter.broadcastWithAck(
        packet,
        this.options,
        (count) => {
          expected += count;
          pendingCounts--;
          check();
        },
        (res) => {
          // a target that disconnected without answering answers nothing: stop waiting for it
          if (res === NO_ANSWER) expected--;
          else responses.push(res[0]);
          check();
        },
      );
    }
  }

  /** The matching sockets (in memory: this process's sockets). */
  async fetchSockets(): Promise<Socket<C>[]> {
    const out: Socket<C>[] = [];
    for (const nsp of this.nsp._namespaces()) {
      const ids = await nsp.adapter.sockets(this.options);
      for (const id of ids) {
        const socket = nsp.sockets.get(id);
        if (socket !== undefined) out.push(socket);
      }
    }
    return out;
  }

  /** Makes the matching sockets join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    for (const adapter of this.adapters()) adapter.addSockets(this.options, toSet(room));
  }

  /** Makes the matching sockets leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    for (const adapter of this.adapters()) adapter.delSockets(this.options, toSet(room));
  }

  /** Disconnects the matching sockets (with `close`, their whole connections). */
  disconnectSockets(close = false): void {
    for (const adapter of this.adapters()) adapter.disconnectSockets(this.options, close);
  }
}
