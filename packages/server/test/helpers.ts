// Test helpers: a server on 127.0.0.1:0, official socket.io-client sockets, raw WebSocket clients
// that record every frame, and cleanup of everything a test opened.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Server, type Namespace, type ServerOptions, type Socket } from '@emitwire/server';
import { survivors } from '../../../test/support/gc.js';

export interface TestServer {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  wsUrl: string;
}

const opened: Array<() => Promise<void> | void> = [];

/** Closes everything opened through these helpers (call in afterEach). */
export async function cleanup(): Promise<void> {
  const fns = opened.splice(0).reverse();
  for (const fn of fns) await fn();
}

/** Starts a Server attached to a fresh http server on 127.0.0.1, port 0. */
export async function startServer(options: Partial<ServerOptions> = {}, http: HttpServer = createServer()): Promise<TestServer> {
  const io = new Server(http, { onHandlerError: () => {}, ...options });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  opened.push(() => io.close());
  return { io, http, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
}

/** An official socket.io-client socket, WebSocket transport only, no reconnection. */
export function client(
  srv: TestServer,
  nsp = '/',
  opts: Partial<ManagerOptions & SocketOptions> = {},
): ClientSocket {
  const socket = ioc(srv.url + nsp, { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
  opened.push(() => {
    socket.disconnect();
  });
  return socket;
}

/** Resolves once the client socket connected (rejects on connect_error). */
export function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/** Resolves with the arguments of the next `event`. */
export function once<T extends unknown[] = unknown[]>(
  emitter: { once(ev: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, ((...args: T) => resolve(args)) as never));
}

/** A raw WebSocket client that records frames (text as strings, binary as Buffers). */
export class RawClient {
  readonly ws: WebSocket;
  readonly frames: Array<string | Buffer> = [];
  closed = false;
  closeCode: number | undefined;
  /** The reason text of the close frame the server sent ('' when none). */
  closeReason: string | undefined;
  private waiters: Array<() => void> = [];
  private read = 0;

  constructor(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? (data as Buffer) : (data as Buffer).toString());
      this.wake();
    });
    this.ws.on('error', () => {});
    this.ws.on('close', (code, reason) => {
      this.closed = true;
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
    opened.push(() => {
      if (!this.closed) this.ws.terminate();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next frame not read yet, skipping pings (`2`) unless `keepPings`. */
  async next(keepPings = false): Promise<string | Buffer> {
    for (;;) {
      while (this.read < this.frames.length) {
        const frame = this.frames[this.read++]!;
        if (!keepPings && frame === '2') continue;
        return frame;
      }
      if (this.closed) throw new Error('closed before the next frame');
      await this.wait();
    }
  }

  /** Resolves when the WebSocket is closed. */
  async whenClosed(): Promise<number | undefined> {
    while (!this.closed) await this.wait();
    return this.closeCode;
  }

  send(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  /** Opens, reads the open packet, optionally joins `/`. */
  static async open(srv: TestServer, join = true, query = '?EIO=4&transport=websocket'): Promise<RawClient> {
    const c = new RawClient(`${srv.wsUrl}/socket.io/${query}`);
    const open = await c.next();
    if (typeof open !== 'string' || !open.startsWith('0{')) throw new Error(`unexpected first frame ${String(open)}`);
    if (join) {
      c.send('40');
      const answer = await c.next();
      if (typeof answer !== 'string' || !answer.startsWith('40{')) throw new Error(`unexpected CONNECT answer ${String(answer)}`);
    }
    return c;
  }
}

/** Fails the running test if the process sees an uncaught exception or unhandled rejection. */
export function guardProcess(): { errors: unknown[]; restore: () => void } {
  const errors: unknown[] = [];
  const onError = (err: unknown): void => {
    errors.push(err);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    restore: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

/** Waits `ms` real milliseconds (short waits only, for "nothing else happens" checks). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * WeakRefs to the server-side objects of every connection (`conn#i`, its Client `client#i`) and
 * every socket (`socket#i`; `nsp#i` for the child of a dynamic namespace), and to whatever else a
 * test names, to prove that none outlives what held it. The probe keeps no strong reference: a
 * test that reaches an object goes through {@link with}, synchronously. (A test must not keep one
 * either, in a variable or an awaited value: a suspended async function keeps its frame alive.)
 */
export class RetentionProbe {
  private readonly refs = new Map<string, WeakRef<object>>();
  private conns = 0;
  private sockets = 0;

  /** Tracks the connections of `io` and the sockets of its main namespace. */
  constructor(io: Server) {
    io.engine.on('connection', (conn) => {
      const i = this.conns++;
      this.track(`conn#${i}`, conn);
      this.track(`client#${i}`, conn._handler);
    });
    this.watch(io.sockets);
  }

  /** Tracks the sockets that join `nsp` (a dynamic namespace: those of its children). */
  watch(nsp: Namespace): this {
    nsp.on('connection', (socket) => this.trackSocket(socket));
    return this;
  }

  /** Tracks a socket (also one in connection middleware, which may never connect). */
  trackSocket(socket: Socket): number {
    const i = this.sockets++;
    this.track(`socket#${i}`, socket);
    if (socket.nsp.parent !== undefined) this.track(`nsp#${i}`, socket.nsp);
    return i;
  }

  track(name: string, target: object): void {
    if (this.refs.has(name)) throw new Error(`${name} is tracked already`);
    this.refs.set(name, new WeakRef(target));
  }

  /** Calls `fn` with a tracked object that must still be alive. */
  with<T>(name: string, fn: (target: never) => T): T {
    const target = this.refs.get(name)?.deref();
    if (target === undefined) throw new Error(`${name} is not alive`);
    return fn(target as never);
  }

  /** The names tracked so far. */
  get names(): string[] {
    return [...this.refs.keys()];
  }

  /**
   * Collects garbage until none of `names` (every tracked object by default) is alive, for at most
   * `ms`; returns those still alive (test/support/gc.ts).
   */
  released(names: readonly string[] = this.names, ms = 2000): Promise<string[]> {
    return survivors(Object.fromEntries(names.map((name) => [name, this.ref(name)])), ms);
  }

  /** Whether a tracked object is alive (it stays alive until the end of the current job). */
  isAlive(name: string): boolean {
    return this.ref(name).deref() !== undefined;
  }

  private ref(name: string): WeakRef<object> {
    const ref = this.refs.get(name);
    if (ref === undefined) throw new Error(`${name} is not tracked`);
    return ref;
  }
}

/** What a server holds for its connections: counts, and each namespace's sockets and rooms (sorted). */
export function holdings(io: Server, nsps: readonly Namespace[] = [io.sockets]): unknown {
  return {
    clientsCount: io.clientsCount,
    engineClientsCount: io.engine.clientsCount,
    namespaces: nsps.map((nsp) => ({
      name: nsp.name,
      sockets: [...nsp.sockets.keys()].sort(),
      rooms: [...nsp.adapter.rooms].map(([room, members]) => [room, [...members].sort()]).sort(),
    })),
  };
}

/** Resolves with the reason of the next socket disconnection in `nsp` (not the socket: a test must not hold it). */
export function nextDisconnect(nsp: Namespace): Promise<string> {
  return new Promise((resolve) => nsp.once('disconnect', (_socket, reason) => resolve(reason)));
}
