/*
 * The scenarios of the differential test (differential.test.ts): what the server is configured to
 * do, which sockets the application opens, and the random sequence of steps both clients play,
 * as plain data (fast-check arbitraries), materialised afresh for each client.
 */
import fc from 'fast-check';

/** An argument as data: JSON values and binaries (made into a Buffer, a Uint8Array or an ArrayBuffer). */
export type Val = string | number | boolean | null | { bin: number[]; as: 'buffer' | 'u8' | 'ab' } | Val[] | { o: Record<string, Val> };

export type Nsp = '/' | '/a' | '/b';

export interface ServerCfg {
  recovery: boolean;
  /** small pingInterval / pingTimeout: pings flow during the run (they are not compared) */
  fastPing: boolean;
}

export interface SocketCfg {
  nsp: Nsp;
  forceNew: boolean;
  auth: 'none' | 'object' | 'function' | 'async';
  query: boolean;
  autoConnect: boolean;
  /** with retries, ackTimeout is set (socket.io-client's queue waits forever without it) */
  retries: 0 | 1 | 2;
  ackTimeout: number | undefined;
  reconnectionAttempts: number | undefined;
  /** created by a 'create' step rather than at the start (io() then reuses a manager its namespace left) */
  late: boolean;
}

/** How an emit asks for its answer. */
export type AckKind = 'none' | 'cb' | 'timeout' | 'withAck' | 'withAckTimeout' | 'volatile';
/** The server handler: acks at once, never, or only on the n-th delivery of that emit (retries). */
export type Handler = 'echo' | 'silent' | 'nth';

export type Step =
  | { t: 'connect'; s: number }
  | { t: 'disconnect'; s: number }
  | { t: 'managerClose'; s: number }
  | { t: 'emit'; s: number; kind: AckKind; handler: Handler; nth: number; ms: number; args: Val[] }
  | { t: 'any'; s: number; op: 'onAny' | 'prependAny' | 'offAny' | 'offAnyAll' | 'onAnyOutgoing' }
  | { t: 'serverEmit'; s: number; ack: boolean; args: Val[] }
  | { t: 'broadcast'; nsp: Nsp; args: Val[] }
  | { t: 'serverDisconnect'; s: number }
  | { t: 'drop'; s: number }
  | { t: 'refuse'; nsp: Nsp; n: number }
  | { t: 'block'; n: number }
  | { t: 'state'; s: number }
  /** `socket.auth` replaced: the next CONNECT carries it */
  | { t: 'setAuth'; s: number }
  /** the next late socket is created (io() with its options) */
  | { t: 'create' }
  /**
   * an outage: socket s's connection dropped and every handshake held (neither refused nor
   * answered) until 'release', so the next steps run while the client is offline and has made
   * exactly one reconnection attempt (emits buffered, broadcasts kept for recovery and replayed
   * on the same reconnection as the buffer)
   */
  | { t: 'hold'; s: number }
  | { t: 'release' }
  /** the server's side of socket s's connection stops sending (its TCP socket corked): the client's heartbeat watchdog ends it (ping timeout); fast pings only */
  | { t: 'stall'; s: number }
  | { t: 'wait' };

export interface Scenario {
  server: ServerCfg;
  sockets: SocketCfg[];
  steps: Step[];
}

const bin = fc.record({ bin: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 }), as: fc.constantFrom('buffer' as const, 'u8' as const, 'ab' as const) });
const leaf: fc.Arbitrary<Val> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 4, unit: fc.constantFrom('a', 'b', 'é', ' ', '"') }) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 1000 }) },
  fc.boolean(),
  fc.constant(null),
  { weight: 2, arbitrary: bin },
);
const val: fc.Arbitrary<Val> = fc.letrec<{ v: Val }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    fc.array(tie('v'), { maxLength: 3 }),
    fc.record({ o: fc.dictionary(fc.constantFrom('k', 'x', 'y'), tie('v'), { maxKeys: 2 }) }),
  ),
})).v;
const args = fc.array(val, { maxLength: 3 });

const socketCfg: fc.Arbitrary<SocketCfg> = fc
  .record({
    nsp: fc.constantFrom<Nsp>('/', '/a', '/b'),
    forceNew: fc.constantFrom(false, false, false, true),
    auth: fc.constantFrom('none' as const, 'object' as const, 'function' as const, 'async' as const),
    query: fc.boolean(),
    autoConnect: fc.boolean(),
    retries: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const),
    ackTimeout: fc.constantFrom(undefined, undefined, 60),
    reconnectionAttempts: fc.constantFrom(undefined, 1, 2),
    late: fc.constantFrom(false, false, true),
  })
  .map((c) => ({ ...c, ackTimeout: c.retries ? 60 : c.ackTimeout }));

function step(sockets: number, { recovery, fastPing }: ServerCfg): fc.Arbitrary<Step> {
  const s = fc.nat({ max: sockets - 1 });
  const nsp = fc.constantFrom<Nsp>('/', '/a', '/b');
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('connect' as const), s }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('disconnect' as const), s }) },
    // socket.io-client offers its old session after manager.close() and recovers: documented
    // difference (README, Differences), so not with recovery on
    ...(recovery ? [] : [fc.record({ t: fc.constant('managerClose' as const), s })]),
    {
      weight: 8,
      arbitrary: fc.record({
        t: fc.constant('emit' as const),
        s,
        kind: fc.constantFrom<AckKind>('none', 'cb', 'timeout', 'withAck', 'withAckTimeout', 'volatile'),
        handler: fc.constantFrom<Handler>('echo', 'echo', 'silent', 'nth'),
        nth: fc.integer({ min: 1, max: 3 }),
        ms: fc.constantFrom(40, 90),
        args,
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('any' as const), s, op: fc.constantFrom('onAny' as const, 'prependAny' as const, 'offAny' as const, 'offAnyAll' as const, 'onAnyOutgoing' as const) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('serverEmit' as const), s, ack: fc.boolean(), args }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('broadcast' as const), nsp, args }) },
    fc.record({ t: fc.constant('serverDisconnect' as const), s }),
    { weight: 3, arbitrary: fc.record({ t: fc.constant('drop' as const), s }) },
    fc.record({ t: fc.constant('refuse' as const), nsp, n: fc.integer({ min: 1, max: 2 }) }),
    fc.record({ t: fc.constant('block' as const), n: fc.integer({ min: 1, max: 3 }) }),
    { weight: 2, arbitrary: fc.record({ t: fc.constant('state' as const), s }) },
    fc.record({ t: fc.constant('setAuth' as const), s }),
    { weight: 2, arbitrary: fc.constant({ t: 'create' as const }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('hold' as const), s }) },
    { weight: 2, arbitrary: fc.constant({ t: 'release' as const }) },
    ...(fastPing ? [fc.record({ t: fc.constant('stall' as const), s })] : []),
    fc.constant({ t: 'wait' as const }),
  );
}

export const scenario: fc.Arbitrary<Scenario> = fc
  .record({ recovery: fc.boolean(), fastPing: fc.boolean() })
  .chain((server) =>
    fc.array(socketCfg, { minLength: 1, maxLength: 3 }).chain((cfgs) => {
      const sockets = cfgs.map((c, i) => (i ? c : { ...c, late: false }));
      return fc.record({
        server: fc.constant(server),
        sockets: fc.constant(sockets),
        steps: fc.array(step(sockets.length, server), { minLength: 3, maxLength: 14 }),
      });
    }),
  );

/** A value of the scenario made real: binaries as their class, objects as objects. */
export function materialise(v: Val): unknown {
  if (Array.isArray(v)) return v.map(materialise);
  if (v !== null && typeof v === 'object') {
    if ('bin' in v) {
      const bytes = Uint8Array.from(v.bin);
      return v.as === 'buffer' ? Buffer.from(bytes) : v.as === 'u8' ? bytes : bytes.buffer;
    }
    return Object.fromEntries(Object.entries(v.o).map(([k, x]) => [k, materialise(x)]));
  }
  return v;
}
