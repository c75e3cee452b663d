/*
 * Where the Server meets its http(s) server: attaches to it, answers plain requests on the path
 * (the client script, Engine.IO's refusal of long-polling), vets upgrade requests on the path (at
 * once, or when a policy function or `allowRequest` answers) and hands the accepted ones to ws.
 * Requests and upgrades on other paths are left to the http server's other listeners.
 */
import { invalidArgument } from '@emitwire/protocol';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server as WsServer } from 'ws';
import type { Engine } from './engine.js';
import { EngineWebSocket } from './engine-websocket.js';
import { noop } from './errors.js';
import { checkHandshakeLater, handshakeVerdict, HandshakeError, refusePlainRequest, refuseRequest, refuseUpgrade, type Refusal } from './handshake.js';
import type { ServerOptions } from './options.js';
import { RequestTargetParser } from './request-target.js';
import { CLIENT_SCRIPT_NAME, ClientScriptHandler } from './serve-client.js';

export type AnyHttpServer = HttpServer | HttpsServer;
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
/** Receives each accepted WebSocket with its upgrade request. */
type ConnectionListener = (ws: EngineWebSocket, req: IncomingMessage) => void;

/** The Server's side of its http(s) server: requests and upgrades on the Server's path. */
export class HttpGateway {
  /** The http(s) server, once attached. */
  http: AnyHttpServer | undefined = undefined;
  /** Set when the Server closes: upgrades are dropped from then on. */
  closing = false;
  private readonly options: ServerOptions;
  /** Told of every refusal (`connection_error`); sees the `101`s. */
  private readonly engine: Engine;
  private readonly wss: WsServer<typeof EngineWebSocket>;
  private readonly basePath: string;
  private readonly targets: RequestTargetParser;
  private readonly scriptHandler: ClientScriptHandler;
  /** Gets each accepted WebSocket: the Server's one function for every upgrade. */
  private readonly onConnection: ConnectionListener;
  private detach: (() => void) | undefined;
  /** Upgrades waiting for a policy function or `allowRequest` to answer. */
  private readonly checking = new Set<Duplex>();

  constructor(options: ServerOptions, engine: Engine, onConnection: ConnectionListener) {
    this.options = options;
    this.engine = engine;
    this.onConnection = onConnection;
    const path = options.path;
    this.basePath = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    this.targets = new RequestTargetParser(this.basePath);
    this.wss = new WebSocketServer<typeof EngineWebSocket>({
      noServer: true,
      WebSocket: EngineWebSocket,
      clientTracking: false,
      maxPayload: options.maxHttpBufferSize,
      perMessageDeflate: options.perMessageDeflate,
    });
    engine._useWebSocketServer(this.wss);
    this.scriptHandler = new ClientScriptHandler(options.clientScript);
  }

  /** Attaches to `server`; `owned` when the Server created it (a request nobody else answers gets a 404). */
  attach(server: AnyHttpServer, owned: boolean): void {
    if (this.http !== undefined) invalidArgument('the server is already attached');
    this.http = server;
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.httpOnUpgrade(req, socket, head);
    server.on('upgrade', onUpgrade);
    // Requests on our path are answered here; the others go to the listeners the server had.
    const previous = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (this.httpOnRequest(req, res)) return;
      if (previous.length === 0 && owned) {
        res.writeHead(404, { 'Content-Length': 0 });
        res.end();
        return;
      }
      for (const listener of previous) listener.call(server, req, res);
    };
    server.on('request', onRequest);
    this.detach = () => {
      server.off('upgrade', onUpgrade);
      server.off('request', onRequest);
      for (const listener of previous) server.on('request', listener);
    };
  }

  private isOurPath(pathname: string): boolean {
    return pathname === this.basePath || pathname === this.basePath + '/';
  }

  /** Answers plain HTTP requests on our path; returns false for the others. */
  private httpOnRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = this.targets.parse(req.url ?? '/');
    if (url === undefined) return false;
    if (this.options.serveClient && url.pathname === `${this.basePath === '/' ? '' : this.basePath}/${CLIENT_SCRIPT_NAME}`) {
      this.scriptHandler.handle(req, res);
      return true;
    }
    if (!this.isOurPath(url.pathname)) return false;
    // HTTP long-polling is not served: Engine.IO's error answer, so polling clients learn why
    const refusal = refusePlainRequest(req, url.params);
    this.engine._refused(req, refusal);
    refuseRequest(res, refusal);
    return true;
  }

  private httpOnUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = this.targets.parse(req.url ?? '/');
    if (url === undefined || !this.isOurPath(url.pathname)) {
      // Another path: someone else's upgrade. When nobody else listens, do what Node does without
      // any 'upgrade' listener (our listener suppresses that default): drop the socket.
      if (this.http?.listenerCount('upgrade') === 1) {
        socket.on('error', noop);
        refuseUpgrade(socket, { status: 400, ...HandshakeError.BAD_REQUEST });
      }
      return;
    }
    // a reset during the checks must not become an uncaught 'error' (CVE-2022-41940)
    socket.on('error', noop);
    if (this.closing) {
      socket.destroy();
      return;
    }
    const verdict = handshakeVerdict(req, url.params, this.options);
    if (verdict !== undefined) this.upgradeChecked(req, socket, head, verdict ?? undefined);
    else this.checkUpgradeLater(req, socket, head);
  }

  /**
   * A policy function or `allowRequest` decides. Apart from httpOnUpgrade: a closure there would
   * give every upgrade a context, whichever branch it takes.
   */
  private checkUpgradeLater(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // kept until the answer or the socket's end: close() drops them, or one check that never
    // answers would keep the http server (and close()) open for good
    const checking = this.checking;
    const forget = (): void => void checking.delete(socket);
    checking.add(socket);
    socket.once('close', forget);
    checkHandshakeLater(req, this.options, (refusal) => {
      forget();
      socket.off('close', forget);
      this.upgradeChecked(req, socket, head, refusal);
    });
  }

  /** The checks are over: refuse, or hand the socket to ws. */
  private upgradeChecked(req: IncomingMessage, socket: Duplex, head: Buffer, refusal: Refusal | undefined): void {
    if (refusal !== undefined) {
      this.engine._refused(req, refusal);
      return refuseUpgrade(socket, refusal);
    }
    if (socket.destroyed || this.closing) {
      socket.destroy();
      return;
    }
    // the `101` and the open packet leave in one write (ws writes the 101 before calling back;
    // a refusal ends the socket, which uncorks it)
    const corkable = socket as Duplex & { cork?: () => void; uncork?: () => void };
    corkable.cork?.();
    // ws adds its own 'error' listener first thing in handleUpgrade (and keeps one on the socket
    // for good): ours would cost every connection listener arrays (issue 6, idle memory)
    socket.off('error', noop);
    this.wss.handleUpgrade(req, socket, head, this.onConnection);
    corkable.uncork?.();
  }

  /** Drops the upgrades still being checked (the Server is closing). */
  dropPending(): void {
    for (const socket of this.checking) socket.destroy();
  }

  /** Stops ws and gives the http server its own listeners back. */
  close(): void {
    this.wss.close();
    this.detach?.();
  }
}
