// The bench orchestrator: `node src/run.mjs [--quick] [--impl=ws,socket.io,emitwire]
//   [--scenario=ack-echo,pipelined,broadcast,broadcast-spaced,memory,conn-rate,codec,bundle,real] [--rounds=N]
//   [--out=DIR] [--no-real] [--profile] [--heap-snapshot]`
// Every server runs in a fresh process pinned to core 0, every load generator in one pinned to
// core 1; implementations alternate within each round; the table reports medians over rounds.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { URL, fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import process from 'node:process';
import console from 'node:console';
import { Child, canPin } from './proc.mjs';
import { PARAMS, SERVER_CORE, LOAD_CORE, median, machineCpu, busyCores } from './common.mjs';
import { METRICS, CPU_METRICS, REAL_CLIENT_METRICS, buildRows } from './metrics.mjs';
import { markdownTable, markdownCpu, markdownRealClients, svgChart } from './report.mjs';
import { bundleSize } from './bundle.mjs';

const PROC_SCENARIOS = ['ack-echo', 'pipelined', 'broadcast', 'broadcast-spaced', 'memory', 'conn-rate'];
const ALL_SCENARIOS = [...PROC_SCENARIOS, 'codec', 'bundle', 'real'];
const ALL_IMPLS = ['ws', 'socket.io', 'emitwire'];
/** Opt-in references, run only when named in --impl and never part of the table (src/servers/sio-floor.mjs). */
const EXTRA_IMPLS = ['sio-floor'];

function parseArgs(argv) {
  const opts = { quick: process.env.BENCH_QUICK === '1', real: true };
  for (const arg of argv) {
    if (arg === '--') continue;
    const [k, v] = arg.replace(/^--/, '').split('=');
    if (k === 'quick') opts.quick = true;
    else if (k === 'no-real') opts.real = false;
    else if (k === 'profile') opts.profile = true;
    else if (k === 'heap-snapshot') opts.heapSnapshot = true;
    else if (k === 'impl') opts.impls = v.split(',');
    else if (k === 'scenario') opts.scenarios = v.split(',');
    else if (k === 'rounds') opts.rounds = Number(v);
    else if (k === 'out') opts.out = v;
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const i of opts.impls ?? []) if (!ALL_IMPLS.includes(i) && !EXTRA_IMPLS.includes(i)) throw new Error(`unknown implementation ${i}`);
  for (const s of opts.scenarios ?? []) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
  return opts;
}

/** Is each emitwire package built and importable? Missing ones are skipped, loudly. */
async function detectEmitwire() {
  const checks = { server: ['@emitwire/server', 'Server'], client: ['@emitwire/client', 'io'], protocol: ['@emitwire/protocol', 'encodePacket'] };
  const status = {};
  for (const [part, [pkg, name]] of Object.entries(checks)) {
    try {
      const mod = await import(pkg);
      status[part] = typeof mod[name] === 'function' ? { ok: true } : { ok: false, reason: `${pkg} does not export ${name}()` };
    } catch (err) {
      status[part] = { ok: false, reason: `${pkg} is not importable (${err.code ?? 'error'}: ${String(err.message).split('\n')[0]}); run \`pnpm build\`` };
    }
  }
  return status;
}

function rotate(list, by) {
  const n = list.length;
  return list.map((_, i) => list[(i + by) % n]);
}

const log = (...args) => console.error(...args);

/** One scenario, one implementation: a fresh server process and a fresh load generator. */
async function runOnce(scenario, impl, client, params, ctx) {
  const { quick, profileDir, tag } = ctx;
  const t = quick ? 20_000 : 90_000;
  const nodeArgs = ['--expose-gc'];
  if (profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${tag}.cpuprofile`);
  const server = new Child('server.mjs', { impl }, { core: SERVER_CORE, nodeArgs, label: `${impl} server` });
  // both processes boot in parallel; the load generator waits for the server's port
  const load = new Child('load.mjs', { impl, client, scenario, params }, { core: LOAD_CORE, label: `${impl} load generator (${scenario})` });
  const startLoad = () => {
    load.send({ type: 'start', port });
    return load;
  };
  let port;
  // the server's CPU clock, and the machine's: what neither of our processes used is other work
  const cpu = async () => ({ ...(await server.request({ type: 'cpu' }, 'cpu', t)), machine: machineCpu() });
  const otherCpu = (c0, c1, serverCpu, loadCpu) => {
    const busy = busyCores(c0.machine, c1.machine);
    return busy === null ? null : Math.max(0, busy - serverCpu - (loadCpu ?? 0));
  };
  const cpuShare = (c0, c1) => (c1.user + c1.system - c0.user - c0.system) / 1000 / (c1.t - c0.t);
  const checkBad = (r) => {
    if (r.bad > 0) throw new Error(`${r.bad} unexpected message(s) reached the load generator`);
  };
  try {
    ({ port } = await server.waitFor('ready', t));
    await load.waitFor('loaded', t);
    switch (scenario) {
      case 'ack-echo':
      case 'pipelined': {
        // server CPU over the measured window shows whether the server (not the load generator) is saturated
        startLoad();
        await load.waitFor('measure-start', params.warmupMs + t);
        const c0 = await cpu();
        await load.waitFor('measure-end', params.measureMs + t);
        const c1 = await cpu();
        const r = await load.waitFor('result', t);
        checkBad(r);
        const serverCpu = cpuShare(c0, c1);
        return {
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          completed: r.completed,
          serverCpu,
          loadCpu: r.loadCpu,
          otherCpu: otherCpu(c0, c1, serverCpu, r.loadCpu),
          serverUsPerOp: (serverCpu * 1e6) / r.rps,
        };
      }
      case 'broadcast':
      case 'broadcast-spaced': {
        const ready = await startLoad().waitFor('ready', t);
        const result = load.waitFor('result', t);
        const c0 = await cpu();
        const { t0 } = await server.request({ type: 'broadcast', count: params.broadcasts, perTick: params.perTick }, 'broadcast-start', t);
        const r = await result;
        const c1 = await cpu();
        checkBad(r);
        const ms = r.t1 - t0;
        const serverUs = c1.user + c1.system - c0.user - c0.system;
        const serverCpu = cpuShare(c0, c1);
        return {
          rate: (r.delivered * 1000) / ms,
          ms,
          delivered: r.delivered,
          clients: ready.connected,
          serverCpu,
          loadCpu: r.loadCpu,
          otherCpu: otherCpu(c0, c1, serverCpu, r.loadCpu),
          serverUsPerOp: serverUs / r.delivered,
        };
      }
      case 'memory': {
        const base = await server.request({ type: 'mem' }, 'mem', t);
        const ready = await startLoad().waitFor('ready', t);
        await sleep(quick ? 50 : 500);
        // right after the burst (young generation still grown), then once the server has gone idle
        const busy = await server.request({ type: 'mem' }, 'mem', t);
        const after = await server.request({ type: 'mem', settleMs: params.memorySettleMs }, 'mem', t);
        if (ctx.heapDir) await server.request({ type: 'heap-snapshot', file: `${ctx.heapDir}/${tag}.heapsnapshot` }, 'heap-snapshot', t);
        const n = ready.connected;
        return {
          rssPerConn: (after.rss - base.rss) / n,
          heapPerConn: (after.heapUsed - base.heapUsed) / n,
          externalPerConn: (after.external - base.external) / n,
          rssPerConnBusy: (busy.rss - base.rss) / n,
          newSpacePerConnBusy: (busy.newSpace - base.newSpace) / n,
          settled: after.settled,
          settleMs: after.waitedMs,
          connections: n,
          gc: after.gc,
        };
      }
      case 'conn-rate': {
        startLoad();
        await load.waitFor('measure-start', t);
        const c0 = await cpu();
        await load.waitFor('measure-end', t);
        const c1 = await cpu();
        const r = await load.waitFor('result', t);
        const serverUs = c1.user + c1.system - c0.user - c0.system;
        const serverCpu = cpuShare(c0, c1);
        return {
          rate: r.rate,
          connected: r.connected,
          ms: r.elapsedMs,
          serverCpu,
          loadCpu: r.loadCpu,
          otherCpu: otherCpu(c0, c1, serverCpu, r.loadCpu),
          serverUsPerOp: serverUs / r.connected,
        };
      }
      default:
        throw new Error(`unknown scenario ${scenario}`);
    }
  } finally {
    await Promise.all([load.stop(), server.stop(profileDir ? 30_000 : 2000)]);
  }
}

const pct = (x) => (typeof x === 'number' ? `${Math.round(x * 100)}%` : '?');
const other = (s) => (typeof s.otherCpu === 'number' ? `  other work ${s.otherCpu.toFixed(2)} cores` : '');

function describe(scenario, s) {
  switch (scenario) {
    case 'ack-echo':
    case 'pipelined':
      return `${Math.round(s.rps).toLocaleString('en-US')} rt/s  p50 ${s.p50?.toFixed(2)} ms  p99 ${s.p99?.toFixed(2)} ms  cpu server ${pct(s.serverCpu)} load ${pct(s.loadCpu)}${other(s)}`;
    case 'broadcast':
    case 'broadcast-spaced':
      return `${Math.round(s.rate).toLocaleString('en-US')} msgs/s (${s.delivered} in ${s.ms.toFixed(0)} ms)  cpu server ${pct(s.serverCpu)} load ${pct(s.loadCpu)}${other(s)}`;
    case 'memory':
      return `RSS ${Math.round(s.rssPerConn)} B/conn, heap ${Math.round(s.heapPerConn)} B/conn (${s.connections} conns; idle after ${s.settleMs} ms${s.settled ? '' : ', young generation NOT released'}); 0.5 s after connecting RSS ${Math.round(s.rssPerConnBusy)} B/conn, ${Math.round(s.newSpacePerConnBusy)} of it young generation`;
    case 'conn-rate':
      return `${Math.round(s.rate).toLocaleString('en-US')} conns/s (${s.connected} in ${s.ms.toFixed(0)} ms)  cpu server ${pct(s.serverCpu)} load ${pct(s.loadCpu)}${other(s)}`;
    default:
      return JSON.stringify(s);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadBefore = loadavg();
  const P = opts.quick ? PARAMS.quick : PARAMS.full;
  const rounds = opts.rounds ?? P.rounds;
  const scenarios = opts.scenarios ?? ALL_SCENARIOS;
  const benchDir = fileURLToPath(new URL('..', import.meta.url));
  const outDir = opts.out ?? (opts.quick ? `${benchDir}results/quick` : `${benchDir}results`);
  const errors = [];

  const emitwire = await detectEmitwire();
  const impls = opts.impls ?? ALL_IMPLS;
  const skipped = {};
  if (impls.includes('emitwire')) {
    for (const [part, st] of Object.entries(emitwire)) {
      if (!st.ok) {
        skipped[part] = st.reason;
        log(`!! SKIPPING emitwire ${part}: ${st.reason}`);
      }
    }
  }
  const serverImpls = impls.filter((i) => i !== 'emitwire' || emitwire.server.ok);
  const pinned = canPin([SERVER_CORE, LOAD_CORE]);
  if (!pinned) log('!! taskset unavailable: processes are NOT pinned to cores');
  log(`bench: ${opts.quick ? 'QUICK mode, ' : ''}${rounds} round(s); implementations: ${serverImpls.join(', ')}`);

  const ctx = { quick: opts.quick };
  if (opts.profile) mkdirSync((ctx.profileDir = `${outDir}/profiles`), { recursive: true });
  if (opts.heapSnapshot) mkdirSync((ctx.heapDir = `${outDir}/profiles`), { recursive: true });
  if (ctx.profileDir || ctx.heapDir) log(`profiles and heap snapshots go to ${outDir}/profiles`);

  const samples = {};
  const record = (scenario, impl, sample) => {
    ((samples[scenario] ??= {})[impl] ??= []).push(sample);
  };

  // Scenarios 1–5: server process + load-generator process per implementation, alternating.
  let k = 0;
  for (const scenario of PROC_SCENARIOS) {
    if (!scenarios.includes(scenario)) continue;
    for (let r = 0; r < rounds; r++) {
      for (const impl of rotate(serverImpls, k++ % Math.max(1, serverImpls.length))) {
        try {
          const s = await runOnce(scenario, impl, 'wire', P[scenario], { ...ctx, tag: `${scenario}-${impl}-r${r + 1}` });
          record(scenario, impl, s);
          log(`  ${scenario.padEnd(10)} round ${r + 1}  ${impl.padEnd(9)} ${describe(scenario, s)}`);
        } catch (err) {
          errors.push({ scenario, impl, round: r + 1, error: String(err?.message ?? err) });
          log(`  ${scenario.padEnd(10)} round ${r + 1}  ${impl.padEnd(9)} ERROR ${err?.message ?? err}`);
        }
      }
    }
  }

  // Real clients: each server driven by its own official client, for reference.
  const realSamples = {};
  if (opts.real && scenarios.includes('real')) {
    const realImpls = serverImpls.filter((i) => i === 'socket.io' || (i === 'emitwire' && emitwire.client.ok));
    for (const scenario of ['ack-echo', 'pipelined']) {
      const params = { ...P[scenario], ...P.realClients };
      for (let r = 0; r < P.realClients.rounds; r++) {
        for (const impl of rotate(realImpls, r)) {
          try {
            const s = await runOnce(scenario, impl, 'real', params, { ...ctx, tag: `real-${scenario}-${impl}-r${r + 1}` });
            ((realSamples[scenario] ??= {})[impl] ??= []).push(s);
            log(`  real ${scenario.padEnd(10)} ${impl.padEnd(9)} ${describe(scenario, s)}`);
          } catch (err) {
            errors.push({ scenario: `real ${scenario}`, impl, error: String(err?.message ?? err) });
            log(`  real ${scenario.padEnd(10)} ${impl.padEnd(9)} ERROR ${err?.message ?? err}`);
          }
        }
      }
    }
  }

  // Codec microbench: one process pinned to the server core.
  if (scenarios.includes('codec')) {
    const child = new Child('codec.mjs', { params: P.codec }, { core: SERVER_CORE, label: 'codec bench' });
    try {
      const r = await child.waitFor('result', 120_000);
      if (r.oursError && impls.includes('emitwire')) {
        skipped.codec = r.oursError;
        log(`!! SKIPPING emitwire codec: ${r.oursError}`);
      }
      const perRound = (name) => r.results[name]?.text.map((text, i) => ({ text, binary: r.results[name].binary[i] }));
      if (r.results['socket.io-parser']) samples.codec = { 'socket.io': perRound('socket.io-parser') };
      if (r.results.emitwire && impls.includes('emitwire')) samples.codec.emitwire = perRound('emitwire');
      for (const [impl, list] of Object.entries(samples.codec ?? {})) {
        const fmt = (key) => Math.round(median(list.map((x) => x[key]))).toLocaleString('en-US');
        log(`  codec      ${impl === 'socket.io' ? 'socket.io-parser' : impl}: text ${fmt('text')} ops/s, binary ${fmt('binary')} ops/s`);
      }
    } catch (err) {
      errors.push({ scenario: 'codec', error: String(err?.message ?? err) });
      log(`  codec ERROR ${err?.message ?? err}`);
    } finally {
      await child.stop();
    }
  }

  // Client bundle sizes.
  if (scenarios.includes('bundle')) {
    samples.bundle = {};
    const targets = [['socket.io', 'socket.io-client']];
    if (impls.includes('emitwire') && emitwire.client.ok) targets.push(['emitwire', '@emitwire/client']);
    for (const [impl, spec] of targets) {
      try {
        const size = await bundleSize(spec);
        samples.bundle[impl] = [size];
        log(`  bundle     ${impl.padEnd(9)} ${size.minified} B min, ${size.gzip} B min+gzip`);
      } catch (err) {
        errors.push({ scenario: 'bundle', impl, error: String(err?.message ?? err) });
        log(`  bundle     ${impl.padEnd(9)} ERROR ${err?.message ?? err}`);
      }
    }
  }

  const rows = buildRows(samples, METRICS).filter((row) => Object.keys(row.values).length > 0);
  const cpuRows = buildRows(samples, CPU_METRICS).filter((row) => Object.keys(row.values).length > 0);
  const realRows = buildRows(realSamples, REAL_CLIENT_METRICS).filter((row) => Object.keys(row.values).length > 0);
  const durationSec = (performance.now() - started) / 1000;
  const meta = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    pinned,
    quick: opts.quick,
    rounds,
    params: P,
    implementations: serverImpls,
    loadGenerator:
      'one raw-ws load generator: minimal JSON framing against ws, Engine.IO v4 / Socket.IO v5 wire format against socket.io and emitwire; writes batched per tick',
    skipped,
    errors,
    durationSec,
    // 1-minute load average before the bench started (other work on the machine) and at its end
    loadavg: { before: loadBefore[0], after: loadavg()[0] },
    serverCpuMedian: serverCpuMedian(samples),
    otherCpuMedian: median(Object.values(samples).flatMap((byImpl) => Object.values(byImpl).flat().map((x) => x.otherCpu))),
  };
  const json = { meta, rows, serverCpu: cpuRows, realClients: realRows, samples, realSamples };
  const table = markdownTable(rows);
  const realTable = realRows.length ? markdownRealClients(realRows) : '';
  const md = [
    `# emitwire bench${opts.quick ? ' (QUICK mode: tiny durations, not a real measurement)' : ''}`,
    '',
    `${meta.date} · node ${meta.node} · ${meta.cpu} × ${meta.cores} · ${pinned ? 'server on core 0, load generator on core 1' : 'NOT pinned'} · median of ${rounds} round(s) · ${durationSec.toFixed(0)} s`,
    '',
    noiseNote(meta),
    '',
    table,
    '',
    ...(cpuRows.length
      ? ['Server CPU time per operation (same runs; less sensitive than throughput to other load on the machine):', '', markdownCpu(cpuRows), '']
      : []),
    ...(realTable ? ['Real clients (reference, not a target; ' + `${P.realClients.rounds} round):`, '', realTable, ''] : []),
    ...(Object.keys(skipped).length ? ['Skipped: ' + Object.entries(skipped).map(([p, r]) => `emitwire ${p}: ${r}`).join('; '), ''] : []),
    ...(errors.length ? ['Errors:', '', ...errors.map((e) => `- ${e.scenario} ${e.impl ?? ''}: ${e.error.split('\n')[0]}`), ''] : []),
  ].join('\n');

  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}/latest.json`, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(`${outDir}/latest.md`, md);
  writeFileSync(`${outDir}/ratios.svg`, svgChart(rows, meta));
  if (!opts.quick && !opts.out && !opts.scenarios && !opts.impls && !opts.profile && !opts.heapSnapshot) updateReadme(benchDir, md);

  console.log(md);
  log(`results: ${outDir}/latest.json, latest.md, ratios.svg (${durationSec.toFixed(1)} s)`);
  if (errors.length) process.exitCode = 1;
}

/** Median server CPU share over the measured windows of the throughput runs, all implementations. */
function serverCpuMedian(samples) {
  const shares = ['ack-echo', 'pipelined'].flatMap((sc) => Object.values(samples[sc] ?? {}).flat().map((x) => x.serverCpu));
  return median(shares);
}

function noiseNote(meta) {
  const cpu = meta.serverCpuMedian;
  const otherWork = meta.otherCpuMedian;
  const parts = [`Load average before the run: ${meta.loadavg.before.toFixed(2)}.`];
  if (typeof otherWork === 'number') parts.push(`Median CPU used by other work during the measured windows: ${otherWork.toFixed(2)} cores.`);
  if (typeof cpu === 'number') parts.push(`Median server CPU share in the throughput runs: ${Math.round(cpu * 100)}%.`);
  if ((typeof otherWork === 'number' && otherWork > 0.25) || (typeof cpu === 'number' && cpu < 0.85)) {
    parts.push('**Other work was running on this machine: throughput figures are depressed and noisy; prefer the CPU-per-operation table.**');
  }
  return parts.join(' ');
}

/** Replaces the results section of bench/README.md (between markers) with the latest table. */
function updateReadme(benchDir, md) {
  const file = `${benchDir}README.md`;
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const body = md.replace(/^# .*\n\n/, '');
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${body}\n![ratios](results/ratios.svg)\n${text.slice(b)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
