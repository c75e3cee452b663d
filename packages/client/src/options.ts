import type { DecoderOptions } from '@emitwire/protocol';

/** What the client needs from a WebSocket: the WHATWG API, as browsers, Node ≥ 22 and `ws` provide it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** Bytes queued but not sent yet (optional: without it, every server ping is answered). */
  readonly bufferedAmount?: number;
  // `never` parameters: any WebSocket's own event types fit; the client reads only `data` and `reason`
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor (the global `WebSocket`, `ws`, or your own). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of the {@link Manager}: the connection, heartbeat and reconnection. Socket.IO's names and units. */
export interface ManagerOptions {
  /**
   * The server's Engine.IO path.
   * @default '/socket.io'
   */
  path: string;
  /**
   * Extra query parameters of the handshake URL (added to those of the URL itself).
   * @default {}
   */
  query: Record<string, string>;
  /**
   * Reconnect automatically after the connection is lost.
   * @default true
   */
  reconnection: boolean;
  /**
   * Reconnection attempts before giving up (`reconnect_failed`). A count, not a buffer:
   * the default keeps trying, at most every `reconnectionDelayMax` ms.
   * @default Infinity
   */
  reconnectionAttempts: number;
  /**
   * First reconnection delay, in ms; it doubles with each attempt.
   * @default 1000
   */
  reconnectionDelay: number;
  /**
   * Largest reconnection delay, in ms.
   * @default 5000
   */
  reconnectionDelayMax: number;
  /**
   * Jitter of each delay, as a fraction of it (0 to 1).
   * @default 0.5
   */
  randomizationFactor: number;
  /**
   * How long a connection attempt may take until the server's open packet, in ms.
   * @default 20000
   */
  timeout: number;
  /**
   * Connect as soon as a socket is created (otherwise call `socket.connect()`).
   * @default true
   */
  autoConnect: boolean;
  /**
   * Limits on what the server may send (the protocol decoder's options).
   * @default {} (the decoder's defaults: 1 MB messages, 10 attachments, depth 64)
   */
  decoder: DecoderOptions;
  /**
   * The WebSocket implementation. The default is the global `WebSocket`; the Node entry falls back
   * to `ws` when there is none.
   * @default globalThis.WebSocket
   */
  WebSocket: WebSocketConstructor | undefined;
}

/** The auth payload sent with each namespace CONNECT: an object, or a function called on every (re)connect. */
export type AuthOption = Record<string, unknown> | ((cb: (data: Record<string, unknown>) => void) => void);

/** Options of one {@link Socket} (one namespace). */
export interface SocketOptions {
  /**
   * Sent with every CONNECT (the server's `socket.handshake.auth`). A function is called on every
   * (re)connection with a callback to pass the data to.
   * @default undefined
   */
  auth: AuthOption | undefined;
  /**
   * Default ack timeout in ms for emits with an ack (as if `timeout(ackTimeout)` were used).
   * `undefined`: an ack waits until it arrives or the socket disconnects.
   * @default undefined
   */
  ackTimeout: number | undefined;
  /**
   * Resend an emit that got no ack within `ackTimeout` at most this many times. With retries every
   * emit asks for an ack and emits are sent one at a time, in order.
   * @default 0
   */
  retries: number;
  /**
   * Most emits kept while disconnected (and queued with `retries`); beyond it `emit` throws a
   * `ClosedError` with code `EW_BUFFER_FULL` (`emitWithAck` rejects with it). Also bounds the
   * events a recovering server replays before its CONNECT answer; beyond it they are dropped and
   * `socket.recovered` is `false`.
   * @default 1000
   */
  maxBufferedEmits: number;
  /**
   * Most acks awaited at once; beyond it `emit` throws a `ClosedError` with code `EW_BUFFER_FULL`
   * (`emitWithAck` rejects with it).
   * @default 10000
   */
  maxPendingAcks: number;
}

/** Options of `io()`: manager and socket options, plus the manager cache switches. */
export interface ClientOptions extends ManagerOptions, SocketOptions {
  /**
   * Open a new connection instead of sharing the cached one for this origin.
   * @default false
   */
  forceNew: boolean;
  /**
   * Share one connection per origin between namespaces (`false` is the same as `forceNew: true`).
   * @default true
   */
  multiplex: boolean;
}

/** Manager defaults. */
export const DEFAULT_MANAGER_OPTIONS: Readonly<ManagerOptions> = {
  path: '/socket.io',
  query: {},
  reconnection: true,
  reconnectionAttempts: Infinity,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  timeout: 20000,
  autoConnect: true,
  decoder: {},
  WebSocket: undefined,
};

/** Socket defaults. */
export const DEFAULT_SOCKET_OPTIONS: Readonly<SocketOptions> = {
  auth: undefined,
  ackTimeout: undefined,
  retries: 0,
  maxBufferedEmits: 1000,
  maxPendingAcks: 10000,
};
