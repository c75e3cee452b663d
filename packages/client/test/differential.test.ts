/*
 * Differential test: our client against the official socket.io-client, property-based
 * (fast-check). Each random scenario (differential-scenario.ts: 1-3 sockets over 1-3 namespaces,
 * multiplexed or forceNew, auth object / function / async function, query, autoConnect off, then a
 * random sequence of emits with and without acks, timeout(), emitWithAck, volatile, retries with
 * ackTimeout against a handler that answers only the n-th try, binary arguments; onAny / prependAny
 * / offAny / onAnyOutgoing; connect() / disconnect() / manager close; on the server side middleware
 * refusals with data, socket.disconnect(), dropped transports (reconnection with a small backoff),
 * refused handshakes (reconnect_error, reconnect_failed), emits with acks the client answers,
 * broadcasts, fast pings, connection state recovery on or off; outages where handshakes wait, so
 * emits are buffered and broadcasts replayed on the same reconnection; stalled connections ended by
 * the client's heartbeat watchdog (ping timeout); `socket.auth` replaced between connections;
 * sockets created later, on a cached manager their namespace left) is played twice against a fresh
 * official socket.io 4.8 server (WebSocket transport): once by socket.io-client, once by ours, step
 * by step (each step's effects awaited with a bounded wait). The traces (what the application
 * observes per socket and per manager, and what the server saw per socket) are normalised
 * (differential-harness.ts: ids, error classes, binary classes, the documented differences) and
 * must be equal.
 *
 * CI runs a fixed seed and a bounded number of runs; FUZZ_RUNS / FUZZ_SEED (a number or `random`)
 * for longer local runs, FUZZ_SHRINK=1 to shrink a failure (slow: every try plays both clients):
 *   FUZZ_RUNS=300 FUZZ_SEED=random npx jest packages/client/test/differential.test.ts
 */
import fc from 'fast-check';
import { scenario } from './differential-scenario.js';
import { OFFICIAL, OURS, normalise, play } from './differential-harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20240612);

test(`our client observes what socket.io-client observes (${RUNS} runs, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (sc) => {
      const expected = normalise(await play(OFFICIAL, sc));
      const actual = normalise(await play(OURS, sc));
      expect(actual).toEqual(expected);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: !process.env.FUZZ_SHRINK, verbose: 1 },
  );
}, 600_000);
