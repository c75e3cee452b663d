import { invalidArgument } from '@emitwire/protocol';
import type { IncomingMessage } from 'node:http';
import type { PerMessageDeflateOptions } from 'ws';
import type { AdapterConstructor } from './adapter.js';
import { InMemoryAdapter } from './in-memory-adapter.js';

/** A single allowed origin, a list, a RegExp, `'*'`/`true` for any origin, or a function deciding. */
export type OriginPolicy =
  | string
  | RegExp
  | ReadonlyArray<string | RegExp>
  | boolean
  | ((origin: string, callback: (err: Error | null, allow?: boolean) => void) => void);

/** Cross-origin policy for browser handshakes. */
export interface CorsOptions {
  /**
   * Origins allowed to open a connection from a browser page of another origin. Requests without an
   * `Origin` header (non-browser clients) and same-origin requests are always accepted.
   * @default undefined (cross-origin browser handshakes are refused with 403)
   * @example { origin: ['https://app.example.com', /\.example\.com$/] }
   */
  origin?: OriginPolicy;
}

/** What a failed handler reports to {@link ServerOptions.onHandlerError}. */
export interface HandlerErrorContext {
  /** The namespace name. */
  nsp: string;
  /** The socket id. */
  socketId: string;
  /** The event being handled, or `connection` / `disconnect`. */
  event: string;
}

/** Options of connection state recovery ({@link ServerOptions.connectionStateRecovery}). */
export interface ConnectionStateRecoveryOptions {
  /**
   * Milliseconds a dropped socket's session (id, rooms, data) and the packets sent since are kept
   * for its client to reconnect.
   * @default 120_000 (2 minutes)
   */
  maxDisconnectionDuration?: number;
  /**
   * Skip the connection middleware for a socket whose session was recovered.
   * @default true
   */
  skipMiddlewares?: boolean;
  /**
   * Most event packets kept per namespace for clients to catch up on. Past it the oldest go, and a
   * client whose last packet went is not recovered (a new session, `socket.recovered` false).
   * @default 10_000
   */
  maxStoredPackets?: number;
}

/** The defaults of {@link ConnectionStateRecoveryOptions}. */
export const DEFAULT_RECOVERY_OPTIONS: Readonly<Required<ConnectionStateRecoveryOptions>> = {
  maxDisconnectionDuration: 2 * 60 * 1000,
  skipMiddlewares: true,
  maxStoredPackets: 10_000,
};

/** Options of {@link Server}. Names and units follow Socket.IO where the option exists there. */
export interface ServerOptions {
  /**
   * The path the server answers on. Upgrade requests for other paths are left to other listeners.
   * @default '/socket.io/'
   */
  path: string;
  /**
   * Serve the browser client script at `<path>/emitwire.min.js` (resolved at run time from
   * `@emitwire/client`; 404 when it is not installed or not built).
   * @default true
   */
  serveClient: boolean;
  /**
   * An explicit file to serve as the browser client script, instead of resolving `@emitwire/client`.
   * @default undefined
   */
  clientScript: string | undefined;
  /**
   * Milliseconds between the server's pings.
   * @default 25000
   */
  pingInterval: number;
  /**
   * Milliseconds the client has to answer a ping before the connection is closed (`ping timeout`).
   * @default 20000
   */
  pingTimeout: number;
  /**
   * Milliseconds a connection may stay without any joined namespace (after opening, or after the
   * client left its last namespace) before it is closed.
   * @default 45000
   */
  connectTimeout: number;
  /**
   * Largest WebSocket message accepted, in bytes (the `maxPayload` of the open packet).
   * @default 1_000_000
   */
  maxHttpBufferSize: number;
  /**
   * Most binary attachments one packet may declare.
   * @default 10
   */
  maxAttachments: number;
  /**
   * Deepest nesting of arrays and objects accepted in packet data.
   * @default 64
   */
  maxDepth: number;
  /**
   * Largest unsent backlog of one connection, in bytes (approximately: text counts one byte per
   * UTF-16 unit): frames queued for this tick plus what the socket has not flushed yet. Past it the
   * connection is closed (`transport error`, described by an `EW_BUFFER_FULL` error) instead of
   * growing without bound.
   * @default 8_388_608 (8 MiB)
   */
  maxBacklog: number;
  /**
   * Most server-to-client emits per socket waiting for an ack at once. Past it, the ack callback is
   * called at once with an `EW_BUFFER_FULL` error and nothing is sent.
   * @default 1000
   */
  maxPendingAcks: number;
  /**
   * Most namespaces one connection may have joined or be joining at once. A CONNECT past it is
   * refused with CONNECT_ERROR `{ message: 'Too many namespaces' }` (the client's `connect_error`),
   * before any dynamic namespace is created for it: without a cap, one connection could make the
   * server hold a socket (and, with a dynamic namespace, a namespace) for every name it sends.
   * @default 100
   */
  maxNamespacesPerConnection: number;
  /**
   * Largest namespace CONNECT packet, in UTF-16 code units of its text (the namespace name and the
   * client's `auth` payload). The auth is kept, parsed, as `socket.handshake.auth` for as long as
   * the socket is connected, once per namespace joined: without a limit below
   * `maxHttpBufferSize`, one connection could make the server hold about 20 times
   * `maxNamespacesPerConnection` × `maxHttpBufferSize` of heap (2 GB with the defaults). A CONNECT
   * past it is refused with CONNECT_ERROR `{ message: 'Auth payload too large' }`.
   * @default 16_384
   */
  maxConnectPayload: number;
  /**
   * Cross-origin policy for browser handshakes.
   * @default {} (same-origin and non-browser clients only)
   */
  cors: CorsOptions;
  /**
   * Called for every handshake that passed the protocol checks; `callback(null, true)` accepts,
   * anything else answers 403 (with `err` as the body when it is a string).
   * @default undefined
   */
  allowRequest:
    | ((req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void)
    | undefined;
  /**
   * WebSocket permessage-deflate (off by default, as in Socket.IO: it costs memory and CPU per
   * connection).
   * @default false
   */
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  /**
   * Remove a child of a dynamic namespace (`io.of(RegExp | function)`) once it has no socket and
   * none joining: the names are the clients' choice, and kept children would pile up without
   * bound. The next CONNECT to that name makes a new child (with the parent's middleware and
   * listeners). A child the application asked for by name (`io.of('/game-1')`) is kept. `false`
   * keeps every child, as Socket.IO does by default.
   * @default true
   */
  cleanupEmptyChildNamespaces: boolean;
  /**
   * Connection state recovery, as in Socket.IO: a client that lost its connection (transport close
   * or error, ping timeout, server shutting down) and reconnects within `maxDisconnectionDuration`
   * gets its socket id, rooms and `data` back, and the events it missed, and `socket.recovered` is
   * true. Every event packet without ack that is not volatile then carries its offset as an extra
   * last argument. `{}` turns it on with the defaults; absent or `undefined` leaves it off.
   * @default undefined (off)
   * @example { maxDisconnectionDuration: 60_000, skipMiddlewares: true }
   */
  connectionStateRecovery: ConnectionStateRecoveryOptions | undefined;
  /**
   * The adapter class each namespace uses for rooms and broadcasts.
   * @default InMemoryAdapter
   */
  adapter: AdapterConstructor;
  /**
   * Called when a handler (event listener, `connection` or `disconnect` listener) throws or rejects
   * and no ack was asked for to report it to. The process never sees these errors.
   * @default logs with console.error
   */
  onHandlerError: (err: unknown, context: HandlerErrorContext) => void;
}

/** The defaults of {@link ServerOptions}. */
export const DEFAULT_OPTIONS: Readonly<ServerOptions> = {
  path: '/socket.io/',
  serveClient: true,
  clientScript: undefined,
  pingInterval: 25_000,
  pingTimeout: 20_000,
  connectTimeout: 45_000,
  maxHttpBufferSize: 1_000_000,
  maxAttachments: 10,
  maxDepth: 64,
  maxBacklog: 8 * 1024 * 1024,
  maxPendingAcks: 1000,
  maxNamespacesPerConnection: 100,
  maxConnectPayload: 16_384,
  cors: {},
  allowRequest: undefined,
  perMessageDeflate: false,
  cleanupEmptyChildNamespaces: true,
  connectionStateRecovery: undefined,
  adapter: InMemoryAdapter,
  onHandlerError: (err, context) => {
    console.error(`emitwire: handler for "${context.event}" on ${context.nsp} (socket ${context.socketId}) failed:`, err);
  },
};

const POSITIVE_OPTIONS = [
  'pingInterval',
  'pingTimeout',
  'connectTimeout',
  'maxHttpBufferSize',
  'maxBacklog',
  'maxPendingAcks',
  'maxNamespacesPerConnection',
  'maxConnectPayload',
] as const;

/** Merges options over the defaults and validates them (misuse throws synchronously). */
export function resolveOptions(options: Partial<ServerOptions> = {}): ServerOptions {
  const merged: ServerOptions = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(options) as (keyof ServerOptions)[]) {
    const value = options[key];
    // an explicit undefined keeps the default (JS callers)
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of POSITIVE_OPTIONS) {
    const v = merged[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      invalidArgument(`option ${key} must be a finite positive number`);
    }
  }
  if (!Number.isInteger(merged.maxAttachments) || merged.maxAttachments < 0) {
    invalidArgument('option maxAttachments must be a non-negative integer');
  }
  if (merged.connectionStateRecovery !== undefined) merged.connectionStateRecovery = resolveRecovery(merged.connectionStateRecovery);
  if (typeof merged.path !== 'string' || !merged.path.startsWith('/')) {
    invalidArgument('option path must be a string starting with "/"');
  }
  return merged;
}

/** Fills in and validates the recovery options (misuse throws synchronously). */
function resolveRecovery(options: ConnectionStateRecoveryOptions): Required<ConnectionStateRecoveryOptions> {
  if (typeof options !== 'object' || options === null) invalidArgument('option connectionStateRecovery must be an object');
  const merged = { ...DEFAULT_RECOVERY_OPTIONS };
  if (options.maxDisconnectionDuration !== undefined) merged.maxDisconnectionDuration = options.maxDisconnectionDuration;
  if (options.skipMiddlewares !== undefined) merged.skipMiddlewares = options.skipMiddlewares;
  if (options.maxStoredPackets !== undefined) merged.maxStoredPackets = options.maxStoredPackets;
  const { maxDisconnectionDuration: duration, maxStoredPackets: cap } = merged;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
    invalidArgument('option connectionStateRecovery.maxDisconnectionDuration must be a finite positive number');
  }
  if (!Number.isInteger(cap) || cap <= 0) {
    invalidArgument('option connectionStateRecovery.maxStoredPackets must be a positive integer');
  }
  if (typeof merged.skipMiddlewares !== 'boolean') {
    invalidArgument('option connectionStateRecovery.skipMiddlewares must be a boolean');
  }
  return merged;
}
