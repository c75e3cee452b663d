/*
 * The harness of the differential test (differential.test.ts): a fresh official socket.io server
 * per run, a client driver for each implementation, the step player that records what the
 * application observes, and the normaliser that makes two traces comparable.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import { io as official } from 'socket.io-client';
import { io as ours, type Manager } from '@emitwire/client/node';
import { materialise, type Nsp, type Scenario, type ServerCfg, type SocketCfg, type Step } from './differential-scenario.js';

type Fn = (...args: unknown[]) => void;

/** What both clients have in common, loosely typed (each is cast to it). */
interface LooseEmitter {
  emit(ev: string, ...args: unknown[]): unknown;
  emitWithAck(ev: string, ...args: unknown[]): Promise<unknown>;
}
interface LooseManager {
  on(ev: string, fn: Fn): unknown;
  disconnect(): unknown;
}
interface LooseSocket extends LooseEmitter {
  readonly id: string | undefined;
  readonly nsp: string;
  readonly connected: boolean;
  readonly active: boolean;
  readonly recovered: boolean | undefined;
  readonly io: LooseManager;
  readonly volatile: LooseEmitter;
  auth: unknown;
  on(ev: string, fn: Fn): unknown;
  timeout(ms: number): LooseEmitter;
  onAny(fn: Fn): unknown;
  prependAny(fn: Fn): unknown;
  offAny(fn?: Fn): unknown;
  onAnyOutgoing(fn: Fn): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

/** One client implementation. */
export interface Driver {
  name: string;
  io(url: string, opts: Record<string, unknown>): LooseSocket;
  /** The manager neither connects nor waits to reconnect. */
  idle(m: LooseManager): boolean;
}

export const OFFICIAL: Driver = {
  name: 'socket.io-client',
  io: (url, opts) => official(url, { transports: ['websocket'], ...opts }) as unknown as LooseSocket,
  idle: (m) => {
    const x = m as unknown as { _readyState: string; _reconnecting: boolean };
    return x._readyState === 'closed' && !x._reconnecting;
  },
};

export const OURS: Driver = {
  name: 'emitwire',
  io: (url, opts) => ours(url, opts) as unknown as LooseSocket,
  idle: (m) => {
    const x = m as unknown as Manager;
    return x.readyState === 'closed' && !x.reconnecting;
  },
};

const NSPS: Nsp[] = ['/', '/a', '/b'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** No trace change for this long (and nothing pending) ends a step. */
const QUIET = 30;

// ── the server ─────────────────────────────────────────────────────────────────────────────────

interface Peer {
  io: Server;
  url: string;
  /** what the server saw, by server socket id */
  records: [string, unknown[]][];
  refuse: Record<string, number>;
  blocked: number;
  /** while an outage ('hold') lasts: the handshakes waiting for 'release' */
  held: (() => void)[] | undefined;
  release(): void;
  /** the TCP sockets 'stall' corked (destroyed on close: the server would wait for their close handshake) */
  stalled: Duplex[];
  close(): Promise<void>;
}

/**
 * Ports already used by a run: both io() functions cache a manager per origin, so a later run on a
 * reused port would find an earlier run's (closed) manager.
 */
const usedPorts = new Set<number>();

async function startServer(cfg: ServerCfg): Promise<Peer> {
  const http = createServer();
  for (;;) {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      break;
    }
    await new Promise((resolve) => http.close(resolve));
  }
  const peer: Peer = {
    io: new Server(http, {
      transports: ['websocket'],
      ...(cfg.fastPing ? { pingInterval: 40, pingTimeout: 400 } : {}),
      ...(cfg.recovery ? { connectionStateRecovery: {} } : {}),
      // 'block': the next handshakes are refused (403), so reconnections fail; 'hold': they wait
      allowRequest: (_req, cb) => {
        const decide = () => (peer.blocked > 0 ? (peer.blocked--, cb('blocked', false)) : cb(null, true));
        if (peer.held) peer.held.push(decide);
        else decide();
      },
    }),
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    records: [],
    refuse: {},
    blocked: 0,
    held: undefined,
    stalled: [],
    release: () => {
      const held = peer.held ?? [];
      peer.held = undefined;
      for (const decide of held) decide();
    },
    close: () =>
      new Promise<void>((resolve) => {
        peer.release();
        for (const tcp of peer.stalled) tcp.destroy();
        peer.io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
  const tries = new Map<unknown, number>();
  for (const name of NSPS) {
    const nsp = peer.io.of(name);
    nsp.use((_socket, next) => {
      const left = peer.refuse[name] ?? 0;
      if (left <= 0) return next();
      peer.refuse[name] = left - 1;
      next(Object.assign(new Error(`refused ${name}`), { data: { left: left - 1 } }));
    });
    nsp.on('connection', (socket) => {
      const rec = (...e: unknown[]) => peer.records.push([socket.id, e]);
      const pop = (a: unknown[]) => (typeof a.at(-1) === 'function' ? (a.pop() as Fn) : undefined);
      // the session offered (pid, offset) is compared through `recovered`: deliberate (README,
      // Differences), we offer none after a disconnection the client chose or `io server disconnect`,
      // where socket.io-client offers one the server no longer keeps
      const { pid, offset, ...auth } = socket.handshake.auth as Record<string, unknown>;
      void [pid, offset];
      rec('connection', name, socket.recovered, auth, socket.handshake.query.q ?? null);
      socket.on('echo', (...a: unknown[]) => {
        const ack = pop(a);
        rec('echo', a, !!ack);
        ack?.(...a);
      });
      socket.on('silent', (...a: unknown[]) => rec('silent', a, !!pop(a)));
      socket.on('nth', (...a: unknown[]) => {
        const ack = pop(a);
        const n = (tries.get(a[0]) ?? 0) + 1;
        tries.set(a[0], n);
        rec('nth', a, n, !!ack);
        if (n === a[1]) ack?.('ok', n);
      });
      // a connection the client closes may end in a TCP reset when a server ping crosses the close
      // (fast pings): 'transport error' rather than 'transport close', either client, by timing
      socket.on('disconnect', (reason) => rec('disconnect', reason === 'transport error' ? 'transport close' : reason));
    });
  }
  return peer;
}

// ── a run: one client implementation plays the scenario ───────────────────────────────────────

export interface Trace {
  sockets: unknown[][];
  managers: unknown[][];
  server: unknown[][];
}

class Run {
  readonly sockets: LooseSocket[] = [];
  readonly managers: LooseManager[] = [];
  readonly traces: unknown[][] = [];
  readonly mtraces: unknown[][] = [];
  /** the ids each socket was connected with (maps the server's records to sockets) */
  readonly ids: string[][] = [];
  /** error-first acks with a timeout not settled yet, per socket (the step waits for them) */
  readonly pending: number[] = [];
  readonly anyFns: Fn[][] = [];
  /** connected as the application saw it (connect / disconnect events) */
  readonly connected: boolean[] = [];
  changes = 0;
  done = false;

  constructor(
    readonly d: Driver,
    readonly peer: Peer,
  ) {}

  push(list: unknown[][], i: number, entry: unknown[]): void {
    if (this.done) return;
    (list[i] ??= []).push(entry);
    this.changes++;
  }

  create(i: number, cfg: SocketCfg): void {
    let calls = 0;
    const opts: Record<string, unknown> = {
      forceNew: cfg.forceNew,
      autoConnect: cfg.autoConnect,
      reconnectionDelay: 20,
      reconnectionDelayMax: 80,
      randomizationFactor: 0,
      retries: cfg.retries,
    };
    if (cfg.ackTimeout !== undefined) opts.ackTimeout = cfg.ackTimeout;
    if (cfg.reconnectionAttempts !== undefined) opts.reconnectionAttempts = cfg.reconnectionAttempts;
    if (cfg.query) opts.query = { q: String(i) };
    if (cfg.auth === 'object') opts.auth = { user: i };
    else if (cfg.auth === 'function') opts.auth = (cb: Fn) => cb({ user: i, n: ++calls });
    else if (cfg.auth === 'async') opts.auth = (cb: Fn) => setTimeout(() => cb({ user: i, n: ++calls }), 5);
    const socket = this.d.io(this.peer.url + (cfg.nsp === '/' ? '' : cfg.nsp), opts);
    this.sockets[i] = socket;
    this.ids[i] = [];
    this.pending[i] = 0;
    this.anyFns[i] = [];
    let m = this.managers.indexOf(socket.io);
    if (m < 0) {
      m = this.managers.push(socket.io) - 1;
      const rec = (...e: unknown[]) => this.push(this.mtraces, m, e);
      let open = false;
      for (const ev of ['open', 'close', 'error', 'reconnect_attempt', 'reconnect', 'reconnect_error', 'reconnect_failed']) {
        // ('ping' is left out: how many arrive depends on timing)
        socket.io.on(ev, (...a: unknown[]) => {
          // deliberate (README, Differences): our manager emits `close` only for a connection that
          // was open; socket.io-client's also when closed (its last socket leaving) while closed
          if (ev === 'close' && !open) return;
          if (ev === 'open' || ev === 'close') open = ev === 'open';
          rec(ev, ...(ev === 'close' ? a.slice(0, 1) : a));
        });
      }
    }
    const rec = (...e: unknown[]) => this.push(this.traces, i, e);
    rec('created', m);
    socket.on('connect', () => {
      this.connected[i] = true;
      this.ids[i]!.push(socket.id!);
      rec('connect', socket.id, !!socket.recovered);
    });
    socket.on('connect_error', (err) => rec('connect_error', err));
    socket.on('disconnect', (reason) => {
      // deliberate (README, Differences): our `disconnect` event comes only from a socket that was
      // connected; socket.io-client also tells a socket that was still waiting for its CONNECT answer
      if (!this.connected[i]) return;
      this.connected[i] = false;
      // deliberate (README, Differences): manager.close() is `io client disconnect` for our
      // sockets, socket.io-client passes the manager's own reason on
      rec('disconnect', reason === 'forced close' ? 'io client disconnect' : reason);
    });
    socket.on('news', (...a: unknown[]) => rec('news', a));
    socket.on('ask', (...a: unknown[]) => {
      const ack = a.pop() as Fn;
      rec('ask', a);
      ack('re', ...a);
    });
  }

  step(st: Step, k: number): void {
    if (st.t === 'refuse') return void (this.peer.refuse[st.nsp] = (this.peer.refuse[st.nsp] ?? 0) + st.n);
    if (st.t === 'block') return void (this.peer.blocked += st.n);
    if (st.t === 'broadcast') return void this.peer.io.of(st.nsp).emit('news', ...st.args.map(materialise));
    if (st.t === 'release') return this.peer.release();
    if (st.t === 'wait' || st.t === 'create') return;
    const s = st.s;
    const socket = this.sockets[s];
    // (a late socket not created yet: nothing to do)
    if (!socket) return;
    const rec = (...e: unknown[]) => this.push(this.traces, s, e);
    const server = socket.connected ? this.peer.io.of(socket.nsp).sockets.get(socket.id!) : undefined;
    switch (st.t) {
      case 'connect':
        return void socket.connect();
      case 'disconnect':
        return void socket.disconnect();
      case 'managerClose':
        return void socket.io.disconnect();
      case 'state':
        return rec('state', socket.connected, socket.active, !!socket.recovered, socket.id);
      case 'serverDisconnect':
        return void server?.disconnect();
      case 'hold':
        this.peer.held ??= [];
        return void server?.conn.close();
      case 'drop':
        return void server?.conn.close();
      case 'stall':
        // the server's writes stay in its TCP socket: no ping reaches the client, which ends the
        // connection when its watchdog (pingInterval + pingTimeout) fires
        if (server) this.peer.stalled.push(server.request.socket);
        return void server?.request.socket.cork();
      case 'setAuth':
        return void (socket.auth = { user: s, k });
      case 'serverEmit': {
        const a = st.args.map(materialise);
        if (st.ack) server?.emit('ask', ...a, (...r: unknown[]) => this.peer.records.push([server.id, ['askAck', r]]));
        else server?.emit('news', ...a);
        return;
      }
      case 'any': {
        const tag = `a${k}`;
        const fns = this.anyFns[s]!;
        if (st.op === 'offAny') return void (fns.length && socket.offAny(fns.pop()));
        if (st.op === 'offAnyAll') return void ((fns.length = 0), socket.offAny());
        const fn: Fn = (...a) => rec(st.op === 'onAnyOutgoing' ? 'out' : 'any', tag, a);
        if (st.op !== 'onAnyOutgoing') fns.push(fn);
        return void socket[st.op](fn);
      }
      case 'emit':
        return this.emit(socket, s, st, k);
    }
  }

  emit(socket: LooseSocket, s: number, st: Extract<Step, { t: 'emit' }>, k: number): void {
    const rec = (...e: unknown[]) => this.push(this.traces, s, e);
    const tag = `e${k}`;
    const data = [...(st.handler === 'nth' ? [k, st.nth] : []), ...st.args.map(materialise)];
    // error-first acks with a timeout always settle: the step waits for them (while connected)
    const timed = st.kind === 'timeout' || st.kind === 'withAckTimeout' || (this.timed[s] && (st.kind === 'cb' || st.kind === 'withAck'));
    if (timed) this.pending[s]!++;
    const end = (...r: unknown[]) => {
      if (timed) this.pending[s]!--;
      rec('ack', tag, r);
    };
    try {
      switch (st.kind) {
        case 'none':
          return void socket.emit(st.handler, ...data);
        case 'volatile':
          // (no ack: a volatile emit dropped offline gets EW_DISCONNECTED at once from us, socket.io-client
          // keeps its ack until it times out (README, Offline buffer)). Only while connected:
          // socket.io-client buffers a volatile emit made offline while its closing WebSocket
          // still looks writable (right after disconnect()) and sends it on the next connection;
          // issue 4 asks for volatile emits to be dropped when not connected, as ours are.
          if (!socket.connected) return;
          return void socket.volatile.emit(st.handler, ...data);
        case 'cb':
          return void socket.emit(st.handler, ...data, end);
        case 'timeout':
          return void socket.timeout(st.ms).emit(st.handler, ...data, end);
        case 'withAck':
        case 'withAckTimeout':
          return void (st.kind === 'withAck' ? socket : socket.timeout(st.ms))
            .emitWithAck(st.handler, ...data)
            .then((v) => end('resolved', v), (e: unknown) => end('rejected', e));
      }
    } catch (err) {
      if (timed) this.pending[s]!--;
      rec('threw', tag, err);
    }
  }

  /** set per socket from its config: its acks are error-first with a timeout */
  readonly timed: boolean[] = [];
  /** set per socket from its config: with retries, an emit waits offline without its timer */
  readonly retries: boolean[] = [];

  /** Waits until the step's effects are over: nothing connecting, no timed ack pending, a quiet trace. */
  async settle(max = 1500): Promise<void> {
    const start = Date.now();
    let seen = -1;
    let quiet = start;
    for (;;) {
      await sleep(5);
      const now = Date.now();
      const n = this.changes + this.peer.records.length;
      if (n !== seen) [seen, quiet] = [n, now];
      // (during an outage the reconnection waits for 'release': not a step's effect to wait for)
      const busy = this.sockets.some(
        (s, i) => (s.active && !s.connected && !this.d.idle(s.io) && !this.peer.held) || (this.pending[i]! > 0 && (s.connected || !this.retries[i])),
      );
      if ((!busy && now - quiet >= QUIET) || now - start > max) return;
    }
  }
}

/** Plays `sc` with driver `d` against a fresh official server; returns the raw trace. */
export async function play(d: Driver, sc: Scenario): Promise<Trace> {
  const peer = await startServer(sc.server);
  const run = new Run(d, peer);
  const late = [...sc.sockets.keys()].filter((i) => sc.sockets[i]!.late);
  const create = async (i: number) => {
    const cfg = sc.sockets[i]!;
    run.timed[i] = cfg.ackTimeout !== undefined;
    run.retries[i] = cfg.retries > 0;
    run.create(i, cfg);
    await run.settle();
  };
  for (const i of sc.sockets.keys()) run.ids[i] = [];
  try {
    for (const i of sc.sockets.keys()) if (!sc.sockets[i]!.late) await create(i);
    for (const [k, st] of sc.steps.entries()) {
      if (st.t === 'create') {
        const i = late.shift();
        if (i !== undefined) await create(i);
        continue;
      }
      run.step(st, k);
      // a stalled connection ends by the client's watchdog (fast pings: 440 ms at most)
      if (st.t === 'stall') for (const end = Date.now() + 1000; run.sockets[st.s]?.connected && Date.now() < end; ) await sleep(10);
      await run.settle(st.t === 'wait' ? 2000 : 1500);
      if (st.t === 'wait') await sleep(120);
    }
    if (peer.held) {
      peer.release();
      await run.settle();
    }
    for (const [i, s] of run.sockets.entries()) if (s) run.push(run.traces, i, ['end', s.connected, s.active, !!s.recovered]);
  } finally {
    for (const m of run.managers) m.disconnect();
    run.done = true;
    await peer.close();
  }
  // the server's records, by the socket that had the id (in the order the server saw them)
  const server = run.ids.map((_, i) => peer.records.filter(([id]) => run.ids[i]!.includes(id)).map(([, e]) => e));
  server.push(peer.records.filter(([id]) => !run.ids.some((ids) => ids.includes(id))).map(([, e]) => e));
  return { sockets: run.traces, managers: run.mtraces, server };
}

// ── the normaliser ─────────────────────────────────────────────────────────────────────────────

/** Errors as kinds: both clients' classes and messages differ on purpose (README, Errors). */
function normError(e: Error & { code?: string; data?: unknown; type?: string }, tok: (v: unknown) => unknown): unknown {
  if (e.message === 'operation has timed out') return { error: 'timeout' };
  if (e.message === 'socket has been disconnected') return { error: 'disconnected' };
  // a failed connection attempt: socket.io-client's TransportError 'websocket error', our ClosedError
  if (e.type === 'TransportError' || (e.code === 'EW_DISCONNECTED' && e.message.startsWith('connection failed'))) return { error: 'transport' };
  // the server's CONNECT_ERROR: socket.io-client's Error, our RpcError EW_CONNECT_REFUSED, same message and data
  if (e.code === 'EW_CONNECT_REFUSED' || (e.code === undefined && 'data' in e)) return { error: 'refused', message: e.message, data: tok(e.data) };
  return { error: e.constructor.name, code: e.code, message: e.message };
}

/**
 * Deliberate (README, Recovery and Differences): on a recovered connection our client sends the
 * offline buffer (and the retry queue's head) before it dispatches the events the server replayed,
 * socket.io-client dispatches the replay first. Both happen before the `connect` event, so in the
 * entries right before a recovered `connect` the outgoing ones ('out') are put after the others.
 */
function replayFirst(list: unknown[][]): unknown[][] {
  const out = [...list];
  for (const [j, e] of list.entries()) {
    if (e[0] !== 'connect' || e[2] !== true) continue;
    let i = j;
    while (i > 0 && ['out', 'news', 'any'].includes(out[i - 1]![0] as string)) i--;
    const run = out.slice(i, j);
    out.splice(i, j - i, ...run.filter((x) => x[0] !== 'out'), ...run.filter((x) => x[0] === 'out'));
  }
  return out;
}

/**
 * Makes a trace comparable: socket ids, session ids and offsets become tokens in order of first
 * appearance, binaries their bytes (a Buffer, an ArrayBuffer or a typed array alike), functions
 * a mark, errors their kind.
 */
export function normalise(t: Trace): Trace {
  const tokens = new Map<string, string>();
  const tok = (v: unknown): unknown => {
    if (typeof v === 'string') {
      // scenario strings are at most 4 characters, names and reasons lower case; ids and offsets
      // are longer random strings (20 characters of an id all lower case: about 1 in 3e7)
      if (v.length < 5 || !/^[\w-]+$/.test(v) || /^[a-z_]+$/.test(v)) return v;
      if (!tokens.has(v)) tokens.set(v, `<id${tokens.size}>`);
      return tokens.get(v);
    }
    if (typeof v === 'function') return '<fn>';
    if (v instanceof Error) return normError(v, tok);
    if (v instanceof ArrayBuffer) return { bin: [...new Uint8Array(v)] };
    if (ArrayBuffer.isView(v)) return { bin: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
    if (Array.isArray(v)) return v.map(tok);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tok(x)]));
    return v;
  };
  return { sockets: t.sockets.map((l) => replayFirst((l ?? []).map((e) => tok(e) as unknown[]))), managers: t.managers.map((l) => (l ?? []).map((e) => tok(e) as unknown[])), server: t.server.map((l) => l.map((e) => tok(e) as unknown[])) };
}
