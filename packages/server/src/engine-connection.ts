/*
 * One Engine.IO v4 connection over one WebSocket: the open packet, the heartbeat, the close
 * reasons, and outgoing writes batched per tick with a bounded backlog. It never interprets
 * Socket.IO packets: `message` payloads go to `onMessage` as they are.
 *
 *   OPEN ──close(reason) / peer close / error / ping timeout──► CLOSED
 *     │                                                      (connClosed called exactly once)
 *     └─ every pingInterval: send "2", expect "3" within pingTimeout
 *
 * The heartbeat deadlines of all connections share two timers (DeadlineQueue), and the upgrade
 * request is not kept: only what `socket.handshake` needs (headers, url, address) stays, so the
 * request, its raw header list and its stream state are freed once the connection opens.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ClosedError, ENGINE_PING, EnginePacketType, ErrorCode, ProtocolError, decodeEnginePacket } from '@emitwire/protocol';
import type { DeadlineEntry, DeadlineHolder } from './deadline-queue.js';
import { frameSize, sendFrame, type EngineFrames, type OutFrame } from './engine-frames.js';
import type { EngineSettings } from './engine-settings.js';
import { HeaderTemplate, keepHeaders } from './header-template.js';
import type { EngineWebSocket, WebSocketOwner } from './engine-websocket.js';

/** Why a connection closed (PROTOCOL.md: the reasons the server socket sees). */
export type CloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close'
  | 'server shutting down'
  | 'server namespace disconnect';

/** What a connection reports to the layer above it (the Client). */
export interface ConnectionHandler {
  /** Each `message` payload (text or bytes). */
  connOnMessage(data: string | Buffer): void;
  /** Called once when the connection closes. */
  connOnClose(reason: CloseReason, description?: Error): void;
}

const DETACHED: ConnectionHandler = { connOnMessage() {}, connOnClose() {} };

// Connections with queued frames, flushed together once per tick. process.nextTick, like the ws
// reference: it runs after the current callback as a microtask would, and costs a quarter of a
// queueMicrotask, which Node wraps in an AsyncResource (issue 6, one flush per message received).
// The list keeps its capacity from one tick to the next (`length = 0` would free it, and the next
// tick's first write would allocate a new one): `dirtyCount` is its length, and flushed slots are
// cleared so a closed connection is not kept.
const dirty: (EngineConnection | undefined)[] = [];
let dirtyCount = 0;
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // connections may become dirty again while flushing (a send error closing another one): loop
  for (let i = 0; i < dirtyCount; i++) {
    const conn = dirty[i]!;
    dirty[i] = undefined;
    conn.flush();
  }
  dirtyCount = 0;
}

interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/** The WebSocket's TCP socket, to cork a batch into one write (ws keeps it on a private field). */
function rawSocket(ws: EngineWebSocket): CorkableSocket | undefined {
  const s = (ws as unknown as { _socket?: Partial<CorkableSocket> })._socket;
  return s !== undefined && typeof s.cork === 'function' && typeof s.uncork === 'function'
    ? (s as CorkableSocket)
    : undefined;
}

/** What the server reads of ws's message receiver (private fields of ws, checked before use). */
interface ReceiverChunks {
  _buffers?: unknown;
  _bufferedBytes?: unknown;
}

/**
 * The WebSocket's message receiver, while it holds no data: the chunk list it keeps from the
 * handshake messages (ws keeps it on private fields; undefined if ws changes them).
 */
function idleReceiver(ws: EngineWebSocket): ReceiverChunks | undefined {
  const r = (ws as unknown as { _receiver?: ReceiverChunks })._receiver;
  return r !== undefined && Array.isArray(r._buffers) && r._buffers.length === 0 && r._bufferedBytes === 0 ? r : undefined;
}

/**
 * The underlying connection of one client, as `socket.conn`. Socket.IO's `conn.request` is not
 * kept (see the top of this file): `headers`, `url` and `remoteAddress` hold what it carried.
 */
export class EngineConnection implements DeadlineEntry, WebSocketOwner {
  /** The Engine.IO session id. */
  readonly id: string;
  /** The client's address, as the TCP socket reported it at the upgrade. */
  readonly remoteAddress: string;
  /** The upgrade request's URL (path and query). */
  readonly url: string;
  /** True over TLS. */
  readonly secure: boolean;
  /** `open` until closed, then `closed`. */
  readyState: 'open' | 'closed' = 'open';
  /** @internal Receives the messages and the close. */
  _handler: ConnectionHandler = DETACHED;

  /** @internal */
  _dlQueue: DeadlineHolder | undefined = undefined;
  /** @internal */
  _dlPrev: DeadlineEntry | undefined = undefined;
  /** @internal */
  _dlNext: DeadlineEntry | undefined = undefined;
  /** @internal */
  _dlAt = 0;

  private readonly ws: EngineWebSocket;
  private readonly settings: EngineSettings;
  /**
   * When the connection opened, in ms after `settings.epoch`: a small integer for the first ~12
   * days of a server (stored in the object), where `Date.now()` itself is a boxed double per
   * connection (issue 6, idle memory).
   */
  private readonly issuedAt: number;
  /**
   * Frames queued this tick: a lone frame as itself (most ticks write one), several in an array;
   * undefined when none (the connection is not in the dirty list).
   */
  private queue: OutFrame | OutFrame[] | undefined = undefined;
  /**
   * The compress flag of each queued frame, only once one of this tick's frames is not to be
   * compressed (`compress(false)`); undefined when all are (the default).
   */
  private compressFlags: boolean[] | undefined = undefined;
  private queuedBytes = 0;
  /** Resolvers of `whenClosed()`, only while someone waits. */
  private closeWaiters: Array<() => void> | undefined = undefined;
  /** The upgrade request's headers, or the template they matched until first read (see `headers`). */
  private headerSource: IncomingHttpHeaders | HeaderTemplate;
  /** With a template: the request's `sec-websocket-key`. */
  private headerKey: string | undefined;

  constructor(ws: EngineWebSocket, request: IncomingMessage, id: string, settings: EngineSettings) {
    this.ws = ws;
    this.id = id;
    this.settings = settings;
    const headers = request.headers;
    const source = keepHeaders(headers, settings.headers);
    this.headerSource = source;
    this.headerKey = source instanceof HeaderTemplate ? source.keyOf(headers) : undefined;
    const url = request.url ?? '';
    this.url = url === settings.lastUrl ? settings.lastUrl : (settings.lastUrl = url);
    const address = request.socket.remoteAddress ?? '';
    this.remoteAddress = address === settings.lastAddress ? settings.lastAddress : (settings.lastAddress = address);
    this.secure = (request.socket as { encrypted?: boolean }).encrypted === true;
    this.issuedAt = Date.now() - settings.epoch;
    ws._owner = this;
    sendFrame(this.ws, settings.openPrefix + id + settings.openSuffix);
    settings.pings.schedule(this);
  }

  /** The upgrade request's headers (the same object from first read on). */
  get headers(): IncomingHttpHeaders {
    const source = this.headerSource;
    if (!(source instanceof HeaderTemplate)) return source;
    const headers = source.build(this.headerKey);
    this.headerSource = headers;
    this.headerKey = undefined;
    return headers;
  }

  /** When the connection opened, in ms since the epoch. */
  get issued(): number {
    return this.settings.epoch + this.issuedAt;
  }

  /** Bytes waiting to be sent: queued for this tick plus not yet flushed by the socket. */
  get backlog(): number {
    return this.queuedBytes + this.ws.bufferedAmount;
  }

  /** True when a write would go out at once (for `volatile` emits). */
  get writable(): boolean {
    return this.readyState === 'open' && this.ws.bufferedAmount === 0;
  }

  /**
   * Queues the frames of one packet for this tick. Returns false when the connection is closed.
   * Past `maxBacklog`, the connection is closed instead of growing. `compress: false` sends them
   * uncompressed even with permessage-deflate on (Socket.IO's `compress(false)`; on by default).
   */
  write(frames: EngineFrames, compress = true): boolean {
    if (this.readyState !== 'open') return false;
    const fresh = this.queue === undefined;
    if (typeof frames === 'string') this.enqueue(frames, compress);
    else for (const frame of frames) this.enqueue(frame, compress);
    if (this.queuedBytes + this.ws.bufferedAmount > this.settings.maxBacklog) {
      this.queue = undefined;
      this.compressFlags = undefined;
      this.queuedBytes = 0;
      this.closeWith(
        'transport error',
        new ClosedError(ErrorCode.BUFFER_FULL, `write backlog exceeded maxBacklog (${this.settings.maxBacklog} bytes)`),
        1008,
        'write backlog full',
        // the peer is not reading: waiting for a closing handshake would keep the backlog alive
        true,
      );
      return false;
    }
    if (fresh) {
      dirty[dirtyCount++] = this;
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flushAll);
      }
    }
    return true;
  }

  /** Closes the connection (reason `forced close` unless given). */
  close(reason: CloseReason = 'forced close', description?: Error): void {
    const code = reason === 'server shutting down' ? 1001 : reason === 'parse error' ? 1002 : 1000;
    this.closeWith(reason, description, code, reason === 'parse error' ? 'parse error' : '');
  }

  /** Resolves once the WebSocket itself has closed (after the closing handshake). */
  whenClosed(): Promise<void> {
    if (this.ws.readyState === 3 /* CLOSED */) return Promise.resolve();
    return new Promise((resolve) => (this.closeWaiters ??= []).push(resolve));
  }

  /** Drops the TCP connection at once, without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  /** @internal Sends the frames queued this tick, in one corked write. */
  flush(): void {
    const queue = this.queue;
    if (queue === undefined) return;
    const flags = this.compressFlags;
    this.queue = undefined;
    this.compressFlags = undefined;
    this.queuedBytes = 0;
    if (this.ws.readyState !== 1 /* OPEN */) return;
    if (!Array.isArray(queue)) {
      try {
        sendFrame(this.ws, queue, flags?.[0] ?? true);
      } catch (err) {
        this.sendFailed(err);
      }
      return;
    }
    const raw = rawSocket(this.ws);
    raw?.cork();
    try {
      for (let i = 0; i < queue.length; i++) sendFrame(this.ws, queue[i]!, flags?.[i] ?? true);
    } catch (err) {
      this.sendFailed(err);
    } finally {
      raw?.uncork();
    }
  }

  /**
   * ws refused a frame (binary data detached since the emit): the frames after it cannot follow in
   * order, so the connection goes, with the reason; the flush of every other connection goes on.
   */
  private sendFailed(err: unknown): void {
    const description = err instanceof Error ? err : new Error(String(err));
    this.closeWith('transport error', description, 1011, 'send failed', true);
  }

  private enqueue(frame: OutFrame, compress: boolean): void {
    this.queuedBytes += frameSize(frame);
    const queue = this.queue;
    if (queue === undefined) {
      this.queue = frame;
      if (!compress) this.compressFlags = [false];
      return;
    }
    // frames are strings, PreparedText and binary data, never arrays
    const list = Array.isArray(queue) ? queue : (this.queue = [queue]);
    if (!compress) this.compressFlags ??= new Array<boolean>(list.length).fill(true);
    this.compressFlags?.push(compress);
    list.push(frame);
  }

  /** @internal The ping interval elapsed: ping, and wait for the pong. */
  _pingDue(): void {
    if (this.readyState !== 'open') return;
    // a ping past maxBacklog closes the connection: a closed one must not wait for its pong
    if (this.write(ENGINE_PING)) this.settings.pongs.schedule(this);
  }

  /**
   * @internal After a namespace CONNECT, when the connection usually turns idle: ws's receiver keeps
   * its (empty) chunk list at the capacity the handshake messages grew it to, about 110 B of heap
   * per idle connection (issue 6, idle memory); a fresh empty list has no backing store.
   */
  _compactReceiver(): void {
    const receiver = idleReceiver(this.ws);
    if (receiver !== undefined) receiver._buffers = [];
  }

  /** @internal No pong within pingTimeout. */
  _pongMissed(): void {
    this.closeWith('ping timeout', undefined, 1000, '', true);
  }

  /** Called by the connection layer (WebSocketOwner); not for applications. */
  _wsOnMessage(data: Buffer, isBinary: boolean): void {
    if (this.readyState !== 'open') return;
    if (isBinary) {
      // binary WebSocket message: an Engine.IO message holding raw bytes (PROTOCOL.md)
      this._handler.connOnMessage(data);
      return;
    }
    // the common case, an Engine.IO message ("4…"), without an intermediate packet object
    if (data[0] === 0x34 /* 4 */) {
      this._handler.connOnMessage(data.toString('utf8', 1));
      return;
    }
    let packet;
    try {
      packet = decodeEnginePacket(data.toString());
    } catch (err) {
      this.closeWith('parse error', err as Error, 1002, 'parse error');
      return;
    }
    switch (packet.type) {
      case EnginePacketType.MESSAGE:
        this._handler.connOnMessage(packet.data as string | Buffer);
        return;
      case EnginePacketType.PONG:
        if (this.settings.pongs.has(this)) this.settings.pings.schedule(this);
        return;
      case EnginePacketType.CLOSE:
        this.closeWith('transport close');
        return;
      case EnginePacketType.NOOP:
      case EnginePacketType.UPGRADE:
        return;
      default:
        // a client ping (v3 heartbeat) or an open packet breaks v4 (PROTOCOL.md)
        this.closeWith('parse error', new ProtocolError(ErrorCode.HEARTBEAT, 'unexpected Engine.IO packet from client'), 1002, 'parse error');
    }
  }

  /** Called by the connection layer (WebSocketOwner); not for applications. */
  _wsOnClose(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve();
    this.closeWith('transport close');
  }

  /** Called by the connection layer (WebSocketOwner); not for applications. */
  _wsOnError(err: Error): void {
    this.closeWith('transport error', err);
  }

  private closeWith(reason: CloseReason, description?: Error, code = 1000, wsReason = '', terminate = false): void {
    if (this.readyState === 'closed') return;
    // what was written before the close (a DISCONNECT, a CONNECT_ERROR) still goes out
    if (!terminate && reason !== 'transport close' && reason !== 'transport error') this.flush();
    this.readyState = 'closed';
    this._dlQueue?.cancel(this);
    this.queue = undefined;
    this.compressFlags = undefined;
    this.queuedBytes = 0;
    if (terminate) this.ws.terminate();
    else if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, wsReason);
    this._handler.connOnClose(reason, description);
  }
}
