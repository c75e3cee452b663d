import {
  DEFAULT_DECODER_OPTIONS,
  Decoder,
  ErrorCode,
  PacketType,
  ProtocolError,
  RESERVED_EVENTS,
  type DecodedPacket,
} from '@emitwire/protocol';
import { decodeAll, decodeOne, expectProtocolError, nestedArrays, placeholder } from './helpers.js';

/** Feeds `messages` to one fresh decoder and expects the last one to fail with `code`. */
function expectRejected(messages: string | Array<string | Uint8Array | ArrayBuffer>, code: string, options = {}): ProtocolError {
  const list = typeof messages === 'string' ? [messages] : messages;
  const decoder = new Decoder(options);
  for (let i = 0; i < list.length - 1; i++) decoder.add(list[i]!);
  return expectProtocolError(() => decoder.add(list[list.length - 1]!), code);
}

const bin = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

describe('Decoder defaults', () => {
  it('has finite limits', () => {
    expect(DEFAULT_DECODER_OPTIONS).toEqual({
      maxAttachments: 10,
      maxDepth: 64,
      maxPayload: 1_000_000,
      maxNamespaceLength: 256,
      rejectReservedEvents: true,
    });
    for (const v of Object.values(DEFAULT_DECODER_OPTIONS)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });

  it('an option given as undefined keeps its default (a spread would have switched the limit off)', () => {
    // (as a JavaScript caller, or a TypeScript one without exactOptionalPropertyTypes, may write it)
    const unset = { maxAttachments: undefined, maxPayload: undefined, maxDepth: undefined, maxNamespaceLength: undefined };
    const decoder = new Decoder(unset as never);
    // CVE-2026-33151's input: a huge attachment count must still be refused
    expect(() => decoder.add('5999999-["a",{"_placeholder":true,"num":0}]')).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ATTACHMENTS }),
    );
    expect(() => decoder.add('2["a","' + 'x'.repeat(1_000_000) + '"]')).toThrow(expect.objectContaining({ code: ErrorCode.PAYLOAD_TOO_LARGE }));
    expect(() => decoder.add('2' + '['.repeat(65) + '"a"' + ']'.repeat(65))).toThrow(
      expect.objectContaining({ code: ErrorCode.NESTING_TOO_DEEP }),
    );
    expect(() => decoder.add(`2/${'n'.repeat(300)},["a"]`)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_NAMESPACE }));
    expect(() => new Decoder({ rejectReservedEvents: undefined } as never).add('2["connect"]')).toThrow(
      expect.objectContaining({ code: ErrorCode.RESERVED_EVENT }),
    );
  });

  it.each([
    ['maxAttachments', Number.NaN],
    ['maxPayload', Number.NaN],
    ['maxDepth', -1],
    ['maxNamespaceLength', '256'],
    ['rejectReservedEvents', 0],
  ])('a limit that is not a number >= 0 (%s: %p) is misuse, thrown at once', (key, value) => {
    expect(() => new Decoder({ [key]: value } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: `invalid decoder option ${key}` }),
    );
  });

  it('Infinity is allowed when asked for explicitly', () => {
    expect(new Decoder({ maxPayload: Infinity }).add('2["a","' + 'x'.repeat(1_000_001) + '"]')).toMatchObject({ data: ['a', 'x'.repeat(1_000_001)] });
  });
});

describe('valid packets', () => {
  it('decodes each type', () => {
    expect(decodeOne('0')).toStrictEqual({ type: PacketType.CONNECT, nsp: '/', data: undefined });
    expect(decodeOne('0/admin')).toStrictEqual({ type: PacketType.CONNECT, nsp: '/admin', data: undefined });
    expect(decodeOne('1/admin,')).toStrictEqual({ type: PacketType.DISCONNECT, nsp: '/admin' });
    expect(decodeOne('2[1,"a"]')).toStrictEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: [1, 'a'] });
    expect(decodeOne('30[]')).toStrictEqual({ type: PacketType.ACK, nsp: '/', id: 0, data: [] });
    expect(decodeOne('4"Unauthorized"')).toStrictEqual({ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'Unauthorized' } });
    expect(decodeOne('4{"message":"no","data":{"retry":false}}')).toStrictEqual({
      type: PacketType.CONNECT_ERROR,
      nsp: '/',
      data: { message: 'no', data: { retry: false } },
    });
  });

  it('keeps an explicit null in CONNECT_ERROR data, and drops extra fields', () => {
    expect(decodeOne('4{"message":"m","data":null,"stack":"s"}')).toStrictEqual({
      type: PacketType.CONNECT_ERROR,
      nsp: '/',
      data: { message: 'm', data: null },
    });
  });

  it('accepts the largest safe ack id and leading zeros', () => {
    expect(decodeOne('29007199254740991["x"]')).toMatchObject({ id: Number.MAX_SAFE_INTEGER });
    expect(decodeOne('3007[]')).toMatchObject({ id: 7 });
  });

  it('reports BINARY_EVENT / BINARY_ACK as EVENT / ACK with attachments in place', () => {
    const decoder = new Decoder();
    expect(decoder.add(`52-/admin,9["x",${placeholder(1)},{"k":[${placeholder(0)}]}]`)).toBeUndefined();
    const a = bin(1);
    const b = new Uint8Array([2, 2]).buffer;
    expect(decoder.add(a)).toBeUndefined();
    const packet = decoder.add(b) as Extract<DecodedPacket, { type: 2 }>;
    expect(packet.type).toBe(PacketType.EVENT);
    expect(packet.nsp).toBe('/admin');
    expect(packet.id).toBe(9);
    expect(packet.data[1]).toBe(b);
    expect((packet.data[2] as { k: unknown[] }).k[0]).toBe(a);

    const ack = decodeAll([`61-4[${placeholder(0)}]`, a]);
    expect(ack).toEqual([{ type: PacketType.ACK, nsp: '/', id: 4, data: [a] }]);
  });

  it('lets one attachment fill several placeholders, and ignores unreferenced ones', () => {
    const a = bin(1);
    const b = bin(2);
    const [packet] = decodeAll([`52-["x",${placeholder(0)},${placeholder(0)}]`, a, b]) as Array<Extract<DecodedPacket, { type: 2 }>>;
    expect(packet!.data).toEqual(['x', a, a]);
  });

  it('accepts a binary packet declaring 0 attachments, yielding it at once', () => {
    const decoder = new Decoder();
    expect(decoder.add('50-["x"]')).toEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: ['x'] });
    expect(decoder.awaitingAttachments).toBe(false);
  });

  it('accepts exactly maxAttachments attachments', () => {
    const n = DEFAULT_DECODER_OPTIONS.maxAttachments;
    const refs = Array.from({ length: n }, (_, i) => placeholder(i)).join(',');
    const buffers = Array.from({ length: n }, (_, i) => bin(i));
    const [packet] = decodeAll([`5${n}-["x",${refs}]`, ...buffers]) as Array<Extract<DecodedPacket, { type: 2 }>>;
    expect(packet!.data.slice(1)).toEqual(buffers);
    packet!.data.slice(1).forEach((v, i) => expect(v).toBe(buffers[i]));
  });

  it('leaves placeholder-shaped objects alone in a non-binary EVENT', () => {
    expect(decodeOne(`2["x",${placeholder(0)}]`)).toEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: ['x', { _placeholder: true, num: 0 }] });
  });

  it('accepts reserved names when rejectReservedEvents is off (a client trusting its server)', () => {
    expect(decodeOne('2["connect"]', { rejectReservedEvents: false })).toMatchObject({ data: ['connect'] });
  });

  it('decodes one packet after another, and resets a half-received binary packet', () => {
    const decoder = new Decoder();
    expect(decoder.add('2["a"]')).toMatchObject({ data: ['a'] });
    expect(decoder.add(`51-["b",${placeholder(0)}]`)).toBeUndefined();
    decoder.reset();
    expect(decoder.awaitingAttachments).toBe(false);
    expect(decoder.add('2["c"]')).toMatchObject({ data: ['c'] });
    expectProtocolError(() => decoder.add(bin(1)), ErrorCode.UNEXPECTED_BINARY);
  });

  it('accepts attachments as Buffer and ArrayBuffer, and any other view', () => {
    const buf = Buffer.from([1]);
    const view = new DataView(new ArrayBuffer(2));
    const [p] = decodeAll([`52-["x",${placeholder(0)},${placeholder(1)}]`, buf, view as unknown as Uint8Array]) as Array<
      Extract<DecodedPacket, { type: 2 }>
    >;
    expect(p!.data[1]).toBe(buf);
    expect(p!.data[2]).toBe(view);
  });
});

describe('decoder rules (PROTOCOL.md): each violation is a ProtocolError with its code', () => {
  it.each(['', '7', '8["x"]', '9', 'a', '-1', ' 2["x"]', '/admin,', '[]', '\u0000', '\u0032\u0301'.slice(1)])(
    'type outside 0–6: %j',
    (text) => {
      expectRejected(text, ErrorCode.PACKET_TYPE);
    },
  );

  it.each(['2["chat"', '2{', '2[1,]', "0{'a':1}", '2["a"]x', '2[undefined]', '2[NaN]', '2["\\x"]', '0/admin,{', '3 1[]', '2["a"]]'])(
    'malformed JSON: %j',
    (text) => {
      expectRejected(text, ErrorCode.INVALID_JSON);
    },
  );

  it.each(['0[]', '0"x"', '0null', '0true', '0/admin,[]', '0/admin,"invalid"', '0[{"a":1}]'])('CONNECT payload not a plain object: %j', (text) => {
    expectRejected(text, ErrorCode.INVALID_PAYLOAD);
  });

  it.each([
    '2{}',
    '2[]',
    '2"chat"',
    '2null',
    '2',
    '21',
    '2/admin,5',
    '2[null]',
    '2[true,"foo"]',
    '2[null,"bar"]',
    '2[{}]',
    '2[{"toString":"foo"}]',
    '2[["a"]]',
    '2/admin,{}',
    '2/admin,"invalid"',
    `51-[${placeholder(0)}]`,
    '50-{}',
  ])('EVENT data not a non-empty array with a string or number first: %j', (text) => {
    expectRejected(text, ErrorCode.INVALID_PAYLOAD);
  });

  it.each([...RESERVED_EVENTS])('reserved event name %s (text and binary)', (name) => {
    expectRejected(`2["${name}"]`, ErrorCode.RESERVED_EVENT);
    expectRejected(`2/admin,3["${name}",1]`, ErrorCode.RESERVED_EVENT);
    expectRejected(`51-["${name}",${placeholder(0)}]`, ErrorCode.RESERVED_EVENT);
  });

  it('covers exactly the reserved names of PROTOCOL.md', () => {
    expect([...RESERVED_EVENTS].sort()).toEqual(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
    // names that merely resemble them are ordinary
    for (const name of ['Connect', 'connect ', 'disconnected', 'message', 'error']) expect(decodeOne(`2["${name}"]`)).toMatchObject({ data: [name] });
  });

  it.each(['31{}', '31"x"', '31null', '31', '3/admin,1{"a":1}', '61-1{}'])('ACK data not an array: %j', (text) => {
    expectRejected(text, ErrorCode.INVALID_PAYLOAD);
  });

  it.each([
    ['an ACK without an id', '3[1]'],
    ['a negative id', '2-1["a"]'],
    ['a negative id after a namespace', '3/admin,-5[]'],
    ['a negative id in a binary packet', `51--1["a",${placeholder(0)}]`],
    ['a fractional id', '21.5["a"]'],
    ['an exponent id', '31e3[]'],
    ['an id above MAX_SAFE_INTEGER (16 digits)', '29007199254740992["a"]'],
    ['an id of 16 nines', '39999999999999999[]'],
    ['an id of 17 digits', '2' + '1'.repeat(17) + '["a"]'],
    ['an id of a million digits', '3' + '7'.repeat(999_000) + '[]'],
    ['an id on CONNECT', '05{}'],
    ['an id on CONNECT_ERROR', '45{"message":"x"}'],
  ])('ack id that is not a safe non-negative integer: %s', (_name, text) => {
    expectRejected(text, ErrorCode.INVALID_ACK_ID);
  });

  it.each([
    ['no count', '5["x"]'],
    ['no count, end of text', '5'],
    ['no dash', '51'],
    ['no dash before data', '51["x"]'],
    ['a letter', '5a-["x"]'],
    ['a fraction', '51.5-["x"]'],
    ['a negative count', '5-1-["x"]'],
    ['a dash only', '5-["x"]'],
    ['more than maxAttachments', `511-["x",${placeholder(0)}]`],
    ['far more than maxAttachments', '5999999-["x"]'],
    ['a count with 20 digits', '5' + '9'.repeat(20) + '-["x"]'],
    ['a count of a million digits', '6' + '1'.repeat(999_000) + '-[]'],
    ['an exponent', '51e1-["x"]'],
  ])('attachment count not an integer in 0..maxAttachments: %s', (_name, text) => {
    expectRejected(text, ErrorCode.INVALID_ATTACHMENTS);
  });

  it('applies a custom maxAttachments', () => {
    const three = `53-["hello",${placeholder(0)},${placeholder(1)},${placeholder(2)}]`;
    expectRejected(three, ErrorCode.INVALID_ATTACHMENTS, { maxAttachments: 2 });
    expect(decodeAll([three, bin(0), bin(1), bin(2)], { maxAttachments: 3 })).toHaveLength(1);
    expectRejected('51-["x"]', ErrorCode.INVALID_ATTACHMENTS, { maxAttachments: 0 });
  });

  it.each([
    ['"toString"', '"toString"'],
    ['"__proto__"', '"__proto__"'],
    ['"constructor"', '"constructor"'],
    ['"length"', '"length"'],
    ['"0" (a string)', '"0"'],
    ['a float', '0.5'],
    ['1e-7', '1e-7'],
    ['negative', '-1'],
    ['out of range (= attachments)', '2'],
    ['far out of range', '1e308'],
    ['null', 'null'],
    ['true', 'true'],
    ['an array', '[0]'],
    ['an object', '{}'],
  ])('placeholder num not an integer within the attachments: %s', (_name, num) => {
    expectRejected(`52-["x",{"_placeholder":true,"num":${num}}]`, ErrorCode.INVALID_PLACEHOLDER);
    // nested deep in an object, in an ACK
    expectRejected(`62-3[{"a":[{"b":{"_placeholder":true,"num":${num}}}]}]`, ErrorCode.INVALID_PLACEHOLDER);
  });

  it('placeholder num missing, or any placeholder in a 0-attachment packet', () => {
    expectRejected('51-["x",{"_placeholder":true}]', ErrorCode.INVALID_PLACEHOLDER);
    expectRejected(`50-["x",${placeholder(0)}]`, ErrorCode.INVALID_PLACEHOLDER);
  });

  it('text while attachments are awaited', () => {
    const decoder = new Decoder();
    decoder.add(`52-["x",${placeholder(0)},${placeholder(1)}]`);
    decoder.add(bin(1));
    expectProtocolError(() => decoder.add('2["y"]'), ErrorCode.UNEXPECTED_TEXT);
    // the half packet is dropped: the decoder is idle again
    expect(decoder.awaitingAttachments).toBe(false);
    expectProtocolError(() => decoder.add(bin(2)), ErrorCode.UNEXPECTED_BINARY);
  });

  it('even a binary packet header while attachments are awaited', () => {
    expectRejected([`51-["x",${placeholder(0)}]`, `51-["y",${placeholder(0)}]`], ErrorCode.UNEXPECTED_TEXT);
  });

  it('binary when none is awaited', () => {
    expectRejected([bin(1)], ErrorCode.UNEXPECTED_BINARY);
    expectRejected([new ArrayBuffer(0)], ErrorCode.UNEXPECTED_BINARY);
    expectRejected(['2["x"]', bin(1)], ErrorCode.UNEXPECTED_BINARY);
    expectRejected([`51-["x",${placeholder(0)}]`, bin(1), bin(2)], ErrorCode.UNEXPECTED_BINARY);
  });

  it('a message that is neither text nor binary', () => {
    const decoder = new Decoder();
    for (const junk of [123, null, undefined, {}, [bin(1)], { byteLength: 1 }]) {
      expectProtocolError(() => decoder.add(junk as unknown as string), ErrorCode.INVALID_PAYLOAD);
    }
    decoder.add(`51-["x",${placeholder(0)}]`);
    expectProtocolError(() => decoder.add([bin(1)] as unknown as Uint8Array), ErrorCode.INVALID_PAYLOAD);
  });

  it('text larger than maxPayload (default and custom)', () => {
    const atLimit = '2["' + 'a'.repeat(1_000_000 - 5) + '"]';
    expect(atLimit).toHaveLength(1_000_000);
    expect(decodeOne(atLimit)).toMatchObject({ type: PacketType.EVENT });
    expectRejected('2["' + 'a'.repeat(1_000_000 - 4) + '"]', ErrorCode.PAYLOAD_TOO_LARGE);
    expect(decodeOne('2["abc"]', { maxPayload: 8 })).toMatchObject({ data: ['abc'] });
    expectRejected('2["abcd"]', ErrorCode.PAYLOAD_TOO_LARGE, { maxPayload: 8 });
  });

  it('an attachment larger than maxPayload', () => {
    const header = `51-["x",${placeholder(0)}]`;
    expect(decodeAll([header, new Uint8Array(16)], { maxPayload: 64 })).toHaveLength(1);
    const decoder = new Decoder({ maxPayload: 64 });
    decoder.add(header);
    expectProtocolError(() => decoder.add(new Uint8Array(65)), ErrorCode.PAYLOAD_TOO_LARGE);
    expect(decoder.awaitingAttachments).toBe(false);
    expectRejected([header, new ArrayBuffer(65)], ErrorCode.PAYLOAD_TOO_LARGE, { maxPayload: 64 });
  });

  it('a namespace longer than maxNamespaceLength', () => {
    const nsp = '/' + 'n'.repeat(255);
    expect(decodeOne(`0${nsp},`)).toMatchObject({ nsp });
    expectRejected(`0${nsp}x,`, ErrorCode.INVALID_NAMESPACE);
    expectRejected('0/' + 'n'.repeat(999_000), ErrorCode.INVALID_NAMESPACE);
    expectRejected('2/abcd,["x"]', ErrorCode.INVALID_NAMESPACE, { maxNamespaceLength: 4 });
  });

  it('DISCONNECT carries no data', () => {
    expectRejected('1{}', ErrorCode.INVALID_PAYLOAD);
    expectRejected('1/admin,{}', ErrorCode.INVALID_PAYLOAD);
    expectRejected('1/admin,[]', ErrorCode.INVALID_PAYLOAD);
  });

  it.each(['4', '4{}', '4{"message":1}', '4[]', '4null', '4/admin,{"data":"x"}'])('CONNECT_ERROR without a message: %j', (text) => {
    expectRejected(text, ErrorCode.INVALID_PAYLOAD);
  });
});

describe('nesting (maxDepth)', () => {
  const event = (inner: string): string => `2["x",${inner}]`;

  it('accepts maxDepth levels, refuses one more (arrays and objects)', () => {
    // the outer data array is level 1
    expect(decodeOne(event(nestedArrays(63)))).toMatchObject({ type: PacketType.EVENT });
    expectRejected(event(nestedArrays(64)), ErrorCode.NESTING_TOO_DEEP);
    const objects = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    expect(decodeOne(event(objects(63)))).toMatchObject({ type: PacketType.EVENT });
    expectRejected(event(objects(64)), ErrorCode.NESTING_TOO_DEEP);
  });

  it('applies a custom maxDepth, in every packet type and in binary packets', () => {
    const opts = { maxDepth: 3 };
    expect(decodeOne('2["x",[[1]]]', opts)).toMatchObject({ data: ['x', [[1]]] });
    expectRejected('2["x",[[[1]]]]', ErrorCode.NESTING_TOO_DEEP, opts);
    expectRejected('31[[[[1]]]]', ErrorCode.NESTING_TOO_DEEP, opts);
    expectRejected('0{"a":{"b":{"c":{}}}}', ErrorCode.NESTING_TOO_DEEP, opts);
    expectRejected('4{"message":"m","data":[[[[]]]]}', ErrorCode.NESTING_TOO_DEEP, opts);
    expectRejected(`51-["x",[[[${placeholder(0)}]]]]`, ErrorCode.NESTING_TOO_DEEP, opts);
    // a placeholder does not count as a level: it stands for a binary
    expect(decodeAll([`51-["x",[${placeholder(0)}]]`, bin(1)], { maxDepth: 2 })).toHaveLength(1);
  });

  it('turns deep nesting into a clean ProtocolError, never a RangeError', () => {
    // unterminated: malformed JSON
    expectRejected('2' + '['.repeat(100_000), ErrorCode.INVALID_JSON);
    expectRejected('2' + '{"a":'.repeat(100_000), ErrorCode.INVALID_JSON);
    // terminated: too deep
    expectRejected('2' + nestedArrays(100_000), ErrorCode.NESTING_TOO_DEEP);
    expectRejected(event(nestedArrays(400_000)), ErrorCode.NESTING_TOO_DEEP);
    expectRejected(`51-["x",${nestedArrays(200_000)}]`, ErrorCode.NESTING_TOO_DEEP);
    expectRejected('0' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), ErrorCode.NESTING_TOO_DEEP);
    // even with a huge maxDepth, the decoder does not recurse
    expect(decodeOne(event(nestedArrays(200_000)), { maxDepth: 1_000_000 })).toMatchObject({ type: PacketType.EVENT });
  });

  it('walks wide data with many containers (no per-level limit confusion)', () => {
    const wide = '[' + Array.from({ length: 5000 }, () => '[{"a":[1]}]').join(',') + ']';
    expect(decodeOne(event(wide))).toMatchObject({ type: PacketType.EVENT });
  });
});

describe('prototype safety: "__proto__", "constructor", "toString" are ordinary strings', () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'])('event name %s', (name) => {
    expect(decodeOne(`2["${name}",1]`)).toEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: [name, 1] });
  });

  it('a "__proto__" key in arguments is an own property, and prototypes stay intact', () => {
    const packet = decodeOne('2["x",{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]') as Extract<
      DecodedPacket,
      { type: 2 }
    >;
    const arg = packet.data[1] as Record<string, unknown>;
    expect(Object.getPrototypeOf(arg)).toBe(Object.prototype);
    expect(Object.keys(arg)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(arg, '__proto__')!.value).toEqual({ polluted: true });
    expect(arg.polluted).toBeUndefined();
  });

  it('in a CONNECT payload and a CONNECT_ERROR', () => {
    const connect = decodeOne('0{"__proto__":{"polluted":true},"token":"t"}') as Extract<DecodedPacket, { type: 0 }>;
    expect(Object.getPrototypeOf(connect.data)).toBe(Object.prototype);
    expect(connect.data!.polluted).toBeUndefined();
    const err = decodeOne('4{"__proto__":{"polluted":true},"message":"m"}');
    expect(err).toStrictEqual({ type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'm' } });
  });

  it('a placeholder stored under a "__proto__" key becomes an own property holding the attachment', () => {
    const bytes = bin(1, 2, 3);
    const [packet] = decodeAll([`51-["x",{"__proto__":${placeholder(0)}},[{"constructor":${placeholder(0)}}]]`, bytes]) as Array<
      Extract<DecodedPacket, { type: 2 }>
    >;
    const arg = packet!.data[1] as Record<string, unknown>;
    expect(Object.getPrototypeOf(arg)).toBe(Object.prototype);
    expect(Object.hasOwn(arg, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(arg, '__proto__')!.value).toBe(bytes);
    expect(Object.keys(arg)).toEqual(['__proto__']);
    const inner = (packet!.data[2] as Array<Record<string, unknown>>)[0]!;
    expect(Object.getOwnPropertyDescriptor(inner, 'constructor')!.value).toBe(bytes);
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
  });

  it('an object without "_placeholder": true is data, not a placeholder', () => {
    expect(decodeAll([`51-["x",{"num":0},{"_placeholder":"true","num":0},${placeholder(0)}]`, bin(1)])[0]).toEqual({
      type: PacketType.EVENT,
      nsp: '/',
      id: undefined,
      data: ['x', { num: 0 }, { _placeholder: 'true', num: 0 }, bin(1)],
    });
  });
});
