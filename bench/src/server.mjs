// A bench server process: starts one implementation, reports its port, then obeys the orchestrator:
//   {type:'mem'}                  → {type:'mem', rss, heapUsed, external, arrayBuffers} after gc
//   {type:'mem', settleMs}        → the same once the server is idle: gc() passes until V8 has
//                                   released the young generation the connections' burst grew
//                                   (or settleMs ran out), with `settled` and `waitedMs`
//   {type:'heap-snapshot', file} → {type:'heap-snapshot', file} (v8.writeHeapSnapshot)
//   {type:'cpu'}                  → {type:'cpu', user, system, t} (µs, ms)
//   {type:'broadcast', count, perTick} → emits `count` broadcasts, `perTick` per macrotask
//                                   → {type:'broadcast-start', t0}, then {type:'broadcast-done', t1}
//   {type:'exit'}                 → closes and exits
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
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

let baseNewSpace;
const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;

async function measureMemory(settleMs) {
  const gc = globalThis.gc;
  for (let i = 0; i < 3; i++) {
    if (gc) gc();
    await sleep(50);
  }
  baseNewSpace ??= newSpace();
  // A burst of connections grows V8's young generation (up to 2 × 16 MB of semi-space); gc() gives
  // it back only once V8 sees the allocation rate has dropped, which takes a few idle seconds. Until
  // then RSS holds pages with no live objects in them, as much as the burst allocated, not what
  // each connection keeps.
  // The pages go back to the system a moment after the young generation shrinks (a background
  // thread unmaps them) and the old generation is compacted after that, so the figure is taken
  // some polls later.
  const t0 = performance.now();
  let settled = !settleMs || newSpace() <= 2 * baseNewSpace;
  for (let after = 0; gc && settleMs && after < 5 && performance.now() - t0 < settleMs; ) {
    await sleep(500);
    gc();
    settled ||= newSpace() <= 2 * baseNewSpace;
    if (settled) after++;
  }
  const m = process.memoryUsage();
  return {
    type: 'mem',
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    newSpace: newSpace(),
    gc: !!gc,
    settled,
    waitedMs: Math.round(performance.now() - t0),
  };
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
  if (msg.type === 'mem') toParent(await measureMemory(msg.settleMs));
  else if (msg.type === 'heap-snapshot') toParent({ type: 'heap-snapshot', file: writeHeapSnapshot(msg.file) });
  else if (msg.type === 'cpu') toParent({ type: 'cpu', ...process.cpuUsage(), t: performance.now() });
  else if (msg.type === 'broadcast') broadcast(msg.count, msg.perTick ?? 1);
  // 'exit': nothing to close gracefully, the process is thrown away after each run
});

const load = IMPLS[config.impl];
if (!load) throw new Error(`unknown implementation ${config.impl}`);
server = await (await load()).start();
toParent({ type: 'ready', port: server.port, pid: process.pid });
