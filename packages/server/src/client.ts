/*
 * The Socket.IO side of one connection: owns the Decoder, routes packets by namespace, admits
 * namespace CONNECTs, and closes the connection on any wire-rule violation (`parse error`). While no
 * namespace is joined (after opening, or after the client left its last one) the connection has
 * `connectTimeout` to join one.
 */
import type { IncomingMessage } from 'node:http';
import { Decoder, ErrorCode, PacketType, ProtocolError, encodePacket, type DecodedPacket } from '@emitwire/protocol';
import type { EngineConnection, CloseReason } from './engine-connection.js';
import { toEngineFrames } from './engine-connection.js';
import { isSameOrigin } from './handshake.js';
import type { HandlerErrorContext, ServerOptions } from './options.js';
import type { Handshake, Socket } from './socket.js';
import type { Namespace } from './namespace.js';

/** What a Client needs from the server. */
export interface ClientHost {
  readonly _options: ServerOptions;
  /** Finds (or creates, for dynamic namespaces) the namespace named `name`, or `undefined`. */
  _resolveNamespace(name: string, auth: Record<string, unknown>, done: (nsp: Namespace | undefined) => void): void;
  /** The connection closed. */
  _clientClosed(client: Client): void;
}

function parseQuery(url: URL): Record<string, string | string[]> {
  // prototype-less: a "__proto__" parameter is an ordinary key
  const query = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of url.searchParams) {
    const prev = query[key];
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}

/** Builds the handshake details shared by every socket of a connection. */
export function handshakeOf(req: IncomingMessage, url: URL): Omit<Handshake, 'auth'> {
  const now = new Date();
  return {
    headers: req.headers,
    time: now.toString(),
    address: req.socket.remoteAddress ?? '',
    // documented as cross-origin only: a browser sends Origin on every WebSocket handshake, same origin included
    xdomain: typeof req.headers.origin === 'string' && !isSameOrigin(req, req.headers.origin),
    secure: (req.socket as { encrypted?: boolean }).encrypted === true,
    issued: now.getTime(),
    url: req.url ?? '',
    query: parseQuery(url),
  };
}

/** One connection's namespace router. */
export class Client {
  readonly conn: EngineConnection;
  readonly options: ServerOptions;
  private readonly host: ClientHost;
  private readonly decoder: Decoder;
  private readonly base: Omit<Handshake, 'auth'>;
  /** Joined namespaces, by name. */
  private readonly sockets = new Map<string, Socket>();
  /** Namespaces whose CONNECT is in progress (middleware). */
  private readonly connecting = new Set<string>();
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(host: ClientHost, conn: EngineConnection, base: Omit<Handshake, 'auth'>) {
    this.host = host;
    this.conn = conn;
    this.options = host._options;
    this.base = base;
    this.decoder = new Decoder({
      maxPayload: this.options.maxHttpBufferSize,
      maxAttachments: this.options.maxAttachments,
      maxDepth: this.options.maxDepth,
    });
    conn.onMessage = (data) => this.connOnMessage(data);
    conn.onClose = (reason, description) => this.connOnClose(reason, description);
    this.armConnectTimeout();
  }

  /** The number of joined namespaces. */
  get size(): number {
    return this.sockets.size;
  }

  /** @internal Reports a handler failure that no ack could carry. */
  reportError(err: unknown, context: HandlerErrorContext): void {
    try {
      this.options.onHandlerError(err, context);
    } catch {
      // a failing error hook must not reach the event loop either
    }
  }

  /** @internal Disconnects every socket of this connection (each gets `41`). */
  disconnectAll(): void {
    for (const socket of [...this.sockets.values()]) socket.disconnect();
  }

  /** @internal */
  _add(name: string, socket: Socket): void {
    this.sockets.set(name, socket);
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  /** @internal */
  _remove(socket: Socket): void {
    if (this.sockets.get(socket.nsp.name) !== socket) return;
    this.sockets.delete(socket.nsp.name);
    if (this.sockets.size === 0 && this.conn.readyState === 'open') this.armConnectTimeout();
  }

  private armConnectTimeout(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (this.sockets.size === 0) this.conn.close('forced close');
    }, this.options.connectTimeout);
  }

  private connOnMessage(data: string | Buffer): void {
    let packet: DecodedPacket | undefined;
    try {
      packet = this.decoder.add(data);
    } catch (err) {
      this.conn.close('parse error', err as Error);
      return;
    }
    if (packet === undefined) return;
    try {
      this.route(packet);
    } catch (err) {
      // our own failure while routing: this connection goes, the process and the others stay
      this.conn.close('transport error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  private route(packet: DecodedPacket): void {
    if (packet.type === PacketType.CONNECT) {
      this.connect(packet.nsp, packet.data ?? {});
      return;
    }
    if (packet.type === PacketType.CONNECT_ERROR) {
      this.conn.close('parse error', new ProtocolError(ErrorCode.INVALID_PAYLOAD, 'CONNECT_ERROR from a client'));
      return;
    }
    const socket = this.sockets.get(packet.nsp);
    if (socket === undefined) {
      // a packet for a namespace the client has not joined (PROTOCOL.md)
      this.conn.close('parse error', new ProtocolError(ErrorCode.UNKNOWN_NAMESPACE, `namespace ${packet.nsp} not joined`));
      return;
    }
    socket._onpacket(packet);
  }

  private connect(name: string, auth: Record<string, unknown>): void {
    // a repeated CONNECT for a joined (or joining) namespace is ignored
    if (this.sockets.has(name) || this.connecting.has(name)) return;
    this.connecting.add(name);
    this.host._resolveNamespace(name, auth, (nsp) => {
      if (this.conn.readyState !== 'open') return;
      if (nsp === undefined) {
        this.connecting.delete(name);
        const refusal = encodePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: 'Invalid namespace' } });
        this.conn.write(toEngineFrames(refusal));
        return;
      }
      nsp._add(this, auth, this.base, () => this.connecting.delete(name));
    });
  }

  private connOnClose(reason: CloseReason, description?: Error): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.decoder.reset();
    for (const socket of [...this.sockets.values()]) socket._onclose(reason, description);
    this.sockets.clear();
    this.host._clientClosed(this);
  }
}
