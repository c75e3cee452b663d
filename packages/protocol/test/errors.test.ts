import fc from 'fast-check';
import {
  ClosedError,
  EmitwireError,
  ErrorCode,
  ProtocolError,
  REMOTE_ERROR_KEY,
  RpcError,
  TimeoutError,
  fromRemoteErrorPayload,
  toEmitwireError,
  toRemoteErrorPayload,
} from '@emitwire/protocol';

describe('ErrorCode', () => {
  it('keeps every code stable (changing one is a breaking change: update README and this list together)', () => {
    expect(ErrorCode).toEqual({
      ENGINE_PACKET: 'EW_ENGINE_PACKET',
      PACKET_TYPE: 'EW_PACKET_TYPE',
      INVALID_JSON: 'EW_INVALID_JSON',
      INVALID_PAYLOAD: 'EW_INVALID_PAYLOAD',
      RESERVED_EVENT: 'EW_RESERVED_EVENT',
      INVALID_NAMESPACE: 'EW_INVALID_NAMESPACE',
      INVALID_ACK_ID: 'EW_INVALID_ACK_ID',
      INVALID_ATTACHMENTS: 'EW_INVALID_ATTACHMENTS',
      INVALID_PLACEHOLDER: 'EW_INVALID_PLACEHOLDER',
      UNEXPECTED_BINARY: 'EW_UNEXPECTED_BINARY',
      UNEXPECTED_TEXT: 'EW_UNEXPECTED_TEXT',
      PAYLOAD_TOO_LARGE: 'EW_PAYLOAD_TOO_LARGE',
      NESTING_TOO_DEEP: 'EW_NESTING_TOO_DEEP',
      UNKNOWN_NAMESPACE: 'EW_UNKNOWN_NAMESPACE',
      HEARTBEAT: 'EW_HEARTBEAT',
      ACK_TIMEOUT: 'EW_ACK_TIMEOUT',
      CONNECT_TIMEOUT: 'EW_CONNECT_TIMEOUT',
      DISCONNECTED: 'EW_DISCONNECTED',
      BUFFER_FULL: 'EW_BUFFER_FULL',
      REMOTE: 'EW_REMOTE',
      CONNECT_REFUSED: 'EW_CONNECT_REFUSED',
      INVALID_ARGUMENT: 'EW_INVALID_ARGUMENT',
    });
  });

  it('has unique values, all prefixed EW_', () => {
    const values = Object.values(ErrorCode);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v).toMatch(/^EW_[A-Z_]+$/);
  });
});

describe('error classes', () => {
  it.each([
    ['ProtocolError', ProtocolError, ErrorCode.INVALID_JSON],
    ['TimeoutError', TimeoutError, ErrorCode.ACK_TIMEOUT],
    ['ClosedError', ClosedError, ErrorCode.DISCONNECTED],
  ] as const)('%s is an EmitwireError and an Error with code, message and its own name', (name, Cls, code) => {
    const err = new Cls(code, 'boom');
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(EmitwireError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.message).toBe('boom');
    expect(err.name).toBe(name);
  });

  it('keeps the subclasses apart', () => {
    expect(new ProtocolError(ErrorCode.INVALID_JSON, 'x')).not.toBeInstanceOf(TimeoutError);
    expect(new TimeoutError(ErrorCode.ACK_TIMEOUT, 'x')).not.toBeInstanceOf(ClosedError);
    expect(new ClosedError(ErrorCode.DISCONNECTED, 'x')).not.toBeInstanceOf(RpcError);
    expect(new RpcError(ErrorCode.REMOTE, 'x')).not.toBeInstanceOf(ProtocolError);
  });

  it('RpcError carries optional data and is an EmitwireError', () => {
    const err = new RpcError(ErrorCode.CONNECT_REFUSED, 'not authorized', { content: 'retry later' });
    expect(err).toBeInstanceOf(EmitwireError);
    expect(err.name).toBe('RpcError');
    expect(err.code).toBe('EW_CONNECT_REFUSED');
    expect(err.data).toEqual({ content: 'retry later' });
    expect(new RpcError(ErrorCode.REMOTE, 'x').data).toBeUndefined();
  });

  it('EmitwireError itself is named EmitwireError', () => {
    expect(new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'x').name).toBe('EmitwireError');
  });
});

describe('toRemoteErrorPayload / fromRemoteErrorPayload', () => {
  it('sends code and message only, never a stack', () => {
    const err = Object.assign(new Error('quota exceeded'), { code: 'E_QUOTA', secret: 'db-password' });
    const payload = toRemoteErrorPayload(err);
    expect(payload).toEqual({ [REMOTE_ERROR_KEY]: { code: 'E_QUOTA', message: 'quota exceeded' } });
    expect(Object.keys(payload[REMOTE_ERROR_KEY]).sort()).toEqual(['code', 'message']);
    const wire = JSON.stringify(payload);
    expect(err.stack).toBeDefined();
    expect(wire).not.toContain('stack');
    expect(wire).not.toContain(err.stack!.split('\n')[1]!.trim());
    expect(wire).not.toContain('db-password');
  });

  it('round-trips code and message into an RpcError with no remote stack or extra fields', () => {
    // thrown from a uniquely named function, so its frame is recognisable in a stack
    function remoteHandlerThatThrows(): Error {
      return Object.assign(new Error('nope'), { code: 'E_NOPE' });
    }
    const err = remoteHandlerThatThrows();
    expect(err.stack).toContain('remoteHandlerThatThrows');
    const args = JSON.parse(JSON.stringify([toRemoteErrorPayload(err)])) as unknown[];
    const back = fromRemoteErrorPayload(args);
    expect(back).toBeInstanceOf(RpcError);
    expect(back!.code).toBe('E_NOPE');
    expect(back!.message).toBe('nope');
    expect(back!.data).toBeUndefined();
    // the stack is the local one, created here; nothing of the remote stack survives
    expect(JSON.stringify(args)).not.toContain('remoteHandlerThatThrows');
    expect(back!.stack).not.toContain('remoteHandlerThatThrows');
  });

  it('ignores a stack (or anything else) a peer puts in the payload', () => {
    const back = fromRemoteErrorPayload([{ [REMOTE_ERROR_KEY]: { code: 'X', message: 'm', stack: 'Error: evil\n    at remote (server.js:1:1)' } }]);
    expect(back).toBeInstanceOf(RpcError);
    expect(back!.stack).not.toContain('evil');
    expect(back!.stack).not.toContain('server.js');
    expect(Object.keys(back!)).not.toContain('stack');
  });

  it('uses EW_REMOTE and a generic message for thrown non-errors', () => {
    expect(toRemoteErrorPayload('plain string')).toEqual({ [REMOTE_ERROR_KEY]: { code: 'EW_REMOTE', message: 'plain string' } });
    expect(toRemoteErrorPayload(42)).toEqual({ [REMOTE_ERROR_KEY]: { code: 'EW_REMOTE', message: 'Internal error' } });
    expect(toRemoteErrorPayload(undefined)).toEqual({ [REMOTE_ERROR_KEY]: { code: 'EW_REMOTE', message: 'Internal error' } });
    // an object that only looks like an error carries nothing over (it may hold anything)
    expect(toRemoteErrorPayload({ message: 'x', code: 'Y', stack: 's' })).toEqual({
      [REMOTE_ERROR_KEY]: { code: 'EW_REMOTE', message: 'Internal error' },
    });
  });

  it('keeps an EmitwireError code, refuses odd codes, and bounds the message', () => {
    expect(toRemoteErrorPayload(new TimeoutError(ErrorCode.ACK_TIMEOUT, 't'))[REMOTE_ERROR_KEY].code).toBe('EW_ACK_TIMEOUT');
    expect(toRemoteErrorPayload(Object.assign(new Error('m'), { code: 12 }))[REMOTE_ERROR_KEY].code).toBe('EW_REMOTE');
    expect(toRemoteErrorPayload(Object.assign(new Error('m'), { code: '' }))[REMOTE_ERROR_KEY].code).toBe('EW_REMOTE');
    expect(toRemoteErrorPayload(Object.assign(new Error('m'), { code: 'C'.repeat(65) }))[REMOTE_ERROR_KEY].code).toBe('EW_REMOTE');
    expect(toRemoteErrorPayload(Object.assign(new Error('m'), { code: 'C'.repeat(64) }))[REMOTE_ERROR_KEY].code).toBe('C'.repeat(64));
    expect(toRemoteErrorPayload(new Error('x'.repeat(5000)))[REMOTE_ERROR_KEY].message).toHaveLength(1024);
  });

  it('copes with an Error whose message was replaced by a non-string', () => {
    const err = new Error('original');
    (err as { message: unknown }).message = { toString: () => 'sneaky' };
    expect(toRemoteErrorPayload(err)).toEqual({ [REMOTE_ERROR_KEY]: { code: 'EW_REMOTE', message: 'Internal error' } });
  });

  it('returns undefined for ordinary ack arguments', () => {
    expect(fromRemoteErrorPayload([])).toBeUndefined();
    expect(fromRemoteErrorPayload([1])).toBeUndefined();
    expect(fromRemoteErrorPayload([null])).toBeUndefined();
    expect(fromRemoteErrorPayload([{ ok: true }])).toBeUndefined();
    expect(fromRemoteErrorPayload([{ [REMOTE_ERROR_KEY]: null }])).toBeUndefined();
    expect(fromRemoteErrorPayload([{ [REMOTE_ERROR_KEY]: 'x' }])).toBeUndefined();
    // two arguments: not an error payload, even if the first looks like one
    expect(fromRemoteErrorPayload([toRemoteErrorPayload(new Error('x')), 2])).toBeUndefined();
    // inherited, not own: not an error payload
    expect(fromRemoteErrorPayload([Object.create({ [REMOTE_ERROR_KEY]: { code: 'X', message: 'm' } })])).toBeUndefined();
  });

  it('falls back to EW_REMOTE and a generic message for malformed fields', () => {
    const back = fromRemoteErrorPayload([{ [REMOTE_ERROR_KEY]: { code: 5, message: ['x'] } }]);
    expect(back!.code).toBe('EW_REMOTE');
    expect(back!.message).toBe('remote');
  });

  it('round-trips any code and message (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ maxLength: 1024 }), (code, message) => {
        const err = Object.assign(new Error(message), { code });
        const back = fromRemoteErrorPayload(JSON.parse(JSON.stringify([toRemoteErrorPayload(err)])) as unknown[]);
        expect(back).toBeInstanceOf(RpcError);
        expect(back!.code).toBe(code);
        expect(back!.message).toBe(message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('toEmitwireError', () => {
  it('passes EmitwireErrors through unchanged', () => {
    const err = new ClosedError(ErrorCode.DISCONNECTED, 'gone');
    expect(toEmitwireError(err)).toBe(err);
  });

  it('wraps errors and other values with the given code (default EW_REMOTE)', () => {
    const wrapped = toEmitwireError(new TypeError('bad'));
    expect(wrapped).toBeInstanceOf(EmitwireError);
    expect(wrapped.code).toBe('EW_REMOTE');
    expect(wrapped.message).toBe('bad');
    expect(toEmitwireError('text', ErrorCode.INVALID_ARGUMENT)).toMatchObject({ code: 'EW_INVALID_ARGUMENT', message: 'text' });
    expect(toEmitwireError(undefined).message).toBe('undefined');
  });
});
