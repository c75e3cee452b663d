// End-to-end fuzz of the server's state machine: each run starts a real Server on 127.0.0.1:0 with
// the application of fuzz-app.ts, lets 1–3 raw WebSocket clients send random mixes of valid and
// invalid frames at the same time (fuzz-frames.ts), then checks that the process saw no uncaught
// exception or unhandled rejection, that no handler got an ack it was not asked for or a reserved
// event, that a healthy socket.io-client is served, and that once every client is gone the server
// holds nothing for them and closes.
//
// CI runs a fixed seed and few runs; locally: FUZZ_RUNS=2000 FUZZ_SEED=<n> npx jest packages/server/test/fuzz
// (FUZZ_SEED=random for a new seed each time, FUZZ_SHRINK=1 to shrink a failure to a small case).
import fc from 'fast-check';
import { io as ioc } from 'socket.io-client';
import type { Server } from '@emitwire/server';
import { BOOM, FuzzLog, installApp } from './fuzz-app.js';
import { FUZZ_MAX_PAYLOAD, NspTracker, Sessions, addressed, fuzzRun, type RawPlan, type RunOptions, type Step } from './fuzz-frames.js';
import { RawClient, cleanup, connected, delay, guardProcess, once, startServer, type TestServer } from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20_260_523);

/** What the runs did, over all runs (printed with FUZZ_STATS=1). */
const totals = new Map<string, number>();

/** Polls `done` every 5 ms for at most `ms`; false when it never became true. */
/** How long a dropped session may come back in the runs with connection state recovery. */
const RECOVERY_MS = 300;

async function eventually(done: () => boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    await delay(5);
  }
  return true;
}

/** Resolves with whether `promise` settled within `ms` (the timer is cleared either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Answers the server's pings and asks, as the plan says, on a raw client. */
function answerServer(c: RawClient, plan: RawPlan, sessions: Sessions, nsps: NspTracker): void {
  c.ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = (data as Buffer).toString();
    sessions.learn(text);
    nsps.heard(text);
    if (plan.pong && text === '2') c.send('3');
    const asked = plan.ackServer ? /^42(\/[^,]*,)?(\d+)\[/.exec(text) : null;
    if (asked !== null) {
      const answer = `43${asked[1] ?? ''}${asked[2]}["yes"]`;
      c.send(answer);
      // a repeated ACK id is dropped by the server
      if (Number(asked[2]) % 2 === 0) c.send(answer);
    }
  });
}

/**
 * The namespace of a packet step, as a well-behaved client would pick it: waits for the answers to
 * its CONNECTs first, and joins a namespace when the step wants a joined one and none is. Undefined
 * once the connection is closed.
 */
async function pickNamespace(c: RawClient, nsps: NspTracker, step: Extract<Step, { kind: 'packet' | 'recover' }>): Promise<string | undefined> {
  if ('joined' in step.to) {
    await eventually(() => c.closed || nsps.joining.size === 0, 500);
    const free = nsps.pick(step.to) === undefined ? nsps.firstFree() : undefined;
    if (free !== undefined) {
      const join = addressed(['40'], free)[0] as string;
      nsps.sent(join);
      c.send(join);
      await eventually(() => c.closed || nsps.joining.size === 0, 500);
    }
  }
  return c.closed ? undefined : (nsps.pick(step.to) ?? '/');
}

/** One raw client through its plan; resolves once its WebSocket is closed. */
async function runRaw(srv: TestServer, plan: RawPlan, log: FuzzLog, sessions: Sessions): Promise<void> {
  if (plan.startAfter > 0) await delay(plan.startAfter);
  const c = new RawClient(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket`);
  const open = await c.next(true).catch(() => undefined);
  if (typeof open !== 'string' || !open.startsWith('0{')) {
    log.violation(`no open packet: ${String(open)}`);
    return;
  }
  const nsps = new NspTracker();
  answerServer(c, plan, sessions, nsps);
  const send = (data: string | Buffer): void => {
    if (typeof data === 'string') nsps.sent(data);
    c.send(data);
  };
  let done = 0;
  for (const step of plan.steps) {
    if (c.closed) break;
    if (step.kind === 'send') send(step.data);
    else if (step.kind === 'pause') await delay(step.ms);
    else if (step.kind === 'packet' || step.kind === 'recover') {
      const nsp = await pickNamespace(c, nsps, step);
      if (nsp === undefined) break;
      if (step.kind === 'recover') send(sessions.connect(nsp));
      else for (const frame of addressed(step.frames, nsp)) send(frame);
    } else {
      if (step.kind === 'close') c.ws.close();
      else c.ws.terminate();
      break;
    }
    done++;
  }
  // how deep the runs go: a plan cut short was closed by the server (or by a broken frame)
  log.count(done === plan.steps.length ? 'plan done' : 'plan cut short');
  if (!c.closed && c.ws.readyState === c.ws.OPEN) {
    if (plan.end === 'engine-close') c.send('1');
    else if (plan.end === 'close') c.ws.close();
    else c.ws.terminate();
  }
  const closed = await within(c.whenClosed(), 3000);
  if (!closed) {
    log.violation('the server did not close a connection the client was closing');
    c.ws.terminate();
  }
}

/** A healthy official client: an emit-with-ack round trip and a room broadcast. */
async function checkHealthy(srv: TestServer): Promise<void> {
  const healthy = ioc(srv.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    await connected(healthy);
    expect(await healthy.timeout(2000).emitWithAck('echo', { t: 1, ack: true }, 'ok')).toBe('ok');
    expect(await healthy.timeout(2000).emitWithAck('join', { t: 1, ack: true }, 'r2')).toBe(3);
    const news = once(healthy, 'news');
    srv.io.to('r2').emit('news', 'hi');
    // with connection state recovery an offset follows
    expect((await news)[0]).toBe('hi');
  } finally {
    healthy.disconnect();
  }
}

/** Once every client is gone: no socket, no room, no child namespace, no pending ask anywhere. */
async function checkEmpty(io: Server, log: FuzzLog, dynamic: ReadonlySet<unknown>): Promise<void> {
  const nsps = new Set([io.sockets, io.of('/a'), ...log.namespaces]);
  const settled = await eventually(() => io.clientsCount === 0 && [...nsps].every((n) => n.sockets.size === 0) && log.pendingAsks === 0);
  const state = [...nsps].map((n) => `${n.name}: ${n.sockets.size} sockets, rooms ${JSON.stringify([...n.adapter.rooms.keys()])}`);
  expect({ settled, clients: io.clientsCount, pendingAsks: log.pendingAsks, state }).toEqual({
    settled: true,
    clients: 0,
    pendingAsks: 0,
    state: [...nsps].map((n) => `${n.name}: 0 sockets, rooms []`),
  });
  for (const n of nsps) expect(await n.fetchSockets()).toEqual([]);
  // children that clients' names made are released once empty (cleanupEmptyChildNamespaces), and
  // with connection state recovery once the sessions they keep have expired
  expect(await eventually(() => dynamic.size === 0, RECOVERY_MS + 500)).toBe(true);
}

async function oneRun({ options, plans }: { options: RunOptions; plans: RawPlan[] }): Promise<void> {
  const guard = guardProcess();
  const log = new FuzzLog();
  try {
    const srv = await startServer({
      maxHttpBufferSize: FUZZ_MAX_PAYLOAD,
      pingInterval: 40,
      pingTimeout: 60,
      connectTimeout: 150,
      maxPendingAcks: 3,
      onHandlerError: (err) => void log.handlerErrors.push(err),
      connectionStateRecovery: options.recovery === undefined ? undefined : { maxDisconnectionDuration: RECOVERY_MS, ...options.recovery },
    });
    // the dynamic namespace's children (internal: there is no public list of a parent's children)
    const dynamic = installApp(srv.io, log)._children;
    const sessions = new Sessions();
    await Promise.all(plans.map((plan) => runRaw(srv, plan, log, sessions)));
    await eventually(() => srv.io.clientsCount === 0);
    await checkHealthy(srv);
    await checkEmpty(srv.io, log, dynamic);
    expect(log.violations).toEqual([]);
    expect(log.handlerErrors.filter((e) => !(e instanceof Error && e.message === BOOM))).toEqual([]);
    const closed = await within(srv.io.close(), 3000);
    expect(closed).toBe(true);
    expect(guard.errors).toEqual([]);
  } finally {
    for (const [what, n] of log.stats) totals.set(what, (totals.get(what) ?? 0) + n);
    await cleanup();
    guard.restore();
  }
}

describe('end-to-end fuzz of the server state machine', () => {
  test(`${RUNS} runs of 1-3 raw clients sending random frames (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(fuzzRun, oneRun), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: process.env.FUZZ_SHRINK === undefined,
    });
    if (process.env.FUZZ_STATS !== undefined) console.log([...totals].sort().map(([what, n]) => `${what}: ${n}`).join('\n'));
  }, 10_000 + RUNS * 2_000);
});
