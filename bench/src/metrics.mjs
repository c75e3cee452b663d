// The rows of the results table: which figure, which direction is better, and issue 6's target.
import { median } from './common.mjs';

export const IMPLS = ['emitwire', 'socket.io', 'ws'];

/**
 * `target.ref` compares emitwire with another implementation measured in the same run
 * (`ratio` = emitwire ÷ ref); `target.abs` compares emitwire's figure with a fixed budget.
 */
export const METRICS = [
  { scenario: 'ack-echo', key: 'rps', label: 'ack-echo: round trips/s', unit: '/s', better: 'higher', target: { ref: 'ws', op: '>=', ratio: 0.95 } },
  { scenario: 'ack-echo', key: 'p50', label: 'ack-echo: p50 RTT', unit: 'ms', better: 'lower' },
  { scenario: 'ack-echo', key: 'p99', label: 'ack-echo: p99 RTT', unit: 'ms', better: 'lower' },
  { scenario: 'pipelined', key: 'rps', label: 'pipelined: round trips/s', unit: '/s', better: 'higher', target: { ref: 'ws', op: '>=', ratio: 0.85 } },
  { scenario: 'broadcast', key: 'rate', label: 'broadcast: delivered msgs/s', unit: '/s', better: 'higher', target: { ref: 'ws', op: '>=', ratio: 0.9 } },
  { scenario: 'broadcast-spaced', key: 'rate', label: 'broadcast, one per tick: delivered msgs/s', unit: '/s', better: 'higher' },
  { scenario: 'memory', key: 'rssPerConn', label: 'idle memory: RSS / conn', unit: 'B', better: 'lower', target: { ref: 'ws', op: '<=', ratio: 1.25 } },
  { scenario: 'memory', key: 'rssPerConnBusy', label: 'memory 0.5 s after connecting: RSS / conn', unit: 'B', better: 'lower' },
  { scenario: 'memory', key: 'heapPerConn', label: 'idle memory: heap / conn', unit: 'B', better: 'lower', target: { ref: 'ws', op: '<=', ratio: 1.5 } },
  { scenario: 'conn-rate', key: 'rate', label: 'connection rate: conns/s', unit: '/s', better: 'higher', target: { ref: 'ws', op: '>=', ratio: 0.9 } },
  { scenario: 'bundle', key: 'gzip', label: 'client bundle: min+gzip', unit: 'B', better: 'lower', target: { abs: 4096, op: '<=' } },
  { scenario: 'codec', key: 'text', label: 'codec: text event enc+dec ops/s', unit: '/s', better: 'higher', target: { ref: 'socket.io', op: '>=', ratio: 1.0 } },
  { scenario: 'codec', key: 'binary', label: 'codec: binary event enc+dec ops/s', unit: '/s', better: 'higher', target: { ref: 'socket.io', op: '>=', ratio: 1.0 } },
];

/** Server CPU time per operation, from the same runs: the cost behind the throughput figures. */
export const CPU_METRICS = [
  { scenario: 'ack-echo', key: 'serverUsPerOp', label: 'ack-echo: server CPU / round trip', unit: 'µs', better: 'lower' },
  { scenario: 'pipelined', key: 'serverUsPerOp', label: 'pipelined: server CPU / round trip', unit: 'µs', better: 'lower' },
  { scenario: 'broadcast', key: 'serverUsPerOp', label: 'broadcast: server CPU / delivery', unit: 'µs', better: 'lower' },
  { scenario: 'broadcast-spaced', key: 'serverUsPerOp', label: 'broadcast, one per tick: server CPU / delivery', unit: 'µs', better: 'lower' },
  { scenario: 'conn-rate', key: 'serverUsPerOp', label: 'connection rate: server CPU / connection', unit: 'µs', better: 'lower' },
];

export const REAL_CLIENT_METRICS = [
  { scenario: 'ack-echo', key: 'rps', label: 'ack-echo: round trips/s', unit: '/s', better: 'higher' },
  { scenario: 'ack-echo', key: 'p99', label: 'ack-echo: p99 RTT', unit: 'ms', better: 'lower' },
  { scenario: 'pipelined', key: 'rps', label: 'pipelined: round trips/s', unit: '/s', better: 'higher' },
];

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null;
}

export function targetText(target) {
  if (!target) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  if (target.abs !== undefined) return `${op} ${target.abs.toLocaleString('en-US')} B`;
  const ref = target.ref === 'socket.io' ? 'socket.io' : 'ws';
  return `${op} ${target.ratio.toFixed(2)} × ${ref}`;
}

/**
 * Builds table rows from samples: `samples[scenario][impl]` is a list of per-round objects.
 * Each row holds the median per implementation, every sample, the ratios and the verdict.
 */
export function buildRows(samples, metrics = METRICS) {
  return metrics.map((m) => {
    const values = {};
    const all = {};
    for (const impl of IMPLS) {
      const list = samples[m.scenario]?.[impl];
      if (!list || list.length === 0) continue;
      all[impl] = list.map((s) => s[m.key]);
      values[impl] = median(all[impl]);
    }
    const ratios = {
      emitwireToWs: ratio(values.emitwire, values.ws),
      emitwireToSocketio: ratio(values.emitwire, values['socket.io']),
      socketioToWs: ratio(values['socket.io'], values.ws),
    };
    let pass = null;
    const t = m.target;
    if (t && typeof values.emitwire === 'number') {
      const x = t.abs !== undefined ? values.emitwire : ratio(values.emitwire, values[t.ref]);
      const bound = t.abs !== undefined ? t.abs : t.ratio;
      if (typeof x === 'number') pass = t.op === '>=' ? x >= bound : x <= bound;
    }
    return {
      scenario: m.scenario,
      metric: m.key,
      label: m.label,
      unit: m.unit,
      better: m.better,
      values,
      samples: all,
      ratios,
      target: t ? { ...t, text: targetText(t) } : null,
      pass,
    };
  });
}
