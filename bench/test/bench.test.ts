// Smoke test of the bench harness: runs every scenario once in quick mode (tiny durations) for the
// raw ws and socket.io implementations, and for emitwire when its packages are built, then checks
// the shape of the outputs. Timings are never asserted: this machine is shared.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const benchDir = resolve(__dirname, '..');
const root = resolve(benchDir, '..');
const emitwireBuilt = ['server', 'client', 'protocol'].every((p) => existsSync(join(root, 'packages', p, 'dist', 'index.js')));
const notBuiltReason = 'packages/{server,client,protocol}/dist not built: run `pnpm build` to include emitwire';
if (!emitwireBuilt) {
  console.warn(`bench smoke test: SKIPPING emitwire (${notBuiltReason})`);
}

interface Row {
  scenario: string;
  metric: string;
  label: string;
  values: Record<string, number>;
  samples: Record<string, number[]>;
  ratios: { emitwireToWs: number | null; emitwireToSocketio: number | null; socketioToWs: number | null };
  target: { text: string } | null;
  pass: boolean | null;
}

interface Results {
  meta: { quick: boolean; rounds: number; errors: unknown[]; implementations: string[]; durationSec: number };
  rows: Row[];
  serverCpu: Row[];
  realClients: Row[];
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(benchDir, 'src', 'run.mjs'), ...args], { cwd: benchDir, timeout: 55_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const impls = emitwireBuilt ? ['ws', 'socket.io', 'emitwire'] : ['ws', 'socket.io'];
let out: string;
let result: { code: number; stdout: string; stderr: string };
let json: Results;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'emitwire-bench-'));
  result = await run(['--quick', `--impl=${impls.join(',')}`, `--out=${out}`]);
  json = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Results;
}, 60_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

const isPositive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;

describe('bench harness (quick mode)', () => {
  it('runs every scenario without errors', () => {
    if (result.code !== 0) console.error(result.stderr);
    expect(json.meta.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(json.meta.quick).toBe(true);
    expect(json.meta.implementations).toEqual(impls);
  });

  it('reports every figure for ws and socket.io', () => {
    const byKey = new Map(json.rows.map((r) => [`${r.scenario}.${r.metric}`, r]));
    for (const key of ['ack-echo.rps', 'ack-echo.p50', 'ack-echo.p99', 'pipelined.rps', 'broadcast.rate', 'broadcast-spaced.rate', 'memory.rssPerConn', 'memory.rssPerConnBusy', 'memory.heapPerConn', 'conn-rate.rate']) {
      const row = byKey.get(key);
      expect(row).toBeDefined();
      // quick mode's idle RSS reading (a few dozen connections) is within the noise of V8 giving
      // memory back once the burst is over: it may be negative (seen in 1 quick run of 3); a
      // number is all it can promise
      if (key === 'memory.rssPerConn') expect(Number.isFinite(row!.values.ws)).toBe(true);
      else expect(isPositive(row!.values.ws)).toBe(true);
      expect(typeof row!.values['socket.io']).toBe('number');
      expect(typeof row!.ratios.socketioToWs).toBe('number');
    }
    for (const key of ['bundle.gzip', 'codec.text', 'codec.binary']) {
      expect(isPositive(byKey.get(key)?.values['socket.io'])).toBe(true);
    }
    for (const row of json.rows) {
      if (row.target) expect(row.target.text).toMatch(/^[≥≤] /);
    }
    const cpuKeys = json.serverCpu.map((r) => r.scenario);
    expect(cpuKeys).toEqual(['ack-echo', 'pipelined', 'broadcast', 'broadcast-spaced', 'conn-rate']);
    for (const row of json.serverCpu) expect(isPositive(row.values.ws)).toBe(true);
  });

  it('writes the markdown table and the SVG chart', () => {
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('| scenario | emitwire | socket.io | ws | emitwire ÷ ws | emitwire ÷ socket.io | socket.io ÷ ws | target | result |');
    expect(md).toContain('QUICK mode');
    const svg = readFileSync(join(out, 'ratios.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('NaN');
  });

  (emitwireBuilt ? it : it.skip)(
    emitwireBuilt ? 'reports emitwire figures, ratios and verdicts' : `emitwire (SKIPPED: ${notBuiltReason})`,
    () => {
      for (const row of json.rows) {
        expect(typeof row.values.emitwire).toBe('number');
        if (row.target) expect(typeof row.pass).toBe('boolean');
      }
      const echo = json.rows.find((r) => r.scenario === 'ack-echo' && r.metric === 'rps')!;
      expect(typeof echo.ratios.emitwireToWs).toBe('number');
      expect(typeof echo.ratios.emitwireToSocketio).toBe('number');
      expect(json.realClients.some((r) => typeof r.values.emitwire === 'number')).toBe(true);
    },
  );
});
