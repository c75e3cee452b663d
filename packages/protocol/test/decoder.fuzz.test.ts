/*
 * Decoder fuzzing: random text, random bytes, and mutations of valid frames. Whatever arrives, the
 * decoder only ever returns a well-formed packet or undefined, or throws a ProtocolError with a
 * known code: never another error type, never a hang.
 */
import fc from 'fast-check';
import { Decoder, ErrorCode, ProtocolError, encodePacket, type DecodedPacket, type DecoderOptions } from '@emitwire/protocol';
import { anyPacketArb, assertWellFormed, bytesOf, dataPacketArb, nestedArrays } from './helpers.js';

const CODES = new Set<string>(Object.values(ErrorCode));

type Message = string | Uint8Array | ArrayBuffer;

/**
 * Feeds every message to `decoder`, carrying on after errors (a stricter test than a connection,
 * which would close): each step must yield undefined, a well-formed packet, or a ProtocolError.
 */
function feed(decoder: Decoder, messages: readonly Message[], options: DecoderOptions = {}): { packets: number; errors: number } {
  let packets = 0;
  let errors = 0;
  for (const message of messages) {
    let out: DecodedPacket | undefined;
    try {
      out = decoder.add(message);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw new Error(`not a ProtocolError: ${String(err)}`, { cause: err });
      if (!CODES.has(err.code)) throw new Error(`unknown code ${err.code}`, { cause: err });
      errors++;
      continue;
    }
    if (out !== undefined) {
      assertWellFormed(out, options);
      packets++;
    }
  }
  return { packets, errors };
}

/** Pieces of the wire grammar, so random concatenations reach deep into the decoder. */
const TOKENS = [
  ...'0123456789',
  '-',
  '/',
  ',',
  '[',
  ']',
  '{',
  '}',
  '"',
  ':',
  '.',
  'e',
  ' ',
  '"x"',
  '"chat"',
  '"connect"',
  '"__proto__"',
  '"toString"',
  '"_placeholder"',
  '"num"',
  '"message"',
  'true',
  'false',
  'null',
  '/admin,',
  '{"_placeholder":true,"num":0}',
  '{"_placeholder":true,"num":1}',
  '{"_placeholder":true,"num":"toString"}',
  '51-',
  '62-',
  '\u0000',
  '\ud800',
  'é',
];
const grammarText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));

const randomBytes = fc.uint8Array({ maxLength: 64 });
const randomMessage: fc.Arbitrary<Message> = fc.oneof(
  { weight: 3, arbitrary: grammarText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: randomBytes },
  { weight: 1, arbitrary: randomBytes.map((u) => u.slice().buffer) },
);

/** Small limits, so limit paths are exercised too. */
const limitsArb: fc.Arbitrary<DecoderOptions> = fc.record(
  {
    maxAttachments: fc.integer({ min: 0, max: 12 }),
    maxDepth: fc.integer({ min: 0, max: 8 }),
    maxPayload: fc.integer({ min: 0, max: 400 }),
    maxNamespaceLength: fc.integer({ min: 0, max: 10 }),
    rejectReservedEvents: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** One edit of a message list: the ways a frame gets corrupted, cut, reordered or repeated. */
type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'flipByte'; at: number; value: number }
  | { kind: 'dropMessage'; at: number }
  | { kind: 'duplicateMessage'; at: number }
  | { kind: 'swapMessages'; at: number }
  | { kind: 'insertMessage'; at: number; message: Message };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flipByte' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('dropMessage' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateMessage' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapMessages' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insertMessage' as const), at: fc.nat(), message: randomMessage }),
);

/** Applies one mutation; text edits hit the first text message, byte edits a binary one. */
function mutate(messages: Message[], m: Mutation): Message[] {
  const out = messages.slice();
  const n = out.length;
  const textIndex = out.findIndex((x) => typeof x === 'string');
  const editText = (f: (s: string, at: number) => string, at: number): Message[] => {
    if (textIndex === -1) return out;
    const s = out[textIndex] as string;
    out[textIndex] = f(s, at % (s.length + 1));
    return out;
  };
  switch (m.kind) {
    case 'insert':
      return editText((s, at) => s.slice(0, at) + m.text + s.slice(at), m.at);
    case 'delete':
      return editText((s, at) => s.slice(0, at) + s.slice(at + m.count), m.at);
    case 'replace':
      return editText((s, at) => s.slice(0, at) + m.text + s.slice(at + m.text.length), m.at);
    case 'truncate':
      return editText((s, at) => s.slice(0, at), m.at);
    case 'flipByte': {
      const i = out.findIndex((x) => typeof x !== 'string');
      if (i === -1) return out;
      const bytes = new Uint8Array(bytesOf(out[i] as Uint8Array));
      if (bytes.length > 0) bytes[m.at % bytes.length] = m.value;
      out[i] = bytes;
      return out;
    }
    case 'dropMessage':
      if (n > 0) out.splice(m.at % n, 1);
      return out;
    case 'duplicateMessage':
      if (n > 0) out.splice(m.at % n, 0, out[m.at % n]!);
      return out;
    case 'swapMessages':
      if (n > 1) {
        const i = m.at % (n - 1);
        [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      }
      return out;
    case 'insertMessage':
      out.splice(m.at % (n + 1), 0, m.message);
      return out;
  }
}

/** Valid frames of one packet: its text, then its attachments as bytes. */
const validFramesArb: fc.Arbitrary<Message[]> = fc.oneof(dataPacketArb(), anyPacketArb()).map((packet) => {
  // (the decoders here allow up to 1000 attachments; the encoder's default stops at 10)
  const encoded = encodePacket(packet, 1000);
  if (typeof encoded === 'string') return [encoded];
  const [text, ...attachments] = encoded;
  return [text, ...attachments.map((a) => bytesOf(a as ArrayBuffer))];
});

describe('Decoder fuzz: only packets, undefined, or ProtocolError', () => {
  it('random strings (any UTF-16 code units)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        feed(new Decoder(), [text]);
      }),
      { numRuns: 1000 },
    );
  });

  it('random strings over the wire grammar', () => {
    fc.assert(
      fc.property(fc.array(grammarText, { minLength: 1, maxLength: 4 }), (texts) => {
        feed(new Decoder(), texts);
      }),
      { numRuns: 1000 },
    );
  });

  it('random byte arrays, fresh and while attachments are awaited', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(randomBytes, randomBytes.map((u) => u.slice().buffer)), { maxLength: 5 }), (bins) => {
        expect(feed(new Decoder(), bins)).toEqual({ packets: 0, errors: bins.length });
        const decoder = new Decoder();
        decoder.add('53-["x",{"_placeholder":true,"num":2}]');
        const result = feed(decoder, bins);
        expect(result.packets).toBe(bins.length >= 3 ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });

  it('random interleavings of text and binary messages into one decoder', () => {
    fc.assert(
      fc.property(fc.array(randomMessage, { maxLength: 20 }), (messages) => {
        feed(new Decoder(), messages);
      }),
      { numRuns: 500 },
    );
  });

  it('mutations of valid frames (insert, delete, replace, truncate, byte flips, dropped, repeated, reordered and extra messages)', () => {
    fc.assert(
      fc.property(validFramesArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (frames, mutations) => {
        const mutated = mutations.reduce(mutate, frames);
        feed(new Decoder({ maxAttachments: 1000 }), mutated, { maxAttachments: 1000 });
      }),
      { numRuns: 1000 },
    );
  });

  it('mutations of valid frames under small random limits, which decoded packets respect', () => {
    fc.assert(
      fc.property(validFramesArb, fc.array(mutationArb, { maxLength: 3 }), limitsArb, (frames, mutations, limits) => {
        const mutated = mutations.reduce(mutate, frames);
        feed(new Decoder(limits), mutated, limits);
      }),
      { numRuns: 1000 },
    );
  });

  it('a stream of valid packets with random corruptions in between keeps decoding the valid ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(validFramesArb, fc.option(randomMessage, { nil: undefined })), { maxLength: 6 }), (items) => {
        const decoder = new Decoder({ maxAttachments: 1000 });
        for (const [frames, junk] of items) {
          if (junk !== undefined) feed(decoder, [junk], { maxAttachments: 1000 });
          // the junk may have left a binary packet waiting; a connection would be closed by now
          decoder.reset();
          expect(feed(decoder, frames, { maxAttachments: 1000 })).toEqual({ packets: 1, errors: 0 });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Decoder never hangs on pathological megabyte inputs', () => {
  // Each of these would be quadratic or recursive in a naive decoder. They must all complete (the
  // Jest timeout is the hang detector) with a ProtocolError or a packet.
  const big = 999_000;
  it.each([
    ['brackets', '2' + '['.repeat(big)],
    ['balanced brackets', '2' + nestedArrays(big / 2)],
    ['braces', '2' + '{"a":'.repeat(big / 5)],
    ['a namespace with no comma', '2/' + 'a'.repeat(big)],
    ['commas', '2/' + ','.repeat(big)],
    ['digits', '2' + '9'.repeat(big)],
    ['attachment digits', '5' + '1'.repeat(big)],
    ['dashes', '5' + '-'.repeat(big)],
    ['placeholders', '51-[' + Array.from({ length: big / 40 }, () => '{"_placeholder":true,"num":0}').join(',') + ']'],
    ['a long string', '2["' + 'x'.repeat(big) + '"]'],
    ['backslashes', '2["' + '\\'.repeat(big) + '"]'],
    ['many small arrays', '2["x",' + Array.from({ length: big / 4 }, () => '[1]').join(',') + ']'],
  ])('%s', (_name, text) => {
    const result = feed(new Decoder(), [text]);
    expect(result.packets + result.errors).toBe(1);
  });
});
