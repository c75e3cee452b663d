// A bench server process: starts one implementation, reports its port, then obeys the orchestrator:
//   {type:'mem'}                  → {type:'mem', rss, heapUsed, external, arrayBuffers} after gc
//   {type:'heap-snapshot', file} → {type:'heap-snapshot', file} (v8.writeHeapSnapshot)
//   {type:'cpu'}                  → {type:'cpu', user, system, t} (µs, ms)
//   {type:'broadcast', count, perTick} → emits `count` broadcasts, `perTick` per macrotask
//                                   → {type:'broadcast-start', t0}, then {type:'broadcast-done', t1}
//   {type:'exit'}                 → closes and exits
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { childSetup, toParent } from './proc.mjs';
import { BCAST_PAYLOAD, wallNow } from './common.mjs';

const IMPLS = {
  ws: () => import('./servers/ws.mjs'),
  'socket.io': () => import('./servers/socketio.mjs'),
  emitwire: () => import('./servers/emitwire.mjs'),
  'sio-floor': () => import('./servers/sio-floor.mjs'),
};

let server;

async function measureMemory() {
  const gc = globalThis.gc;
  for (let i = 0; i < 3; i++) {
    if (gc) gc();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { type: 'mem', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, gc: !!gc };
}

/** Emits `count` broadcasts, `perTick` of them per macrotask (setImmediate between bursts). */
function broadcast(count, perTick) {
  const t0 = wallNow();
  toParent({ type: 'broadcast-start', t0 });
  let sent = 0;
  const next = () => {
    const end = Math.min(count, sent + perTick);
    for (; sent < end; sent++) server.broadcast(BCAST_PAYLOAD);
    if (sent < count) setImmediate(next);
    else toParent({ type: 'broadcast-done', t1: wallNow() });
  };
  next();
}

const config = childSetup(async (msg) => {
  if (msg.type === 'mem') toParent(await measureMemory());
  else if (msg.type === 'heap-snapshot') toParent({ type: 'heap-snapshot', file: writeHeapSnapshot(msg.file) });
  else if (msg.type === 'cpu') toParent({ type: 'cpu', ...process.cpuUsage(), t: performance.now() });
  else if (msg.type === 'broadcast') broadcast(msg.count, msg.perTick ?? 1);
  // 'exit': nothing to close gracefully, the process is thrown away after each run
});

const load = IMPLS[config.impl];
if (!load) throw new Error(`unknown implementation ${config.impl}`);
server = await (await load()).start();
toParent({ type: 'ready', port: server.port, pid: process.pid });
