/*
 * The Server: attaches to an http(s) server (or creates one), vets upgrade requests on its path
 * (both through its HttpGateway, http-gateway.ts), opens an EngineConnection + Client per
 * WebSocket, owns the namespaces, and delegates the namespace API to the main namespace `/`
 * (DESIGN.md, API).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { invalidArgument, type AckResult, type EventContract, type EventNames, type EventParams } from '@emitwire/protocol';
import type { Room } from './adapter.js';
import type { BroadcastEmitArgs, BroadcastOperator } from './broadcast-operator.js';
import { Client, type ConnectDeadline } from './client.js';
import { Engine } from './engine.js';
import { DeadlineQueue } from './deadline-queue.js';
import { DecoderPool } from './decoder-pool.js';
import { EngineConnection } from './engine-connection.js';
import { engineSettings, type EngineSettings } from './engine-settings.js';
import type { EngineWebSocket } from './engine-websocket.js';
import { noop } from './errors.js';
import { HttpGateway, type AnyHttpServer } from './http-gateway.js';
import { generateId } from './id.js';
import { Namespace, type Middleware, type NamespaceEvent, type NamespaceListener } from './namespace.js';
import { resolveOptions, type ServerOptions } from './options.js';
import type { Socket } from './socket.js';
import type { AckEventNames, EmitEvents, EmitWithAckArgs, ServerSideEvents } from './typed-events.js';

/** Decides whether a dynamic namespace (`io.of(fn)`) accepts a name. */
export type NamespaceMatcher = (
  name: string,
  auth: Record<string, unknown>,
  next: (err: Error | null, success: boolean) => void,
) => void;

/** How long `close()` waits for clients to answer the closing handshake before dropping them. */
const CLOSE_GRACE_MS = 1000;

/**
 * The emitwire server.
 * @example
 * const io = new Server<ChatEvents>(8000);
 * io.on('chat', (socket, text) => { io.emit('chat', { from: socket.id, text }); });
 */
export class Server<C extends EventContract = EventContract> {
  /** @internal The resolved options. */
  readonly _options: ServerOptions;
  /** @internal The idle decoder the connections share. */
  readonly _decoders: DecoderPool;
  /** @internal Connections that have not joined a namespace yet. */
  readonly _connectDeadlines: DeadlineQueue<ConnectDeadline>;
  /** The main namespace `/`. */
  readonly sockets: Namespace<C>;
  /** The Engine.IO level: `connection_error`, `initial_headers` / `headers`, `connection`, `clientsCount`. */
  readonly engine: Engine;
  private readonly nsps = new Map<string, Namespace<C>>();
  /** Dynamic namespaces, in creation order; `pattern` for those matching by RegExp. */
  private readonly parents: Array<{ match: NamespaceMatcher; nsp: Namespace<C>; pattern?: RegExp }> = [];
  private readonly clients = new Set<Client>();
  private readonly settings: EngineSettings;
  /** The http(s) server's requests and upgrades on our path. */
  private readonly gateway: HttpGateway;
  private closing: Promise<void> | undefined;

  constructor(options?: Partial<ServerOptions>);
  constructor(port: number, options?: Partial<ServerOptions>);
  constructor(server: AnyHttpServer, options?: Partial<ServerOptions>);
  constructor(target?: number | AnyHttpServer | Partial<ServerOptions>, options?: Partial<ServerOptions>) {
    const opts = typeof target === 'object' && !isHttpServer(target) ? target : options;
    this._options = resolveOptions(opts);
    this.settings = engineSettings({
      pingInterval: this._options.pingInterval,
      pingTimeout: this._options.pingTimeout,
      maxPayload: this._options.maxHttpBufferSize,
      maxBacklog: this._options.maxBacklog,
    });
    this._decoders = new DecoderPool({
      maxPayload: this._options.maxHttpBufferSize,
      maxAttachments: this._options.maxAttachments,
      maxDepth: this._options.maxDepth,
    });
    this._connectDeadlines = new DeadlineQueue(this._options.connectTimeout, (entry) => entry.client._connectTimedOut());
    this.engine = new Engine(this, this._options.onHandlerError);
    this.gateway = new HttpGateway(this._options, this.engine, this.wssOnConnection);
    this.sockets = this.of('/');
    if (typeof target === 'number') this.listen(target);
    else if (isHttpServer(target)) this.attach(target);
  }

  /** The http(s) server the Server is attached to, once attached. */
  get httpServer(): AnyHttpServer | undefined {
    return this.gateway.http;
  }

  /** The number of open connections. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /** Creates an http server listening on `port` (all interfaces unless `host` is given) and attaches to it. */
  listen(port: number, host?: string): this {
    const http = createServer();
    this.gateway.attach(http, true);
    if (host === undefined) http.listen(port);
    else http.listen(port, host);
    return this;
  }

  /**
   * Attaches to an existing http(s) server: upgrade requests on `path` are ours, every other
   * request and upgrade is left to the server's other listeners.
   */
  attach(server: AnyHttpServer): this {
    this.gateway.attach(server, false);
    return this;
  }

  /** ws hands the request back with the socket: one function for every upgrade, no closure each. */
  private readonly wssOnConnection = (ws: EngineWebSocket, req: IncomingMessage): void => {
    if (this.closing !== undefined) {
      ws.terminate();
      return;
    }
    const conn = new EngineConnection(ws, req, generateId(), this.settings);
    const client = new Client(this, conn);
    if (conn.readyState !== 'open') return;
    this.clients.add(client);
    this.engine._connected(conn);
  };

  /** @internal */
  _clientClosed(client: Client): void {
    this.clients.delete(client);
  }

  // ── namespaces ─────────────────────────────────────────────────────────────────────────────

  /**
   * The namespace named `name` (created on first use), or a dynamic namespace matching names by
   * RegExp or function: its middleware and listeners apply to every child it creates.
   */
  of(name: string | RegExp | NamespaceMatcher, fn?: (socket: Socket<C>) => void): Namespace<C> {
    let nsp: Namespace<C>;
    if (typeof name === 'string') {
      const full = name.startsWith('/') ? name : '/' + name;
      // A name a RegExp namespace matches is its child, as a client's CONNECT would make it: a plain
      // namespace made in its place would take the name over without the parent's middleware. (A
      // function matcher may answer asynchronously, so such a name cannot be checked here.) The
      // application now holds it: kept, even empty (cleanupEmptyChildNamespaces removes only the
      // children that clients' names made).
      nsp = this.nsps.get(full) ?? this.addNamespace(full, this.parents.find((p) => p.pattern && testPattern(p.pattern, full))?.nsp);
      nsp._kept = true;
    } else if (name instanceof RegExp || typeof name === 'function') {
      nsp = new Namespace<C>(this, String(name), undefined, true);
      if (typeof name === 'function') this.parents.push({ match: name, nsp });
      else this.parents.push({ match: (n, _auth, next) => next(null, testPattern(name, n)), nsp, pattern: name });
    } else {
      invalidArgument('namespace must be a string, a RegExp or a function');
    }
    if (fn !== undefined) nsp.on('connection', fn as NamespaceListener<C, 'connection'>);
    return nsp;
  }

  /** A new namespace `name`, the child of `parent` when there is one. */
  private addNamespace(name: string, parent: Namespace<C> | undefined): Namespace<C> {
    const nsp = new Namespace<C>(this, name, parent);
    parent?._children.add(nsp);
    this.nsps.set(name, nsp);
    return nsp;
  }

  /** @internal An empty child of a dynamic namespace goes (see `cleanupEmptyChildNamespaces`). */
  _removeChild(child: Namespace<C>): void {
    if (this.nsps.get(child.name) !== child) return;
    this.nsps.delete(child.name);
    child.parent?._children.delete(child);
    // an adapter's failure to release is nobody's to handle here: the namespace is gone either way
    Promise.resolve()
      .then(() => child.adapter.close())
      .catch(noop);
  }

  /** @internal */
  _namespace(name: string): Namespace | undefined {
    return this.nsps.get(name) as unknown as Namespace | undefined;
  }

  /** @internal */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown> | undefined,
    done: (nsp: Namespace | undefined, auth: Record<string, unknown> | undefined) => void,
  ): void {
    // an existing namespace was looked up first (`_namespace`): only the matchers are left. They
    // get an object; the socket's handshake then has that very object
    const matchAuth = auth ?? {};
    let i = 0;
    const tryNext = (): void => {
      const parent = this.parents[i++];
      if (parent === undefined) return done(undefined, matchAuth);
      let called = false;
      const next = (err: Error | null, success: boolean): void => {
        if (called) return;
        called = true;
        if (err !== null || success !== true) return tryNext();
        const child = this.nsps.get(name) ?? this.addNamespace(name, parent.nsp);
        done(child as unknown as Namespace, matchAuth);
      };
      try {
        parent.match(name, matchAuth, next);
      } catch (err) {
        next(err instanceof Error ? err : new Error(String(err)), false);
      }
    };
    tryNext();
  }

  // ── the main namespace's API ───────────────────────────────────────────────────────────────

  /** See {@link Namespace.on}: `connection`/`connect`, `disconnect`, or a client event for every socket. */
  on<K extends NamespaceEvent<C>>(ev: K, listener: NamespaceListener<C, K>): this {
    this.sockets.on(ev, listener);
    return this;
  }

  /** See {@link Namespace.once}. */
  once<K extends NamespaceEvent<C>>(ev: K, listener: NamespaceListener<C, K>): this {
    this.sockets.once(ev, listener);
    return this;
  }

  /** See {@link Namespace.off}. */
  off<K extends NamespaceEvent<C>>(ev: K, listener?: NamespaceListener<C, K>): this {
    this.sockets.off(ev, listener);
    return this;
  }

  /** Connection middleware of the main namespace. */
  use(fn: Middleware<C>): this {
    this.sockets.use(fn);
    return this;
  }

  /** Sends an event to every socket of the main namespace. */
  emit<K extends EventNames<EmitEvents<C>>>(ev: K, ...args: BroadcastEmitArgs<EmitEvents<C>, K>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  /** Sends an event to every socket and resolves with one answer per socket. */
  emitWithAck<K extends AckEventNames<EmitEvents<C>>>(
    ev: K,
    ...args: EmitWithAckArgs<EmitEvents<C>, K>
  ): Promise<AckResult<EmitEvents<C>, K>[]> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  /** Broadcasts to a room (or a socket id). */
  to(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.sockets.to(room);
  }

  /** Same as {@link to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.sockets.in(room);
  }

  /** Broadcasts to every socket except those in `room`. */
  except(room: Room | readonly Room[]): BroadcastOperator<C> {
    return this.sockets.except(room);
  }

  /** Waits at most `ms` for broadcast acks. */
  timeout(ms: number): BroadcastOperator<C> {
    return this.sockets.timeout(ms);
  }

  /** Skips sockets whose connection is not ready to write at once. */
  get volatile(): BroadcastOperator<C> {
    return this.sockets.volatile;
  }

  /** Only this process (cluster adapters). */
  get local(): BroadcastOperator<C> {
    return this.sockets.local;
  }

  /** Sets permessage-deflate for a broadcast. */
  compress(compress: boolean): BroadcastOperator<C> {
    return this.sockets.compress(compress);
  }

  /** The sockets of the main namespace. */
  fetchSockets(): Promise<Socket<C>[]> {
    return this.sockets.fetchSockets();
  }

  /** Makes every socket of the main namespace join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.sockets.socketsJoin(room);
  }

  /** Makes every socket of the main namespace leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.sockets.socketsLeave(room);
  }

  /** Disconnects every socket of the main namespace. */
  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** Sends an event to the other server processes (cluster adapters). */
  serverSideEmit<K extends EventNames<ServerSideEvents<C>>>(ev: K, ...args: EventParams<ServerSideEvents<C>, K>): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  /** Listens to events from other server processes (Socket.IO's `io.on` for these). */
  onServerSideEmit<K extends EventNames<ServerSideEvents<C>>>(
    ev: K,
    listener: (...args: EventParams<ServerSideEvents<C>, K>) => void,
  ): this {
    this.sockets.onServerSideEmit(ev, listener);
    return this;
  }

  /**
   * Stops accepting connections, disconnects every socket with `server shutting down`, closes the
   * http server, and resolves when done. Also accepts a Socket.IO-style callback.
   */
  close(callback?: (err?: Error) => void): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.shutdown();
      // upgrades that arrive from now on are dropped
      this.gateway.closing = true;
    }
    if (callback !== undefined) this.closing.then(() => callback(), (err: Error) => callback(err));
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.gateway.dropPending();
    const conns = [...this.clients].map((client) => client.conn);
    for (const conn of conns) conn.close('server shutting down');
    if (conns.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      });
      await Promise.race([Promise.all(conns.map((c) => c.whenClosed())), grace]);
      clearTimeout(timer);
      for (const conn of conns) conn.terminate();
    }
    for (const nsp of this.nsps.values()) {
      nsp._stopReleaseTimer();
      await nsp.adapter.close();
    }
    const http = this.gateway.http;
    this.gateway.close();
    if (http !== undefined && http.listening) {
      await new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve())));
    }
  }
}

function isHttpServer(value: unknown): value is AnyHttpServer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { listen?: unknown }).listen === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** Whether `pattern` matches `name`, from the start whatever the RegExp's `g` / `y` flags left behind. */
function testPattern(pattern: RegExp, name: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(name);
}
