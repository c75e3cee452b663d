/*
 * The Manager owns one WebSocket to one server (Engine.IO framing, heartbeat watchdog,
 * reconnection) and multiplexes the namespace Sockets over it.
 *
 *             open()                       open packet
 *   closed ──────────► opening ───────────────────────────► open
 *     ▲                  │ error, close, timeout              │ close, ping timeout, parse error
 *     │                  ▼                                    ▼
 *     └─────── closed, then reconnect after a backoff delay ◄─┘
 *              (unless `reconnection` is off, attempts are used up, or close() was called)
 *
 * This file ships in the browser bundle (budget: issue 4): it is written to stay small.
 */
import {
  Decoder,
  invalidArgument,
  EmitwireError,
  ProtocolError,
  TimeoutError,
  type DecodedPacket,
  type EncodedPacket,
  type BinaryData,
  type ErrorCodeValue,
} from '@emitwire/protocol';
import { backoffDelay } from './backoff.js';
import { Link } from './emitter.js';
import { DEFAULT_MANAGER_OPTIONS, type ManagerOptions, type SocketOptions, type WebSocketLike } from './options.js';
import { ENGINE_CLOSE, ENGINE_MESSAGE, ENGINE_OPEN, ENGINE_PING, SOCKET_CLOSE, SOCKET_ERROR, SOCKET_OPEN } from './packet-types.js';
import { Socket, closed, type DisconnectReason } from './socket.js';
import { parseUrl } from './url.js';

/** Why the connection closed, as the Manager's `close` event reports it. */
export type CloseReason = Exclude<DisconnectReason, 'io server disconnect' | 'io client disconnect'> | 'forced close';

/** Events of the {@link Manager} (`socket.io.on(…)`). */
export interface ManagerEvents {
  /** The connection is open (the server's open packet arrived). */
  open(): void;
  /** The connection closed. */
  close(reason: CloseReason, description?: unknown): void;
  /** A connection attempt failed. */
  error(err: Error): void;
  /** The server pinged (the client has answered). */
  ping(): void;
  /** A reconnection attempt starts (attempts count from 1). */
  reconnect_attempt(attempt: number): void;
  /** A reconnection attempt succeeded. */
  reconnect(attempt: number): void;
  /** A reconnection attempt failed. */
  reconnect_error(err: Error): void;
  /** `reconnectionAttempts` attempts failed; the manager stops trying. */
  reconnect_failed(): void;
}

/** The Manager's connection state. */
export type ReadyState = 'closed' | 'opening' | 'open';

/**
 * One connection to a server, shared by the sockets of its namespaces (`socket.io`).
 *
 * @example
 * const manager = new Manager('http://localhost:3000', { reconnectionDelayMax: 10000 });
 * const admin = manager.socket('/admin');
 */
export class Manager extends Link<ManagerEvents, object, (err?: Error) => void> {
  /** The options, merged with {@link DEFAULT_MANAGER_OPTIONS}; `query` may be changed between connections. */
  declare readonly opts: ManagerOptions;
  /** The server URL the manager was created with. */
  declare readonly uri: string;
  /** The sockets created by {@link socket}, by namespace. */
  readonly nsps = new Map<string, Socket>();
  /** The connection state. */
  readyState: ReadyState = 'closed';
  /** The Engine.IO session id of the current connection. */
  sid: string | undefined;
  /** Reconnection attempts since the last successful connection (the backoff's exponent). */
  #attempts = 0;
  #ws: WebSocketLike | undefined;
  #decoder: Decoder | undefined;
  #openCallback: ((err?: Error) => void) | undefined;
  // one timer: the open timeout, then the heartbeat watchdog while open, the reconnection delay while closed
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reconnecting = false;
  // (no initial values: each is set before it is read, or read as 0 / false would be)
  #skipReconnect: boolean | undefined;
  #watchdog!: number;
  #deadline!: number;
  #maxPayload!: number;
  /** Half the server's pingInterval, and until when a ping with a backlog is not answered (the ping handler). */
  #half!: number;
  #quiet: number | undefined;

  /**
   * @param uri the server URL (its path and query are ignored for the namespace; query parameters
   *   are sent with the handshake)
   * @throws {EmitwireError} `EW_INVALID_ARGUMENT` for a bad URL, or when there is no WebSocket implementation.
   */
  constructor(uri: string, opts: Partial<ManagerOptions> = {}) {
    super();
    // its own query object: one changed in place (`socket.io.opts.query.token = …`) must not be the
    // defaults' one, shared by every manager created without a query
    const o = (this.opts = { ...DEFAULT_MANAGER_OPTIONS, query: {}, ...opts });
    this.uri = parseUrl(uri).href;
    if (!this.#WebSocket()) invalidArgument('no WebSocket implementation: pass the WebSocket option');
    if (o.autoConnect) this.open();
  }

  /** True while waiting to reconnect or reconnecting. */
  get reconnecting(): boolean {
    return this.#reconnecting;
  }

  /** The socket of namespace `nsp`, created on first use (and connected if `autoConnect`). */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket {
    let socket = this.nsps.get(nsp);
    if (!socket) this.nsps.set(nsp, (socket = new Socket(this, nsp, opts)));
    if (this.opts.autoConnect && !socket.active) socket.open();
    return socket;
  }

  /**
   * Opens the connection unless it is open or opening. `callback` is called once with nothing on
   * success, or with the error of a failed attempt (then no automatic reconnection follows).
   */
  override open(callback?: (err?: Error) => void): this {
    if (this.readyState !== 'closed') return this;
    const { path, query, decoder, timeout } = this.opts;
    // first: bad decoder options throw here, with nothing changed
    this.#decoder = new Decoder(decoder);
    // this attempt replaces a pending reconnection (whose own attempt sets the flag again): one
    // timer, one connection
    clearTimeout(this.#timer);
    this.#reconnecting = this.#skipReconnect = false;
    this.readyState = 'opening';
    this.#openCallback = callback;
    // the handshake URL: ws(s), the Engine.IO path, the URL's and the option's query, EIO=4
    const url = new URL(this.uri);
    // (of the special schemes only https: and wss: end in s:; a non-special scheme cannot be changed to ws:)
    url.protocol = /s:$/.test(url.protocol) ? 'wss:' : 'ws:';
    url.pathname = path.replace(/\/?$/, '/');
    for (const [k, v] of Object.entries({ ...query, EIO: '4', transport: 'websocket' })) url.searchParams.set(k, v);
    try {
      const ws = (this.#ws = new (this.#WebSocket()!)(url.href));
      // browsers and Node's global WebSocket deliver Blobs by default; `ws` delivers Buffers (kept)
      if (ws.binaryType === 'blob') ws.binaryType = 'arraybuffer';
      // an error ends the connection at once, without waiting for the close event that should follow
      // it: undici's WebSocket (Node's global) before nodejs/undici#3566 never fires it for a refused
      // connection, which then failed only at the open timeout (as engine.io-client does)
      ws.onerror = (ev: unknown) => this.#onClose('transport error', ev);
      ws.onclose = (ev: unknown) => this.#onClose('transport close', ev);
      ws.onmessage = (ev: { data: unknown }) => this.#onMessage(ev.data);
    } catch {
      // a constructor that throws (a browser refusing ws:// from an https: page, a bad header for
      // ws): a failed attempt, reported after the caller has returned, as a refused connection is
      this.#timer = setTimeout(() => this.#onClose('transport error'));
      return this;
    }
    this.#timer = setTimeout(() => this.#onClose('timeout'), timeout);
    return this;
  }

  /** Closes the connection and stops reconnecting; the sockets see `io client disconnect`. */
  override close(): this {
    this.#skipReconnect = true;
    this.#reconnecting = false;
    clearTimeout(this.#timer);
    this.#attempts = 0;
    if (this.readyState !== 'closed') this.#onClose('forced close');
    return this;
  }

  /**
   * @internal Writes an encoded packet (text, then its attachments) if the connection is open.
   * @throws {EmitwireError} `EW_PAYLOAD_TOO_LARGE`, nothing written, when a message exceeds the server's `maxPayload`
   * (never for a DISCONNECT: leaving a namespace must not fail, whatever limit a server announced).
   */
  _write(packet: EncodedPacket): void {
    if (this.readyState === 'open') {
      const max = packet[0] === '1' ? Infinity : this.#maxPayload;
      const frames: (string | BinaryData)[] = [packet].flat();
      frames[0] = '4' + frames[0];
      // the server counts bytes: the text (the only string) in UTF-8 (at most 3 bytes per UTF-16
      // unit, so measured only near the limit), and each attachment
      for (const m of frames) {
        if (typeof m === 'string' ? m.length * 3 > max && new Blob([m]).size > max : ((m as ArrayBuffer).byteLength ?? (m as Blob).size) > max) {
          throw new EmitwireError('EW_PAYLOAD_TOO_LARGE' satisfies ErrorCodeValue);
        }
      }
      for (const m of frames) this.#ws!.send(m);
    }
  }

  /** @internal A socket left: close the connection when no socket is active any more. */
  _destroy(): void {
    if (!this.#tell()) this.close();
  }

  /**
   * Tells each socket that wants to be connected (the list taken first: listeners may change it)
   * what happened to the connection, through its one entry point (`SOCKET_OPEN`, `SOCKET_ERROR`
   * with the error, `SOCKET_CLOSE` with the reason and description). Returns how many there are.
   */
  #tell(signal?: number, arg?: unknown, description?: unknown): number {
    const sockets = [...this.nsps.values()].filter((socket) => socket.active);
    if (signal !== undefined) for (const socket of sockets) socket._in(signal, arg, description);
    return sockets.length;
  }

  #WebSocket() {
    return this.opts.WebSocket ?? (globalThis as { WebSocket?: ManagerOptions['WebSocket'] }).WebSocket;
  }

  #onMessage(data: unknown): void {
    // Engine.IO over WebSocket: a text message is a type digit then data; a binary message is
    // always a `message` (an attachment). The decoder owns everything inside a message.
    const text = typeof data === 'string';
    const type = text ? data.charCodeAt(0) - 48 : ENGINE_MESSAGE;
    const body = text ? data.slice(1) : data;
    let packet: DecodedPacket | undefined;
    let open: { sid: string; pingInterval: number; pingTimeout: number; maxPayload?: number } | undefined;
    try {
      if (!(type >= 0 && type <= 6)) throw new ProtocolError('EW_ENGINE_PACKET' satisfies ErrorCodeValue);
      if (type === ENGINE_MESSAGE) packet = this.#decoder!.add(body as string | ArrayBuffer);
      else if (type === ENGINE_OPEN && this.readyState === 'opening') {
        open = JSON.parse(body as string);
        // the heartbeat: a watchdog that is not a number within setTimeout's range would fire at once, forever
        const watchdog: unknown = open!.pingInterval + open!.pingTimeout;
        if (typeof open!.sid !== 'string' || typeof watchdog !== 'number' || !(watchdog >= 0 && watchdog < 2 ** 31)) {
          throw new ProtocolError('EW_INVALID_PAYLOAD' satisfies ErrorCodeValue);
        }
        this.#watchdog = watchdog;
        this.#half = open!.pingInterval / 2;
        // the server's limit on what it receives (a bad or missing value: no client-side check)
        this.#maxPayload = open!.maxPayload! > 0 ? open!.maxPayload! : Infinity;
      }
    } catch (err) {
      return this.#onClose('parse error', err);
    }
    // user listeners run outside the try: their exceptions are not parse errors
    if (open) {
      this.sid = open.sid;
      this.readyState = 'open';
      this.#watch();
      const callback = this.#openCallback;
      this.#openCallback = undefined;
      this.emitReserved('open');
      this.#tell(SOCKET_OPEN);
      callback?.();
    } else if (type === ENGINE_PING && this.readyState === 'open') {
      // (a ping before the open packet is ignored: the open timeout still runs)
      this.#watch();
      // pong, unless a server that floods pings and does not read would make us queue pongs without
      // bound (3M pings of 3 bytes: 700 MB of heap): a v4 server pings once per pingInterval, after
      // our pong reached it, so with over 1 MB unsent a ping within half an interval of the last
      // answered one is not answered (an honest server's pings are always answered)
      const ws = this.#ws!;
      const now = Date.now();
      if (!(ws.bufferedAmount! > 1e6 && now < this.#quiet!)) {
        ws.send('3');
        this.#quiet = now + this.#half;
      }
      this.emitReserved('ping');
    } else if (type === ENGINE_CLOSE) this.#onClose('transport close');
    // packets for a namespace we have left may still be in flight: drop them
    else if (packet && this.readyState === 'open') this.nsps.get(packet.nsp)?._in(packet.type, packet);
  }

  /** Restarts the heartbeat watchdog: silence for pingInterval + pingTimeout means a dead link. */
  #watch(): void {
    clearTimeout(this.#timer);
    this.#deadline = Date.now() + this.#watchdog;
    this.#timer = setTimeout(() => this.#onClose('ping timeout'), this.#watchdog);
  }

  /**
   * @internal Before a write: a heartbeat already overdue whose timer has not run (a device that
   * slept, a throttled background tab) ends the connection now, so the write is buffered for the
   * next connection instead of lost on a dead one.
   */
  _check(): void {
    if (this.readyState === 'open' && Date.now() > this.#deadline) this.#onClose('ping timeout');
  }

  #onClose(reason: CloseReason | 'timeout', description?: unknown): void {
    const ws = this.#ws;
    const wasOpen = this.readyState === 'open';
    const callback = this.#openCallback;
    const reconnect = this.opts.reconnection;
    clearTimeout(this.#timer);
    if (ws) {
      // no-ops, not null: `ws` emits 'error' when a pending handshake is aborted, and an
      // EventEmitter 'error' without a listener would throw (onopen is never set)
      ws.onclose = ws.onerror = ws.onmessage = () => {};
      // CONNECTING(0) or OPEN(1): we are the side closing it
      if (ws.readyState < 2) ws.close();
    }
    this.#ws = this.#decoder = this.sid = this.#openCallback = undefined;
    this.readyState = 'closed';
    if (wasOpen) {
      this.#attempts = 0;
      this.emitReserved('close', reason as CloseReason, description);
      this.#tell(SOCKET_CLOSE, reason === 'forced close' ? 'io client disconnect' : reason, description);
      if (reconnect) this.#reconnect();
    } else if (reason !== 'forced close') {
      // a connection attempt failed
      const err =
        reason === 'timeout'
          ? new TimeoutError('EW_CONNECT_TIMEOUT' satisfies ErrorCodeValue)
          : closed(`connection failed (${reason})`);
      this.emitReserved('error', err);
      this.#tell(SOCKET_ERROR, err);
      if (callback) callback(err);
      else if (reconnect) this.#reconnect();
    }
  }

  #reconnect(): void {
    const o = this.opts;
    // (not when a listener has opened the connection again: #ws is set)
    if (this.#reconnecting || this.#skipReconnect || this.#ws) return;
    if (this.#attempts >= o.reconnectionAttempts) {
      this.#attempts = 0;
      return this.emitReserved('reconnect_failed');
    }
    this.#reconnecting = true;
    const delay = backoffDelay(o.reconnectionDelay, o.reconnectionDelayMax, o.randomizationFactor, this.#attempts++);
    this.#timer = setTimeout(() => {
      this.emitReserved('reconnect_attempt', this.#attempts);
      // a listener may have closed the manager
      if (this.#reconnecting) {
        this.open((err) => {
          this.#reconnecting = false;
          if (err) {
            // the next attempt is scheduled (or reconnect_failed emitted) first, as in socket.io-client
            this.#reconnect();
            this.emitReserved('reconnect_error', err);
          } else {
            this.emitReserved('reconnect', this.#attempts);
            this.#attempts = 0;
          }
        }).#reconnecting = true;
      }
    }, delay);
  }
}
