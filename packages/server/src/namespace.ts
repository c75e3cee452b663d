/*
 * A namespace: its sockets, its adapter (rooms), its connection middleware, and the seed-style
 * listeners (`io.on('connection' | 'disconnect' | '<client event>', (socket, …) => …)`). A
 * namespace created by `io.of(RegExp | function)` is a parent: the children it matches share its
 * middleware and listeners, and its broadcasts reach every child.
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
import type { Adapter, RestoredSession, Room } from './adapter.js';
import { BroadcastOperator, type BroadcastEmitArgs } from './broadcast-operator.js';
import { MAX_TIMER_MS } from './deadline-queue.js';
import type { Client } from './client.js';
import { toEngineFrames } from './engine-frames.js';
import { isThenable } from './event-dispatch.js';
import { generateId } from './id.js';
import { ListenerMap, type AnyFunction, type ListenerSink } from './listeners.js';
import type { ConnectionStateRecoveryOptions } from './options.js';
import type { Server } from './server.js';
import { Socket } from './socket.js';
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
  private readonly middlewares: Middleware<C>[] = [];
  private ackId = 0;
  /** Sockets in connection middleware (a child namespace is not removed while some are). */
  private admitting = 0;
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
    this.middlewares.push(fn);
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

  /**
   * @internal Admits a client: middleware (the parent's first), then CONNECT and `connection`.
   * The client hears when the CONNECT is over (`_connectEnded`), admitted or refused.
   */
  _add(client: Client, auth: Record<string, unknown> | undefined): void {
    if (this._recovery !== undefined) {
      this.recover(client, auth);
      return;
    }
    this.admit(client, new Socket<C>(this, client, generateId(), auth));
  }

  /**
   * Connection state recovery: a CONNECT with `{ pid, offset }` gets its session back when the
   * adapter still holds it (the same id, rooms and data; the packets missed replayed before the
   * CONNECT answer); any other socket gets a new session id (`pid`) of its own.
   */
  private recover(client: Client, auth: Record<string, unknown> | undefined): void {
    const pid = auth?.pid;
    const offset = auth?.offset;
    const restore = this.adapter.restoreSession;
    if (typeof pid !== 'string' || typeof offset !== 'string' || restore === undefined) {
      this.admitRecovering(client, auth, null);
      return;
    }
    let session: RestoredSession | null | Promise<RestoredSession | null>;
    try {
      session = restore.call(this.adapter, pid, offset);
    } catch {
      session = null;
    }
    if (!isThenable(session)) {
      this.admitRecovering(client, auth, session);
      return;
    }
    // an adapter that looks sessions up elsewhere: the CONNECT waits (and keeps a child namespace)
    this.admitting++;
    const settle = (found: RestoredSession | null): void => {
      if (client.conn.readyState !== 'open') {
        this.abandon(client);
        return;
      }
      this.admitting--;
      this.admitRecovering(client, auth, found);
    };
    (session as Promise<RestoredSession | null>).then(settle, () => settle(null));
  }

  private admitRecovering(client: Client, auth: Record<string, unknown> | undefined, session: RestoredSession | null): void {
    if (session === null) {
      const socket = new Socket<C>(this, client, generateId(), auth);
      socket._session = { pid: generateId(), recovered: false };
      this.admit(client, socket);
      return;
    }
    const socket = new Socket<C>(this, client, session.sid, auth);
    socket._session = { pid: session.pid, recovered: true };
    socket._restore(session.rooms, session.data);
    if (this._recovery!.skipMiddlewares) this.connect(client, socket, session.missedPackets);
    else this.admit(client, socket, session.missedPackets);
  }

  /** Runs the connection middleware (the parent's first), then connects the socket. */
  private admit(client: Client, socket: Socket<C>, missed?: unknown[][]): void {
    const chain = this.parent === undefined ? this.middlewares : [...this.parent.middlewares, ...this.middlewares];
    if (chain.length === 0) {
      // no middleware: admitted at once, with no closure (the client is open: it is decoding the
      // CONNECT, or has just checked, right now)
      this.connect(client, socket, missed);
      return;
    }
    this.admitting++;
    let i = 0;
    const next = (err?: Error & { data?: unknown }): void => {
      if (client.conn.readyState !== 'open') return this.abandon(client);
      if (err !== undefined && err !== null) {
        this.abandon(client);
        const data: { message: string; data?: unknown } = {
          message: err instanceof Error ? err.message : String(err),
        };
        if (err instanceof Error && err.data !== undefined) data.data = err.data;
        client.conn.write(toEngineFrames(encodePacket({ type: PacketType.CONNECT_ERROR, nsp: this.name, data })));
        return;
      }
      const fn = chain[i++];
      if (fn === undefined) {
        this.admitting--;
        this.connect(client, socket, missed);
        return;
      }
      let called = false;
      const once = (e?: Error & { data?: unknown }): void => {
        if (called) return;
        called = true;
        next(e);
      };
      try {
        const r = fn(socket, once);
        if (isThenable(r)) r.then(undefined, (e: unknown) => once(e instanceof Error ? e : new Error(String(e))));
      } catch (e) {
        once(e instanceof Error ? e : new Error(String(e)));
      }
    };
    next();
  }

  /**
   * A CONNECT that was waiting (`admitting`) ends without a socket: refused, or its client left
   * meanwhile. The client hears it is over, and an empty child namespace may go.
   */
  private abandon(client: Client): void {
    this.admitting--;
    client._connectEnded(this.name);
    this._releaseIfEmpty();
  }

  /** Admits the socket: the client's CONNECT is over, the socket joins and hears `connection`. */
  private connect(client: Client, socket: Socket<C>, missed?: unknown[][]): void {
    client._connectEnded(this.name);
    this.sockets.set(socket.id, socket);
    client._add(this.name, socket as unknown as Socket);
    socket._onconnect(missed);
    const args = [socket];
    this.emitLifecycle(socket, 'connection', args);
  }

  private emitLifecycle(socket: Socket<C>, ev: string, args: unknown[]): void {
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
    if (this.parent === undefined || this._kept || this.sockets.size > 0 || this.admitting > 0) return;
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
    this.emitLifecycle(socket, 'disconnect', args);
  }
}
