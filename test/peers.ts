/*
 * The peer-adapter layer of the interop matrix: our Server and the official socket.io server behind
 * one minimal server interface, our client and the official socket.io-client behind one minimal
 * client interface (their APIs are nearly identical by design, DESIGN.md), plus the helpers every
 * scenario needs. Everything opened here is closed by `cleanup()` (call it in afterEach).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as OfficialServer } from 'socket.io';
import { io as officialIo } from 'socket.io-client';
import { Server as OurServer } from '@emitwire/server';
import { io as ourIo } from '@emitwire/client/node';

export type ServerKind = 'emitwire' | 'socket.io';
export type ClientKind = 'emitwire' | 'socket.io-client';

export interface Pairing {
  client: ClientKind;
  server: ServerKind;
}

/** The three pairings every scenario runs on. */
export const PAIRINGS: Pairing[] = [
  { client: 'emitwire', server: 'emitwire' },
  { client: 'socket.io-client', server: 'emitwire' },
  { client: 'emitwire', server: 'socket.io' },
];

/** The pairings whose server is ours (emitwire-only server behaviour). */
export const OUR_SERVER = PAIRINGS.filter((p) => p.server === 'emitwire');

/** `describe.each` rows: a readable name, then the pairing. */
export const rows = (pairings: Pairing[]): Array<[string, Pairing]> =>
  pairings.map((p) => [`${p.client} client ↔ ${p.server} server`, p]);

type Fn = (...args: any[]) => any;

/** What a test needs from a broadcast (`io.to(…)`, `socket.broadcast`, a namespace). */
export interface PeerBroadcast {
  to(room: string | string[]): PeerBroadcast;
  except(room: string | string[]): PeerBroadcast;
  timeout(ms: number): PeerBroadcast;
  emit(ev: string, ...args: any[]): unknown;
  emitWithAck(ev: string, ...args: any[]): Promise<any[]>;
}

/** What a test needs from a server-side socket. */
export interface PeerServerSocket {
  id: string;
  nsp: { name: string };
  handshake: { auth: Record<string, unknown>; query: Record<string, unknown> };
  rooms: Set<string>;
  conn: object;
  connected: boolean;
  data: any;
  on(ev: string, fn: Fn): unknown;
  once(ev: string, fn: Fn): unknown;
  onAny(fn: Fn): unknown;
  onAnyOutgoing(fn: Fn): unknown;
  emit(ev: string, ...args: any[]): unknown;
  emitWithAck(ev: string, ...args: any[]): Promise<any>;
  timeout(ms: number): { emit(ev: string, ...args: any[]): unknown; emitWithAck(ev: string, ...args: any[]): Promise<any> };
  join(room: string | string[]): unknown;
  leave(room: string): unknown;
  to(room: string | string[]): PeerBroadcast;
  except(room: string | string[]): PeerBroadcast;
  broadcast: PeerBroadcast;
  volatile: { emit(ev: string, ...args: any[]): unknown };
  disconnect(close?: boolean): unknown;
}

/** What a test needs from a namespace (the server itself is the main namespace). */
export interface PeerNamespace extends PeerBroadcast {
  name: string;
  on(ev: 'connection', fn: (socket: PeerServerSocket) => void): unknown;
  use(fn: (socket: PeerServerSocket, next: (err?: Error) => void) => void): unknown;
  fetchSockets(): Promise<unknown[]>;
}

export interface PeerIo extends PeerBroadcast {
  on(ev: 'connection', fn: (socket: PeerServerSocket) => void): unknown;
  use(fn: (socket: PeerServerSocket, next: (err?: Error) => void) => void): unknown;
  of(name: string | RegExp): PeerNamespace;
  fetchSockets(): Promise<unknown[]>;
}

export interface PeerServer {
  kind: ServerKind;
  io: PeerIo;
  http: HttpServer;
  port: number;
  url: string;
  /** Closes the server and its http server (idempotent). */
  close(): Promise<void>;
}

/** What a test needs from a client socket. */
export interface PeerClientSocket {
  id: string | undefined;
  connected: boolean;
  active: boolean;
  /** Sent with every CONNECT; may be replaced before a reconnection. */
  auth: unknown;
  io: PeerManager;
  on(ev: string, fn: Fn): unknown;
  once(ev: string, fn: Fn): unknown;
  off(ev: string, fn?: Fn): unknown;
  onAny(fn: Fn): unknown;
  onAnyOutgoing(fn: Fn): unknown;
  emit(ev: string, ...args: any[]): unknown;
  emitWithAck(ev: string, ...args: any[]): Promise<any>;
  timeout(ms: number): { emit(ev: string, ...args: any[]): unknown; emitWithAck(ev: string, ...args: any[]): Promise<any> };
  volatile: { emit(ev: string, ...args: any[]): unknown };
  connect(): unknown;
  disconnect(): unknown;
}

/** The client's Manager (`socket.io`). */
export interface PeerManager {
  on(ev: string, fn: Fn): unknown;
  once(ev: string, fn: Fn): unknown;
  off(ev: string, fn?: Fn): unknown;
  socket(nsp: string, opts?: Record<string, unknown>): PeerClientSocket;
  disconnect(): unknown;
}

export interface ServerOpts {
  /** Listen on this port (the restart scenario); 0 (a free port) by default. */
  port?: number;
  pingInterval?: number;
  pingTimeout?: number;
}

export interface ClientOpts {
  /** An object, or a function called on every (re)connection (both clients support both). */
  auth?: Record<string, unknown> | ((cb: (data: Record<string, unknown>) => void) => void);
  /** Ack options (both clients). */
  ackTimeout?: number;
  retries?: number;
  query?: Record<string, string>;
  reconnection?: boolean;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  autoConnect?: boolean;
}

const opened: Array<() => Promise<void> | void> = [];

/** Closes everything opened through these helpers, newest first (clients before servers). */
export async function cleanup(): Promise<void> {
  for (const fn of opened.splice(0).reverse()) await fn();
}

/** Registers a cleanup step (run by `cleanup()`, newest first). */
export function onCleanup(fn: () => Promise<void> | void): void {
  opened.push(fn);
}

/** Starts a server of `kind` on 127.0.0.1 (WebSocket transport). `setup` runs before it listens. */
export async function startServer(kind: ServerKind, opts: ServerOpts = {}, setup?: (io: PeerIo) => void): Promise<PeerServer> {
  const http = createServer();
  const heartbeat: { pingInterval?: number; pingTimeout?: number } = {};
  if (opts.pingInterval !== undefined) heartbeat.pingInterval = opts.pingInterval;
  if (opts.pingTimeout !== undefined) heartbeat.pingTimeout = opts.pingTimeout;
  let close: () => Promise<void>;
  let io: PeerIo;
  if (kind === 'emitwire') {
    const ours = new OurServer(http, { onHandlerError: () => {}, ...heartbeat });
    io = ours as unknown as PeerIo;
    close = () => ours.close();
  } else {
    const official = new OfficialServer(http, { transports: ['websocket'], ...heartbeat });
    io = official as unknown as PeerIo;
    close = () =>
      new Promise<void>((resolve) => {
        official.close(() => resolve());
        http.closeAllConnections();
      });
  }
  setup?.(io);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const server: PeerServer = {
    kind,
    io,
    http,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => (closing ??= close()),
  };
  onCleanup(() => server.close());
  return server;
}

/**
 * Connects a client of `kind` to `url` (its path is the namespace): a new connection every time,
 * quick reconnection (10–50 ms) unless told otherwise.
 */
export function connect(kind: ClientKind, url: string, opts: ClientOpts = {}): PeerClientSocket {
  const common = { forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 50, ...opts };
  const socket =
    kind === 'emitwire'
      ? (ourIo(url, common) as unknown as PeerClientSocket)
      : (officialIo(url, { transports: ['websocket'], ...common }) as unknown as PeerClientSocket);
  onCleanup(() => {
    socket.io.disconnect();
  });
  return socket;
}

/** Resolves with the arguments of the next `event` emitted by `emitter`. */
export function once<T extends unknown[] = any[]>(emitter: { once(ev: string, fn: Fn): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: T) => resolve(args)));
}

/** Resolves when the client socket is connected; rejects on connect_error. */
export function connected(socket: PeerClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    const onError = (err: Error): void => {
      socket.off('connect', onConnect);
      reject(err);
    };
    const onConnect = (): void => {
      socket.off('connect_error', onError);
      resolve();
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
}

/** Resolves with the next server-side socket of namespace `nsp`. */
export function nextConnection(srv: PeerServer, nsp = '/'): Promise<PeerServerSocket> {
  return new Promise((resolve) => {
    const namespace = nsp === '/' ? srv.io : srv.io.of(nsp);
    const onConnection = (socket: PeerServerSocket): void => {
      (namespace as unknown as { off(ev: string, fn: Fn): void }).off('connection', onConnection);
      resolve(socket);
    };
    namespace.on('connection', onConnection);
  });
}

/** A connected pair: the client socket and its server-side socket. */
export async function pair(
  p: Pairing,
  srv: PeerServer,
  nsp = '',
  opts: ClientOpts = {},
): Promise<{ client: PeerClientSocket; server: PeerServerSocket }> {
  const serverSide = nextConnection(srv, nsp === '' ? '/' : nsp);
  const client = connect(p.client, srv.url + nsp, opts);
  await connected(client);
  return { client, server: await serverSide };
}

/** The bytes of a Buffer, ArrayBuffer or typed array, as a plain array (for comparisons). */
export function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  throw new Error(`not binary: ${Object.prototype.toString.call(value)}`);
}

/** True for a Buffer, ArrayBuffer or typed array. */
export function isBinary(value: unknown): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** Waits `ms` real milliseconds (short waits only, for "nothing else happens" checks). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every few ms until it is true (or fails after `ms`). */
export async function until(check: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
