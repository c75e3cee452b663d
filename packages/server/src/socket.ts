/*
 * One client's membership of one namespace: its listeners, its rooms, its acks in both directions.
 *
 *   created ─ middleware ok ─► connected ─ disconnect(), client 41, connection closed ─► disconnected
 *                                          ('disconnecting' with rooms, then 'disconnect')
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  ClosedError,
  ErrorCode,
  PacketType,
  RESERVED_EVENTS,
  encodePacket,
  fromRemoteErrorPayload,
  toRemoteErrorPayload,
  type AckResult,
  type AnyListener,
  type DecodedPacket,
  type EventContract,
  type EventNames,
  type Packet,
} from '@emitwire/protocol';
import { PendingAcks, acksFullError, type AckSettler } from './acks.js';
import { SocketEmitter, checkTimeout, type EmitFlags, type TimeoutEmitter } from './socket-emitter.js';
import type { Room } from './adapter.js';
import { BroadcastOperator } from './broadcast-operator.js';
import type { Client } from './client.js';
import type { EngineConnection } from './engine-connection.js';
import { toEngineFrames } from './engine-frames.js';
import { invalidArgument } from './errors.js';
import { buildHandshake } from './handshake-info.js';
import { ListenerMap, type AnyFunction, type ListenerSink } from './listeners.js';
import type { Namespace } from './namespace.js';
import type {
  AckEventNames,
  DisconnectReason,
  EmitEvents,
  EmitParams,
  EmitWithAckArgs,
  ListenEvents,
  SocketData,
  SocketOnEvent,
  SocketOnListener,
} from './typed-events.js';

/** The handshake details of a socket (Socket.IO's `socket.handshake`). */
export interface Handshake {
  /** The upgrade request's headers. */
  headers: IncomingHttpHeaders;
  /** When the connection opened, as `Date#toString()`. */
  time: string;
  /** The client's IP address. */
  address: string;
  /** True when the request carried an `Origin` header other than the server's own. */
  xdomain: boolean;
  /** True over TLS. */
  secure: boolean;
  /** When the connection opened, in ms since the epoch. */
  issued: number;
  /** The request URL. */
  url: string;
  /** The query parameters (repeated names give arrays). */
  query: Record<string, string | string[]>;
  /** The CONNECT payload (`auth` option of the client), `{}` when absent. */
  auth: Record<string, unknown>;
}

/** Per-packet middleware: `[event, ...args]`, then `next()` or `next(err)` to drop the packet (a throw or a rejected promise drops it too). */
export type PacketMiddleware = (packet: [string, ...unknown[]], next: (err?: Error) => void) => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

const NO_FLAGS: EmitFlags = {};

/** `disconnecting` / `disconnect` listeners: a throw goes to onHandlerError, return values are ignored. */
const REPORT_FAILURES: ListenerSink<Socket> = {
  _listenerResult() {},
  _listenerError(ev, err, socket) {
    socket.handlerFailed(ev, err);
  },
};
/** The catch-all lists are replaced, never mutated, on change: one shared empty list for every socket. */
const NO_LISTENERS: AnyListener[] = [];

/** A client connected to a namespace. */
export class Socket<C extends EventContract = EventContract> {
  /** The socket id (also the name of its private room). */
  readonly id: string;
  /** The namespace. */
  readonly nsp: Namespace<C>;
  /** @internal The connection-level router. */
  readonly client: Client;
  /** True between the namespace CONNECT answer and the disconnection. */
  connected = false;
  /**
   * True while the socket is leaving (`disconnecting` and `disconnect` listeners run): a disconnect
   * asked for from those listeners must not start the leaving over (it recursed until the stack ran out).
   */
  private leaving = false;
  /** Rooms joined before the socket is connected (by connection middleware), joined on connecting. */
  private early: Set<Room> | undefined = undefined;

  // What an idle socket does not use is created on first use (issue 6, idle memory).
  /** The CONNECT payload; none is `{}` once the handshake is read. */
  private auth: Record<string, unknown> | undefined;
  private details: Handshake | undefined = undefined;
  private userData: SocketData<C> | undefined = undefined;
  private readonly listeners = new ListenerMap();
  private anyIncoming: AnyListener[] = NO_LISTENERS;
  private anyOutgoing: AnyListener[] = NO_LISTENERS;
  private middlewares: PacketMiddleware[] | undefined = undefined;
  private acks: PendingAcks | undefined = undefined;

  constructor(nsp: Namespace<C>, client: Client, id: string, auth: Record<string, unknown> | undefined) {
    this.nsp = nsp;
    this.client = client;
    this.id = id;
    this.auth = auth;
  }

  /** The handshake details (built on first use, then the same object). */
  get handshake(): Handshake {
    return (this.details ??= buildHandshake(this.client.conn, (this.auth ??= {})));
  }

  /** Application data attached to the socket (typed by the contract's `socketData`). */
  get data(): SocketData<C> {
    return (this.userData ??= {} as SocketData<C>);
  }

  set data(value: SocketData<C>) {
    this.userData = value;
  }

  /** The underlying connection (`close()`, `readyState`, `remoteAddress`). */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  /** The rooms the socket is in (a copy; its own id included). */
  get rooms(): Set<Room> {
    if (this.admitting) return new Set(this.early);
    return new Set(this.nsp.adapter.socketRooms(this.id) ?? []);
  }

  /** True while connection middleware runs: not connected yet, not gone either. */
  private get admitting(): boolean {
    return !this.connected && !this.leaving;
  }

  /** True once disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  // ── listeners ────────────────────────────────────────────────────────────────────────────────

  /** Listens to a client event (or `disconnecting` / `disconnect`). */
  on<K extends SocketOnEvent<ListenEvents<C>>>(ev: K, listener: SocketOnListener<ListenEvents<C>, K>): this {
    this.listeners.on(ev, listener as AnyFunction);
    return this;
  }

  /** Listens once. */
  once<K extends SocketOnEvent<ListenEvents<C>>>(ev: K, listener: SocketOnListener<ListenEvents<C>, K>): this {
    this.listeners.on(ev, listener as AnyFunction, true);
    return this;
  }

  /** Removes a listener, every listener of an event, or every listener. */
  off<K extends SocketOnEvent<ListenEvents<C>>>(ev?: K, listener?: SocketOnListener<ListenEvents<C>, K>): this {
    this.listeners.off(ev, listener as AnyFunction | undefined);
    return this;
  }

  /** Same as {@link off}. */
  removeAllListeners(ev?: SocketOnEvent<ListenEvents<C>>): this {
    this.listeners.off(ev);
    return this;
  }

  /** The listeners of an event. */
  listenersOf(ev: SocketOnEvent<ListenEvents<C>>): AnyFunction[] {
    return this.listeners.listeners(ev);
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: AnyListener): this {
    this.anyIncoming = [...this.anyIncoming, listener];
    return this;
  }

  /** Like {@link onAny}, called before the others. */
  prependAny(listener: AnyListener): this {
    this.anyIncoming = [listener, ...this.anyIncoming];
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this.anyIncoming = listener === undefined ? [] : this.anyIncoming.filter((l) => l !== listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...this.anyIncoming];
  }

  /** Listens to every outgoing event of this socket (its emits and the broadcasts it receives). */
  onAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoing = [...this.anyOutgoing, listener];
    return this;
  }

  /** Like {@link onAnyOutgoing}, called before the others. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.anyOutgoing = [listener, ...this.anyOutgoing];
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoing = listener === undefined ? [] : this.anyOutgoing.filter((l) => l !== listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...this.anyOutgoing];
  }

  /** Adds a per-packet middleware, run for every incoming event before the listeners. */
  use(fn: PacketMiddleware): this {
    (this.middlewares ??= []).push(fn);
    return this;
  }

  // ── emitting ─────────────────────────────────────────────────────────────────────────────────

  /** Sends an event to this client; a last function argument is the ack callback. */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: EmitParams<EmitEvents<C>, K>): boolean {
    return this._emit(NO_FLAGS, ev, args);
  }

  /** Sends an event and resolves with the client's ack (rejects with an RpcError if its handler failed). */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>> {
    return this._emitWithAck(NO_FLAGS, ev, args) as Promise<AckResult<EmitEvents<C>, K>>;
  }

  /** Emits whose ack callback gets `(err, ...args)`, `err` being a TimeoutError after `ms`. */
  timeout(ms: number): TimeoutEmitter<EmitEvents<C>> {
    return new SocketEmitter(this, { timeout: checkTimeout(ms) }) as unknown as TimeoutEmitter<EmitEvents<C>>;
  }

  /** Emits that are dropped when the connection is not ready to write at once. */
  get volatile(): SocketEmitter<C> {
    return new SocketEmitter(this, { volatile: true });
  }

  /** Emits with permessage-deflate on or off (when enabled on the server). */
  compress(compress: boolean): SocketEmitter<C> {
    return new SocketEmitter(this, { compress });
  }

  /** @internal */
  _emit(flags: EmitFlags, ev: string, args: readonly unknown[]): boolean {
    if (typeof ev !== 'string') throw invalidArgument('event name must be a string');
    if (RESERVED_EVENTS.has(ev)) throw invalidArgument(`"${ev}" is a reserved event name`);
    const last = args[args.length - 1];
    if (typeof last !== 'function') return this.sendEvent(flags, ev, args, undefined);
    const cb = last as AnyFunction;
    const settle: AckSettler =
      flags.timeout === undefined
        ? (err, res) => {
            if (err === null) cb(...res);
          }
        : (err, res) => (err === null ? cb(null, ...res) : cb(err));
    return this.sendEvent(flags, ev, args.slice(0, -1), settle);
  }

  /** @internal */
  _emitWithAck(flags: EmitFlags, ev: string, args: readonly unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const settle: AckSettler = (err, res) => {
        if (err !== null) return reject(err);
        const remote = fromRemoteErrorPayload(res);
        if (remote !== undefined) reject(remote);
        else resolve(res[0]);
      };
      try {
        this.sendEvent(flags, ev, args, settle);
      } catch (err) {
        reject(err);
      }
    });
  }

  private sendEvent(flags: EmitFlags, ev: string, args: readonly unknown[], settle: AckSettler | undefined): boolean {
    if (RESERVED_EVENTS.has(ev)) throw invalidArgument(`"${ev}" is a reserved event name`);
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data: [ev, ...args] };
    if (settle !== undefined) {
      if (!this.connected) {
        const err = new ClosedError(ErrorCode.DISCONNECTED, 'socket is not connected');
        queueMicrotask(() => settle(err, []));
        return false;
      }
      if ((this.acks?.size ?? 0) >= this.client.options.maxPendingAcks) {
        const err = acksFullError(this.client.options.maxPendingAcks);
        queueMicrotask(() => settle(err, []));
        return false;
      }
      packet.id = this.nsp._nextAckId();
    }
    // encode before registering: data that cannot be encoded throws here, leaving nothing pending
    const frames = toEngineFrames(encodePacket(packet));
    if (!this.connected) return false;
    if (flags.volatile === true && !this.conn.writable) return false;
    if (settle !== undefined) this.pendingAcks().add(packet.id!, settle, flags.timeout);
    if (this.anyOutgoing.length > 0) this._notifyOutgoing(ev, args);
    return this.conn.write(frames, flags.compress === true);
  }

  /** @internal Notifies the outgoing catch-all listeners (also for broadcasts). */
  _notifyOutgoing(ev: string, args: readonly unknown[]): void {
    if (this.anyOutgoing.length === 0) return;
    for (const listener of this.anyOutgoing) this.guard(ev, () => listener(ev, ...args));
  }

  /** @internal Whether outgoing listeners exist (lets broadcasts skip the work). */
  get _hasOutgoingListeners(): boolean {
    return this.anyOutgoing.length > 0;
  }

  /**
   * @internal Registers the ack of a broadcast packet sent to this socket; with the broadcast's
   * `timeout`, the entry goes when the broadcast stops waiting (settled with a TimeoutError).
   * Returns false, registering nothing, when the socket already waits for `maxPendingAcks` acks.
   */
  _registerAck(id: number, settle: AckSettler, timeout?: number): boolean {
    if ((this.acks?.size ?? 0) >= this.client.options.maxPendingAcks) return false;
    this.pendingAcks().add(id, settle, timeout);
    return true;
  }

  private pendingAcks(): PendingAcks {
    return (this.acks ??= new PendingAcks());
  }

  // ── rooms and broadcasts ─────────────────────────────────────────────────────────────────────

  /** Joins one room or several. */
  join(rooms: Room | readonly Room[]): void {
    const list = typeof rooms === 'string' ? [rooms] : rooms;
    if (this.connected) this.nsp.adapter.addAll(this.id, list);
    else if (this.admitting) {
      // from connection middleware, as Socket.IO allows: kept until the socket connects (a refused
      // socket never enters the adapter, so it leaves nothing behind)
      const early = (this.early ??= new Set());
      for (const room of list) early.add(room);
    }
  }

  /** Leaves a room. */
  leave(room: Room): void {
    if (this.admitting) this.early?.delete(room);
    else this.nsp.adapter.del(this.id, room);
  }

  /** Broadcasts to a room (or several), this socket excluded. */
  to(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.broadcast.to(room);
  }

  /** Same as {@link to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.broadcast.to(room);
  }

  /** Broadcasts to every socket of the namespace except those in `room` and this one. */
  except(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.broadcast.except(room);
  }

  /** Broadcasts to every other socket of the namespace. */
  get broadcast(): BroadcastOperator<C> {
    return this.nsp._operator().except(this.id);
  }

  /** Leaves the namespace (`41` to the client); with `close`, closes the whole connection. */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      // the connection closes even when asked from this socket's `disconnecting` listener; the
      // socket itself is already leaving (disconnectAll and the close skip it)
      this.client.disconnectAll();
      this.conn.close('server namespace disconnect');
      return this;
    }
    if (this.leaving) return this;
    this.conn.write(toEngineFrames(encodePacket({ type: PacketType.DISCONNECT, nsp: this.nsp.name })));
    this._onclose('server namespace disconnect');
    return this;
  }

  // ── incoming ─────────────────────────────────────────────────────────────────────────────────

  /** @internal Marks the socket connected and answers the CONNECT. */
  _onconnect(): void {
    this.connected = true;
    const early = this.early;
    this.early = undefined;
    this.nsp.adapter.addAll(this.id, early === undefined ? [this.id] : [this.id, ...early]);
    const answer = this.nsp._connectAnswer;
    this.conn.write(answer[0] + this.id + answer[1]);
  }

  /** @internal An EVENT, ACK or DISCONNECT packet for this namespace. */
  _onpacket(packet: DecodedPacket): void {
    if (packet.type === PacketType.EVENT) this.onEvent(packet.data, packet.id);
    else if (packet.type === PacketType.ACK) this.acks?.resolve(packet.id, packet.data);
    else if (packet.type === PacketType.DISCONNECT) this._onclose('client namespace disconnect');
  }

  /** `data` is `[event, ...args]`, freshly decoded and ours to reuse. */
  private onEvent(data: unknown[], id: number | undefined): void {
    const ev = String(data[0]);
    const ack = id === undefined ? undefined : this.makeAck(id);
    const middlewares = this.middlewares;
    if (middlewares === undefined) {
      // the listeners' arguments in place of the decoded array: the event name out, the ack in
      // (a plain loop: copyWithin goes through the runtime and costs more than a slice)
      if (ack === undefined) data.shift();
      else {
        const last = data.length - 1;
        for (let i = 0; i < last; i++) data[i] = data[i + 1];
        data[last] = ack;
      }
      this.dispatch(ev, data, ack);
      return;
    }
    data[0] = ev;
    const packet = data as [string, ...unknown[]];
    let i = 0;
    const next = (err?: Error): void => {
      if (!this.connected) return;
      if (err !== undefined && err !== null) {
        // a refused packet is dropped; an ack asked for gets the refusal as a remote error
        ack?.(toRemoteErrorPayload(err));
        return;
      }
      const fn = middlewares[i++];
      if (fn === undefined) {
        const args = packet.slice(1);
        if (ack !== undefined) args.push(ack);
        this.dispatch(packet[0], args, ack);
        return;
      }
      let called = false;
      const once = (e?: Error): void => {
        if (called) return;
        called = true;
        next(e);
      };
      // A throw, or an async middleware's rejection (never an unhandled rejection of the process),
      // refuses the packet as next(err) does, and is a failure to report like a handler's: to
      // onHandlerError, unless it reached the client through the ack.
      const failed = (e: unknown): void => {
        if (called || ack === undefined) this.handlerFailed(packet[0], e);
        once(e instanceof Error ? e : new Error(String(e)));
      };
      try {
        const r: unknown = fn(packet, once);
        if (isThenable(r)) r.then(undefined, failed);
      } catch (e) {
        failed(e);
      }
    };
    next();
  }

  private makeAck(id: number): AnyFunction {
    let sent = false;
    return (...res: unknown[]): void => {
      if (sent || !this.connected) return;
      sent = true;
      const nsp = this.nsp.name;
      let answer;
      try {
        // ACK data is an array of arguments (PROTOCOL.md); binaries turn it into a BINARY_ACK
        answer = encodePacket({ type: PacketType.ACK, nsp, id, data: res });
      } catch (err) {
        // data that cannot be sent (circular, too many binaries): the client still gets its answer,
        // the error as a failed handler's (its emitWithAck rejects), and the caller the exception
        this.conn.write(toEngineFrames(encodePacket({ type: PacketType.ACK, nsp, id, data: [toRemoteErrorPayload(err)] })));
        throw err;
      }
      this.conn.write(toEngineFrames(answer));
    };
  }

  /** `callArgs` are the listeners' arguments, the ack callback last when the client asked for one. */
  private dispatch(ev: string, callArgs: unknown[], ack: AnyFunction | undefined): void {
    for (const listener of this.anyIncoming) this.guard(ev, () => listener(ev, ...callArgs));
    // the socket itself takes the listeners' results and failures (ListenerSink), the ack as context
    this.listeners.emit(ev, callArgs, this, ack);
    this.nsp._dispatch(this, ev, callArgs, ack);
  }

  /** @internal A listener's return value answers the ack (a promise: once it settles). */
  _listenerResult(ev: string, value: unknown, ack: AnyFunction | undefined): void {
    if (isThenable(value)) {
      value.then(
        (v) => this.answer(ev, ack, v === undefined ? [] : [v]),
        (err: unknown) => this.handlerFailed(ev, err, ack),
      );
    } else {
      this.answer(ev, ack, [value]);
    }
  }

  /** Acks with a handler's result; one that cannot be encoded reaches the client as an error (makeAck) and onHandlerError. */
  private answer(ev: string, ack: AnyFunction | undefined, args: unknown[]): void {
    try {
      ack?.(...args);
    } catch (err) {
      this.handlerFailed(ev, err);
    }
  }

  /** @internal A listener threw. */
  _listenerError(ev: string, err: unknown, ack: AnyFunction | undefined): void {
    this.handlerFailed(ev, err, ack);
  }

  /** @internal Reports a failed handler: to the client's ack when it asked for one, else to onHandlerError. */
  handlerFailed(ev: string, err: unknown, ack?: AnyFunction): void {
    if (ack !== undefined) ack(toRemoteErrorPayload(err));
    else this.client.reportError(err, { nsp: this.nsp.name, socketId: this.id, event: ev });
  }

  private guard(ev: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (isThenable(r)) r.then(undefined, (err: unknown) => this.handlerFailed(ev, err));
    } catch (err) {
      this.handlerFailed(ev, err);
    }
  }

  /** @internal Leaves the namespace: `disconnecting` (rooms readable), rooms left, then `disconnect`. */
  _onclose(reason: DisconnectReason, description?: Error): void {
    if (!this.connected || this.leaving) return;
    this.leaving = true;
    const args = description === undefined ? [reason] : [reason, description];
    this.listeners.emit('disconnecting', args, REPORT_FAILURES, this as Socket);
    this.nsp.adapter.delAll(this.id);
    this.connected = false;
    this.nsp._remove(this);
    this.client._remove(this);
    this.acks?.rejectAll();
    this.listeners.emit('disconnect', args, REPORT_FAILURES, this as Socket);
    this.nsp._ondisconnect(this, reason, description);
  }
}
