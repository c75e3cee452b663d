/*
 * One client's membership of one namespace: its listeners, its rooms, its acks in both directions.
 * Sending an event is in socket-emitter.ts, handing an incoming event to the listeners in
 * event-dispatch.ts, connecting and leaving (the states) in socket-lifecycle.ts; all work on the
 * socket's internal fields (left out of the published types).
 */
import {
  PacketType,
  encodePacket,
  toRemoteErrorPayload,
  type AckResult,
  type AnyListener,
  type DecodedPacket,
  type EventContract,
  type EventNames,
} from '@emitwire/protocol';
import { PendingAcks, type AckSettler } from './acks.js';
import { SocketEmitter, checkTimeout, emitEvent, emitEventWithAck, type EmitFlags, type TimeoutEmitter } from './socket-emitter.js';
import type { Room } from './adapter.js';
import { BroadcastOperator } from './broadcast-operator.js';
import type { Client } from './client.js';
import type { EngineConnection } from './engine-connection.js';
import { toEngineFrames } from './engine-frames.js';
import { answer, guard, isThenable, receiveEvent, type PacketMiddleware } from './event-dispatch.js';
import { buildHandshake, type Handshake } from './handshake-info.js';
import { ListenerMap, type AnyFunction } from './listeners.js';
import type { Namespace } from './namespace.js';
import { leaveNamespace } from './socket-lifecycle.js';
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

const NO_FLAGS: EmitFlags = {};

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
   * @internal True while the socket is leaving (`disconnecting` and `disconnect` listeners run): a
   * disconnect asked for from those listeners must not start the leaving over (it recursed until the
   * stack ran out).
   */
  _leaving = false;
  /** @internal Rooms joined before the socket is connected (by connection middleware), joined on connecting. */
  _early: Set<Room> | undefined = undefined;

  // What an idle socket does not use is created on first use (issue 6, idle memory).
  /** The CONNECT payload; none is `{}` once the handshake is read. */
  private auth: Record<string, unknown> | undefined;
  private details: Handshake | undefined = undefined;
  /** @internal The application's `data`. */
  _userData: SocketData<C> | undefined = undefined;
  /** @internal The listeners of client events, `disconnecting` and `disconnect`. */
  readonly _listeners = new ListenerMap();
  /** @internal The catch-all listeners of incoming events. */
  _anyIncoming: AnyListener[] = NO_LISTENERS;
  /** @internal The catch-all listeners of outgoing events. */
  _anyOutgoing: AnyListener[] = NO_LISTENERS;
  /** @internal The packet middleware (`use`). */
  _middlewares: PacketMiddleware[] | undefined = undefined;
  /** @internal The acks the socket waits for (acks.ts). */
  _acks: PendingAcks | undefined = undefined;
  /**
   * @internal Connection state recovery (only when on): the private session id sent in the CONNECT
   * answer, and whether the session was restored. One field, unused when off (idle memory).
   */
  _session: { readonly pid: string; readonly recovered: boolean } | undefined = undefined;

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
    return (this._userData ??= {} as SocketData<C>);
  }

  set data(value: SocketData<C>) {
    this._userData = value;
  }

  /** The underlying connection (`close()`, `readyState`, `remoteAddress`). */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  /** The rooms the socket is in (a copy; its own id included). */
  get rooms(): Set<Room> {
    if (this.admitting) return new Set(this._early);
    return new Set(this.nsp.adapter.socketRooms(this.id) ?? []);
  }

  /** True while connection middleware runs: not connected yet, not gone either. */
  private get admitting(): boolean {
    return !this.connected && !this._leaving;
  }

  /**
   * True when the connection state was recovered after a temporary disconnection: same id, rooms
   * and `data`, and the events missed meanwhile were sent first (connection state recovery).
   */
  get recovered(): boolean {
    return this._session?.recovered === true;
  }

  /** True once disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  // ── listeners ────────────────────────────────────────────────────────────────────────────────

  /** Listens to a client event (or `disconnecting` / `disconnect`). */
  on<K extends SocketOnEvent<ListenEvents<C>>>(ev: K, listener: SocketOnListener<ListenEvents<C>, K>): this {
    this._listeners.on(ev, listener as AnyFunction);
    return this;
  }

  /** Listens once. */
  once<K extends SocketOnEvent<ListenEvents<C>>>(ev: K, listener: SocketOnListener<ListenEvents<C>, K>): this {
    this._listeners.on(ev, listener as AnyFunction, true);
    return this;
  }

  /** Removes a listener, every listener of an event, or every listener. */
  off<K extends SocketOnEvent<ListenEvents<C>>>(ev?: K, listener?: SocketOnListener<ListenEvents<C>, K>): this {
    this._listeners.off(ev, listener as AnyFunction | undefined);
    return this;
  }

  /** Same as {@link off}. */
  removeAllListeners(ev?: SocketOnEvent<ListenEvents<C>>): this {
    this._listeners.off(ev);
    return this;
  }

  /** The listeners of an event. */
  listenersOf(ev: SocketOnEvent<ListenEvents<C>>): AnyFunction[] {
    return this._listeners.listeners(ev);
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: AnyListener): this {
    this._anyIncoming = [...this._anyIncoming, listener];
    return this;
  }

  /** Like {@link onAny}, called before the others. */
  prependAny(listener: AnyListener): this {
    this._anyIncoming = [listener, ...this._anyIncoming];
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this._anyIncoming = listener === undefined ? [] : this._anyIncoming.filter((l) => l !== listener);
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...this._anyIncoming];
  }

  /** Listens to every outgoing event of this socket (its emits and the broadcasts it receives). */
  onAnyOutgoing(listener: AnyListener): this {
    this._anyOutgoing = [...this._anyOutgoing, listener];
    return this;
  }

  /** Like {@link onAnyOutgoing}, called before the others. */
  prependAnyOutgoing(listener: AnyListener): this {
    this._anyOutgoing = [listener, ...this._anyOutgoing];
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this._anyOutgoing = listener === undefined ? [] : this._anyOutgoing.filter((l) => l !== listener);
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...this._anyOutgoing];
  }

  /** Adds a per-packet middleware, run for every incoming event before the listeners. */
  use(fn: PacketMiddleware): this {
    (this._middlewares ??= []).push(fn);
    return this;
  }

  // ── emitting ─────────────────────────────────────────────────────────────────────────────────

  /** Sends an event to this client; a last function argument is the ack callback. */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: EmitParams<EmitEvents<C>, K>): boolean {
    return emitEvent(this, NO_FLAGS, ev, args);
  }

  /** Sends an event and resolves with the client's ack (rejects with an RpcError if its handler failed). */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>> {
    return emitEventWithAck(this, NO_FLAGS, ev, args) as Promise<AckResult<EmitEvents<C>, K>>;
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

  /** @internal Notifies the outgoing catch-all listeners (also for broadcasts). */
  _notifyOutgoing(ev: string, args: readonly unknown[]): void {
    if (this._anyOutgoing.length === 0) return;
    for (const listener of this._anyOutgoing) guard(this, ev, () => listener(ev, ...args));
  }

  /** @internal Whether outgoing listeners exist (lets broadcasts skip the work). */
  get _hasOutgoingListeners(): boolean {
    return this._anyOutgoing.length > 0;
  }

  /**
   * @internal Registers the ack of a broadcast packet sent to this socket; with the broadcast's
   * `timeout`, the entry goes when the broadcast stops waiting (settled with a TimeoutError).
   * Returns false, registering nothing, when the socket already waits for `maxPendingAcks` acks.
   */
  _registerAck(id: number, settle: AckSettler, timeout?: number): boolean {
    if ((this._acks?.size ?? 0) >= this.client.options.maxPendingAcks) return false;
    (this._acks ??= new PendingAcks()).add(id, settle, timeout);
    return true;
  }

  // ── rooms and broadcasts ─────────────────────────────────────────────────────────────────────

  /** Joins one room or several. */
  join(rooms: Room | readonly Room[]): void {
    let list = typeof rooms === 'string' ? [rooms] : rooms;
    if (this.connected) {
      // its own room, when it is still in it, is no room to join: the adapter would announce it again
      if (list.includes(this.id) && this.nsp.adapter.socketRooms(this.id)?.has(this.id) === true) list = list.filter((r) => r !== this.id);
      this.nsp.adapter.addAll(this.id, list);
    } else if (this.admitting) {
      // from connection middleware, as Socket.IO allows: kept until the socket connects (a refused
      // socket never enters the adapter, so it leaves nothing behind)
      const early = (this._early ??= new Set());
      for (const room of list) early.add(room);
    }
  }

  /** Leaves a room. */
  leave(room: Room): void {
    if (this.admitting) this._early?.delete(room);
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
    if (this._leaving) return this;
    this.conn.write(toEngineFrames(encodePacket({ type: PacketType.DISCONNECT, nsp: this.nsp.name })));
    this._onclose('server namespace disconnect');
    return this;
  }

  // ── incoming ─────────────────────────────────────────────────────────────────────────────────

  /** @internal An EVENT, ACK or DISCONNECT packet for this namespace. */
  _onpacket(packet: DecodedPacket): void {
    if (packet.type === PacketType.EVENT) receiveEvent(this, packet.data, packet.id);
    else if (packet.type === PacketType.ACK) this._acks?.resolve(packet.id, packet.data);
    else if (packet.type === PacketType.DISCONNECT) this._onclose('client namespace disconnect');
  }

  /** @internal A listener's return value answers the ack (a promise: once it settles). */
  _listenerResult(ev: string, value: unknown, ack: AnyFunction | undefined): void {
    if (isThenable(value)) {
      value.then(
        (v) => answer(this, ev, ack, v === undefined ? [] : [v]),
        (err: unknown) => this.handlerFailed(ev, err, ack),
      );
    } else {
      answer(this, ev, ack, [value]);
    }
  }

  /** @internal A listener threw. */
  _listenerError(ev: string, err: unknown, ack: AnyFunction | undefined): void {
    this.handlerFailed(ev, err, ack);
  }

  /**
   * @internal Reports a failed handler: to the client's ack when it asked for one and has not been
   * answered yet, else (no ack, or a listener that acked and then threw) to onHandlerError.
   */
  handlerFailed(ev: string, err: unknown, ack?: AnyFunction): void {
    if (ack === undefined || ack(toRemoteErrorPayload(err)) === false) {
      this.client.reportError(err, { nsp: this.nsp.name, socketId: this.id, event: ev });
    }
  }

  /** @internal Leaves the namespace (socket-lifecycle.ts). */
  _onclose(reason: DisconnectReason, description?: Error): void {
    leaveNamespace(this, reason, description);
  }
}
