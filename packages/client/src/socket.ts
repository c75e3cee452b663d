/*
 * One namespace over a Manager's connection: listeners, emits (buffered while offline), acks with
 * timeouts and retries.
 *
 *   inactive ── connect() ──► active, waiting for CONNECT ── CONNECT ──► connected
 *      ▲                          ▲                                       │ transport lost
 *      │ disconnect(),            └───────── manager reconnects ◄─────────┘
 *      │ server DISCONNECT, CONNECT_ERROR
 */
import {
  ClosedError,
  RESERVED_EVENTS,
  RpcError,
  TimeoutError,
  encodePacket,
  invalidArgument,
  fromRemoteErrorPayload,
  type AckResult,
  type AnyListener,
  type ClientToServerEvents,
  type EventArgs,
  type EventContract,
  type EventNames,
  type EventNamesWithAck,
  type ErrorCodeValue,
  type EventParams,
  type PacketTypeValue,
  type ServerToClientEvents,
} from '@emitwire/protocol';
import { Link, call, type Lists } from './emitter.js';
import type { Manager } from './manager.js';
import { DEFAULT_SOCKET_OPTIONS, type AuthOption, type SocketOptions } from './options.js';
import { ACK, CONNECT, DISCONNECT, EVENT, SOCKET_CLOSE, SOCKET_ERROR, SOCKET_OPEN } from './packet-types.js';
import type { Buffered, Callback, DisconnectReason, Flags, Received, Settle, SocketReservedEvents, TimeoutEmitter } from './socket-types.js';

export type { DisconnectReason, SocketReservedEvents, TimeoutEmitter } from './socket-types.js';

/** The keys of the `onAny` and `onAnyOutgoing` listener lists in the Emitter (no event name equals them). */
const ANY = Symbol();
const OUT = Symbol();

const full = (what: string) => new ClosedError('EW_BUFFER_FULL' satisfies ErrorCodeValue, `${what} is full`);
/** @internal The `EW_DISCONNECTED` error (also the Manager's failed connection attempt). */
export const closed = (message: string) => new ClosedError('EW_DISCONNECTED' satisfies ErrorCodeValue, message);

/**
 * A connection to one namespace, typed by the shared contract: it listens to `serverToClient`
 * events and emits `clientToServer` events.
 *
 * @example
 * const socket = io<ChatEvents>('http://localhost:8000');
 * socket.on('chat', (msg) => console.log(msg.text));
 * const ok = await socket.emitWithAck('chat', 'hi');
 */
export class Socket<C extends EventContract = EventContract> extends Link<
  SocketReservedEvents,
  ServerToClientEvents<C>
> {
  /** The manager: the shared connection and its reconnection events. */
  declare readonly io: Manager;
  /** The namespace, `/` for the main one. */
  declare readonly nsp: string;
  /** The session id given by the server, while connected. */
  id: string | undefined;
  /** True while connected to the namespace. */
  connected = false;
  /** True when the last connection restored a previous session (connection state recovery). */
  recovered = false;
  /** Sent with every CONNECT; may be changed before a reconnection. */
  declare auth: AuthOption | undefined;
  #opts: SocketOptions;
  #active = false;
  #ids = 0;
  #acks = new Map<number, Settle>();
  #buffer: Buffered[] = [];
  #received: Received[] = [];
  #lost: boolean | undefined;
  /** Counts the CONNECTs asked for: an auth callback sends only the one it was given for. */
  #opens = 0;
  /** With `retries`: the emits waiting their turn, each as the function that sends it; the head is in flight. */
  #queue: (() => void)[] = [];
  /** With `retries`: the head of the queue when it waits, offline, for the next CONNECT. */
  #resume: ((first?: 1) => unknown) | undefined;
  #flags: Flags = {};
  #pid: string | undefined;
  #offset: string | undefined;

  /** Use `io()` or `manager.socket(nsp)` instead. */
  constructor(io: Manager, nsp: string, opts: Partial<SocketOptions> = {}) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.#opts = { ...DEFAULT_SOCKET_OPTIONS, ...opts };
    const auth = (this.auth = this.#opts.auth);
    if (auth !== undefined && (auth === null || !/^[of]/.test(typeof auth))) invalidArgument('auth must be an object or a function');
  }

  /** True while the socket wants to be connected (it reconnects with the manager). */
  get active(): boolean {
    return this.#active;
  }

  /** True when this socket is not connected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Connects (or reconnects after `disconnect()` or a refused connection); `connect()` is the same. */
  override open(): this {
    if (!this.connected) {
      const wasActive = this.#active;
      this.#active = true;
      if (this.io.readyState === 'open') {
        if (!wasActive) this._in(SOCKET_OPEN);
      } else if (!this.io.reconnecting) this.io.open();
    }
    return this;
  }

  /**
   * Leaves the namespace; no automatic reconnection. Emits still buffered stay for a later
   * `connect()`. `disconnect()` is the same.
   */
  override close(): this {
    const connected = this.connected;
    if (connected) this.#packet(DISCONNECT);
    this.#destroy();
    if (connected) this._in(SOCKET_CLOSE, 'io client disconnect');
    return this;
  }

  /** The next emit is dropped rather than buffered when the socket is not connected. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /**
   * The next emit's ack gets a `TimeoutError` (`EW_ACK_TIMEOUT`) after `ms`, and its callback
   * receives an error first: `(err, …args)`.
   */
  timeout(ms: number): TimeoutEmitter<C> {
    this.#flags.timeout = ms;
    return this as unknown as TimeoutEmitter<C>;
  }

  /**
   * Emits `event` to the server. A function as last argument is the ack callback: called with the
   * server's answer, or error-first `(err, …args)` when a timeout applies (`timeout(ms)` or
   * `ackTimeout`). Emits made while disconnected are buffered and sent in order on connect.
   * @throws {EmitwireError} `EW_INVALID_ARGUMENT` for a reserved or non-string event name, or data
   *   that cannot be encoded.
   * @throws {ClosedError} `EW_BUFFER_FULL` when `maxBufferedEmits` emits are buffered or
   *   `maxPendingAcks` acks are pending.
   * @throws {EmitwireError} `EW_PAYLOAD_TOO_LARGE` when connected and a message of the emit exceeds
   *   the server's `maxPayload` (a buffered emit gets it through its ack when flushed).
   */
  emit<K extends EventNames<ClientToServerEvents<C>>>(
    event: K,
    ...args: EventParams<ClientToServerEvents<C>, K> | EventArgs<ClientToServerEvents<C>, K>
  ): this {
    this.#check(event);
    this.#emit([event, ...args]);
    return this;
  }

  /**
   * Emits `event` and resolves with the ack's first argument. Rejects with a `TimeoutError`
   * (`EW_ACK_TIMEOUT`), a `ClosedError` (`EW_DISCONNECTED` when the connection is lost first,
   * `EW_BUFFER_FULL`), an `EmitwireError` `EW_PAYLOAD_TOO_LARGE` (see `emit`), or the `RpcError` of
   * a server handler that threw.
   * @throws {EmitwireError} `EW_INVALID_ARGUMENT` for a reserved or non-string event name.
   */
  emitWithAck<K extends EventNamesWithAck<ClientToServerEvents<C>>>(
    event: K,
    ...args: EventArgs<ClientToServerEvents<C>, K>
  ): Promise<AckResult<ClientToServerEvents<C>, K>> {
    // misuse throws here, synchronously, not as a rejection
    this.#check(event);
    return new Promise((resolve, reject) => {
      this.#emit([event, ...args, (err: Error | null, res: AckResult<ClientToServerEvents<C>, K>) => (err ? reject(err) : resolve(res))], true);
    });
  }

  /** Emits a `message` event (Socket.IO's `send`). */
  send(...args: unknown[]): this {
    this.#emit(['message', ...args]);
    return this;
  }

  /** Adds a listener called with every incoming event (name, then arguments), before the event's own listeners. */
  onAny(listener: AnyListener): this {
    return (this as unknown as Lists<this>).on(ANY, listener);
  }

  /** Like {@link onAny}, first in line. */
  prependAny(listener: AnyListener): this {
    return (this as unknown as Lists<this>).on(ANY, listener, true);
  }

  /** Removes an {@link onAny} listener, or all of them. */
  offAny(listener?: AnyListener): this {
    return (this as unknown as Lists<this>).off(ANY, listener);
  }

  /** The {@link onAny} listeners. */
  listenersAny(): AnyListener[] {
    return (this as unknown as Lists<this>).listeners(ANY);
  }

  /** Adds a listener called with every event sent to the server (ack callbacks left out). */
  onAnyOutgoing(listener: AnyListener): this {
    return (this as unknown as Lists<this>).on(OUT, listener);
  }

  /** Like {@link onAnyOutgoing}, first in line. */
  prependAnyOutgoing(listener: AnyListener): this {
    return (this as unknown as Lists<this>).on(OUT, listener, true);
  }

  /** Removes an {@link onAnyOutgoing} listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    return (this as unknown as Lists<this>).off(OUT, listener);
  }

  /** The {@link onAnyOutgoing} listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return (this as unknown as Lists<this>).listeners(OUT);
  }

  /**
   * @internal The one entry point of the Manager: a packet for this namespace (`type` is its packet
   * type, `a` the packet), or what happened to the connection: `SOCKET_OPEN` (send CONNECT with the
   * auth payload), `SOCKET_ERROR` (`a`: the failed attempt's error), `SOCKET_CLOSE` (`a`: the reason,
   * `b`: its description; also the namespace's own closes).
   */
  _in(type: number, a?: unknown, b?: unknown): void {
    type Packet = { id: number; data: unknown[] & Record<string, unknown> };
    // a namespace we have left (packets are types ≥ 0): drop what is still in flight, and leave at
    // once what answers a CONNECT sent before (the server would keep that socket)
    if (type >= 0 && !this.#active) return type ? undefined : this.#packet(DISCONNECT);
    switch (type) {
      case SOCKET_OPEN: {
        const pid = this.#pid;
        const n = ++this.#opens;
        // a new CONNECT: what a server replayed before an answer that never came (the connection
        // lost, the namespace left, the connection refused) is not for this one
        this.#received = [];
        this.#lost = false;
        // the auth callback counts once, for this connection only (not after a reconnection or
        // disconnect()). Auth larger than the server's maxPayload (refused here, as the server would
        // refuse it), or an auth function that throws: connect_error, the socket stays disconnected
        const send = (data?: Record<string, unknown>) => {
          if (n === this.#opens && this.#active) {
            this.#opens++;
            try {
              this.#packet(CONNECT, pid ? { pid, offset: this.#offset, ...data } : data);
            } catch (err) {
              this.#destroy(err);
            }
          }
        };
        try {
          if (typeof this.auth === 'function') this.auth(send);
          else send(this.auth);
        } catch (err) {
          this.#destroy(err);
        }
        break;
      }
      case SOCKET_ERROR:
        if (!this.connected) this.emitReserved('connect_error', a as Error);
        break;
      case SOCKET_CLOSE: {
        const connected = this.connected;
        this.connected = false;
        this.id = undefined;
        // only a disconnection the client did not choose is recoverable (PROTOCOL.md): after
        // `io client disconnect` (or the server's own DISCONNECT) the next CONNECT starts afresh
        if ((a as string).startsWith('io ')) this.#pid = undefined;
        if (connected) this.emitReserved('disconnect', a as DisconnectReason, b);
        // acks of emits still buffered survive: those emits are sent on reconnect
        for (const [id, settle] of this.#acks) {
          if (!this.#buffer.some((p) => p[2] === id)) settle(closed('socket has been disconnected'));
        }
        break;
      }
      case CONNECT: {
        const { sid, pid } = (a as Packet).data ?? {};
        if (typeof sid !== 'string') return this.emitReserved('connect_error', new RpcError('EW_INVALID_PAYLOAD' satisfies ErrorCodeValue));
        const session = typeof pid === 'string' ? pid : undefined;
        const received = this.#received;
        this.id = sid;
        this.recovered = !!session && session === this.#pid && !this.#lost;
        this.#pid = session;
        this.connected = true;
        this.#received = [];
        // the emits buffered while offline, in order, before what the replay's listeners emit. A
        // listener (outgoing, replayed event) may leave (disconnect()): then nothing more is sent
        // for the namespace (a socket.io server closes the shared connection on it), what is left
        // stays buffered for a later connect(), the rest of the replay is dropped, and no connect event
        for (let p; this.connected && (p = this.#buffer.shift()); ) {
          try {
            this.#write(p);
          } catch (err) {
            // too large for this server (EW_PAYLOAD_TOO_LARGE): not sent; the error goes to the
            // emit's ack, or, when nobody gets it there, to the console
            if (!this.#acks.get(p[2]!)?.(err as Error)) console.warn(err);
          }
        }
        // then the retries queue's head that waited offline (taken before the call clears it)
        if (this.connected) this.#resume?.((this.#resume = undefined));
        for (const p of received) if (this.connected) this.#onEvent(p);
        if (this.connected) this.emitReserved('connect');
        break;
      }
      case EVENT:
        if (this.connected) this.#onEvent(a as Received);
        // a recovering server replays missed events before its CONNECT answer (bounded; an
        // overflow drops them, and the connection is then not reported as recovered)
        else if (this.#received.length < this.#opts.maxBufferedEmits) this.#received.push(a as Received);
        else this.#lost = true;
        break;
      case ACK:
        this.#acks.get((a as Packet).id)?.(null, (a as Packet).data);
        break;
      case DISCONNECT:
        this.#destroy();
        this._in(SOCKET_CLOSE, 'io server disconnect');
        break;
      default: {
        // CONNECT_ERROR: the server refused the namespace. Sent while connected, it has left it: a
        // disconnection first (the socket would stay `connected` on a closed connection)
        if (this.connected) this._in(DISCONNECT);
        const { message, data } = (a as Packet).data as { message?: string; data?: unknown };
        this.#destroy(new RpcError('EW_CONNECT_REFUSED' satisfies ErrorCodeValue, message, data));
      }
    }
  }

  #onEvent({ data, id }: Received): void {
    const event = String(data[0]);
    const args = data.slice(1);
    // one answer: the id is forgotten once it is sent. Not once the namespace is left: a Socket.IO
    // server closes the whole (shared) connection on a packet for a namespace it has not joined
    if (id !== undefined) {
      args.push((...res: unknown[]) => {
        if (id !== undefined && this.connected) this.#packet(ACK, res, id);
        id = undefined;
      });
    }
    // connection state recovery: the offset is the last argument of events without ack
    const last = args.at(-1);
    if (this.#pid && typeof last === 'string') this.#offset = last;
    this.dispatch(ANY, [event, ...args]);
    this.dispatch(event, args);
  }

  /** The socket no longer wants to be connected; `err`, if any, is emitted as `connect_error`. */
  #destroy(err?: unknown): void {
    this.#active = false;
    this.io._destroy();
    if (err) this.emitReserved('connect_error', err as Error);
  }

  #packet(type: PacketTypeValue, data?: unknown, id?: number): void {
    this.io._write(encodePacket({ type, nsp: this.nsp, id, data }));
  }

  #write([frames, data]: Buffered): void {
    this.io._write(frames);
    this.dispatch(OUT, data);
  }

  /**
   * Sends (or buffers) one event; `data` is the event name then the arguments, ack callback last.
   * With `retries`, every emit asks for an ack and waits in the queue for its turn; a try that
   * fails (timeout, disconnect) is sent again with a new id, and the ack callback sees the last try.
   * A volatile emit (which may be lost) is never retried: it goes at once, as without retries.
   */
  #emit(data: unknown[], errorFirst?: boolean): void {
    const { ackTimeout, maxBufferedEmits } = this.#opts;
    const { volatile, timeout = ackTimeout } = this.#flags;
    const retries = volatile ? 0 : this.#opts.retries;
    const queue = this.#queue;
    const withError = errorFirst || timeout !== undefined || retries > 0;
    this.#flags = {};
    // a heartbeat overdue ends the connection first (Manager._check): the emit, retried or not, is then offline
    this.io._check();
    const cb = typeof data.at(-1) === 'function' ? (data.pop() as Callback) : undefined;
    // error-first callbacks get the error (or the server handler's RpcError), plain ones the
    // server's arguments as they are, and nothing on failure
    const settle: Settle | undefined =
      cb &&
      ((err, args = []) => {
        if (withError) err ??= fromRemoteErrorPayload(args) ?? null;
        if (withError || !err) call(cb, withError ? (err ? [err] : [null, ...args]) : args);
        return withError;
      });
    // (no closures beyond the callback's for an emit without retries: this is every emit's path)
    if (!retries) return this.#send(data, volatile, timeout, settle);
    let tries = 0;
    // the end of this emit's turn, then the next one's
    const done: Settle = (err, args) => {
      queue.shift();
      const reported = settle?.(err, args);
      if (queue[0]) call(queue[0], []);
      return reported;
    };
    // a disconnect on the way counts as a try too; offline, the resend waits for the CONNECT. An emit
    // refused at once (data that cannot be encoded, too large) with no callback to tell: thrown from
    // emit() itself when it is first in line, as without retries; later (its turn, a resend, the
    // flush of the offline buffer: inside a timer or a message handler) it goes to the console
    const retry = (first?: 1): boolean | void => {
      // a try counts only when it is sent: offline, the emit waits for the next CONNECT (as in
      // socket.io-client), rather than spending its tries where nobody can answer them
      if (!this.connected) return void (this.#resume = retry);
      try {
        this.#send(data, volatile, timeout, (err, args) => (err && tries++ < retries ? retry() : done(err, args)));
      } catch (err) {
        if (!done(err as Error)) {
          if (first) throw err;
          console.warn(err);
        }
        return true;
      }
    };
    if (queue.length >= maxBufferedEmits) throw full('retry queue');
    if (queue.push(retry) === 1) retry(1);
  }

  /**
   * Refuses what may not be emitted: a non-string or reserved event name (PROTOCOL.md). A refused
   * emit takes its flags (`timeout()`, `volatile`) with it.
   */
  #check(event: unknown): void {
    const bad = typeof event !== 'string' ? 'event name must be a string' : RESERVED_EVENTS.has(event) && `"${event}" is a reserved event name`;
    if (bad) {
      this.#flags = {};
      invalidArgument(bad);
    }
  }

  /** One try: the event encoded and written, or buffered while offline; its ack (or failure) settles `end`. */
  #send(data: unknown[], volatile: boolean | undefined, timeout: number | undefined, end?: Settle): void {
    const { maxBufferedEmits, maxPendingAcks } = this.#opts;
    const acks = this.#acks;
    const offline = !this.connected;
    if (offline && volatile) return void end?.(closed('volatile emit dropped'));
    if (offline && this.#buffer.length >= maxBufferedEmits) throw full('offline emit buffer');
    if (end && acks.size >= maxPendingAcks) throw full('pending ack table');
    const id = end ? this.#ids++ : undefined;
    const p: Buffered = [encodePacket({ type: EVENT, nsp: this.nsp, id, data }), data, id];
    // written first: an emit too large for the server (EW_PAYLOAD_TOO_LARGE) throws before its ack is kept
    if (offline) this.#buffer.push(p);
    else this.#write(p);
    if (end) {
      const timer =
        timeout === undefined
          ? undefined
          : setTimeout(() => {
              this.#buffer = this.#buffer.filter((b) => b !== p);
              acks.get(id!)!(new TimeoutError('EW_ACK_TIMEOUT' satisfies ErrorCodeValue, 'operation has timed out'));
            }, timeout);
      acks.set(id!, (err, args) => {
        clearTimeout(timer);
        acks.delete(id!);
        return end(err, args);
      });
    }
  }
}
