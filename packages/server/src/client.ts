/*
 * The Socket.IO side of one connection: decodes, routes packets by namespace, admits namespace
 * CONNECTs, and closes the connection on any wire-rule violation (`parse error`). While no
 * namespace is joined (after opening, or after the client left its last one) the connection has
 * `connectTimeout` to join one.
 *
 * Per-connection state is kept small for idle connections (issue 6): the first joined namespace's
 * socket sits in a field (a Map only for a second one), the set of namespaces being joined and the
 * Decoder exist only while in use, and the connect timeout is an entry of a shared DeadlineQueue.
 */
import { ErrorCode, PacketType, ProtocolError, encodePacket, type DecodedPacket, type Decoder } from '@emitwire/protocol';
import type { DeadlineEntry, DeadlineHolder, DeadlineQueue } from './deadline-queue.js';
import type { DecoderPool } from './decoder-pool.js';
import type { ConnectionHandler, EngineConnection, CloseReason } from './engine-connection.js';
import { toEngineFrames } from './engine-frames.js';
import type { HandlerErrorContext, ServerOptions } from './options.js';
import type { Socket } from './socket.js';
import type { Namespace } from './namespace.js';

/** The most namespaces a client may still send stray packets for after the server made it leave them. */
const MAX_LEFT_NAMESPACES = 16;

/** What a Client needs from the server. */
export interface ClientHost {
  readonly _options: ServerOptions;
  /** The server's shared idle decoder. */
  readonly _decoders: DecoderPool;
  /** Clients that have not joined any namespace yet, closed after `connectTimeout`. */
  readonly _connectDeadlines: DeadlineQueue<ConnectDeadline>;
  /** The namespace named `name` if it exists already (no dynamic matching). */
  _namespace(name: string): Namespace | undefined;
  /** For a name with no namespace yet: creates the dynamic namespace a matcher accepts, or `undefined`. */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown> | undefined,
    done: (nsp: Namespace | undefined, auth: Record<string, unknown> | undefined) => void,
  ): void;
  /** The connection closed. */
  _clientClosed(client: Client): void;
}

/** A client's entry in the connect-timeout queue, alive only while no namespace is joined. */
export class ConnectDeadline implements DeadlineEntry {
  /** @internal */
  _dlQueue: DeadlineHolder | undefined = undefined;
  /** @internal */
  _dlPrev: DeadlineEntry | undefined = undefined;
  /** @internal */
  _dlNext: DeadlineEntry | undefined = undefined;
  /** @internal */
  _dlAt = 0;

  constructor(readonly client: Client) {}
}

/** One connection's namespace router. */
export class Client implements ConnectionHandler {
  readonly conn: EngineConnection;
  private readonly host: ClientHost;
  /** Its own decoder, only while a binary packet waits for attachments. */
  private decoder: Decoder | undefined = undefined;
  /** The socket of the first namespace joined (most clients join only one). */
  private first: Socket | undefined = undefined;
  /** The sockets of the other joined namespaces, by name. */
  private others: Map<string, Socket> | undefined = undefined;
  /**
   * Namespaces whose CONNECT is in progress (middleware): the name itself while there is one (the
   * usual case, no Set to allocate per connection), a Set for several.
   */
  private connecting: string | Set<string> | undefined = undefined;
  private connectDeadline: ConnectDeadline | undefined = undefined;
  /**
   * Namespaces the server made this client leave (`socket.disconnect()`) that it has not joined
   * again: until its `41` arrives, the client may still send packets for them, which are dropped,
   * not a wire-rule violation (Socket.IO closes the connection unless it reads them in the same tick:
   * README "Deliberate differences"). Only while there are some, at most
   * MAX_LEFT_NAMESPACES (the oldest go).
   */
  private left: string[] | undefined = undefined;

  constructor(host: ClientHost, conn: EngineConnection) {
    this.host = host;
    this.conn = conn;
    conn._handler = this;
    this.armConnectTimeout();
  }

  /** The server options. */
  get options(): ServerOptions {
    return this.host._options;
  }

  /** The number of joined namespaces. */
  get size(): number {
    return (this.first === undefined ? 0 : 1) + (this.others?.size ?? 0);
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
    for (const socket of this.joined()) socket.disconnect();
  }

  /** @internal */
  _add(name: string, socket: Socket): void {
    // `first` only when nothing is joined, so `joined()` keeps the order of joining
    if (this.size === 0) this.first = socket;
    else (this.others ??= new Map()).set(name, socket);
    this.cancelConnectTimeout();
  }

  /** @internal `byServer`: the server made the socket leave (its client may not know yet). */
  _remove(socket: Socket, byServer: boolean): void {
    const name = socket.nsp.name;
    if (this.first === socket) this.first = undefined;
    else if (this.others?.get(name) === socket) this.others.delete(name);
    else return;
    if (byServer) {
      const left = (this.left ??= []);
      if (!left.includes(name)) left.push(name);
      if (left.length > MAX_LEFT_NAMESPACES) left.shift();
    }
    if (this.size === 0 && this.conn.readyState === 'open') this.armConnectTimeout();
  }

  /** @internal The connect timeout elapsed. */
  _connectTimedOut(): void {
    this.connectDeadline = undefined;
    if (this.size === 0) this.conn.close('forced close');
  }

  private socketOf(name: string): Socket | undefined {
    const first = this.first;
    if (first !== undefined && first.nsp.name === name) return first;
    return this.others?.get(name);
  }

  /** The joined sockets (a snapshot). */
  private joined(): Socket[] {
    const all = this.others === undefined ? [] : [...this.others.values()];
    if (this.first !== undefined) all.unshift(this.first);
    return all;
  }

  private armConnectTimeout(): void {
    this.host._connectDeadlines.schedule((this.connectDeadline ??= new ConnectDeadline(this)));
  }

  private cancelConnectTimeout(): void {
    if (this.connectDeadline === undefined) return;
    this.host._connectDeadlines.cancel(this.connectDeadline);
    this.connectDeadline = undefined;
  }

  /** Called by the connection layer (ConnectionHandler); not for applications. */
  connOnMessage(data: string | Buffer): void {
    // the server's shared decoder, unless this connection is in the middle of a binary packet
    const decoder = this.decoder ?? this.host._decoders.shared;
    let packet: DecodedPacket | undefined;
    try {
      packet = decoder.add(data);
    } catch (err) {
      // the decoder is idle again after an error
      this.decoder = undefined;
      this.conn.close('parse error', err as Error);
      return;
    }
    if (packet === undefined) {
      this.decoder ??= this.host._decoders.take();
      return;
    }
    this.decoder = undefined;
    try {
      // a CONNECT is always a text message: its length is the size of the auth kept with the socket
      this.route(packet, typeof data === 'string' ? data.length : 0);
    } catch (err) {
      // our own failure while routing: this connection goes, the process and the others stay
      this.conn.close('transport error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  private route(packet: DecodedPacket, size: number): void {
    if (packet.type === PacketType.CONNECT) {
      // no payload: `handshake.auth` becomes `{}` when first read, not for every socket
      this.connect(packet.nsp, packet.data, size);
      this.conn._compactReceiver();
      return;
    }
    if (packet.type === PacketType.CONNECT_ERROR) {
      this.conn.close('parse error', new ProtocolError(ErrorCode.INVALID_PAYLOAD, 'CONNECT_ERROR from a client'));
      return;
    }
    const socket = this.socketOf(packet.nsp);
    if (socket === undefined) {
      // sent before the client heard that the server made it leave: dropped
      if (this.left?.includes(packet.nsp) === true) return;
      // a packet for a namespace the client has not joined (PROTOCOL.md)
      this.conn.close('parse error', new ProtocolError(ErrorCode.UNKNOWN_NAMESPACE, `namespace ${packet.nsp} not joined`));
      return;
    }
    socket._onpacket(packet);
  }

  private connect(name: string, payload: Record<string, unknown> | undefined, size: number): void {
    // a repeated CONNECT for a joined (or joining) namespace is ignored
    const connecting = this.connecting;
    if (this.socketOf(name) !== undefined || connecting === name || (typeof connecting === 'object' && connecting.has(name))) return;
    // the auth stays with the socket as long as it is connected, parsed (up to ~20 times its text in
    // heap), once per namespace: refused before any namespace or socket is made for it
    if (size > this.options.maxConnectPayload) {
      this.refuse(name, 'Auth payload too large');
      return;
    }
    // joined and joining together, before a dynamic namespace is made for the name
    const joining = connecting === undefined ? 0 : typeof connecting === 'string' ? 1 : connecting.size;
    if (this.size + joining >= this.options.maxNamespacesPerConnection) {
      this.refuse(name, 'Too many namespaces');
      return;
    }
    // joining again: the client knows it had left
    const left = this.left;
    if (left !== undefined) {
      const at = left.indexOf(name);
      if (at >= 0) left.splice(at, 1);
      if (left.length === 0) this.left = undefined;
    }
    if (connecting === undefined) this.connecting = name;
    else if (typeof connecting === 'string') this.connecting = new Set([connecting, name]);
    else connecting.add(name);
    // an existing namespace is admitted at once, without a callback (the usual case)
    const existing = this.host._namespace(name);
    if (existing !== undefined) {
      existing._add(this, payload);
      return;
    }
    this.host._resolveNamespace(name, payload, (nsp, auth) => {
      if (this.conn.readyState !== 'open') {
        // the child made for this connection must not outlive it empty
        nsp?._releaseIfEmpty();
        return;
      }
      if (nsp === undefined) {
        this._connectEnded(name);
        this.refuse(name, 'Invalid namespace');
        return;
      }
      nsp._add(this, auth);
    });
  }

  /** Answers a CONNECT with CONNECT_ERROR `{ message }`. */
  private refuse(name: string, message: string): void {
    this.conn.write(toEngineFrames(encodePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message } })));
  }

  /** @internal The CONNECT of `name` is over (admitted or refused). */
  _connectEnded(name: string): void {
    const connecting = this.connecting;
    if (connecting === name) this.connecting = undefined;
    else if (typeof connecting === 'object') {
      connecting.delete(name);
      if (connecting.size === 0) this.connecting = undefined;
    }
  }

  /** Called by the connection layer (ConnectionHandler); not for applications. */
  connOnClose(reason: CloseReason, description?: Error): void {
    this.cancelConnectTimeout();
    this.decoder = undefined;
    for (const socket of this.joined()) socket._onclose(reason, description);
    this.first = undefined;
    this.others = undefined;
    this.host._clientClosed(this);
  }
}
