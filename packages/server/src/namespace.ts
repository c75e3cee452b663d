/*
 * A namespace: its sockets, its adapter (rooms), its connection middleware, and the seed-style
 * listeners (`io.on('connection' | 'disconnect' | '<client event>', (socket, …) => …)`). A
 * namespace created by `io.of(RegExp | function)` is a parent: the children it matches share its
 * middleware and listeners, and its broadcasts reach every child. Admitting a client (recovery,
 * middleware, CONNECT answer) is in admission.ts, on the namespace's internal fields (tagged
 * internal, left out of the published types).
 */
import {
  PacketType,
  encodePacket,
  type AckResult,
  type EventContract,
  type EventNames,
  type EventParams,
  invalidArgument,
} from '@emitwire/protocol';
import type { Adapter, Room } from './adapter.js';
import { admitClient } from './admission.js';
import { BroadcastOperator, type BroadcastEmitArgs } from './broadcast-operator.js';
import { MAX_TIMER_MS } from './deadline-queue.js';
import type { Client } from './client.js';
import { toEngineFrames } from './engine-frames.js';
import { ListenerMap, type AnyFunction, type ListenerSink } from './listeners.js';
import type { ConnectionStateRecoveryOptions } from './options.js';
import type { Server } from './server.js';
import type { Socket } from './socket.js';
import type {
  AckEventNames,
  DisconnectReason,
  EmitEvents,
  EmitWithAckArgs,
  ListenEvents,
  ListenerResult,
  ServerSideEvents,
} from './typed-events.js';

/** Connection middleware: `next()` admits the socket, `next(err)` refuses it (CONNECT_ERROR with `err.message` and `err.data`). */
export type Middleware<C extends EventContract = EventContract> = (
  socket: Socket<C>,
  next: (err?: Error & { data?: unknown }) => void,
) => unknown;

/** Lifecycle events of `io.on` / `nsp.on`. */
export interface NamespaceReservedEvents<C extends EventContract> {
  connection: (socket: Socket<C>) => unknown;
  connect: (socket: Socket<C>) => unknown;
  disconnect: (socket: Socket<C>, reason: DisconnectReason, description?: Error) => unknown;
}

/** The listener of `nsp.on(ev)`: a lifecycle listener, or `(socket, …args, ack?)` for a client event. */
export type NamespaceListener<C extends EventContract, K> = K extends keyof NamespaceReservedEvents<C>
  ? NamespaceReservedEvents<C>[K]
  : K extends EventNames<ListenEvents<C>>
    ? (socket: Socket<C>, ...args: EventParams<ListenEvents<C>, K>) => ListenerResult<ListenEvents<C>, K>
    : never;

/** Event names `nsp.on` accepts. */
export type NamespaceEvent<C extends EventContract> = EventNames<ListenEvents<C>> | keyof NamespaceReservedEvents<C>;

const LIFECYCLE: ReadonlySet<string> = new Set(['connection', 'connect', 'disconnect']);

/** Listeners of other processes' events: a throw goes to onHandlerError, return values are ignored. */
const SERVER_SIDE_SINK: ListenerSink<Namespace> = {
  _listenerResult() {},
  _listenerError(event, err, nsp) {
    nsp.server._options.onHandlerError(err, { nsp: nsp.name, socketId: '', event });
  },
};

/** A namespace (`io.of('/admin')`); the main namespace `/` is the server itself. */
export class Namespace<C extends EventContract = EventContract> {
  /** The name (`/admin`), or the pattern's source for a parent namespace. */
  readonly name: string;
  /** The server. */
  readonly server: Server<C>;
  /** The connected sockets, by id. */
  readonly sockets = new Map<string, Socket<C>>();
  /** The rooms and broadcasts of this namespace. */
  readonly adapter: Adapter;
  /** The parent namespace, for a child created by a dynamic namespace. */
  readonly parent: Namespace<C> | undefined;

  /** @internal Children of a parent namespace. */
  readonly _children = new Set<Namespace<C>>();
  /**
   * @internal Set when the application asked for this namespace by name (`io.of(name)`): it holds
   * the reference, so the namespace stays even as an empty child (only names that clients made up go).
   */
  _kept = false;
  private readonly lifecycle = new ListenerMap();
  private readonly events = new ListenerMap();
  private readonly serverSide = new ListenerMap();
  /** @internal The connection middleware (`use`). */
  readonly _middlewares: Middleware<C>[] = [];
  private ackId = 0;
  /** @internal Sockets in connection middleware (a child namespace is not removed while some are). */
  _admitting = 0;
  /** Until when a session kept for connection state recovery may come back (an empty child waits). */
  private sessionsUntil = 0;
  private releaseTimer: NodeJS.Timeout | undefined = undefined;

  /** @internal True for a dynamic namespace (a pattern), whose broadcasts reach its children. */
  readonly _isParent: boolean;
  private connectAnswer: readonly [prefix: string, suffix: string] | undefined = undefined;
  /** @internal Connection state recovery's options, `undefined` when it is off. */
  readonly _recovery: Readonly<Required<ConnectionStateRecoveryOptions>> | undefined;

  constructor(server: Server<C>, name: string, parent?: Namespace<C>, isParent = false) {
    // before the adapter is made: it reads it
    this._recovery = server._options.connectionStateRecovery as Required<ConnectionStateRecoveryOptions> | undefined;
    this.server = server;
    this.name = name;
    this.parent = parent;
    this._isParent = isParent;
    this.adapter = new server._options.adapter(this as unknown as Namespace);
  }

  /**
   * `connection` / `connect`: a socket joined; `disconnect`: `(socket, reason)`; any other name: the
   * client event, for every socket of the namespace, as `(socket, …args, ack?)`. A listener's return
   * value (or promise) answers the ack.
   */
  on<K extends NamespaceEvent<C>>(ev: K, listener: NamespaceListener<C, K>): this {
    this.registry(ev).on(ev === 'connect' ? 'connection' : ev, listener as AnyFunction);
    return this;
  }

  /** Listens once. */
  once<K extends NamespaceEvent<C>>(ev: K, listener: NamespaceListener<C, K>): this {
    this.registry(ev).on(ev === 'connect' ? 'connection' : ev, listener as AnyFunction, true);
    return this;
  }

  /** Removes a listener, or every listener of an event. */
  off<K extends NamespaceEvent<C>>(ev: K, listener?: NamespaceListener<C, K>): this {
    this.registry(ev).off(ev === 'connect' ? 'connection' : ev, listener as AnyFunction | undefined);
    return this;
  }

  private registry(ev: string): ListenerMap {
    if (typeof ev !== 'string') invalidArgument('event name must be a string');
    return LIFECYCLE.has(ev) ? this.lifecycle : this.events;
  }

  /** Adds connection middleware, run in order for every socket joining. */
  use(fn: Middleware<C>): this {
    if (typeof fn !== 'function') invalidArgument('middleware must be a function');
    this._middlewares.push(fn);
    return this;
  }

  // ── broadcasting (a BroadcastOperator with no rooms: every socket) ─────────────────────────

  /** @internal */
  _operator(): BroadcastOperator<C> {
    return new BroadcastOperator(this);
  }

  /** Broadcasts to the sockets in `room`. */
  to(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this._operator().to(room);
  }

  /** Same as {@link to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this._operator().to(room);
  }

  /** Broadcasts to every socket except those in `room`. */
  except(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this._operator().except(room);
  }

  /** Sends an event to every socket of the namespace (encoded once). */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: BroadcastEmitArgs<EmitEvents<C>, K>): boolean {
    return this._operator().emit(ev, ...args);
  }

  /** Sends an event to every socket and resolves with one answer per socket. */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>[]> {
    return this._operator().emitWithAck(ev, ...args);
  }

  /** Waits at most `ms` for broadcast acks. */
  timeout(ms: number): BroadcastOperator<C> {
    return this._operator().timeout(ms);
  }

  /** Skips sockets whose connection is not ready to write at once. */
  get volatile(): BroadcastOperator<C> {
    return this._operator().volatile;
  }

  /** Only this process (cluster adapters). */
  get local(): BroadcastOperator<C> {
    return this._operator().local;
  }

  /** Sets permessage-deflate for a broadcast. */
  compress(compress: boolean): BroadcastOperator<C> {
    return this._operator().compress(compress);
  }

  /** The sockets of the namespace. */
  fetchSockets(): Promise<Socket<C>[]> {
    return this._operator().fetchSockets();
  }

  /** Makes every socket join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this._operator().socketsJoin(room);
  }

  /** Makes every socket leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this._operator().socketsLeave(room);
  }

  /** Disconnects every socket (with `close`, their connections). */
  disconnectSockets(close = false): void {
    this._operator().disconnectSockets(close);
  }

  /**
   * Sends an event to the other server processes of a cluster (through the adapter; nothing
   * happens with the in-memory adapter). Socket.IO's `io.on` for these moved to {@link onServerSideEmit}.
   */
  serverSideEmit<K extends EventNames<ServerSideEvents<C>>>(ev: K, ...args: EventParams<ServerSideEvents<C>, K>): boolean {
    this.adapter.serverSideEmit([ev, ...args]);
    return true;
  }

  /** Listens to events sent by other server processes with {@link serverSideEmit}. */
  onServerSideEmit<K extends EventNames<ServerSideEvents<C>>>(
    ev: K,
    listener: (...args: EventParams<ServerSideEvents<C>, K>) => void,
  ): this {
    this.serverSide.on(ev, listener as AnyFunction);
    return this;
  }

  /** @internal Called by cluster adapters with `[event, ...args]` from another process. */
  _onServerSideEmit(args: [string, ...unknown[]]): void {
    this.serverSide.emit(args[0], args.slice(1), SERVER_SIDE_SINK, this as unknown as Namespace);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  /**
   * @internal The Engine.IO frame of the CONNECT answer around the socket id: only the id changes
   * from one socket to the next, and a socket id (base64url) needs no JSON escaping.
   */
  get _connectAnswer(): readonly [prefix: string, suffix: string] {
    if (this.connectAnswer === undefined) {
      const marker = 'SID';
      const answer = toEngineFrames(encodePacket({ type: PacketType.CONNECT, nsp: this.name, data: { sid: marker } })) as string;
      const at = answer.indexOf(`"${marker}"`) + 1;
      this.connectAnswer = [answer.slice(0, at), answer.slice(at + marker.length)];
    }
    return this.connectAnswer;
  }

  /** @internal The next ack id: unique per namespace, shared by socket emits and broadcasts. */
  _nextAckId(): number {
    this.ackId = this.ackId >= Number.MAX_SAFE_INTEGER ? 0 : this.ackId + 1;
    return this.ackId;
  }

  /** @internal The namespaces a broadcast from here reaches: itself, or a parent's children. */
  _namespaces(): Namespace<C>[] {
    return this._isParent ? [...this._children] : [this];
  }

  /** @internal */
  _adapters(): Adapter[] {
    return this._namespaces().map((nsp) => nsp.adapter);
  }

  /** @internal Namespace-level listeners of a client event, then the parent's. */
  _dispatch(socket: Socket<C>, ev: string, args: readonly unknown[], ack: AnyFunction | undefined): void {
    if (!this.events.has(ev) && this.parent === undefined) return;
    const withSocket = [socket, ...args];
    this.events.emit(ev, withSocket, socket, ack);
    this.parent?.events.emit(ev, withSocket, socket, ack);
  }

  /** @internal Admits a client (admission.ts). */
  _add(client: Client, auth: Record<string, unknown> | undefined): void {
    admitClient(this, client, auth);
  }

  /** @internal The namespace's `ev` listeners, then the parent's. */
  _emitLifecycle(socket: Socket<C>, ev: string, args: unknown[]): void {
    // the socket reports failures (a throw, a rejected promise); with no ack, a value is dropped
    this.lifecycle.emit(ev, args, socket, undefined);
    this.parent?.lifecycle.emit(ev, args, socket, undefined);
  }

  /** @internal */
  _remove(socket: Socket<C>, sessionKept: boolean): void {
    this.sockets.delete(socket.id);
    if (sessionKept) this.sessionsUntil = Date.now() + this._recovery!.maxDisconnectionDuration;
    this._releaseIfEmpty();
  }

  /**
   * @internal A child of a dynamic namespace with no socket and none joining leaves the server
   * (`cleanupEmptyChildNamespaces`): its name came from a client (unless `_kept`). Not while a
   * session kept for connection state recovery may come back: the sessions live in its adapter.
   */
  _releaseIfEmpty(): void {
    if (this.parent === undefined || this._kept || this.sockets.size > 0 || this._admitting > 0) return;
    if (!this.server._options.cleanupEmptyChildNamespaces) return;
    const wait = this.sessionsUntil - Date.now();
    if (wait > 0) {
      // one timer, re-armed by a later wait; it never keeps the process alive (nor a closed server busy)
      this._stopReleaseTimer();
      this.releaseTimer = setTimeout(() => this._releaseIfEmpty(), Math.min(wait + 1, MAX_TIMER_MS));
      this.releaseTimer.unref();
      return;
    }
    this._stopReleaseTimer();
    this.server._removeChild(this);
  }

  /** @internal */
  _stopReleaseTimer(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  /** @internal The namespace-level `disconnect` listeners. */
  _ondisconnect(socket: Socket<C>, reason: DisconnectReason, description?: Error): void {
    const args: unknown[] = description === undefined ? [socket, reason] : [socket, reason, description];
    this._emitLifecycle(socket, 'disconnect', args);
  }
}
