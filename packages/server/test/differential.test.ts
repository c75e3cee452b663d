// Differential test: the same random scenario (differential-scenario.ts) runs against the official
// socket.io Server and against ours, both driven by the official socket.io-client, step by step
// (differential-runner.ts); what every client and every server-side socket observed, in order,
// must be the same, ids and timing normalised (differential-app.ts). Where the two servers differ
// on purpose (README "Deliberate differences from Socket.IO"), the normaliser says which difference.
//
// CI runs a fixed seed and few runs; locally: FUZZ_RUNS=300 FUZZ_SEED=<n> npx jest packages/server/test/differential
// (FUZZ_SEED=random for a new seed each time, FUZZ_SHRINK=1 to shrink a failure to a small case).
import fc from 'fast-check';
import { guardProcess } from './helpers.js';
import { runScenario } from './differential-runner.js';
import { scenario, type Scenario } from './differential-scenario.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20_260_611);

async function oneRun({ recovery, steps }: Scenario): Promise<void> {
  const guard = guardProcess();
  try {
    const official = await runScenario('official', steps, recovery);
    const ours = await runScenario('ours', steps, recovery);
    expect(ours).toEqual(official);
    expect(guard.errors).toEqual([]);
  } finally {
    guard.restore();
  }
}

describe('differential test against the official socket.io server', () => {
  test(`${RUNS} random scenarios observe the same on both servers (seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(scenario, oneRun), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: process.env.FUZZ_SHRINK === undefined,
    });
  }, 10_000 + RUNS * 3_000);
});
