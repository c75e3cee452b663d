// fast-check arbitraries for the end-to-end fuzz test (fuzz.e2e.test.ts): what one raw WebSocket
// client does, as a list of steps. Valid and invalid frames are mixed on purpose: Engine.IO packets
// of every type, Socket.IO packets of every type for joined, unjoined and unknown namespaces, binary
// packets with right and wrong attachment counts, oversized frames, pauses and abrupt endings.
// A Socket.IO packet names no namespace when generated: it says which kind it wants (one the client
// has joined, one it has not, or a fixed one), and the client picks it when sending (NspTracker),
// so that most packets stay valid after namespaces are left or refused and runs reach deep states.
import fc from 'fast-check';
import { RESERVED_EVENTS } from '@emitwire/protocol';

/** One thing a raw client does. */
export type Step =
  | { kind: 'send'; data: string | Buffer }
  /** A Socket.IO packet (then its attachments) written for '/', sent to the namespace `to` picks. */
  | { kind: 'packet'; to: NspPick; frames: Array<string | Buffer> }
  | { kind: 'pause'; ms: number }
  | { kind: 'close' }
  | { kind: 'terminate' }
  /** A CONNECT offering the last session (`pid`, `offset`) any client of the run was given for the namespace. */
  | { kind: 'recover'; to: NspPick };

/**
 * Which namespace a packet goes to: the `i`-th (modulo) of those the client has joined, of those it
 * has not (nor is joining), or a fixed one whatever the state (the share of misdirected packets).
 */
export type NspPick = { joined: number } | { free: number } | { fixed: string };

/** How one raw client behaves besides its steps. */
export interface RawPlan {
  /** Waits this long before connecting (a later client may recover an earlier one's session). */
  startAfter: number;
  /** Answers the server's pings. */
  pong: boolean;
  /** Answers the server's events that ask for an ack (sometimes twice). */
  ackServer: boolean;
  steps: Step[];
  /** How it ends when its steps are done: `1`, a WebSocket close, or a dropped TCP connection. */
  end: 'engine-close' | 'close' | 'terminate';
}

/** The largest frame the fuzzed server accepts (its maxHttpBufferSize). */
export const FUZZ_MAX_PAYLOAD = 2000;

export const NAMESPACES = ['/', '/a', '/dyn-1', '/dyn-22', '/nope'] as const;
export const ROOMS = ['r1', 'r2'] as const;

/** The events the server listens to (fuzz.e2e.test.ts), then names nobody listens to or may not use. */
const EVENTS = ['echo', 'ackcb', 'async', 'throw', 'reject', 'join', 'leave', 'bcast', 'ask', 'bye', 'byeClose', 'drop', 'slow', 'kick', 'nsEcho'];
const ODD_EVENTS = ['nothing', '__proto__', 'constructor', 'toString', 'error', 'hasOwnProperty'];

/**
 * The first argument of every event the fuzzer sends: whether the packet asked for an ack, so the
 * server can check it got an ack callback exactly then.
 */
export interface Tag {
  t: 1;
  ack: boolean;
}

export function isTag(value: unknown): value is Tag {
  return typeof value === 'object' && value !== null && (value as { t?: unknown }).t === 1 && typeof (value as { ack?: unknown }).ack === 'boolean';
}

/** `<type>[<attachments>-][<nsp>,][<id>][<data>]` with the Engine.IO `4` in front. */
function sio(type: number | string, nsp: string, id: number | string | undefined, data: string, attachments?: number | string): string {
  const att = attachments === undefined ? '' : `${attachments}-`;
  const ns = nsp === '/' ? '' : `${nsp},`;
  return `4${type}${att}${ns}${id ?? ''}${data}`;
}

const anyNsp = fc.constantFrom<string>(...NAMESPACES);
const ackId = fc.option(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constant(99_999) }), { nil: undefined });
const smallJson = fc.oneof(
  fc.constantFrom<unknown>(null, 0, 1, -1, '', 'x', true, ...ROOMS, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);

const send = (data: string | Buffer): Step => ({ kind: 'send', data });
const sendAll = (frames: Array<string | Buffer>): Step[] => frames.map(send);
const packet = (to: NspPick, ...frames: Array<string | Buffer>): Step => ({ kind: 'packet', to, frames });

const goodAuth = fc.constantFrom('', '{}', '{"slow":true}', '{"pid":"x","offset":"y"}', '{"__proto__":{"x":1}}', '{"token":"t"}');
const badAuth = fc.constantFrom('{"refuse":true}', '{"throw":true}', '{"reject":true}');
const oddAuth = fc.constantFrom('[1]', '"x"', 'null', '{', '1');

const pickIndex = fc.nat(4);
/** Mostly a joined namespace (a packet for one not joined closes the connection), sometimes any. */
const joinedNsp: fc.Arbitrary<NspPick> = fc.oneof(
  { weight: 40, arbitrary: pickIndex.map((i): NspPick => ({ joined: i })) },
  { weight: 1, arbitrary: anyNsp.map((n): NspPick => ({ fixed: n })) },
);
/** Mostly a namespace not joined (a repeated CONNECT is ignored, but wastes the step), sometimes any. */
const freeNsp: fc.Arbitrary<NspPick> = fc.oneof(
  { weight: 6, arbitrary: pickIndex.map((i): NspPick => ({ free: i })) },
  { weight: 1, arbitrary: anyNsp.map((n): NspPick => ({ fixed: n })) },
);

/** One step of a raw client: a mix of valid steps and, rarely, one that breaks a rule. */
function stepOf(): fc.Arbitrary<Step[]> {
  const connect = fc
    .tuple(freeNsp, fc.oneof({ weight: 4, arbitrary: goodAuth }, { weight: 2, arbitrary: badAuth }))
    .map(([to, payload]) => packet(to, sio(0, '/', undefined, payload)));

  const disconnect = joinedNsp.map((to) => packet(to, sio(1, '/', undefined, '')));
  const oddConnect = fc.tuple(freeNsp, oddAuth).map(([to, payload]) => packet(to, sio(0, '/', undefined, payload)));
  const oddDisconnect = fc.tuple(joinedNsp, fc.constantFrom('["x"]', '{}')).map(([to, data]) => packet(to, sio(1, '/', undefined, data)));

  const event = fc
    .record({
      to: joinedNsp,
      id: ackId,
      name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...EVENTS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_EVENTS) }),
      args: fc.array(smallJson, { maxLength: 3 }),
      numberName: fc.boolean(),
    })
    .map(({ to, id, name, args, numberName }) => {
      const first: unknown = numberName && name === 'nothing' ? 42 : name;
      const data = JSON.stringify([first, { t: 1, ack: id !== undefined } satisfies Tag, ...args]);
      return packet(to, sio(2, '/', id, data));
    });

  const reservedEvent = fc
    .tuple(joinedNsp, ackId, fc.constantFrom(...RESERVED_EVENTS))
    .map(([to, id, name]) => packet(to, sio(2, '/', id, JSON.stringify([name, { t: 1, ack: id !== undefined }]))));

  const oddEvent = fc
    .tuple(joinedNsp, ackId, fc.constantFrom('[]', '{}', '"x"', '[null]', '[{"toString":"x"}]', '["echo",', 'x', '[1.5]', '[-1]'))
    .map(([to, id, data]) => packet(to, sio(2, '/', id, data)));

  /** ACKs (sometimes repeated), for pending, unknown or invalid ids, with array or other data. */
  const ackOf = (ids: fc.Arbitrary<number>, datas: fc.Arbitrary<string>): fc.Arbitrary<Step[]> =>
    fc
      .tuple(joinedNsp, ids, datas, fc.constantFrom(1, 1, 2))
      .map(([to, id, data, times]) => Array.from({ length: times }, () => packet(to, sio(3, '/', id, data))));
  const ack = ackOf(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constant(99_999) }), fc.constantFrom('[]', '["yes"]'));
  // ACK data must be an array, its id a non-negative integer (PROTOCOL.md)
  const badAck = fc.oneof(ackOf(fc.integer({ min: 0, max: 6 }), fc.constantFrom('{}', '"x"', '')), ackOf(fc.constant(-1), fc.constant('[]')));

  const placeholder = (num: unknown): unknown => ({ _placeholder: true, num });

  /** A BINARY_EVENT / BINARY_ACK as a client sends it: n placeholders, then n binary frames. */
  const goodBinary = fc
    .record({ type: fc.constantFrom(5, 6), to: joinedNsp, id: ackId, name: fc.constantFrom('echo', 'ackcb', 'nothing', 'join', 'slow'), count: fc.integer({ min: 0, max: 3 }), bytes: fc.integer({ min: 0, max: 40 }) })
    .map((b) => {
      const holders = Array.from({ length: b.count }, (_, i) => placeholder(i));
      const id = b.type === 6 ? (b.id ?? 1) : b.id;
      const data = b.type === 5 ? [b.name, { t: 1, ack: id !== undefined } satisfies Tag, ...holders] : holders;
      return [packet(b.to, sio(b.type, '/', id, JSON.stringify(data), b.count), ...holders.map((_, i) => Buffer.alloc(b.bytes, i)))];
    });

  /** A binary packet with wrong counts, bad placeholders or a frame in between. */
  const badBinary = fc
    .record({
      type: fc.constantFrom(5, 6),
      to: joinedNsp,
      id: ackId,
      declared: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<number | string>(11, 'a', -1) }),
      nums: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('0', -1, 0.5, '__proto__') }), { maxLength: 3 }),
      sentDelta: fc.integer({ min: -1, max: 1 }),
      interleave: fc.option(fc.constantFrom('42["echo"]', '3', '6', '2'), { nil: undefined }),
      interleaveAt: fc.nat(3),
    })
    .map((b) => {
      const count = typeof b.declared === 'number' ? Math.max(0, b.declared) : 1;
      const holders = b.nums.map(placeholder);
      const data = b.type === 5 ? ['echo', { t: 1, ack: b.id !== undefined } satisfies Tag, ...holders] : holders;
      const frames: Array<string | Buffer> = [sio(b.type, '/', b.id, JSON.stringify(data), b.declared)];
      const sent = Math.max(0, count + b.sentDelta);
      for (let i = 0; i < sent; i++) {
        if (b.interleave !== undefined && i === b.interleaveAt) frames.push(b.interleave);
        frames.push(Buffer.alloc(3, i));
      }
      return [packet(b.to, ...frames)];
    });

  const engineOk = fc.constantFrom<Step>(...['3', '3probe', '5', '6'].map((d) => send(d)));
  const engineBad = fc.constantFrom<Step>(...['0', '0{}', '1', '2', '2probe', '', '9', '4', 'b', 'bAQID', '7'].map((d) => send(d)));

  const oversized = fc
    .constantFrom('text', 'binary', 'attachment')
    .map((kind): Step[] => {
      const big = FUZZ_MAX_PAYLOAD + 10;
      if (kind === 'text') return [send(`42["echo",{"t":1,"ack":false},"${'x'.repeat(big)}"]`)];
      if (kind === 'binary') return [send(Buffer.alloc(big))];
      return sendAll(['451-["echo",{"t":1,"ack":false},{"_placeholder":true,"num":0}]', Buffer.alloc(big)]);
    });

  const stray = fc.oneof(
    fc.uint8Array({ maxLength: 8 }).map((b) => send(Buffer.from(b))),
    fc.string({ maxLength: 12 }).map((s) => send('4' + s)),
  );

  const pause = fc.integer({ min: 0, max: 30 }).map((ms): Step => ({ kind: 'pause', ms }));
  const abrupt = fc.constantFrom<Step>({ kind: 'close' }, { kind: 'terminate' });
  const recover = freeNsp.map((to): Step => ({ kind: 'recover', to }));
  const one = (a: fc.Arbitrary<Step>): fc.Arbitrary<Step[]> => a.map((x) => [x]);

  /** Frames a well-behaved client could send (some refused by the application, none breaking the wire rules). */
  const validStep: fc.Arbitrary<Step[]> = fc.oneof(
    { weight: 4, arbitrary: one(connect) },
    { weight: 12, arbitrary: one(event) },
    { weight: 1, arbitrary: one(disconnect) },
    { weight: 3, arbitrary: ack },
    { weight: 3, arbitrary: goodBinary },
    { weight: 1, arbitrary: one(engineOk) },
    { weight: 4, arbitrary: one(pause) },
    { weight: 1, arbitrary: one(recover) },
  );

  /** Frames that break a wire rule, or end the connection. */
  const invalidStep: fc.Arbitrary<Step[]> = fc.oneof(
    one(reservedEvent),
    one(oddConnect),
    one(oddDisconnect),
    one(oddEvent),
    badAck,
    badBinary,
    one(engineBad),
    oversized,
    one(stray),
    one(abrupt),
  );

  return fc.oneof({ weight: 50, arbitrary: validStep }, { weight: 1, arbitrary: invalidStep });
}

const anyStep = stepOf();

/** One raw client: usually joins `/` and some others first, then a random mix of steps. */
export const rawPlan: fc.Arbitrary<RawPlan> = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: fc.constant(['/']) }, { weight: 1, arbitrary: fc.constant([]) }),
    fc.subarray(['/a', '/dyn-1', '/dyn-22']),
  )
  .chain(([main, others]) => {
    const joined = [...main, ...others];
    const joins = joined.map((n): Step => (n === '/' ? { kind: 'recover', to: { fixed: n } } : send(sio(0, n, undefined, n === '/dyn-22' ? '{"slow":true}' : ''))));
    // often in room r1 of '/' too, so that clients of a run meet in broadcasts
    if (main.length > 0) joins.push(send(sio(2, '/', undefined, JSON.stringify(['join', { t: 1, ack: false } satisfies Tag]))));
    return fc.record({
      startAfter: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 })),
      pong: fc.boolean(),
      ackServer: fc.boolean(),
      steps: fc.tuple(fc.nat(20), fc.array(anyStep, { minLength: 1, maxLength: 40 })).map(([wait, steps]) => [...joins, { kind: 'pause', ms: wait } as Step, ...steps.flat()]),
      end: fc.constantFrom<RawPlan['end']>('engine-close', 'close', 'terminate'),
    });
  });

/** The server's options that vary from run to run. */
export interface RunOptions {
  /** Connection state recovery (off when undefined). */
  recovery: { skipMiddlewares: boolean } | undefined;
}

/** One run: the server's options and 1–3 concurrent raw clients. */
export const fuzzRun: fc.Arbitrary<{ options: RunOptions; plans: RawPlan[] }> = fc.record({
  options: fc.record({ recovery: fc.option(fc.record({ skipMiddlewares: fc.boolean() }), { nil: undefined }) }),
  plans: fc.array(rawPlan, { minLength: 1, maxLength: 3 }),
});

/** What the raw clients of one run learnt of their sessions, by namespace (connection state recovery). */
export class Sessions {
  private readonly pids = new Map<string, string>();
  private readonly offsets = new Map<string, string>();

  /** Reads a frame from the server: a CONNECT answer's `pid`, an event's offset (its last argument). */
  learn(frame: string): void {
    const m = /^4([02])(\/[^,]*,)?(\d*)(.*)$/s.exec(frame);
    if (m === null) return;
    const nsp = m[2] === undefined ? '/' : m[2].slice(0, -1);
    let data: unknown;
    try {
      data = JSON.parse(m[4]!);
    } catch {
      return;
    }
    if (m[1] === '0') {
      const pid = (data as { pid?: unknown } | null)?.pid;
      if (typeof pid === 'string') this.pids.set(nsp, pid);
    } else if (Array.isArray(data) && m[3] === '') {
      const offset: unknown = data[data.length - 1];
      if (typeof offset === 'string' && /^[\w-]{8}\.[0-9a-z]+$/.test(offset)) this.offsets.set(nsp, offset);
    }
  }

  /** The CONNECT frame for `nsp` offering the session known (made-up values when none is). */
  connect(nsp: string): string {
    const auth = { pid: this.pids.get(nsp) ?? 'unknown-pid', offset: this.offsets.get(nsp) ?? 'x.1' };
    return sio(0, nsp, undefined, JSON.stringify(auth));
  }
}

/** The first frame of a packet step (written for '/') addressed to `nsp`; attachments unchanged. */
export function addressed(frames: ReadonlyArray<string | Buffer>, nsp: string): Array<string | Buffer> {
  const [head, ...rest] = frames;
  if (typeof head !== 'string' || nsp === '/') return [...frames];
  const m = /^4\d(\d+-)?/.exec(head);
  const at = m === null ? head.length : m[0].length;
  return [`${head.slice(0, at)}${nsp},${head.slice(at)}`, ...rest];
}

const USABLE = NAMESPACES.filter((n) => n !== '/nope');

/**
 * What a raw client knows of its namespaces, from what it sent and what the server answered:
 * joined (the server's `40`), joining (its `40` sent, no answer yet), left (`41` either way) or
 * refused (`44`). Picks the namespace of a packet step.
 */
export class NspTracker {
  private readonly joined: string[] = [];
  readonly joining = new Set<string>();

  /** A text frame this client sends. */
  sent(frame: string): void {
    const p = parse(frame);
    if (p === undefined) return;
    if (p.type === '0' && !this.joined.includes(p.nsp)) this.joining.add(p.nsp);
    if (p.type === '1') this.drop(p.nsp);
  }

  /** A text frame the server sends. */
  heard(frame: string): void {
    const p = parse(frame);
    if (p === undefined) return;
    if (p.type === '0') {
      this.joining.delete(p.nsp);
      if (!this.joined.includes(p.nsp)) this.joined.push(p.nsp);
    } else if (p.type === '4') this.joining.delete(p.nsp);
    else if (p.type === '1') this.drop(p.nsp);
  }

  /** The namespace `to` names now; undefined when it wants a joined one and none is. */
  pick(to: NspPick): string | undefined {
    if ('fixed' in to) return to.fixed;
    if ('joined' in to) return this.joined.length === 0 ? undefined : this.joined[to.joined % this.joined.length];
    const free = NAMESPACES.filter((n) => !this.joined.includes(n) && !this.joining.has(n));
    // everything joined: a repeated CONNECT (ignored by the server)
    return free.length === 0 ? USABLE[to.free % USABLE.length] : free[to.free % free.length];
  }

  /** A namespace to join when a step wants a joined one and none is. */
  firstFree(): string | undefined {
    return USABLE.find((n) => !this.joined.includes(n) && !this.joining.has(n));
  }

  private drop(nsp: string): void {
    const at = this.joined.indexOf(nsp);
    if (at >= 0) this.joined.splice(at, 1);
    this.joining.delete(nsp);
  }
}

/** The type and namespace of a Socket.IO text frame (`4` then the packet). */
function parse(frame: string): { type: string; nsp: string } | undefined {
  const m = /^4([0-6])(?:\d+-)?(\/[^,]*,)?/.exec(frame);
  if (m === null) return undefined;
  return { type: m[1]!, nsp: m[2] === undefined ? '/' : m[2].slice(0, -1) };
}
