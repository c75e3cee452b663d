/*
 * Shared helpers and fast-check arbitraries for the protocol tests (not a test file itself).
 */
import fc from 'fast-check';
import {
  Decoder,
  EnginePacketType,
  PacketType,
  ProtocolError,
  RESERVED_EVENTS,
  decodeEnginePacket,
  encodeEnginePacket,
  isBinary,
  type BinaryData,
  type DecodedPacket,
  type DecoderOptions,
  type EncodedPacket,
  type Packet,
} from '@emitwire/protocol';

/** Runs `fn`, expects a ProtocolError with exactly `code`, and returns it. */
export function expectProtocolError(fn: () => unknown, code: string): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof ProtocolError)) {
    throw new Error(`expected ProtocolError ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}`);
  }
  if (thrown.code !== code) throw new Error(`expected code ${code}, got ${thrown.code}: ${thrown.message}`);
  return thrown;
}

/** The bytes a binary value puts on the wire (a view, not a copy). Blob is not handled here. */
export function bytesOf(value: BinaryData): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error('Blob is not supported by the synchronous test helpers');
}

/** An encoded packet as the WebSocket messages of one Engine.IO connection: `4`-prefixed text, raw bytes. */
export function toWire(encoded: EncodedPacket): Array<string | Uint8Array> {
  if (typeof encoded === 'string') return [encodeEnginePacket(EnginePacketType.MESSAGE, encoded)];
  const [text, ...attachments] = encoded;
  return [encodeEnginePacket(EnginePacketType.MESSAGE, text), ...attachments.map(bytesOf)];
}

/**
 * Feeds WebSocket messages through decodeEnginePacket → Decoder.add, the way a connection does, and
 * returns every packet completed.
 */
export function decodeWire(messages: ReadonlyArray<string | Uint8Array>, decoder = new Decoder()): DecodedPacket[] {
  const out: DecodedPacket[] = [];
  for (const message of messages) {
    const engine = decodeEnginePacket(message);
    if (engine.type !== EnginePacketType.MESSAGE) throw new Error(`expected an Engine.IO message, got type ${engine.type}`);
    const packet = decoder.add(engine.data);
    if (packet !== undefined) out.push(packet);
  }
  return out;
}

/** Feeds Socket.IO-level messages (no Engine.IO prefix) to a fresh decoder; returns completed packets. */
export function decodeAll(
  messages: ReadonlyArray<string | Uint8Array | ArrayBuffer>,
  options?: DecoderOptions,
): DecodedPacket[] {
  const decoder = new Decoder(options);
  const out: DecodedPacket[] = [];
  for (const m of messages) {
    const packet = decoder.add(m);
    if (packet !== undefined) out.push(packet);
  }
  return out;
}

/** Decodes exactly one packet from `messages`, failing if there is not exactly one. */
export function decodeOne(messages: string | ReadonlyArray<string | Uint8Array | ArrayBuffer>, options?: DecoderOptions): DecodedPacket {
  const packets = decodeAll(typeof messages === 'string' ? [messages] : messages, options);
  if (packets.length !== 1) throw new Error(`expected one packet, got ${packets.length}`);
  return packets[0]!;
}

/** `n` nested arrays: `[[[…]]]`. */
export function nestedArrays(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

/** A placeholder as it appears in a binary packet's JSON. */
export function placeholder(num: unknown): string {
  return `{"_placeholder":true,"num":${JSON.stringify(num)}}`;
}

// ---------------------------------------------------------------------------------------------
// Expected values for round trips
// ---------------------------------------------------------------------------------------------

/**
 * Rebuilds `value` the way a decoder must return it: every binary (in encoder order: array index
 * order, own-key order) replaced by the object that was fed for that attachment.
 */
export function withFedBinaries(value: unknown, fed: readonly unknown[], counter = { n: 0 }): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isBinary(value)) return fed[counter.n++];
  if (Array.isArray(value)) return value.map((v) => withFedBinaries(v, fed, counter));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: withFedBinaries((value as Record<string, unknown>)[key], fed, counter),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Every binary found in `value`, in encoder order. */
export function collectBinaries(value: unknown, out: unknown[] = []): unknown[] {
  if (typeof value !== 'object' || value === null) return out;
  if (isBinary(value)) {
    out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectBinaries(v, out);
    return out;
  }
  for (const key of Object.keys(value)) collectBinaries((value as Record<string, unknown>)[key], out);
  return out;
}

/**
 * Structural equality where binaries must be the very same objects (identity) and everything else
 * deep-equal, own `__proto__` keys included. Throws with the path of the first difference.
 */
export function assertSameValue(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) throw new Error(`${path}: ${String(actual)} !== ${String(expected)}`);
    return;
  }
  if (isBinary(expected)) {
    if (actual !== expected) throw new Error(`${path}: not the attachment object that was fed`);
    return;
  }
  if (typeof actual !== 'object' || actual === null) throw new Error(`${path}: expected an object`);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) throw new Error(`${path}: array mismatch`);
    for (let i = 0; i < expected.length; i++) assertSameValue(actual[i], expected[i], `${path}[${i}]`);
    return;
  }
  if (Array.isArray(actual)) throw new Error(`${path}: expected a plain object, got an array`);
  if (Object.getPrototypeOf(actual) !== Object.prototype) throw new Error(`${path}: prototype is not Object.prototype`);
  const ak = Object.keys(actual);
  const ek = Object.keys(expected);
  if (ak.length !== ek.length || ak.some((k, i) => k !== ek[i])) {
    throw new Error(`${path}: keys ${JSON.stringify(ak)} !== ${JSON.stringify(ek)}`);
  }
  for (const k of ek) {
    const a = Object.getOwnPropertyDescriptor(actual, k)?.value;
    const e = Object.getOwnPropertyDescriptor(expected, k)?.value;
    assertSameValue(a, e, `${path}.${k}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** JSON has no -0: it is written as 0. Normalise so round trips compare with Object.is. */
function noNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(noNegativeZero);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: noNegativeZero((value as Record<string, unknown>)[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * Object keys: random strings plus the ones that matter for safety. `_placeholder` is left out: an
 * application object `{"_placeholder":true,"num":0}` is indistinguishable from a placeholder by
 * design of the protocol (socket.io-parser has the same ambiguity).
 */
export function keyArb(options: { protoKeys?: boolean } = {}): fc.Arbitrary<string> {
  const special = options.protoKeys === false ? ['constructor', 'toString', 'num'] : ['__proto__', 'constructor', 'toString', 'prototype', 'num'];
  return fc
    .oneof({ weight: 6, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(...special) })
    .filter((k) => k !== '_placeholder' && (options.protoKeys !== false || k !== '__proto__'));
}

/** Random JSON primitives (no -0). */
export const jsonPrimitiveArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/** Bytes from an arbitrary, laid into a fresh ArrayBuffer of whole elements of `size` bytes. */
function typedBytes(size: number): fc.Arbitrary<ArrayBuffer> {
  return fc.uint8Array({ maxLength: 24 }).map((u) => {
    const len = u.length - (u.length % size);
    const ab = new ArrayBuffer(len);
    new Uint8Array(ab).set(u.subarray(0, len));
    return ab;
  });
}

/** Every kind of binary the encoder accepts (except Blob, which is asynchronous to read). */
export const binaryArb: fc.Arbitrary<BinaryData> = fc.oneof(
  fc.uint8Array({ maxLength: 32 }),
  fc.uint8Array({ maxLength: 32 }).map((u) => Buffer.from(u)),
  fc.uint8Array({ maxLength: 32 }).map((u) => u.slice().buffer),
  // a view into the middle of a larger buffer: only the view's bytes travel
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 32 }), fc.nat(3)).map(([u, off]) => u.subarray(off, u.length - 1)),
  typedBytes(2).map((ab) => new Int16Array(ab)),
  typedBytes(4).map((ab) => new Uint32Array(ab)),
  typedBytes(4).map((ab) => new Float32Array(ab)),
  typedBytes(8).map((ab) => new Float64Array(ab)),
  typedBytes(1).map((ab) => new DataView(ab)),
);

/** JSON values (no -0) with binaries nested anywhere. */
export function valueWithBinariesArb(options: { protoKeys?: boolean; binaries?: boolean } = {}): fc.Arbitrary<unknown> {
  const leaf = options.binaries === false ? jsonPrimitiveArb : fc.oneof({ weight: 4, arbitrary: jsonPrimitiveArb }, { weight: 1, arbitrary: binaryArb });
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(keyArb(options), tie('tree'), { maxKeys: 4, noNullPrototype: true }),
    ),
  }));
  return tree;
}

/** fast-check's own JSON values, -0 removed (also covers deeper and wider shapes). */
export const jsonValueArb: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 6 }).map(noNegativeZero);

/** Event names a peer may send: strings that are not reserved, or finite numbers. */
export const eventNameArb: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 12 }).filter((s) => !RESERVED_EVENTS.has(s)) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'message') },
  { weight: 1, arbitrary: fc.integer() },
);

/** Namespaces: `/` or `/` + text without a comma (the comma ends the namespace on the wire). */
export const namespaceArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant('/'),
  fc.constantFrom('/admin', '/chat-1', '/a/b', '/__proto__', '/1'),
  fc.string({ maxLength: 20 }).map((s) => '/' + s.replace(/,/g, '')),
);

/** Ack ids: small, large and the largest safe integer. */
export const ackIdArb: fc.Arbitrary<number> = fc.oneof(fc.nat(1000), fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(0));

/** EVENT / ACK packets whose arguments may hold binaries anywhere. */
export function dataPacketArb(options: { protoKeys?: boolean; binaries?: boolean } = {}): fc.Arbitrary<Packet> {
  const args = fc.array(valueWithBinariesArb(options), { maxLength: 5 });
  return fc.oneof(
    fc.record({
      type: fc.constant(PacketType.EVENT),
      nsp: namespaceArb,
      id: fc.option(ackIdArb, { nil: undefined }),
      name: eventNameArb,
      args,
    }).map(({ type, nsp, id, name, args: a }) => ({ type, nsp, ...(id === undefined ? {} : { id }), data: [name, ...a] })),
    fc.record({ type: fc.constant(PacketType.ACK), nsp: namespaceArb, id: ackIdArb, data: args }),
  );
}

/** Packets with no binaries of every type (CONNECT, DISCONNECT, CONNECT_ERROR, EVENT, ACK). */
export function anyPacketArb(options: { protoKeys?: boolean } = {}): fc.Arbitrary<Packet> {
  const obj = fc.dictionary(keyArb(options), valueWithBinariesArb({ ...options, binaries: false }), { maxKeys: 4, noNullPrototype: true });
  return fc.oneof(
    fc.record({ type: fc.constant(PacketType.CONNECT), nsp: namespaceArb, data: fc.option(obj, { nil: undefined }) }).map((p) =>
      p.data === undefined ? { type: p.type, nsp: p.nsp } : p,
    ),
    fc.record({ type: fc.constant(PacketType.DISCONNECT), nsp: namespaceArb }),
    fc.record({
      type: fc.constant(PacketType.CONNECT_ERROR),
      nsp: namespaceArb,
      data: fc.oneof(
        fc.record({ message: fc.string({ maxLength: 20 }) }),
        fc.record({ message: fc.string({ maxLength: 20 }), data: valueWithBinariesArb({ ...options, binaries: false }) }),
      ),
    }),
    dataPacketArb({ ...options, binaries: false }),
  );
}

/** The packet a decoder must yield for an encoded `packet`, given the attachment objects it was fed. */
export function expectedDecoded(packet: Packet, fed: readonly unknown[] = []): DecodedPacket {
  const nsp = packet.nsp ?? '/';
  const data = withFedBinaries(packet.data, fed);
  switch (packet.type) {
    case PacketType.CONNECT:
      return { type: PacketType.CONNECT, nsp, data: data as Record<string, unknown> | undefined };
    case PacketType.DISCONNECT:
      return { type: PacketType.DISCONNECT, nsp };
    case PacketType.CONNECT_ERROR:
      return {
        type: PacketType.CONNECT_ERROR,
        nsp,
        data: typeof data === 'string' ? { message: data } : (data as { message: string; data?: unknown }),
      };
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      return { type: PacketType.EVENT, nsp, id: packet.id, data: data as [string, ...unknown[]] };
    default:
      return { type: PacketType.ACK, nsp, id: packet.id!, data: data as unknown[] };
  }
}

/**
 * The invariants every packet the decoder returns must satisfy, whatever the input was. Throws on
 * the first broken one.
 */
export function assertWellFormed(packet: DecodedPacket, options: DecoderOptions = {}): void {
  const fail = (why: string): never => {
    throw new Error(`decoded packet breaks an invariant (${why}): ${JSON.stringify(packet)}`);
  };
  if (typeof packet.nsp !== 'string' || packet.nsp[0] !== '/') fail('namespace');
  switch (packet.type) {
    case PacketType.CONNECT:
      if (packet.data !== undefined && (typeof packet.data !== 'object' || packet.data === null || Array.isArray(packet.data))) fail('CONNECT data');
      break;
    case PacketType.DISCONNECT:
      if ('data' in packet) fail('DISCONNECT data');
      break;
    case PacketType.EVENT: {
      if (!Array.isArray(packet.data) || packet.data.length === 0) fail('EVENT data');
      const name = packet.data[0];
      if (typeof name === 'string') {
        if (options.rejectReservedEvents !== false && RESERVED_EVENTS.has(name)) fail('reserved name');
      } else if (typeof name !== 'number') fail('event name');
      if (packet.id !== undefined && !(Number.isSafeInteger(packet.id) && packet.id >= 0)) fail('ack id');
      break;
    }
    case PacketType.ACK:
      if (!Array.isArray(packet.data)) fail('ACK data');
      if (!(Number.isSafeInteger(packet.id) && packet.id >= 0)) fail('ack id');
      break;
    case PacketType.CONNECT_ERROR:
      if (typeof packet.data !== 'object' || packet.data === null || typeof packet.data.message !== 'string') fail('CONNECT_ERROR data');
      break;
    default:
      fail('type');
  }
  // No function or other non-JSON value anywhere (CVE-2022-2421): only JSON values and binaries,
  // plain prototypes, and no deeper than maxDepth (binaries are leaves, the data itself is level 1).
  const maxDepth = options.maxDepth ?? 64;
  const stack: Array<{ v: unknown; depth: number }> = [{ v: 'data' in packet ? packet.data : undefined, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') fail('non-JSON value');
    if (typeof v === 'object' && v !== null && !isBinary(v)) {
      if (depth > maxDepth) fail('nesting deeper than maxDepth');
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== Array.prototype) fail('prototype');
      for (const k of Object.keys(v)) stack.push({ v: Object.getOwnPropertyDescriptor(v, k)?.value, depth: depth + 1 });
    }
  }
}
