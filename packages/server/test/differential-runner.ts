// Runs one scenario (differential-scenario.ts) against one server, official or ours, driven by
// official socket.io-client Managers (one WebSocket per client, its namespaces multiplexed on it),
// step by step: after each step, every client socket and its server-side socket agree on being
// connected, and every connected client got an ack through its connection (so whatever the step
// sent it has arrived: one connection keeps its order). Returns the normalised traces. With
// connection state recovery the servers add an offset after the arguments of the events they store:
// the arguments the application emits then end with a number, so a string last is the offset.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Manager, type Socket as ClientSocket } from 'socket.io-client';
import { Server as OfficialServer } from 'socket.io';
import { Server } from '@emitwire/server';
import { type AppNamespace, type AppOperator, type AppServer, Recorder, SYNC, installApp, roomsOf } from './differential-app.js';
import { CLIENTS, type Step, type Target } from './differential-scenario.js';

export type Flavour = 'official' | 'ours';

/** How long an ask waits for its acks, a client's ack callback for an answer that may never come. */
const ASK_MS = 120;
const NO_ANSWER_MS = 80;
/** Bounds of the waits for what a step must bring about. */
const SETTLE_MS = 1500;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function eventually(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    await delay(2);
  }
  return true;
}

/** `promise`'s value, or `fallback` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(resolve, ms, fallback)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function keyOf(t: Target): string {
  return `c${t.c}${t.nsp}`;
}

/**
 * An ack answer to an event refused by `socket.use` middleware. Deliberate (README "Deliberate
 * differences"): ours acks the refusal as the error payload, socket.io sends no ack at all.
 */
function isRefusal(result: unknown): boolean {
  if (result === 'no answer') return true;
  if (result instanceof Error && result.message.startsWith('operation has timed out')) return true;
  const first: unknown = Array.isArray(result) ? result[0] : undefined;
  return typeof first === 'object' && first !== null && '__emitwire_error__' in first;
}

class Run {
  private readonly managers: Manager[] = [];
  private readonly sockets = new Map<string, ClientSocket>();
  private readonly generations = new Map<string, number>();
  /** Answers to asks that clients give after the ask's timeout, not given yet. */
  private late = 0;

  constructor(
    private readonly url: string,
    private readonly io: AppServer,
    private readonly dynamic: AppNamespace,
    readonly rec: Recorder,
    private readonly recovery: boolean,
  ) {
    for (let c = 0; c < CLIENTS; c++) {
      this.managers.push(new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false }));
    }
  }

  /** The client socket of `t`, created with its listeners on first use. */
  private client(t: Target): ClientSocket {
    const key = keyOf(t);
    let socket = this.sockets.get(key);
    if (socket !== undefined) return socket;
    socket = this.managers[t.c]!.socket(t.nsp);
    this.sockets.set(key, socket);
    const observer = `client ${key}`;
    const s = socket;
    s.on('connect', () => this.rec.record(observer, ['connect', s.id, s.recovered]));
    s.on('connect_error', (err: Error & { data?: unknown }) => this.rec.record(observer, ['connect_error', err.message, err.data]));
    s.on('disconnect', (reason) => {
      this.rec.record(observer, ['disconnect', reason]);
      // Deliberate (README "Connection state recovery": a session is restored once): socket.io keeps
      // a restored session until it expires, so a client that left or was made to leave since, and
      // still offers its pid, is recovered into it again; ours makes a new session. The client
      // forgets its pid then, as if it were a new one.
      if (reason === 'io server disconnect' || reason === 'io client disconnect') delete (s as unknown as { _pid?: string })._pid;
    });
    s.onAny((ev: string, ...args: unknown[]) => this.rec.record(observer, ['in', ev, this.rec.offsetMarked(args)]));
    s.on('q', (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function' || !Array.isArray(args[0]) || !args[0].includes(t.c)) return;
      if (args[1] !== true) return void (ack as (v: unknown) => void)(key);
      // after the ask timed out: the server drops the answer
      this.late++;
      setTimeout(() => {
        this.late--;
        if (s.connected) (ack as (v: unknown) => void)(key);
      }, ASK_MS + 30);
    });
    return s;
  }

  /** The arguments of an event the application emits to clients (see the top of this file). */
  private payload(args: unknown[]): unknown[] {
    return this.recovery ? [...args, 0] : args;
  }

  private connectedClient(t: Target): ClientSocket | undefined {
    const s = this.sockets.get(keyOf(t));
    return s?.connected === true ? s : undefined;
  }

  private namespace(name: string): AppNamespace | undefined {
    if (name === 'dynamic') return this.dynamic;
    // a dynamic child is reached through a socket of it: io.of('/dyn-1') differs between the two
    // servers (README: options, cleanupEmptyChildNamespaces) and is not what this test is about
    return name.startsWith('/dyn-') ? this.rec.namespaces.get(name) : this.io.of(name);
  }

  async step(step: Step): Promise<void> {
    const log = (entry: unknown[]): void => this.rec.record('harness', entry);
    switch (step.kind) {
      case 'connect': {
        const s = this.client(step.t);
        // not `active`: a socket whose connection dropped still is, and connecting recovers it
        if (s.connected) return;
        const key = keyOf(step.t);
        const gen = (this.generations.get(key) ?? 0) + 1;
        this.generations.set(key, gen);
        s.auth = { who: `${key}#${gen}`, refuse: step.refuse?.message, data: step.refuse?.data, room: step.room, slow: step.slow };
        const done = new Promise<void>((resolve) => {
          s.once('connect', () => resolve());
          s.once('connect_error', () => resolve());
        });
        s.connect();
        await within(done, SETTLE_MS, undefined);
        return;
      }
      case 'clientClose':
        this.sockets.get(keyOf(step.t))?.disconnect();
        return;
      case 'emit': {
        const s = this.connectedClient(step.t);
        if (s === undefined) return;
        const observer = `client ${keyOf(step.t)}`;
        let result: unknown;
        if (step.ack === 'none') {
          s.emit(step.ev, ...step.args);
          return;
        } else if (step.ack === 'callback') {
          const answer = new Promise<unknown>((resolve) => s.emit(step.ev, ...step.args, (...res: unknown[]) => resolve(res)));
          result = await within(answer, step.ev === 'blocked' ? NO_ANSWER_MS : SETTLE_MS, 'no answer');
        } else {
          result = await s
            .timeout(step.ev === 'blocked' ? NO_ANSWER_MS : SETTLE_MS)
            .emitWithAck(step.ev, ...step.args)
            .then((v: unknown) => [v], (err: unknown) => err);
        }
        this.rec.record(observer, ['ack', step.ev, step.ack, step.ev === 'blocked' && isRefusal(result) ? 'refused' : result]);
        return;
      }
      case 'clientRoom': {
        const s = this.connectedClient(step.t);
        if (s === undefined) return;
        const rooms: unknown = await s.timeout(SETTLE_MS).emitWithAck(step.join ? 'join' : 'leave', step.room);
        this.rec.record(`client ${keyOf(step.t)}`, ['ack', step.join ? 'join' : 'leave', rooms]);
        return;
      }
      case 'tell':
        this.connectedClient(step.t)?.emit('tell', { to: step.to, except: step.except }, ...this.payload(step.args));
        return;
      case 'drop':
        return this.drop(step);
      case 'kick':
        this.connectedClient(step.t)?.emit('kick', step.close);
        return;
      default:
        return this.serverStep(step, log);
    }
  }

  private async serverStep(step: Step, log: (entry: unknown[]) => void): Promise<void> {
    if (step.kind === 'nsp') return this.nspStep(step, log);
    if (!('t' in step)) return;
    const s = this.rec.connected(keyOf(step.t));
    if (s === undefined) return;
    const observer = `server ${keyOf(step.t)}`;
    switch (step.kind) {
      case 'serverEmit':
        if (step.volatile) s.volatile.emit('direct', ...this.payload(step.args));
        else if (step.compress) s.emit('direct', ...this.payload(step.args));
        else s.compress(false).emit('direct', ...this.payload(step.args));
        return;
      case 'serverAsk': {
        // a kicked client does not answer: its ACK would cross the 41, which ours drops and
        // socket.io answers by closing the whole connection (README "Deliberate differences")
        const asked = s.timeout(ASK_MS).emitWithAck('q', step.kick ? [] : step.answerers, step.late);
        // disconnected while the ask waits
        if (step.kick) s.disconnect();
        const result = await asked.then((v) => [v], (err: unknown) => err);
        // An ask of a socket that disconnects: ours rejects at once with ClosedError('socket has
        // been disconnected') (README: Acks), socket.io's rejects when its timeout elapses. Not in
        // the README's list of differences; left, see the report of this test's commit.
        this.rec.record(observer, ['ask result', step.kick && result instanceof Error ? 'rejected' : result]);
        // the late answers arrive before the next step (the settling round trip follows them)
        if (!(await eventually(() => this.late === 0, SETTLE_MS))) this.rec.record('harness', ['late answers not given']);
        return;
      }
      case 'serverKick':
        s.disconnect(step.close);
        return;
      case 'serverRoom':
        if (step.join) s.join(step.room);
        else s.leave(step.room);
        this.rec.record(observer, ['rooms', roomsOf(s)]);
        return;
      case 'rooms':
        this.rec.record(observer, ['rooms', roomsOf(s)]);
        return;
      default:
        return;
    }
  }

  private async nspStep(step: Extract<Step, { kind: 'nsp' }>, log: (entry: unknown[]) => void): Promise<void> {
    const nsp = this.namespace(step.nsp);
    if (nsp === undefined) return;
    // A parent (RegExp) namespace: socket.io's only broadcasts to its children (plain emits: its
    // fetchSockets throws, socketsJoin/socketsLeave/disconnectSockets and broadcasts with acks reach
    // no child); ours does all of them on every child (README: deliberate differences).
    if (step.nsp === 'dynamic' && step.op !== 'emit') return;
    let op: AppOperator = nsp;
    if (step.to.length > 0) op = op.to(step.to);
    if (step.except.length > 0) op = op.except(step.except);
    const what = [step.nsp, step.op, step.to, step.except];
    switch (step.op) {
      case 'emit':
        op.emit('news', ...this.payload(step.args));
        return;
      case 'ask': {
        const [err, responses] = await new Promise<[unknown, unknown]>((resolve) =>
          op.timeout(ASK_MS).emit('q', step.answerers, false, (e: unknown, r: unknown) => resolve([e, r])),
        );
        // the acks arrive in any order across clients
        log([...what, err ?? null, Array.isArray(responses) ? responses.map(String).sort() : responses]);
        return;
      }
      case 'join':
        op.socketsJoin(step.room);
        return;
      case 'leave':
        op.socketsLeave(step.room);
        return;
      case 'disconnect':
      case 'close':
        op.disconnectSockets(step.op === 'close');
        return;
      case 'fetch': {
        const sockets = await op.fetchSockets();
        log([...what, sockets.map((s) => this.rec.ids.get(s.id) ?? 'unknown id').sort()]);
        return;
      }
    }
  }

  private async drop(step: Extract<Step, { kind: 'drop' }>): Promise<void> {
    const mine = [...this.sockets].filter(([key]) => key.startsWith(`c${step.c}/`));
    for (const [key] of mine) this.rec.connected(key)?.emit('primed', ...this.payload([]));
    await this.settle();
    // the client's WebSocket closes without a Socket.IO goodbye: `transport close` on the server
    this.managers[step.c]!.engine?.close();
    await this.settle();
    if (step.missed) for (const name of ['/', '/static', '/dyn-1', '/dyn-2']) this.namespace(name)?.emit('news', ...this.payload(['missed']));
    if (!step.reconnect) return;
    const waiting = mine.filter(([, s]) => s.active && !s.connected);
    if (waiting.length === 0) return;
    const done = waiting.map(([, s]) => new Promise<void>((resolve) => {
      s.once('connect', () => resolve());
      s.once('connect_error', () => resolve());
    }));
    this.managers[step.c]!.open();
    await within(Promise.all(done), SETTLE_MS, []);
  }

  /** Waits until clients and server agree on who is connected, then a round trip on each connection. */
  async settle(): Promise<void> {
    const agree = (): boolean =>
      [...this.sockets].every(([key, s]) => s.connected === (this.rec.connected(key) !== undefined));
    if (!(await eventually(agree, SETTLE_MS))) this.rec.record('harness', ['clients and server disagree']);
    for (const [key, s] of this.sockets) {
      if (!s.connected) continue;
      const ok = await s
        .timeout(SETTLE_MS)
        .emitWithAck(SYNC)
        .then(() => true, () => false);
      if (!ok) this.rec.record('harness', ['no sync', key]);
    }
  }

  /** Disconnects every client (recorded as any disconnection) and waits for the server to see it. */
  async end(): Promise<void> {
    for (const s of this.sockets.values()) s.disconnect();
    await this.settle();
    for (const m of this.managers) m.engine?.close();
  }
}

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/** Runs `steps` against one server and returns what every observer saw, normalised. */
export async function runScenario(flavour: Flavour, steps: readonly Step[], recovery: boolean): Promise<Record<string, unknown>> {
  const http = createServer();
  const recovering = recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true } } : {};
  const server =
    flavour === 'official'
      ? // Deliberate: an empty dynamic child that holds sessions to recover is kept by ours until they
        // expire; socket.io removes it and its sessions (README "Connection state recovery"), so with
        // recovery on, the official server keeps its empty children
        new OfficialServer(http, { transports: ['websocket'], cleanupEmptyChildNamespaces: !recovery, ...recovering })
      : new Server(http, { onHandlerError: () => {}, ...recovering });
  const io = server as unknown as AppServer;
  try {
    const url = await listen(http);
    const rec = new Recorder(recovery);
    const run = new Run(url, io, installApp(io, rec), rec, recovery);
    try {
      for (const step of steps) {
        await run.step(step);
        await run.settle();
      }
    } finally {
      await run.end();
    }
    return run.rec.normalised();
  } finally {
    await server.close();
  }
}
