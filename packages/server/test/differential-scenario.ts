// The scenarios of the differential test (differential.test.ts): well-formed actions in random
// order, by official clients (connect, emit with and without acks, disconnect) and by the server
// application (emits, asks, rooms, broadcasts, namespace-wide operations, disconnections), on a
// server with or without connection state recovery (a client's connection dropped, then recovered).
import fc from 'fast-check';

export const CLIENTS = 3;
export const NSPS = ['/', '/static', '/dyn-1', '/dyn-2'] as const;
export type NspName = (typeof NSPS)[number];
export const ROOMS = ['r1', 'r2', 'r3'] as const;

/** One client socket: client `c` (its own Manager: one connection) on namespace `nsp`. */
export interface Target {
  c: number;
  nsp: NspName;
}

export type AckMode = 'none' | 'callback' | 'timeout';
/** Namespace-wide operations, on `io.of(nsp).to(…).except(…)`. */
export type NspOp = 'emit' | 'ask' | 'join' | 'leave' | 'disconnect' | 'close' | 'fetch';

export type Step =
  | { kind: 'connect'; t: Target; refuse: { message: string; data: unknown } | null; room: string | null; slow: boolean }
  | { kind: 'clientClose'; t: Target }
  | { kind: 'emit'; t: Target; ev: 'echo' | 'blocked'; args: unknown[]; ack: AckMode }
  | { kind: 'clientRoom'; t: Target; join: boolean; room: string }
  | { kind: 'tell'; t: Target; to: string[]; except: string[]; args: unknown[] }
  | { kind: 'kick'; t: Target; close: boolean }
  /**
   * Client `c` gets an event on each of its sockets (an offset to recover from), drops its
   * connection (the server sees `transport close`: recoverable), may miss a broadcast, reconnects.
   */
  | { kind: 'drop'; c: number; missed: boolean; reconnect: boolean }
  | { kind: 'serverEmit'; t: Target; args: unknown[]; volatile: boolean; compress: boolean }
  /** `late`: the answerers answer after the ask's timeout. */
  | { kind: 'serverAsk'; t: Target; answerers: number[]; kick: boolean; late: boolean }
  | { kind: 'serverKick'; t: Target; close: boolean }
  | { kind: 'serverRoom'; t: Target; join: boolean; room: string }
  | { kind: 'rooms'; t: Target }
  | { kind: 'nsp'; nsp: NspName | 'dynamic'; to: string[]; except: string[]; op: NspOp; room: string; answerers: number[]; args: unknown[] };

const target: fc.Arbitrary<Target> = fc.record({
  c: fc.integer({ min: 0, max: CLIENTS - 1 }),
  // '/' and '/static' more often than the dynamic children
  nsp: fc.constantFrom<NspName>('/', '/', '/static', '/dyn-1', '/dyn-2'),
});
const room = fc.constantFrom<string>(...ROOMS);
const rooms = fc.uniqueArray(room, { maxLength: 2 });
const answerers = fc.uniqueArray(fc.integer({ min: 0, max: CLIENTS - 1 }), { maxLength: CLIENTS });

const bytes = fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a));
/** One argument: JSON (odd keys included), a Buffer, or a Buffer nested in arrays and objects. */
const arg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: bytes },
  {
    weight: 1,
    arbitrary: fc.record({ bin: bytes, list: fc.array(fc.oneof(bytes, fc.string({ maxLength: 3 })), { maxLength: 2 }), n: fc.integer() }),
  },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 4 }), fc.array(bytes, { maxLength: 2 })) },
);
const args = fc.array(arg, { maxLength: 3 });

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('connect' as const),
      t: target,
      refuse: fc.option(fc.record({ message: fc.string({ minLength: 1, maxLength: 8 }), data: fc.jsonValue({ maxDepth: 1 }) }), { freq: 4 }),
      room: fc.option(room, { freq: 2 }),
      slow: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clientClose' as const), t: target }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('emit' as const),
      t: target,
      ev: fc.constantFrom<'echo' | 'blocked'>('echo', 'echo', 'echo', 'blocked'),
      args,
      ack: fc.constantFrom<AckMode>('none', 'callback', 'timeout'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clientRoom' as const), t: target, join: fc.boolean(), room }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tell' as const), t: target, to: rooms, except: rooms, args }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kick' as const), t: target, close: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('serverEmit' as const), t: target, args, volatile: fc.boolean(), compress: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('serverAsk' as const), t: target, answerers, kick: fc.boolean(), late: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), c: fc.integer({ min: 0, max: CLIENTS - 1 }), missed: fc.boolean(), reconnect: fc.constantFrom(true, true, false) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('serverKick' as const), t: target, close: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('serverRoom' as const), t: target, join: fc.boolean(), room }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rooms' as const), t: target }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('nsp' as const),
      nsp: fc.constantFrom<NspName | 'dynamic'>('/', '/static', '/dyn-1', 'dynamic'),
      to: rooms,
      except: rooms,
      op: fc.constantFrom<NspOp>('emit', 'emit', 'ask', 'join', 'leave', 'disconnect', 'close', 'fetch'),
      room,
      answerers,
      args,
    }),
  },
);

/** A scenario: whether the servers recover connection state, then its steps. */
export interface Scenario {
  recovery: boolean;
  steps: Step[];
}

/** A scenario's steps: a few connections first (so most actions have someone to act on), then anything. */
const steps: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.array(
      fc.record({ kind: fc.constant('connect' as const), t: target, refuse: fc.constant(null), room: fc.option(room), slow: fc.constant(false) }),
      { minLength: 1, maxLength: 4 },
    ),
    fc.array(step, { minLength: 1, maxLength: 16 }),
  )
  .map(([first, rest]) => [...first, ...rest]);

export const scenario: fc.Arbitrary<Scenario> = fc.record({ recovery: fc.boolean(), steps });
