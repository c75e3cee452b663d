import { EmitwireError, ErrorCode, hasBinary, isBinary } from '@emitwire/protocol';

describe('isBinary', () => {
  it.each([
    ['Uint8Array', new Uint8Array(1)],
    ['Buffer', Buffer.from('x')],
    ['ArrayBuffer', new ArrayBuffer(1)],
    ['Float64Array', new Float64Array(1)],
    ['BigInt64Array', new BigInt64Array(1)],
    ['DataView', new DataView(new ArrayBuffer(1))],
    ['Blob', new Blob(['x'])],
    ['an empty Uint8Array', new Uint8Array(0)],
  ])('is true for %s', (_name, value) => {
    expect(isBinary(value)).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'bytes'],
    ['a number array', [1, 2]],
    ['a plain object with byteLength', { byteLength: 1, buffer: new ArrayBuffer(1) }],
    ['a Date', new Date()],
    ['undefined', undefined],
  ])('is false for %s', (_name, value) => {
    expect(isBinary(value)).toBe(false);
  });
});

describe('hasBinary', () => {
  it('finds a binary at any depth in arrays and object values', () => {
    expect(hasBinary(new Uint8Array(1))).toBe(true);
    expect(hasBinary(['a', [1, [{ x: { y: [new ArrayBuffer(0)] } }]]])).toBe(true);
    expect(hasBinary({ a: 1, b: { c: Buffer.alloc(0) } })).toBe(true);
  });

  it('is false for plain JSON', () => {
    expect(hasBinary(['a', 1, null, { b: [true, 'x'] }])).toBe(false);
    expect(hasBinary('string')).toBe(false);
    expect(hasBinary(undefined)).toBe(false);
  });

  it('follows toJSON, like JSON.stringify, and ignores inherited properties', () => {
    expect(hasBinary({ toJSON: () => [new Uint8Array(1)] })).toBe(true);
    expect(hasBinary({ toJSON: () => 'no binary', hidden: new Uint8Array(1) })).toBe(false);
    expect(hasBinary(Object.create({ inherited: new Uint8Array(1) }))).toBe(false);
  });

  it('treats a "__proto__" own key like any other key', () => {
    const value = JSON.parse('{"__proto__":null}') as Record<string, unknown>;
    Object.defineProperty(value, '__proto__', { value: new Uint8Array(1), enumerable: true });
    expect(hasBinary(value)).toBe(true);
  });

  it('refuses circular or absurdly deep data with INVALID_ARGUMENT instead of overflowing the stack', () => {
    const circular: unknown[] = [];
    circular.push(circular);
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    for (const value of [circular, deep]) {
      let thrown: unknown;
      try {
        hasBinary(value);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(EmitwireError);
      expect((thrown as EmitwireError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
