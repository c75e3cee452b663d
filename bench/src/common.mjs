// What every bench process shares: the payloads, the scenario parameters and the write batcher.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import process from 'node:process';
import { performance } from 'node:perf_hooks';

/** A typical chat-like event payload: 100 bytes of JSON. */
export const PAYLOAD = {
  user: 'alice',
  room: 'general',
  text: 'hello from the emitwire bench',
  ts: 1700000000000,
  seq: 42,
};

/** The broadcast payload: also 100 bytes of JSON. */
export const BCAST_PAYLOAD = { ...PAYLOAD, room: 'lobby', user: 'server!' };

/** Scenario parameters, full run and quick (development / smoke test) run. */
export const PARAMS = {
  full: {
    rounds: 3,
    'ack-echo': { clients: 50, inflight: 1, warmupMs: 1000, measureMs: 5000 },
    pipelined: { clients: 50, inflight: 32, warmupMs: 1000, measureMs: 5000 },
    broadcast: { clients: 1000, broadcasts: 200, concurrency: 50, perTick: 200 },
    'broadcast-spaced': { clients: 1000, broadcasts: 50, concurrency: 50, perTick: 1 },
    memory: { clients: 5000, concurrency: 100, memorySettleMs: 15000 },
    'conn-rate': { clients: 2000, concurrency: 32, warmup: 200 },
    codec: { rounds: 5, runMs: 300 },
    realClients: { rounds: 1, warmupMs: 500, measureMs: 2500 },
  },
  quick: {
    rounds: 1,
    'ack-echo': { clients: 10, inflight: 1, warmupMs: 50, measureMs: 150 },
    pipelined: { clients: 10, inflight: 8, warmupMs: 50, measureMs: 150 },
    broadcast: { clients: 50, broadcasts: 20, concurrency: 25, perTick: 20 },
    'broadcast-spaced': { clients: 50, broadcasts: 10, concurrency: 25, perTick: 1 },
    memory: { clients: 100, concurrency: 50, memorySettleMs: 3000 },
    'conn-rate': { clients: 100, concurrency: 16, warmup: 20 },
    codec: { rounds: 2, runMs: 40 },
    realClients: { rounds: 1, warmupMs: 50, measureMs: 150 },
  },
};

/** The server core and the load generator core. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

const corked = Symbol('bench.corked');

/**
 * Batches the writes of many `ws` sockets per tick: the first send to a socket in a tick corks
 * its TCP socket, one `process.nextTick` uncorks them all, so every message a socket gets in a
 * tick leaves in one write. This is what makes a `ws` server (or client) the floor.
 */
export function createBatcher() {
  let pending = [];
  let scheduled = false;
  const flush = () => {
    const list = pending;
    pending = [];
    scheduled = false;
    for (let i = 0; i < list.length; i++) {
      const ws = list[i];
      ws[corked] = false;
      const raw = ws._socket;
      if (raw && !raw.destroyed) raw.uncork();
    }
  };
  return function send(ws, data, options) {
    if (ws.readyState !== 1) return;
    if (!ws[corked]) {
      ws[corked] = true;
      ws._socket.cork();
      pending.push(ws);
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    }
    ws.send(data, options);
  };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallNow() {
  return performance.timeOrigin + performance.now();
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The `p`-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Machine-wide CPU time so far (Linux /proc/stat, all cores): busy and total, in clock ticks. */
export function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/** Cores kept busy between two machineCpu() snapshots. */
export function busyCores(a, b) {
  if (!a || !b || b.total === a.total) return null;
  return ((b.busy - a.busy) / (b.total - a.total)) * cpus().length;
}
