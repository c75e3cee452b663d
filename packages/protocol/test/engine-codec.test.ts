import fc from 'fast-check';
import {
  ENGINE_CLOSE,
  ENGINE_NOOP,
  ENGINE_PING,
  ENGINE_PONG,
  ENGINE_PROTOCOL,
  EnginePacketType,
  ErrorCode,
  base64ToBytes,
  decodeEnginePacket,
  decodeOpenPacket,
  encodeEnginePacket,
  encodeOpenPacket,
  type EnginePacketTypeValue,
} from '@emitwire/protocol';
import { expectProtocolError } from './helpers.js';

describe('Engine.IO packet types and constants (PROTOCOL.md)', () => {
  it('numbers the packet types 0 open … 6 noop and speaks EIO=4', () => {
    expect(EnginePacketType).toEqual({ OPEN: 0, CLOSE: 1, PING: 2, PONG: 3, MESSAGE: 4, UPGRADE: 5, NOOP: 6 });
    expect(ENGINE_PROTOCOL).toBe(4);
  });

  it('prebuilds the data-less frames', () => {
    expect([ENGINE_CLOSE, ENGINE_PING, ENGINE_PONG, ENGINE_NOOP]).toEqual(['1', '2', '3', '6']);
    expect(decodeEnginePacket(ENGINE_PING)).toEqual({ type: EnginePacketType.PING, data: '' });
    expect(decodeEnginePacket(ENGINE_PONG)).toEqual({ type: EnginePacketType.PONG, data: '' });
    expect(decodeEnginePacket(ENGINE_CLOSE)).toEqual({ type: EnginePacketType.CLOSE, data: '' });
    expect(decodeEnginePacket(ENGINE_NOOP)).toEqual({ type: EnginePacketType.NOOP, data: '' });
  });
});

describe('open packet (golden vector)', () => {
  const frame = '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
  const data = { sid: 'lv_VI97HAXpY6yYWAAAC', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 };

  it('encodes exactly, fields in the documented order', () => {
    expect(encodeOpenPacket(data)).toBe(frame);
  });

  it('decodes: an open packet whose data parses back', () => {
    const packet = decodeEnginePacket(frame);
    expect(packet.type).toBe(EnginePacketType.OPEN);
    expect(decodeOpenPacket(packet.data as string)).toEqual(data);
  });

  it('defaults maxPayload to 1e6 when an older server leaves it out, keeps only string upgrades', () => {
    expect(decodeOpenPacket('{"sid":"a","upgrades":["websocket",1],"pingInterval":1,"pingTimeout":2}')).toEqual({
      sid: 'a',
      upgrades: ['websocket'],
      pingInterval: 1,
      pingTimeout: 2,
      maxPayload: 1e6,
    });
    expect(decodeOpenPacket('{"sid":"a","pingInterval":0,"pingTimeout":0,"maxPayload":0}').upgrades).toEqual([]);
  });

  it.each([
    ['not JSON', '{sid', ErrorCode.INVALID_JSON],
    ['an array', '[]', ErrorCode.INVALID_PAYLOAD],
    ['null', 'null', ErrorCode.INVALID_PAYLOAD],
    ['a string', '"x"', ErrorCode.INVALID_PAYLOAD],
    ['no sid', '{"pingInterval":1,"pingTimeout":1}', ErrorCode.INVALID_PAYLOAD],
    ['an empty sid', '{"sid":"","pingInterval":1,"pingTimeout":1}', ErrorCode.INVALID_PAYLOAD],
    ['a numeric sid', '{"sid":1,"pingInterval":1,"pingTimeout":1}', ErrorCode.INVALID_PAYLOAD],
    ['a missing pingInterval', '{"sid":"a","pingTimeout":1}', ErrorCode.INVALID_PAYLOAD],
    ['a negative pingTimeout', '{"sid":"a","pingInterval":1,"pingTimeout":-1}', ErrorCode.INVALID_PAYLOAD],
    ['a string pingInterval', '{"sid":"a","pingInterval":"1","pingTimeout":1}', ErrorCode.INVALID_PAYLOAD],
    ['a huge (infinite) maxPayload', '{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":1e999}', ErrorCode.INVALID_PAYLOAD],
  ])('refuses open data with %s', (_name, text, code) => {
    expectProtocolError(() => decodeOpenPacket(text), code);
  });
});

describe('encodeEnginePacket / decodeEnginePacket', () => {
  it('puts the type digit before the data', () => {
    expect(encodeEnginePacket(EnginePacketType.MESSAGE, '2["chat","hi"]')).toBe('42["chat","hi"]');
    expect(encodeEnginePacket(EnginePacketType.PING)).toBe('2');
    expect(encodeEnginePacket(EnginePacketType.PING, 'probe')).toBe('2probe');
  });

  it('decodes a text message into type and data', () => {
    expect(decodeEnginePacket('42["chat","hi"]')).toEqual({ type: EnginePacketType.MESSAGE, data: '2["chat","hi"]' });
    expect(decodeEnginePacket('4')).toEqual({ type: EnginePacketType.MESSAGE, data: '' });
    expect(decodeEnginePacket('5')).toEqual({ type: EnginePacketType.UPGRADE, data: '' });
  });

  it('round-trips random text packets of every type', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.string({ unit: 'binary', maxLength: 64 }), (t, data) => {
        const type = t as EnginePacketTypeValue;
        expect(decodeEnginePacket(encodeEnginePacket(type, data))).toEqual({ type, data });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an empty message and any type outside 0–6', () => {
    expectProtocolError(() => decodeEnginePacket(''), ErrorCode.ENGINE_PACKET);
    for (const frame of ['7', '8x', '9', 'a', ' 4', '-1', '/', '{}', '\u0000', '\uffff', '\ud800']) {
      expectProtocolError(() => decodeEnginePacket(frame), ErrorCode.ENGINE_PACKET);
    }
  });

  it('only ever returns a packet or throws ENGINE_PACKET on random text (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 16 }), (frame) => {
        try {
          const packet = decodeEnginePacket(frame);
          expect(packet.type).toBe(frame.charCodeAt(0) === 98 ? EnginePacketType.MESSAGE : frame.charCodeAt(0) - 48);
        } catch (err) {
          expectProtocolError(() => {
            throw err;
          }, ErrorCode.ENGINE_PACKET);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('binary messages', () => {
  it('are message packets holding the very same Uint8Array (and Buffer), no copy', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const packet = decodeEnginePacket(bytes);
    expect(packet.type).toBe(EnginePacketType.MESSAGE);
    expect(packet.data).toBe(bytes);
    const buf = Buffer.from([4, 5]);
    expect(decodeEnginePacket(buf).data).toBe(buf);
  });

  it('wrap an ArrayBuffer or any other view without copying, keeping only the view bytes', () => {
    const ab = new Uint8Array([9, 8, 7, 6]).buffer;
    const fromAb = decodeEnginePacket(ab).data as Uint8Array;
    expect(Array.from(fromAb)).toEqual([9, 8, 7, 6]);
    expect(fromAb.buffer).toBe(ab);
    const view = new DataView(ab, 1, 2);
    const fromView = decodeEnginePacket(view).data as Uint8Array;
    expect(fromView).toBeInstanceOf(Uint8Array);
    expect(Array.from(fromView)).toEqual([8, 7]);
    expect(fromView.buffer).toBe(ab);
    expect(Array.from(decodeEnginePacket(new Uint16Array([0x0102])).data as Uint8Array)).toEqual(
      Array.from(new Uint8Array(new Uint16Array([0x0102]).buffer)),
    );
  });

  it('round-trip random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeEnginePacket(bytes)).toEqual({ type: EnginePacketType.MESSAGE, data: bytes });
        expect(Array.from(decodeEnginePacket(bytes.slice().buffer).data as Uint8Array)).toEqual(Array.from(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('base64 "b" form (polling binary, accepted by the decoder)', () => {
  it('decodes the known vectors', () => {
    expect(Array.from(decodeEnginePacket('bAQIDBA==').data as Uint8Array)).toEqual([1, 2, 3, 4]);
    expect(decodeEnginePacket('b').data).toEqual(new Uint8Array(0));
    expect(Array.from(base64ToBytes('/w=='))).toEqual([255]);
    expect(Array.from(base64ToBytes('+/8A'))).toEqual([251, 255, 0]);
  });

  it('round-trips random bytes encoded by an independent base64 encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const frame = 'b' + Buffer.from(bytes).toString('base64');
        const packet = decodeEnginePacket(frame);
        expect(packet.type).toBe(EnginePacketType.MESSAGE);
        expect(packet.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(packet.data as Uint8Array)).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a length that is not a multiple of 4', 'AQI'],
    ['too much padding', 'A==='],
    ['padding in the middle', 'AQ==AQ=='],
    ['a character outside the alphabet', 'AQ-D'],
    ['a non-ASCII character', 'AQé='],
    ['whitespace', 'AQ D'],
    ['the URL-safe alphabet', '_w=='],
  ])('refuses %s', (_name, text) => {
    expectProtocolError(() => base64ToBytes(text), ErrorCode.ENGINE_PACKET);
    expectProtocolError(() => decodeEnginePacket('b' + text), ErrorCode.ENGINE_PACKET);
  });

  it('agrees with Buffer on every valid input and throws ENGINE_PACKET otherwise (fuzz)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ é'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((a) => a.join('')), (text) => {
        let bytes: Uint8Array | undefined;
        try {
          bytes = base64ToBytes(text);
        } catch (err) {
          expectProtocolError(() => {
            throw err;
          }, ErrorCode.ENGINE_PACKET);
        }
        if (bytes !== undefined) {
          expect(text.length % 4).toBe(0);
          expect(Array.from(bytes)).toEqual(Array.from(Buffer.from(text, 'base64')));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
