import {
  Decoder,
  ErrorCode,
  EmitwireError,
  PacketType,
  encodePacket,
  type DecodedPacket,
  type Packet,
} from '@emitwire/protocol';
import { decodeWire, toWire } from './helpers.js';

/**
 * Every example of PROTOCOL.md as a full WebSocket frame (the Engine.IO `4` then the Socket.IO
 * packet), with the packet it stands for and the packet our decoder yields for it.
 */
const GOLDEN: Array<{ frame: string; packet: Packet; decoded: DecodedPacket }> = [
  {
    frame: '40',
    packet: { type: PacketType.CONNECT },
    decoded: { type: PacketType.CONNECT, nsp: '/', data: undefined },
  },
  {
    frame: '40{"token":"123"}',
    packet: { type: PacketType.CONNECT, data: { token: '123' } },
    decoded: { type: PacketType.CONNECT, nsp: '/', data: { token: '123' } },
  },
  {
    frame: '40{"sid":"x"}',
    packet: { type: PacketType.CONNECT, nsp: '/', data: { sid: 'x' } },
    decoded: { type: PacketType.CONNECT, nsp: '/', data: { sid: 'x' } },
  },
  {
    frame: '40/admin,{"sid":"x"}',
    packet: { type: PacketType.CONNECT, nsp: '/admin', data: { sid: 'x' } },
    decoded: { type: PacketType.CONNECT, nsp: '/admin', data: { sid: 'x' } },
  },
  {
    frame: '41',
    packet: { type: PacketType.DISCONNECT },
    decoded: { type: PacketType.DISCONNECT, nsp: '/' },
  },
  {
    frame: '41/admin,',
    packet: { type: PacketType.DISCONNECT, nsp: '/admin' },
    decoded: { type: PacketType.DISCONNECT, nsp: '/admin' },
  },
  {
    frame: '44/admin,{"message":"Invalid namespace"}',
    packet: { type: PacketType.CONNECT_ERROR, nsp: '/admin', data: { message: 'Invalid namespace' } },
    decoded: { type: PacketType.CONNECT_ERROR, nsp: '/admin', data: { message: 'Invalid namespace' } },
  },
  {
    frame: '42["chat","hi"]',
    packet: { type: PacketType.EVENT, data: ['chat', 'hi'] },
    decoded: { type: PacketType.EVENT, nsp: '/', id: undefined, data: ['chat', 'hi'] },
  },
  {
    frame: '4212["sum",1,2]',
    packet: { type: PacketType.EVENT, id: 12, data: ['sum', 1, 2] },
    decoded: { type: PacketType.EVENT, nsp: '/', id: 12, data: ['sum', 1, 2] },
  },
  {
    frame: '4312[3]',
    packet: { type: PacketType.ACK, id: 12, data: [3] },
    decoded: { type: PacketType.ACK, nsp: '/', id: 12, data: [3] },
  },
  {
    frame: '42/admin,5["x"]',
    packet: { type: PacketType.EVENT, nsp: '/admin', id: 5, data: ['x'] },
    decoded: { type: PacketType.EVENT, nsp: '/admin', id: 5, data: ['x'] },
  },
];

describe('golden vectors (PROTOCOL.md), encode direction', () => {
  it.each(GOLDEN.map((g) => [g.frame, g] as const))('%s', (frame, { packet }) => {
    const encoded = encodePacket(packet);
    expect(typeof encoded).toBe('string');
    expect(toWire(encoded)).toEqual([frame]);
  });
});

describe('golden vectors (PROTOCOL.md), decode direction', () => {
  it.each(GOLDEN.map((g) => [g.frame, g] as const))('%s', (frame, { decoded }) => {
    const packets = decodeWire([frame]);
    expect(packets).toHaveLength(1);
    expect(packets[0]).toStrictEqual(decoded);
  });
});

describe('golden vector: 451-["upload",{"_placeholder":true,"num":0}] then one binary message', () => {
  const text = '451-["upload",{"_placeholder":true,"num":0}]';

  it('encodes to the text frame followed by the attachment, the same object as given', () => {
    const file = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    const encoded = encodePacket({ type: PacketType.EVENT, data: ['upload', file] });
    expect(Array.isArray(encoded)).toBe(true);
    const [head, ...attachments] = encoded as [string, ...unknown[]];
    expect('4' + head).toBe(text);
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toBe(file);
  });

  it('also accepts an explicit BINARY_EVENT type', () => {
    const file = new Uint8Array([1]);
    expect(encodePacket({ type: PacketType.BINARY_EVENT, data: ['upload', file] })).toEqual(['51-["upload",{"_placeholder":true,"num":0}]', file]);
  });

  it('decodes: nothing until the attachment arrives, then EVENT with the bytes in place', () => {
    const decoder = new Decoder();
    expect(decodeWire([text], decoder)).toEqual([]);
    expect(decoder.awaitingAttachments).toBe(true);
    const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    const packets = decodeWire([bytes], decoder);
    expect(decoder.awaitingAttachments).toBe(false);
    expect(packets).toHaveLength(1);
    const packet = packets[0]!;
    expect(packet).toEqual({ type: PacketType.EVENT, nsp: '/', id: undefined, data: ['upload', bytes] });
    expect((packet as { data: unknown[] }).data[1]).toBe(bytes);
  });

  it('BINARY_ACK: 461-/admin,7[{"_placeholder":true,"num":0}] both ways', () => {
    const bytes = new Uint8Array([7]);
    const encoded = encodePacket({ type: PacketType.ACK, nsp: '/admin', id: 7, data: [bytes] });
    expect(toWire(encoded)).toEqual(['461-/admin,7[{"_placeholder":true,"num":0}]', bytes]);
    expect(decodeWire(toWire(encoded))).toEqual([{ type: PacketType.ACK, nsp: '/admin', id: 7, data: [bytes] }]);
  });
});

describe('encodePacket', () => {
  it('numbers attachments in order, anywhere in the arguments, and never mutates the caller data', () => {
    const a = new Uint8Array([1]);
    const b = new ArrayBuffer(2);
    const c = Buffer.from('c');
    const arg = { list: [a, { deep: b }], c };
    const data = ['ev', arg, 'tail'];
    const snapshot = JSON.stringify(data);
    const encoded = encodePacket({ type: PacketType.EVENT, id: 3, data });
    expect(encoded).toEqual([
      '53-3["ev",{"list":[{"_placeholder":true,"num":0},{"deep":{"_placeholder":true,"num":1}}],"c":{"_placeholder":true,"num":2}},"tail"]',
      a,
      b,
      c,
    ]);
    expect(JSON.stringify(data)).toBe(snapshot);
    expect(arg.list[0]).toBe(a);
  });

  it('sends every ArrayBufferView kind as an attachment', () => {
    for (const bin of [new Float64Array(1), new Int8Array(2), new DataView(new ArrayBuffer(1)), new BigUint64Array(1)]) {
      const encoded = encodePacket({ type: PacketType.EVENT, data: ['x', bin] });
      expect(encoded).toEqual(['51-["x",{"_placeholder":true,"num":0}]', bin]);
    }
  });

  it('sends a Blob as an attachment (the transport reads it)', () => {
    const blob = new Blob(['hi']);
    expect(encodePacket({ type: PacketType.EVENT, data: ['x', blob] })).toEqual(['51-["x",{"_placeholder":true,"num":0}]', blob]);
  });

  it('produces exactly one string when there is no binary, reusable for every recipient', () => {
    const encoded = encodePacket({ type: PacketType.EVENT, data: ['chat', { text: 'hi', n: [1, 2] }] });
    expect(encoded).toBe('2["chat",{"text":"hi","n":[1,2]}]');
  });

  it('sends BINARY_EVENT / BINARY_ACK with no binary as plain EVENT / ACK (socket.io-parser refuses 0 attachments)', () => {
    expect(encodePacket({ type: PacketType.BINARY_EVENT, data: ['x'] })).toBe('2["x"]');
    expect(encodePacket({ type: PacketType.BINARY_ACK, id: 1, data: [] })).toBe('31[]');
  });

  it('follows toJSON like JSON.stringify, finding binaries it returns', () => {
    const bytes = new Uint8Array([1]);
    const date = new Date(0);
    const custom = { toJSON: () => ({ inner: bytes }) };
    expect(encodePacket({ type: PacketType.EVENT, data: ['x', date] })).toBe('2["x","1970-01-01T00:00:00.000Z"]');
    expect(encodePacket({ type: PacketType.EVENT, data: ['x', custom] })).toEqual(['51-["x",{"inner":{"_placeholder":true,"num":0}}]', bytes]);
  });

  it("follows an array's own toJSON too, as JSON.stringify does", () => {
    const bytes = new Uint8Array([2]);
    const list = Object.assign([1, 2], { toJSON: () => ({ inner: bytes }) });
    expect(encodePacket({ type: PacketType.EVENT, data: ['x', list] })).toEqual(['51-["x",{"inner":{"_placeholder":true,"num":0}}]', bytes]);
    // (the elements themselves are not looked at: JSON sends what toJSON returns)
    const hidden = Object.assign([new Uint8Array(1)], { toJSON: () => 'plain' });
    expect(encodePacket({ type: PacketType.EVENT, data: ['x', hidden] })).toBe('2["x","plain"]');
  });

  it('keeps a binary under a "__proto__" key an ordinary own property', () => {
    const bytes = new Uint8Array([1]);
    const arg = JSON.parse('{"__proto__":0}') as Record<string, unknown>;
    Object.defineProperty(arg, '__proto__', { value: bytes, enumerable: true, writable: true, configurable: true });
    const encoded = encodePacket({ type: PacketType.EVENT, data: ['x', arg] });
    expect(encoded).toEqual(['51-["x",{"__proto__":{"_placeholder":true,"num":0}}]', bytes]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes id 0 and the largest safe id', () => {
    expect(encodePacket({ type: PacketType.ACK, id: 0, data: [] })).toBe('30[]');
    expect(encodePacket({ type: PacketType.ACK, id: Number.MAX_SAFE_INTEGER, data: [] })).toBe('39007199254740991[]');
  });

  it.each([
    ['a negative ack id', { type: PacketType.EVENT, id: -1, data: ['x'] }],
    ['a fractional ack id', { type: PacketType.EVENT, id: 1.5, data: ['x'] }],
    ['an unsafe ack id', { type: PacketType.EVENT, id: Number.MAX_SAFE_INTEGER + 1, data: ['x'] }],
    ['a NaN ack id', { type: PacketType.ACK, id: NaN, data: [] }],
    ['a namespace without a leading slash', { type: PacketType.EVENT, nsp: 'admin', data: ['x'] }],
    ['an empty namespace', { type: PacketType.EVENT, nsp: '', data: ['x'] }],
    ['a namespace with a comma', { type: PacketType.EVENT, nsp: '/a,b', data: ['x'] }],
    ['a namespace with a comma (binary packet)', { type: PacketType.EVENT, nsp: '/a,b', data: ['x', new Uint8Array(1)] }],
    ['a BigInt argument', { type: PacketType.EVENT, data: ['x', 1n] }],
    ['a function as the whole data', { type: PacketType.CONNECT, data: () => 1 }],
    ['a symbol as the whole data', { type: PacketType.CONNECT, data: Symbol('s') }],
  ] as Array<[string, Packet]>)('refuses %s with INVALID_ARGUMENT', (_name, packet) => {
    let thrown: unknown;
    try {
      encodePacket(packet);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EmitwireError);
    expect((thrown as EmitwireError).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('refuses more binaries than a peer decoder accepts (10 by default, or maxAttachments) with INVALID_ARGUMENT', () => {
    const bins = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array([i]));
    const ten = encodePacket({ type: PacketType.EVENT, data: ['x', ...bins(10)] });
    expect(ten).toHaveLength(11);
    expect(decodeWire(toWire(ten))).toEqual([expect.objectContaining({ type: PacketType.EVENT, data: ['x', ...bins(10)] })]);
    expect(() => encodePacket({ type: PacketType.EVENT, data: ['x', { nested: bins(11) }] })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: 'too many binary attachments' }),
    );
    expect(() => encodePacket({ type: PacketType.ACK, id: 1, data: bins(3) }, 2)).toThrow('too many binary attachments');
    expect(encodePacket({ type: PacketType.ACK, id: 1, data: bins(12) }, 12)).toHaveLength(13);
  });

  it('refuses circular data with INVALID_ARGUMENT, with or without binaries (no RangeError)', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const withBinary: Record<string, unknown> = { b: new Uint8Array(1) };
    withBinary.self = withBinary;
    for (const data of [['x', circular], ['x', withBinary]]) {
      let thrown: unknown;
      try {
        encodePacket({ type: PacketType.EVENT, data });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(EmitwireError);
      expect((thrown as EmitwireError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
