/*
 * One Engine.IO v4 connection over one WebSocket: the open packet, the heartbeat, the close
 * reasons, and outgoing writes batched per tick with a bounded backlog. It never interprets
 * Socket.IO packets: `message` payloads go to `onMessage` as they are.
 *
 *   OPEN ──close(reason) / peer close / error / ping timeout──► CLOSED
 *     │                                                      (onClose called exactly once)
 *     └─ every pingInterval: send "2", expect "3" within pingTimeout
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  ClosedError,
  ENGINE_PING,
  EnginePacketType,
  ErrorCode,
  ProtocolError,
  decodeEnginePacket,
  encodeOpenPacket,
  type BinaryData,
  type EncodedPacket,
} from '@emitwire/protocol';

/** Why a connection closed (PROTOCOL.md: the reasons the server socket sees). */
export type CloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close'
  | 'server shutting down'
  | 'server namespace disconnect';

/** UTF-8 bytes to send as one text frame: a broadcast converts its text once for every recipient. */
export class PreparedText {
  constructor(readonly bytes: Buffer) {}
}

/** One outgoing WebSocket message. */
export type OutFrame = string | PreparedText | BinaryData;

/** The WebSocket messages of one Socket.IO packet: a text message, then its attachments. */
export type EngineFrames = string | readonly OutFrame[];

/**
 * Turns an encoded Socket.IO packet into WebSocket messages (text prefixed with the Engine.IO
 * `message` type). With `shared`, text is converted to UTF-8 once, for writing to many connections.
 */
export function toEngineFrames(encoded: EncodedPacket, shared = false): EngineFrames {
  if (typeof encoded === 'string') {
    return shared ? [new PreparedText(Buffer.from('4' + encoded))] : '4' + encoded;
  }
  const [text, ...attachments] = encoded;
  return [shared ? new PreparedText(Buffer.from('4' + text)) : '4' + text, ...attachments];
}

function frameSize(frame: OutFrame): number {
  if (typeof frame === 'string') return frame.length;
  if (frame instanceof PreparedText) return frame.bytes.length;
  if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) return frame.byteLength;
  return frame.size;
}

/** Settings of one connection (from the server options). */
export interface EngineSettings {
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
  maxBacklog: number;
}

const SEND_TEXT = { binary: false } as const;
const SEND_TEXT_COMPRESS = { binary: false, compress: true } as const;
const SEND_BINARY_COMPRESS = { binary: true, compress: true } as const;

// Connections with queued frames, flushed together once per tick (microtask).
const dirty: EngineConnection[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // connections may become dirty again while flushing (a send error closing another one): loop
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/** The WebSocket's TCP socket, to cork a batch into one write (ws keeps it on a private field). */
function rawSocket(ws: WebSocket): CorkableSocket | undefined {
  const s = (ws as unknown as { _socket?: Partial<CorkableSocket> })._socket;
  return s !== undefined && typeof s.cork === 'function' && typeof s.uncork === 'function'
    ? (s as CorkableSocket)
    : undefined;
}

/** The underlying connection of one client, as `socket.conn`. */
export class EngineConnection {
  /** The Engine.IO session id. */
  readonly id: string;
  /** The upgrade request. */
  readonly request: IncomingMessage;
  /** `open` until closed, then `closed`. */
  readyState: 'open' | 'closed' = 'open';
  /** Called with each `message` payload (text or bytes). */
  onMessage: (data: string | Buffer) => void = () => {};
  /** Called once when the connection closes. */
  onClose: (reason: CloseReason, description?: Error) => void = () => {};

  private readonly ws: WebSocket;
  private readonly settings: EngineSettings;
  private queue: OutFrame[] = [];
  private compressFlags: boolean[] | undefined;
  private queuedBytes = 0;
  private queued = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private readonly wsClosed: Promise<void>;

  constructor(ws: WebSocket, request: IncomingMessage, id: string, settings: EngineSettings) {
    this.ws = ws;
    this.request = request;
    this.id = id;
    this.settings = settings;
    ws.on('message', (data, isBinary) => this.wsOnMessage(data as Buffer, isBinary));
    ws.on('error', (err) => this.closeWith('transport error', err));
    this.wsClosed = new Promise((resolve) => {
      ws.on('close', () => {
        resolve();
        this.closeWith('transport close');
      });
    });
    this.sendNow(
      encodeOpenPacket({
        sid: id,
        upgrades: [],
        pingInterval: settings.pingInterval,
        pingTimeout: settings.pingTimeout,
        maxPayload: settings.maxPayload,
      }),
    );
    this.heartbeat = setTimeout(() => this.heartbeatOnTimer(), settings.pingInterval);
  }

  /** The client's address. */
  get remoteAddress(): string {
    return this.request.socket.remoteAddress ?? '';
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
   * Past `maxBacklog`, the connection is closed instead of growing.
   */
  write(frames: EngineFrames, compress = false): boolean {
    if (this.readyState !== 'open') return false;
    if (typeof frames === 'string') this.enqueue(frames, compress);
    else for (const frame of frames) this.enqueue(frame, compress);
    if (this.queuedBytes + this.ws.bufferedAmount > this.settings.maxBacklog) {
      this.queue = [];
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
    if (!this.queued) {
      this.queued = true;
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flushAll);
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
    return this.wsClosed;
  }

  /** Drops the TCP connection at once, without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  /** @internal Sends the frames queued this tick, in one corked write. */
  flush(): void {
    this.queued = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    const flags = this.compressFlags;
    this.queue = [];
    this.compressFlags = undefined;
    this.queuedBytes = 0;
    if (this.ws.readyState !== 1 /* OPEN */) return;
    const raw = queue.length > 1 ? rawSocket(this.ws) : undefined;
    raw?.cork();
    for (let i = 0; i < queue.length; i++) this.sendNow(queue[i]!, flags?.[i] ?? false);
    raw?.uncork();
  }

  private enqueue(frame: OutFrame, compress: boolean): void {
    if (compress) {
      this.compressFlags ??= new Array<boolean>(this.queue.length).fill(false);
    }
    this.compressFlags?.push(compress);
    this.queue.push(frame);
    this.queuedBytes += frameSize(frame);
  }

  private sendNow(frame: OutFrame, compress = false): void {
    if (typeof frame === 'string') {
      if (compress) this.ws.send(frame, SEND_TEXT_COMPRESS);
      else this.ws.send(frame);
    } else if (frame instanceof PreparedText) {
      this.ws.send(frame.bytes, compress ? SEND_TEXT_COMPRESS : SEND_TEXT);
    } else {
      // ws sends Blobs as well as buffers and views
      const data = frame as Buffer;
      if (compress) this.ws.send(data, SEND_BINARY_COMPRESS);
      else this.ws.send(data);
    }
  }

  private heartbeatOnTimer(): void {
    if (this.readyState !== 'open') return;
    if (this.awaitingPong) {
      this.closeWith('ping timeout', undefined, 1000, '', true);
      return;
    }
    this.awaitingPong = true;
    this.write(ENGINE_PING);
    this.heartbeat = setTimeout(() => this.heartbeatOnTimer(), this.settings.pingTimeout);
  }

  private wsOnMessage(data: Buffer, isBinary: boolean): void {
    if (this.readyState !== 'open') return;
    if (isBinary) {
      // binary WebSocket message: an Engine.IO message holding raw bytes (PROTOCOL.md)
      this.onMessage(data);
      return;
    }
    const text = data.toString();
    let packet;
    try {
      packet = decodeEnginePacket(text);
    } catch (err) {
      this.closeWith('parse error', err as Error, 1002, 'parse error');
      return;
    }
    switch (packet.type) {
      case EnginePacketType.MESSAGE:
        this.onMessage(packet.data as string | Buffer);
        return;
      case EnginePacketType.PONG:
        if (this.awaitingPong) {
          this.awaitingPong = false;
          clearTimeout(this.heartbeat);
          this.heartbeat = setTimeout(() => this.heartbeatOnTimer(), this.settings.pingInterval);
        }
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

  private closeWith(reason: CloseReason, description?: Error, code = 1000, wsReason = '', terminate = false): void {
    if (this.readyState === 'closed') return;
    // what was written before the close (a DISCONNECT, a CONNECT_ERROR) still goes out
    if (!terminate && reason !== 'transport close' && reason !== 'transport error') this.flush();
    this.readyState = 'closed';
    clearTimeout(this.heartbeat);
    this.queue = [];
    this.queuedBytes = 0;
    if (terminate) this.ws.terminate();
    else if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, wsReason);
    this.onClose(reason, description);
  }
}
