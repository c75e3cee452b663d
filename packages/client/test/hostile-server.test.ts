/*
 * Our Node client against a hostile or buggy server, property-based (fast-check): a raw `ws`
 * server on 127.0.0.1 plays a random script of frames (valid and broken Engine.IO open packets,
 * heartbeats, stray packet types, CONNECT answers, CONNECT_ERRORs, events with reserved names, acks
 * for unknown ids, binary packets with missing or extra attachments, bad JSON, oversized messages,
 * raw close frames with odd codes, abrupt termination, delays) interleaved with what the
 * application does (emits with and without acks, timeout(), emitWithAck, volatile, retries,
 * namespaces leaving and joining). Invariants checked after each run:
 *
 * - nothing is thrown from the client's own timers or WebSocket handlers, and no promise is left
 *   rejected without a handler (the test's listeners never throw, so anything there is the client's);
 * - failures reach the application as `connect_error` (an EmitwireError), `disconnect` /
 *   the Manager's `close` with a documented reason, or rejections / error-first callbacks with our
 *   error types; misuse-free calls throw synchronously only EmitwireErrors (a full buffer, a
 *   message over the server's maxPayload);
 * - no listener added with `on` is called for an event name the server may not send, and the
 *   socket's own events carry their documented arguments;
 * - every ack callback is called at most once, and every ack that can fail (error-first) settles
 *   once the manager is closed: those with a timeout within it, those sent while connected at once
 *   (with retries, an emit with tries left waits for a later connection, as in socket.io-client);
 * - a fresh client then connects to a healthy emitwire Server and does an ack round trip.
 *
 * CI runs a fixed seed and a bounded number of runs; FUZZ_RUNS / FUZZ_SEED for longer local runs:
 *   FUZZ_RUNS=500 FUZZ_SEED=random npx jest packages/client/test/hostile-server.test.ts (or a number for FUZZ_SEED)
 */
import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket as TcpSocket } from 'node:net';
import { WebSocketServer, type WebSocket as ServerWs } from 'ws';
import { Server } from '@emitwire/server';
import { io, EmitwireError, NodeWebSocket, type Socket, type WebSocketLike } from '@emitwire/client/node';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20240611);

// ── what went wrong in a run ───────────────────────────────────────────────────────────────────

let problems: string[] = [];
/** What the runs did (printed with FUZZ_STATS=1): that they reach connections, events and acks. */
const stats = new Map<string, number>();
const count = (what: string): void => void stats.set(what, (stats.get(what) ?? 0) + 1);
const problem = (what: string, err?: unknown): void => {
  problems.push(err === undefined ? what : `${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
};

/**
 * The client's WebSocket: `ws` as the Node entry uses it (NodeWebSocket), with its handlers
 * guarded, so that an exception the client lets out of a message / close / error handler (which
 * would be an uncaught exception in a real process) is recorded for the run that caused it.
 */
class GuardedWebSocket implements WebSocketLike {
  #ws: NodeWebSocket;
  constructor(url: string) {
    this.#ws = new NodeWebSocket(url);
  }
  get binaryType(): string {
    return this.#ws.binaryType;
  }
  set binaryType(t: string) {
    this.#ws.binaryType = t as NodeWebSocket['binaryType'];
  }
  get readyState(): number {
    return this.#ws.readyState;
  }
  // (typed as ws's setters take it: the client's handlers read only `data`, `code` and `reason`)
  #guard(fn: ((ev: never) => void) | null): ((ev: unknown) => void) | null {
    return (
      fn &&
      ((ev: unknown) => {
        try {
          fn(ev as never);
        } catch (err) {
          problem('thrown from a WebSocket handler', err);
        }
      })
    );
  }
  set onopen(fn: ((ev: never) => void) | null) {
    this.#ws.onopen = this.#guard(fn);
  }
  get onopen(): null {
    return null;
  }
  set onmessage(fn: ((ev: never) => void) | null) {
    this.#ws.onmessage = this.#guard(fn);
  }
  get onmessage(): null {
    return null;
  }
  set onclose(fn: ((ev: never) => void) | null) {
    this.#ws.onclose = this.#guard(fn);
  }
  get onclose(): null {
    return null;
  }
  set onerror(fn: ((ev: never) => void) | null) {
    this.#ws.onerror = this.#guard(fn);
  }
  get onerror(): null {
    return null;
  }
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    this.#ws.send(data);
  }
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
}

// ── the script ─────────────────────────────────────────────────────────────────────────────────

/** What the hostile server does next, or what the application does. */
type Step =
  | ['text', string]
  | ['binary', number] // a binary message of n bytes (an attachment, or one nobody asked for)
  | ['raw', string] // raw WebSocket frame bytes (hex) written to the TCP socket: odd close codes, bad UTF-8
  | ['close', number] // a proper close frame with this code
  | ['terminate']
  | ['answer'] // answers the CONNECTs the client sent on this connection: 40<nsp>,{"sid":…}
  | ['ack', 'last' | 'all' | 'again', string] // ACKs for the client's event ids, with this data
  | ['flood', number] // n pings at once
  | ['big', number] // a 42 EVENT of about n characters
  | ['delay', number]
  | ['wait'] // until the client has a new connection (at most 150 ms)
  | ['op', Op, 0 | 1];

/** What the application does, on namespace 0 (`/`) or 1 (`/admin`). */
type Op = 'emit' | 'cb' | 'timeout' | 'withAck' | 'timeoutWithAck' | 'volatile' | 'volatileCb' | 'binary' | 'disconnect' | 'connect';

const nsps = ['', '/admin,', '/other,'];
const nspArb = fc.constantFrom(...nsps);
const openArb = fc
  .record({
    sid: fc.oneof(fc.constant('s1'), fc.constant(undefined), fc.integer()),
    pingInterval: fc.oneof(fc.integer({ min: 20, max: 300 }), fc.constantFrom(-1, 0, 1e20, 'x', null, 2 ** 31)),
    pingTimeout: fc.oneof(fc.integer({ min: 20, max: 300 }), fc.constantFrom(-5000, 1e20, '100', undefined)),
    maxPayload: fc.oneof(fc.constantFrom(1e6, 100, 30, 2, 1, 0, -1, 1e300, '10', null, undefined), fc.integer({ min: 1, max: 200 })),
  })
  .map((o) => ['text', '0' + JSON.stringify({ ...o, upgrades: [] })] as Step);
const validOpen = fc
  .record({ pingInterval: fc.integer({ min: 30, max: 400 }), pingTimeout: fc.integer({ min: 30, max: 400 }), maxPayload: fc.constantFrom(1e6, 1e6, 200, 40) })
  .map((o) => ['text', '0' + JSON.stringify({ sid: 'good', upgrades: [], ...o })] as Step);
const eventName = fc.constantFrom('"x"', '"y"', '"connect"', '"disconnect"', '"connect_error"', '"disconnecting"', '"newListener"', '"removeListener"', '"__proto__"', '"constructor"', '"toString"', '7', 'null', '{}');
const ackId = fc.constantFrom('', '0', '1', '2', '3', '99', '-1', '1.5', '9007199254740993');
const jsonArgs = fc.constantFrom('', ',1', ',"a",{"b":[1]}', ',{"__proto__":{"polluted":1}}', ',{"__emitwire_error__":{"code":"E","message":"m"}}');
const placeholder = (n: number) => `{"_placeholder":true,"num":${n}}`;

const textArb: fc.Arbitrary<string> = fc.oneof(
  // Engine.IO
  fc.constantFrom('2', '3', '3probe', '5', '6', '1', '', '7', '9x', 'x', '0', '0{', '0null', '0[]', '0"s"', '0{"sid":"late","pingInterval":10,"pingTimeout":10}', '4', '4 '),
  // Socket.IO CONNECT (answers with and without sid, other namespaces)
  fc.tuple(nspArb, fc.constantFrom('{"sid":"a"}', '{"sid":"b","pid":"p"}', '', '{}', '{"sid":1}', '[]', '"s"', 'null', '{"sid":"c","pid":7}')).map(([n, d]) => `40${n}${d}`),
  // DISCONNECT
  nspArb.map((n) => `41${n}`),
  // CONNECT_ERROR with odd data
  fc
    .tuple(nspArb, fc.constantFrom('{"message":"no"}', '"old style"', 'null', '[]', '{}', '{"message":"m","data":{"a":1},"extra":true}', '{"message":5}', '{"message":"m","data":null}'))
    .map(([n, d]) => `44${n}${d}`),
  // EVENT, reserved names among them, with and without an ack id
  fc.tuple(nspArb, ackId, eventName, jsonArgs).map(([n, id, e, a]) => `42${n}${id}[${e}${a}]`),
  // ACK for unknown or odd ids
  fc.tuple(nspArb, ackId, fc.constantFrom('[]', '[1]', '{}', '"x"', '', '[{"__emitwire_error__":{"code":"E","message":"m"}}]')).map(([n, id, d]) => `43${n}${id}${d}`),
  // BINARY_EVENT / BINARY_ACK headers (the attachments, or not, are other steps)
  fc
    .tuple(fc.constantFrom('5', '6'), fc.constantFrom('0', '1', '2', '11', '', 'x'), nspArb, ackId, fc.constantFrom(0, 1, 2, 5, -1))
    .map(([t, count, n, id, num]) => `4${t}${count}-${n}${t === '5' ? id : id || '0'}${t === '5' ? `["b",${placeholder(num)}]` : `[${placeholder(num)}]`}`),
  // invalid JSON, odd packet types
  fc.constantFrom('42["x",', '42{', '42', '42[]', '47', '4a', '42/admin', '42/admin,["x"', '4-1["x"]'),
);

const opArb = fc.tuple(
  fc.constantFrom<Op>('emit', 'cb', 'timeout', 'withAck', 'timeoutWithAck', 'volatile', 'volatileCb', 'binary', 'disconnect', 'connect'),
  fc.constantFrom<0 | 1>(0, 1),
);

/** What a working server sends: events (asking for acks or not), pings, acks. */
const healthyArb: fc.Arbitrary<Step> = fc
  .tuple(fc.constantFrom('', '/admin,'), fc.constantFrom('', '', '4', '12'), fc.constantFrom('"x"', '"b"', '"__proto__"', '"constructor"', '"toString"'))
  .chain(([n, id, e]) => fc.constantFrom<Step>(['text', `42${n}${id}[${e},1]`], ['text', '2'], ['ack', 'last', '[1]'], ['ack', 'all', '[]'], ['text', `451-${n}${id}[${e},${placeholder(0)}]`], ['binary', 3]));

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: textArb.map((t) => ['text', t] as Step) },
  { weight: 8, arbitrary: healthyArb },
  { weight: 2, arbitrary: openArb },
  { weight: 2, arbitrary: fc.constant<Step>(['answer']) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom<'last' | 'all' | 'again'>('last', 'all', 'again'), fc.constantFrom('[]', '[1,2]', '[{"__emitwire_error__":{"code":"E_X","message":"bad"}}]', '{}')).map(([w, d]) => ['ack', w, d] as Step) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3000 }).map((n) => ['binary', n] as Step) },
  {
    weight: 1,
    arbitrary: fc
      // close frames with codes a peer may not send (1005, 1006, 999, 5000) or an odd length; a text frame of bad UTF-8
      .constantFrom('880203ed', '880203ee', '880203e7', '88021388', '880103', '8802ffff', '8102fffe', '810180', '88027fff')
      .map((hex) => ['raw', hex] as Step),
  },
  { weight: 1, arbitrary: fc.constantFrom(1000, 1001, 1008, 1011, 3000, 4999).map((c) => ['close', c] as Step) },
  { weight: 1, arbitrary: fc.constant<Step>(['terminate']) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => ['flood', n] as Step) },
  { weight: 1, arbitrary: fc.constantFrom(2000, 12000, 1_000_100).map((n) => ['big', n] as Step) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 60 }).map((ms) => ['delay', ms] as Step) },
  { weight: 2, arbitrary: fc.constant<Step>(['wait']) },
  { weight: 6, arbitrary: opArb.map(([op, n]) => ['op', op, n] as Step) },
);

const runArb = fc.record({
  twoNamespaces: fc.boolean(),
  ackTimeout: fc.constantFrom(undefined, 40, 120),
  retries: fc.constantFrom(0, 0, 1, 2),
  maxDecoded: fc.constantFrom(undefined, 10_000),
  // most runs start like a real server (then go wrong); the others start wrong
  start: fc.oneof(
    { weight: 3, arbitrary: validOpen.map((open): Step[] => [open, ['delay', 15], ['answer']]) },
    { weight: 1, arbitrary: fc.constant<Step[]>([]) },
  ),
  // (a reconnection that a server then serves properly, now and then: the client gets going again)
  steps: fc
    .array(fc.oneof({ weight: 9, arbitrary: stepArb.map((step) => [step]) }, { weight: 1, arbitrary: validOpen.map((open): Step[] => [['wait'], open, ['delay', 10], ['answer']]) }), {
      minLength: 1,
      maxLength: 30,
    })
    .map((chunks) => chunks.flat()),
});
type Run = typeof runArb extends fc.Arbitrary<infer R> ? R : never;

// ── the hostile server ─────────────────────────────────────────────────────────────────────────

let wss: WebSocketServer;
let port: number;
/** The connections of the current run, the latest last; what the client sent on each. */
let conns: Array<{ ws: ServerWs; received: string[]; answered: number; acked: number }> = [];

/** An emitwire server that behaves, for the check after each run. */
let healthy: Server;
let healthyUrl: string;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 10 * 1024 * 1024 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  port = (wss.address() as AddressInfo).port;
  wss.on('connection', (ws) => {
    const conn = { ws, received: [] as string[], answered: 0, acked: 0 };
    conns.push(conn);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) conn.received.push(String(data));
    });
    ws.on('error', () => {});
  });
  const http = createServer();
  healthy = new Server(http);
  healthy.on('connection', (s) => s.on('ping', (n: unknown, ack: unknown) => (ack as (r: unknown) => void)(['pong', n])));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  healthyUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await healthy.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));
const realSetTimeout = setTimeout;

/** The id and namespace of each EVENT with an ack id the client sent (`42/admin,5[...]`). */
function askedAcks(received: string[]): Array<[nsp: string, id: string]> {
  const out: Array<[string, string]> = [];
  for (const m of received) {
    const match = /^4[25](?:\d+-)?(\/[^,]*,)?(\d+)\[/.exec(m);
    if (match) out.push([match[1] ?? '', match[2]!]);
  }
  return out;
}

async function serve(step: Step, ops: (op: Op, n: 0 | 1) => void): Promise<void> {
  const conn = conns[conns.length - 1];
  const ws = conn?.ws;
  const open = ws !== undefined && ws.readyState === ws.OPEN;
  switch (step[0]) {
    case 'op':
      return ops(step[1], step[2]);
    case 'delay':
      return sleep(step[1]);
    case 'wait': {
      const n = conns.length;
      for (let t = 0; t < 150 && conns.length === n; t += 5) await sleep(5);
      return;
    }
  }
  if (!open || conn === undefined) return;
  switch (step[0]) {
    case 'text':
      return ws.send(step[1]);
    case 'binary':
      return ws.send(Buffer.alloc(step[1], 7));
    case 'raw':
      (ws as unknown as { _socket: TcpSocket })._socket.write(Buffer.from(step[1], 'hex'));
      return;
    case 'close':
      return ws.close(step[1]);
    case 'terminate':
      return ws.terminate();
    case 'flood':
      for (let i = 0; i < step[1]; i++) ws.send('2');
      return;
    case 'big':
      return ws.send(`42["x","${'a'.repeat(step[1])}"]`);
    case 'answer': {
      await sleep(2); // (a CONNECT may be on its way)
      // the CONNECTs sent since the last answer (40, 40/admin,, 40{…})
      for (const m of conn.received.slice(conn.answered)) {
        const match = /^40(\/[^,]*,)?/.exec(m);
        if (match) ws.send(`40${match[1] ?? ''}{"sid":"sid-${conns.length}"}`);
      }
      conn.answered = conn.received.length;
      return;
    }
    case 'ack': {
      const asked = askedAcks(conn.received);
      const [, which, data] = step;
      const chosen = which === 'last' ? asked.slice(-1) : which === 'all' ? asked.slice(conn.acked) : asked.slice(0, 1);
      if (which === 'all') conn.acked = asked.length;
      for (const [n, id] of chosen) ws.send(`43${n}${id}${data}`);
      return;
    }
  }
}

// ── the client and its invariants ──────────────────────────────────────────────────────────────

const DISCONNECT_REASONS = new Set(['io server disconnect', 'io client disconnect', 'ping timeout', 'transport close', 'transport error', 'parse error']);
const CLOSE_REASONS = new Set(['ping timeout', 'transport close', 'transport error', 'parse error', 'forced close']);
const NEVER = ['disconnecting', 'newListener', 'removeListener'];
const FORBIDDEN = new Set(['connect', 'connect_error', 'disconnect', ...NEVER]);

/** An ack the application waits for. */
interface Pending {
  what: string;
  /** It can fail (error-first callback, emitWithAck), so it must settle. */
  canFail: boolean;
  /** It has a timeout: it settles within it (times the tries) whatever happens. */
  timed: boolean;
  /** Sent while the socket was connected (not buffered): the disconnect settles it. */
  sent: boolean;
  calls: number;
}

async function play(run: Run): Promise<void> {
  problems = [];
  conns = [];
  const pending: Pending[] = [];
  const opts = {
    forceNew: true,
    WebSocket: GuardedWebSocket,
    reconnectionDelay: 5,
    reconnectionDelayMax: 20,
    reconnectionAttempts: 4,
    timeout: 300,
    retries: run.retries,
    ...(run.ackTimeout === undefined ? {} : { ackTimeout: run.ackTimeout }),
    ...(run.maxDecoded === undefined ? {} : { decoder: { maxPayload: run.maxDecoded } }),
  };
  const main = io(`http://127.0.0.1:${port}`, opts);
  const manager = main.io;
  const sockets = [main, run.twoNamespaces ? manager.socket('/admin', opts) : main];

  manager.on('close', (reason) => {
    if (!CLOSE_REASONS.has(reason)) problem(`manager close with reason ${String(reason)}`);
  });
  manager.on('error', (err) => {
    if (!(err instanceof EmitwireError)) problem('manager error not an EmitwireError', err);
  });
  for (const s of new Set(sockets)) {
    s.on('connect', (...args: unknown[]) => {
      count('connect');
      if (args.length > 0) problem(`connect listener called with ${JSON.stringify(args)}`);
    });
    s.on('disconnect', (reason) => {
      count(`disconnect: ${reason}`);
      if (!DISCONNECT_REASONS.has(reason)) problem(`disconnect with reason ${String(reason)}`);
    });
    s.on('connect_error', (err) => {
      count(`connect_error: ${(err as EmitwireError).code}`);
      if (!(err instanceof EmitwireError)) problem('connect_error not an EmitwireError', err);
    });
    for (const name of NEVER) (s as unknown as Socket).on(name as 'x', (...args: unknown[]) => problem(`listener of ${name} called with ${JSON.stringify(args)}`));
    s.onAny((event: unknown) => {
      if (typeof event !== 'string' || FORBIDDEN.has(event)) problem(`onAny got event ${String(event)}`);
    });
    for (const name of ['x', '__proto__', 'constructor', 'toString', '7', 'b']) {
      s.on(name, (...args: unknown[]) => {
        count(`event ${name}`);
        const ack = args.at(-1);
        // answer what asks for an answer, as applications do
        if (typeof ack === 'function') {
          try {
            (ack as (...a: unknown[]) => void)('ok');
          } catch (err) {
            if (!(err instanceof EmitwireError)) problem('ack() threw a foreign error', err);
          }
        }
      });
    }
  }

  const track = (what: string, canFail: boolean, timed: boolean, s: Socket, volatile?: boolean): Pending => {
    // with retries, a try lost to a disconnection (manager.close() too) waits, without a timer, for
    // the next connection (by design, as in socket.io-client), and every emit after it waits for its
    // turn (a timeout(ms) starts with the turn); a volatile emit is never retried
    const stuck = run.retries > 0 && !volatile;
    const p: Pending = { what, canFail, timed: timed && !stuck, sent: s.connected && !stuck, calls: 0 };
    pending.push(p);
    return p;
  };
  const settle = (p: Pending, err?: unknown) => {
    count(`settled ${p.what} ${err ? (err as EmitwireError).code : 'ok'}`);
    if (++p.calls > 1) problem(`${p.what}: ack settled ${p.calls} times`);
    if (err !== undefined && err !== null && !(err instanceof EmitwireError)) problem(`${p.what}: failed with a foreign error`, err);
  };
  const timed = run.ackTimeout !== undefined;
  const ops = (op: Op, n: 0 | 1): void => {
    const s = sockets[n]!;
    try {
      switch (op) {
        case 'emit':
          s.emit('x', 1);
          break;
        case 'binary':
          s.emit('x', new Uint8Array(50), Buffer.from('ab'));
          break;
        case 'volatile':
          s.volatile.emit('x');
          break;
        case 'cb': {
          // a plain callback gets the server's answer; an error-first one (ackTimeout, retries) failures too
          const p = track(op, timed || run.retries > 0, timed, s);
          s.emit('x', 2, (err?: unknown) => settle(p, timed || run.retries > 0 ? err : undefined));
          break;
        }
        case 'volatileCb': {
          // (not retried: error-first only with ackTimeout, as without retries)
          const p = track(op, timed, timed, s, true);
          s.volatile.emit('x', 3, (err?: unknown) => settle(p, timed ? err : undefined));
          break;
        }
        case 'timeout': {
          const p = track(op, true, true, s);
          s.timeout(60).emit('x', 4, (err: unknown) => settle(p, err));
          break;
        }
        case 'withAck':
        case 'timeoutWithAck': {
          const p = track(op, true, op === 'timeoutWithAck' || timed, s);
          (op === 'withAck' ? s : s.timeout(60)).emitWithAck('x', 5).then(
            () => settle(p),
            (err: unknown) => settle(p, err ?? new Error('rejected with nothing')),
          );
          break;
        }
        case 'disconnect':
          s.disconnect();
          break;
        case 'connect':
          s.connect();
          break;
      }
    } catch (err) {
      // documented synchronous throws: a full buffer, a message over the server's maxPayload
      if (!(err instanceof EmitwireError)) problem(`${op} threw a foreign error`, err);
      else if (/connect/.test(op) || !['EW_BUFFER_FULL', 'EW_PAYLOAD_TOO_LARGE'].includes(err.code)) problem(`${op} threw`, err);
      // a refused emit has no ack to wait for
      const last = pending.at(-1);
      if (last && last.calls === 0 && /cb|timeout$/.test(op)) pending.pop();
    }
  };

  // the client's first connection
  for (let t = 0; t < 1000 && conns.length === 0; t += 5) await sleep(5);
  if (conns.length === 0) problem('the client never connected');
  for (const step of [...run.start, ...run.steps]) await serve(step, ops);
  await sleep(20);
  manager.close();
  // every ack that can fail settles: timed ones within their timeout times their tries, the others at once
  // (with retries the emits take turns: each waits for those before it)
  const deadline = Date.now() + Math.min(8000, (run.ackTimeout ?? 60) * (run.retries + 1) * (run.retries ? pending.length : 1) + 500);
  const due = () => pending.filter((p) => p.calls === 0 && p.canFail && (p.timed || p.sent));
  while (due().length > 0 && Date.now() < deadline) await sleep(10);
  for (const p of due()) problem(`${p.what} (${p.sent ? 'sent while connected' : 'buffered'}${p.timed ? ', with a timeout' : ''}) never settled after close()`);
  for (const s of new Set(sockets)) if (s.connected) problem(`${s.nsp} still connected after manager.close()`);
  if (manager.readyState !== 'closed') problem(`manager ${manager.readyState} after close()`);
  for (const c of conns) c.ws.terminate();
  // what the client's timers may still do (late acks, a listener reconnecting) happens now
  await sleep(5);

  // the client library still works: a fresh client against a healthy server
  const fresh = io(healthyUrl, { forceNew: true });
  try {
    // (the timeout bounds it even if the client never connected: a buffered emit's timer runs too)
    const answer = await fresh.timeout(2000).emitWithAck('ping', 1);
    if (JSON.stringify(answer) !== '["pong",1]') problem(`healthy round trip: ${JSON.stringify(answer)}`);
  } catch (err) {
    problem('healthy round trip failed', err);
  } finally {
    fresh.io.close();
  }
}

test(`a hostile server never breaks the client (${RUNS} runs, seed ${SEED})`, async () => {
  // anything the client throws from its timers is recorded for the run that caused it
  const timers = globalThis as { setTimeout: typeof setTimeout };
  const original = timers.setTimeout;
  timers.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    original(() => {
      try {
        fn(...args);
      } catch (err) {
        problem('thrown from a timer', err);
      }
    }, ms)) as typeof setTimeout;
  // (what no callback can be told goes to the console: counted, not printed)
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => count('console.warn'));
  const onUncaught = (err: unknown) => problem('uncaught', err);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        await play(run);
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: !process.env.FUZZ_SHRINK, verbose: 1 },
    );
    if (process.env.FUZZ_STATS) console.log([...stats].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
  } finally {
    warn.mockRestore();
    timers.setTimeout = original;
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
}, 600_000);

