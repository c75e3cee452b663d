// A bench load-generator process. Connects its clients to the server on `port`, runs one scenario
// and reports to the orchestrator:
//   ack-echo / pipelined  → {type:'result', completed, elapsedMs, rps, p50, p99}
//   broadcast(-spaced)    → {type:'ready'} once every client is connected, then
//                           {type:'result', delivered, t1} when every broadcast has arrived
//   memory                → {type:'ready'} once every client is connected, then stays idle
//   conn-rate             → {type:'result', connected, elapsedMs, rate}, then stays connected
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { childSetup, toParent } from './proc.mjs';
import { percentile, wallNow } from './common.mjs';

const CLIENTS = {
  'wire-json': () => import('./clients/wire-json.mjs'),
  'wire-eio': () => import('./clients/wire-eio.mjs'),
  'real-socket.io': () => import('./clients/real-socketio.mjs'),
  'real-emitwire': () => import('./clients/real-emitwire.mjs'),
};

/** Which client drives which server. */
function clientKind(impl, client) {
  if (impl === 'ws') return 'wire-json';
  return client === 'real' ? `real-${impl}` : 'wire-eio';
}

const conns = [];
// Spawned alongside the server; starts when the orchestrator sends the server's port. Nothing to
// clean up on exit: the kernel closes every socket.
let begin;
const started = new Promise((resolve) => {
  begin = resolve;
});
const config = childSetup((msg) => {
  if (msg.type === 'start') begin(msg.port);
});
const { impl, client, scenario, params } = config;
const kind = clientKind(impl, client);
const { connect } = await CLIENTS[kind]();
toParent({ type: 'loaded' });
const port = await started;
let bad = 0;
const onBad = () => {
  bad++;
};

async function connectMany(n, concurrency, hooks) {
  let next = 0;
  if (n <= 0) return;
  const worker = async () => {
    while (next < n) {
      next++;
      conns.push(await connect(port, hooks));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

async function throughput({ clients, inflight, warmupMs, measureMs }) {
  await connectMany(clients, 50, { onBad });
  let measuring = false;
  let running = true;
  let completed = 0;
  let outstanding = 0;
  const rtts = [];
  const loop = (conn) => {
    const t0 = performance.now();
    outstanding++;
    conn.echo(() => {
      outstanding--;
      if (measuring) {
        completed++;
        rtts.push(performance.now() - t0);
      }
      if (running) loop(conn);
    });
  };
  for (const conn of conns) for (let i = 0; i < inflight; i++) loop(conn);
  await sleep(warmupMs);
  measuring = true;
  toParent({ type: 'measure-start' });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(measureMs);
  measuring = false;
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  toParent({ type: 'measure-end' });
  running = false;
  // let what is in flight land, so nobody is torn down mid-write
  for (let i = 0; i < 40 && outstanding > 0; i++) await sleep(25);
  const sorted = Float64Array.from(rtts).sort();
  toParent({
    type: 'result',
    completed,
    elapsedMs,
    rps: (completed * 1000) / elapsedMs,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    bad,
    loadCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
  });
}

async function broadcast({ clients, broadcasts, concurrency }) {
  const expected = clients * broadcasts;
  let delivered = 0;
  let cpu0;
  let first;
  const onBcast = () => {
    if (delivered++ === 0) {
      cpu0 = process.cpuUsage();
      first = performance.now();
    }
    if (delivered === expected) {
      const cpu = process.cpuUsage(cpu0);
      const loadCpu = (cpu.user + cpu.system) / 1000 / Math.max(1, performance.now() - first);
      toParent({ type: 'result', delivered, t1: wallNow(), bad, loadCpu });
    }
  };
  await connectMany(clients, concurrency, { onBcast, onBad });
  toParent({ type: 'ready', connected: conns.length });
}

async function memory({ clients, concurrency }) {
  await connectMany(clients, concurrency, { onBad });
  toParent({ type: 'ready', connected: conns.length });
}

async function connRate({ clients, concurrency, warmup }) {
  // warm-up connections are held but not counted (they start the JIT warm-up, they do not finish
  // it: see README, Known limits)
  await connectMany(warmup, concurrency, { onBad });
  const before = conns.length;
  toParent({ type: 'measure-start' });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await connectMany(clients, concurrency, { onBad });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  toParent({ type: 'measure-end' });
  const connected = conns.length - before;
  toParent({
    type: 'result',
    connected,
    elapsedMs,
    rate: (connected * 1000) / elapsedMs,
    loadCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
  });
}

const SCENARIOS = {
  'ack-echo': throughput,
  pipelined: throughput,
  broadcast,
  'broadcast-spaced': broadcast,
  memory,
  'conn-rate': connRate,
};
await SCENARIOS[scenario](params);
