import {
  io,
  ClosedError,
  EmitwireError,
  ErrorCode,
  RpcError,
  TimeoutError,
  type ClientOptions,
  type Socket,
} from '@emitwire/client/node';
import { FakeWebSocket } from './fake-websocket.js';

const URL_ = 'http://example.test';

/** A socket on a scripted connection; `connect` completes the namespace handshake. */
function setup(opts: Partial<ClientOptions> = {}, nsp = '') {
  const socket = io(URL_ + nsp, { forceNew: true, WebSocket: FakeWebSocket, ...opts });
  const ws = FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;
  const connect = (sid = 'sid-1', extra = '') => {
    if (socket.io.readyState !== 'open') FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive(`40${nsp ? nsp + ',' : ''}{"sid":"${sid}"${extra}}`);
  };
  return { socket, ws, connect, sent: () => FakeWebSocket.last.take() };
}

/** The connection drops; the manager reopens it after its first backoff delay (1000 ms: Math.random is 0.5) and the server's open packet arrives. */
function dropAndReopen(): void {
  FakeWebSocket.last.drop();
  jest.advanceTimersByTime(1000);
  FakeWebSocket.last.handshake();
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
  FakeWebSocket.reset();
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('connecting', () => {
  test('CONNECT, then connect event, id, connected, active', () => {
    const { socket, ws, connect } = setup();
    const events: string[] = [];
    socket.on('connect', () => events.push('connect'));
    expect(socket.active).toBe(true);
    expect(socket.connected).toBe(false);
    ws.handshake();
    expect(ws.take()).toEqual(['40']);
    connect('abc');
    expect(events).toEqual(['connect']);
    expect(socket.id).toBe('abc');
    expect(socket.connected).toBe(true);
    expect(socket.disconnected).toBe(false);
    expect(socket.recovered).toBe(false);
  });

  test('auth object, namespace from the URL path', () => {
    const { ws } = setup({ auth: { token: 't' } }, '/admin');
    ws.handshake();
    expect(ws.take()).toEqual(['40/admin,{"token":"t"}']);
  });

  test('an auth function is asked on every (re)connection', () => {
    let n = 0;
    const { ws, connect } = setup({ auth: (cb) => cb({ n: ++n }) });
    ws.handshake();
    expect(ws.take()).toEqual(['40{"n":1}']);
    connect();
    ws.drop();
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    expect(FakeWebSocket.last.take()).toEqual(['40{"n":2}']);
  });

  test('an auth function that throws: connect_error with its error, the other namespaces still connect', () => {
    const { socket, ws } = setup({
      auth: () => {
        throw new Error('no token');
      },
    });
    const admin = socket.io.socket('/admin');
    const errors: unknown[] = [];
    socket.on('connect_error', (err) => errors.push(err));
    expect(() => ws.handshake()).not.toThrow();
    expect(errors).toEqual([new Error('no token')]);
    expect(socket.active).toBe(false);
    expect(ws.take()).toEqual(['40/admin,']);
    ws.receive('40/admin,{"sid":"b"}');
    expect(admin.connected).toBe(true);
  });

  test('an auth callback counts once, and only for the connection it was asked for', () => {
    const asked: ((data: Record<string, unknown>) => void)[] = [];
    const { socket, ws } = setup({ auth: (cb) => asked.push(cb) });
    ws.handshake();
    asked[0]!({ n: 1 });
    asked[0]!({ n: 1 }); // twice
    expect(ws.take()).toEqual(['40{"n":1}']);
    ws.drop();
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    asked[0]!({ n: 1 }); // from the previous connection
    asked[1]!({ n: 2 });
    expect(FakeWebSocket.last.take()).toEqual(['40{"n":2}']);
    dropAndReopen();
    const admin = socket.io.socket('/admin'); // keeps the connection open
    socket.disconnect();
    asked[2]!({ n: 3 }); // answered after disconnect()
    expect(FakeWebSocket.last.take()).toEqual(['40/admin,']);
    expect(admin.active).toBe(true);
  });

  test('auth that is neither an object nor a function throws', () => {
    expect(() => setup({ auth: 'token' as never })).toThrow(
      new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'auth must be an object or a function'),
    );
  });

  test('autoConnect: false waits for connect()', () => {
    const { socket } = setup({ autoConnect: false });
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(socket.active).toBe(false);
    socket.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('CONNECT_ERROR: RpcError EW_CONNECT_REFUSED with message and data; no retry until connect()', () => {
    const { socket, ws } = setup();
    const errors: Error[] = [];
    socket.on('connect_error', (err) => errors.push(err));
    ws.handshake();
    ws.receive('44{"message":"not authorized","data":{"reason":"token"}}');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RpcError);
    expect(errors[0]).toMatchObject({
      code: ErrorCode.CONNECT_REFUSED,
      message: 'not authorized',
      data: { reason: 'token' },
    });
    expect(socket.active).toBe(false);
    expect(socket.io.readyState).toBe('closed'); // no active socket left
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.connect();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('CONNECT_ERROR while connected: the server left the namespace (disconnect, io server disconnect), then connect_error; acks fail (found by hostile-server.test.ts)', async () => {
    const { socket, connect, sent } = setup();
    const events: unknown[] = [];
    socket.on('disconnect', (reason) => events.push(['disconnect', reason, socket.connected]));
    socket.on('connect_error', (err) => events.push(['connect_error', (err as RpcError).code, err.message]));
    connect();
    sent();
    const answer = socket.emitWithAck('q');
    FakeWebSocket.last.receive('44{"message":"no"}');
    // before: connected stayed true with the connection closed under it, no disconnect event, and
    // the ack waited for ever (later emits were written to a closed manager and lost)
    expect(events).toEqual([
      ['disconnect', 'io server disconnect', false],
      ['connect_error', ErrorCode.CONNECT_REFUSED, 'no'],
    ]);
    expect(socket.connected).toBe(false);
    expect(socket.active).toBe(false);
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.DISCONNECTED });
    socket.emit('later');
    socket.connect();
    connect('sid-2');
    expect(FakeWebSocket.last.take()).toEqual(['40', '42["later"]']);
  });

  test('a failed connection attempt is a connect_error, and the manager retries', () => {
    const { socket, ws } = setup();
    const errors: Error[] = [];
    socket.on('connect_error', (err) => errors.push(err));
    ws.drop(true);
    expect(errors[0]).toBeInstanceOf(ClosedError);
    expect(socket.active).toBe(true);
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('server DISCONNECT: "io server disconnect", no reconnection', () => {
    const { socket, connect } = setup();
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    connect();
    FakeWebSocket.last.receive('41');
    expect(reasons).toEqual(['io server disconnect']);
    expect(socket.active).toBe(false);
    expect(socket.connected).toBe(false);
    expect(socket.id).toBeUndefined();
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('disconnect(): DISCONNECT frame, "io client disconnect", no reconnection', () => {
    const { socket, connect, sent } = setup();
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    connect();
    sent();
    socket.disconnect();
    expect(FakeWebSocket.last.sent).toEqual(['41']);
    expect(reasons).toEqual(['io client disconnect']);
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('transport loss: "transport close", the socket reconnects and gets a new CONNECT', () => {
    const { socket, connect } = setup();
    const events: string[] = [];
    socket.on('disconnect', (reason) => events.push(reason));
    socket.on('connect', () => events.push(`connect:${socket.id}`));
    connect('one');
    FakeWebSocket.last.drop();
    expect(socket.active).toBe(true);
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    expect(FakeWebSocket.last.take()).toEqual(['40']);
    connect('two');
    expect(events).toEqual(['connect:one', 'transport close', 'connect:two']);
  });

  test('events before the CONNECT answer (a recovery replay) are delivered before the connect event', () => {
    const { socket, ws, connect } = setup();
    const got: unknown[] = [];
    socket.on('x', (v) => got.push(v));
    socket.on('connect', () => got.push('connect'));
    ws.handshake();
    ws.receive('42["x",1]');
    ws.receive('42["x",2]');
    expect(got).toEqual([]);
    connect();
    expect(got).toEqual([1, 2, 'connect']);
  });

  test('an overflowing replay is dropped and the socket is not recovered', () => {
    const { socket, connect } = setup({ maxBufferedEmits: 1 });
    const got: unknown[] = [];
    socket.on('x', (v) => got.push(v));
    connect('s', ',"pid":"p"');
    dropAndReopen();
    FakeWebSocket.last.receive('42["x",1]');
    FakeWebSocket.last.receive('42["x",2]');
    connect('s', ',"pid":"p"');
    expect(got).toEqual([1]);
    expect(socket.recovered).toBe(false);
  });

  test('events received before a CONNECT answer that never came (namespace left, or refused) are not delivered on a later connect', () => {
    const { socket, connect } = setup();
    const got: unknown[] = [];
    socket.on('x', (v) => got.push(v));
    connect('s', ',"pid":"p"');
    dropAndReopen();
    FakeWebSocket.last.receive('42["x",1,"o1"]'); // a recovery replay, then the user leaves
    socket.disconnect();
    socket.connect();
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive('42["x",2,"o2"]'); // a replay, then a refusal
    FakeWebSocket.last.receive('44{"message":"no"}');
    socket.connect();
    connect('s', ',"pid":"p"');
    expect(got).toEqual([]);
    expect(socket.recovered).toBe(true);
  });

  test('a replayed event whose listener leaves (disconnect()): no connect event, nothing more sent for the namespace, offline emits kept', () => {
    const { socket, connect, sent } = setup();
    const admin = socket.io.socket('/admin'); // keeps the connection open
    connect('s', ',"pid":"p"');
    FakeWebSocket.last.receive('40/admin,{"sid":"a"}');
    FakeWebSocket.last.drop();
    const log: string[] = [];
    socket.on('connect', () => log.push('connect'));
    socket.on('disconnect', (reason) => log.push(`disconnect:${reason}`));
    socket.on('bye', (n) => {
      log.push(`bye:${String(n)}`);
      socket.disconnect();
    });
    socket.onAnyOutgoing((event) => log.push(`out:${String(event)}`));
    socket.emit('offline', 1); // buffered
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive('40/admin,{"sid":"a"}');
    sent();
    FakeWebSocket.last.receive('42["bye",1,"o1"]'); // replayed before the answer
    FakeWebSocket.last.receive('42["bye",2,"o2"]');
    connect('s', ',"pid":"p"');
    // the emit buffered before the replay's listener left is sent (the socket was connected), the
    // rest of the replay is not delivered to a socket that left, and no connect event follows
    expect(log).toEqual(['out:offline', 'bye:1', 'disconnect:io client disconnect']);
    expect(sent()).toEqual(['42["offline",1]', '41']);
    expect(admin.connected).toBe(true);
    socket.emit('later', 2); // buffered for a later connect()
    socket.connect();
    // (the client chose that disconnection: no session is offered again)
    expect(sent()).toEqual(['40']);
    connect('s2', ',"pid":"p2"');
    expect(sent()).toEqual(['42["later",2]']);
    expect(log.at(-1)).toBe('connect');
  });

  test('an outgoing listener that leaves during the flush keeps the rest of the offline emits buffered, with their acks', () => {
    const { socket, connect, sent } = setup();
    const admin = socket.io.socket('/admin');
    connect();
    FakeWebSocket.last.receive('40/admin,{"sid":"a"}');
    FakeWebSocket.last.drop();
    const log: string[] = [];
    socket.on('connect', () => log.push('connect'));
    socket.onAnyOutgoing((event) => {
      log.push(`out:${String(event)}`);
      if (event === 'first') socket.disconnect();
    });
    const answers: unknown[] = [];
    socket.emit('first');
    socket.emit('second', (v: unknown) => answers.push(v));
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive('40/admin,{"sid":"a"}');
    connect('s2');
    expect(sent().filter((m) => !String(m).startsWith('40/admin'))).toEqual(['40', '42["first"]', '41']);
    expect(log).toEqual(['out:first']);
    expect(admin.connected).toBe(true);
    socket.connect();
    connect('s3');
    expect(sent()).toEqual(['40', '420["second"]']);
    FakeWebSocket.last.receive('430["ok"]');
    expect(answers).toEqual(['ok']);
    expect(log).toEqual(['out:first', 'out:second', 'connect']);
  });

  test('a CONNECT answer without sid is a connect_error', () => {
    const { socket, ws } = setup();
    const errors: Error[] = [];
    socket.on('connect_error', (err) => errors.push(err));
    ws.handshake();
    ws.receive('40{}');
    expect(errors[0]).toMatchObject({ code: ErrorCode.INVALID_PAYLOAD });
    expect(socket.connected).toBe(false);
  });

  test('an exception in a listener is not a parse error', () => {
    const { socket, connect } = setup();
    socket.on('boom', () => {
      throw new Error('listener bug');
    });
    connect();
    // reported on its own (thrown from a timer), as a DOM event listener's error is
    FakeWebSocket.last.receive('42["boom"]');
    expect(() => jest.advanceTimersByTime(0)).toThrow('listener bug');
    expect(socket.connected).toBe(true);
  });
});

describe('listeners that throw', () => {
  const bug = () => {
    throw new Error('listener bug');
  };

  test('a throwing connect_error listener does not stop the reconnection', () => {
    const { socket, connect } = setup();
    socket.on('connect_error', bug);
    connect();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    expect(() => FakeWebSocket.last.drop()).not.toThrow(); // attempt 1 fails: connect_error
    expect(() => jest.advanceTimersByTime(2000)).toThrow('listener bug');
    expect(FakeWebSocket.instances).toHaveLength(3);
    connect();
    expect(socket.connected).toBe(true);
  });

  test('a throwing handler of a replayed event: the offline emits are still sent, then connect', () => {
    const { socket, connect, sent } = setup();
    const log: string[] = [];
    socket.on('missed', bug);
    socket.on('connect', () => log.push('connect'));
    socket.emit('a');
    socket.emit('b');
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive('42["missed"]');
    connect();
    expect(sent()).toEqual(['40', '42["a"]', '42["b"]']);
    expect(log).toEqual(['connect']);
    expect(() => jest.advanceTimersByTime(0)).toThrow('listener bug');
  });

  test('a throwing disconnect listener on one namespace: the other one hears of it too, and both reconnect', () => {
    const { socket: main, connect } = setup();
    const admin = main.io.socket('/admin');
    connect();
    FakeWebSocket.last.receive('40/admin,{"sid":"b"}');
    main.on('disconnect', bug);
    const reasons: string[] = [];
    admin.on('disconnect', (reason) => reasons.push(reason));
    FakeWebSocket.last.drop();
    expect(reasons).toEqual(['transport close']);
    expect(admin.connected).toBe(false);
    expect(() => jest.advanceTimersByTime(1000)).toThrow('listener bug');
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake();
    expect(FakeWebSocket.last.take()).toEqual(['40', '40/admin,']);
  });

  test('a throwing error-first ack callback: the other acks are settled, the next queued emit goes out', () => {
    const { socket, connect, sent } = setup({ retries: 1, ackTimeout: 1000 });
    connect();
    sent();
    const second = jest.fn();
    socket.emit('first', bug);
    socket.emit('second', second);
    expect(sent()).toEqual(['420["first"]']);
    FakeWebSocket.last.receive('430["ok"]');
    expect(sent()).toEqual(['421["second"]']);
    expect(() => jest.advanceTimersByTime(0)).toThrow('listener bug');
    // a disconnect fails every pending ack, even when one callback throws
    const { socket: other, connect: connect2 } = setup({ ackTimeout: 5000 });
    connect2();
    const last = jest.fn();
    other.emit('x', bug).emit('y', last);
    FakeWebSocket.last.drop();
    expect(last.mock.calls[0]?.[0]).toMatchObject({ code: ErrorCode.DISCONNECTED });
    expect(() => jest.advanceTimersByTime(0)).toThrow('listener bug');
  });
});

describe('emitting', () => {
  test('exact frames: event, namespace, ack id, binary attachments', () => {
    const { socket, connect, sent } = setup({}, '/ns');
    connect();
    sent();
    socket.emit('chat', 'hi', { n: 1 });
    socket.emit('sum', 1, 2, () => {});
    socket.send('m');
    const bytes = new Uint8Array([1, 2, 3]);
    socket.emit('upload', { file: bytes });
    expect(sent()).toEqual([
      '42/ns,["chat","hi",{"n":1}]',
      '42/ns,0["sum",1,2]',
      '42/ns,["message","m"]',
      '451-/ns,["upload",{"file":{"_placeholder":true,"num":0}}]',
      bytes,
    ]);
  });

  test.each(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])(
    'emitting the reserved name "%s" throws',
    (name) => {
      const { socket } = setup();
      const err = errorOf(() => socket.emit(name));
      expect(err).toBeInstanceOf(EmitwireError);
      expect(err).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: `"${name}" is a reserved event name` });
      expect(() => socket.emitWithAck(name)).toThrow(`"${name}" is a reserved event name`);
    },
  );

  test('a non-string event name throws', () => {
    const { socket } = setup();
    expect(() => socket.emit(42 as never)).toThrow(
      new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'event name must be a string'),
    );
  });

  test('more binaries than a server accepts (10) throw before anything is sent; the connection stays up', async () => {
    const { socket, connect, sent } = setup();
    connect();
    sent();
    const bins = Array.from({ length: 11 }, () => new Uint8Array(1));
    const message = 'too many binary attachments';
    expect(() => socket.emit('x', ...bins)).toThrow(new EmitwireError(ErrorCode.INVALID_ARGUMENT, message));
    await expect(socket.emitWithAck('x', { bins })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message });
    expect(sent()).toEqual([]);
    socket.emit('x', ...bins.slice(1));
    expect(sent()).toHaveLength(11);
    expect(socket.connected).toBe(true);
  });

  test('a refused emit does not pass its timeout() or volatile flag on to the next emit', () => {
    const { socket, connect, sent } = setup();
    expect(() => socket.timeout(10).emit('connect' as never)).toThrow('"connect" is a reserved event name');
    expect(() => socket.volatile.emit(42 as never)).toThrow('event name must be a string');
    expect(() => socket.timeout(10).emitWithAck('disconnect' as never)).toThrow('"disconnect" is a reserved event name');
    const cb = jest.fn();
    socket.emit('x', cb); // offline: buffered, not dropped as volatile
    jest.advanceTimersByTime(1000);
    expect(cb).not.toHaveBeenCalled(); // no timeout
    connect();
    expect(sent()).toEqual(['40', '420["x"]']);
    FakeWebSocket.last.receive('430["ok"]');
    expect(cb.mock.calls).toEqual([['ok']]); // a plain callback, not error-first
  });

  test('circular data throws synchronously', () => {
    const { socket, connect } = setup();
    connect();
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => socket.emit('x', a)).toThrow(EmitwireError);
  });

  test('emits while offline are buffered and sent in order on connect', () => {
    const { socket, connect, sent } = setup();
    const outgoing: unknown[] = [];
    socket.onAnyOutgoing((...args) => outgoing.push(args));
    socket.emit('a', 1);
    socket.emit('b', 2, () => {});
    socket.emit('c', 3);
    FakeWebSocket.last.handshake();
    expect(sent()).toEqual(['40']);
    expect(outgoing).toEqual([]);
    connect();
    expect(sent()).toEqual(['42["a",1]', '420["b",2]', '42["c",3]']);
    expect(outgoing).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  test('the offline buffer is bounded: emit throws ClosedError EW_BUFFER_FULL, emitWithAck rejects', async () => {
    const { socket } = setup({ maxBufferedEmits: 2 });
    socket.emit('a');
    socket.emit('b');
    const err = errorOf(() => socket.emit('c'));
    expect(err).toBeInstanceOf(ClosedError);
    expect(err).toMatchObject({ code: ErrorCode.BUFFER_FULL, message: 'offline emit buffer is full' });
    await expect(socket.emitWithAck('d')).rejects.toMatchObject({ code: ErrorCode.BUFFER_FULL });
  });

  test('the default offline buffer holds 1000 emits (finite), all sent in order on connect', () => {
    const { socket, connect, sent } = setup();
    for (let i = 0; i < 1000; i++) socket.emit('n', i);
    expect(errorOf(() => socket.emit('n', 1000))).toMatchObject({ code: ErrorCode.BUFFER_FULL, message: 'offline emit buffer is full' });
    connect();
    const frames = sent().filter((f) => typeof f === 'string' && f.startsWith('42'));
    expect(frames).toHaveLength(1000);
    expect(frames[0]).toBe('42["n",0]');
    expect(frames[999]).toBe('42["n",999]');
  });

  test('volatile emits are dropped while offline, sent while connected', async () => {
    const { socket, connect, sent } = setup();
    socket.volatile.emit('dropped');
    await expect(socket.volatile.emitWithAck('dropped too')).rejects.toMatchObject({ code: ErrorCode.DISCONNECTED });
    connect();
    socket.volatile.emit('sent');
    socket.emit('flag reset');
    expect(sent()).toEqual(['40', '42["sent"]', '42["flag reset"]']);
  });

  test('onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing', () => {
    const { socket, connect } = setup();
    connect();
    const log: unknown[] = [];
    const a = (ev: string) => log.push(`a:${ev}`);
    socket.onAnyOutgoing(a);
    socket.prependAnyOutgoing((ev) => log.push(`b:${ev}`));
    socket.emit('x', () => {});
    expect(log).toEqual(['b:x', 'a:x']);
    expect(socket.listenersAnyOutgoing()).toHaveLength(2);
    socket.offAnyOutgoing(a);
    socket.emit('y');
    socket.offAnyOutgoing();
    socket.emit('z');
    expect(log).toEqual(['b:x', 'a:x', 'b:y']);
  });
});

describe('acks', () => {
  test('a plain callback gets the ack arguments', () => {
    const { socket, connect, sent } = setup();
    connect();
    sent();
    const cb = jest.fn();
    socket.emit('sum', 1, 2, cb);
    FakeWebSocket.last.receive('430[3,"x"]');
    FakeWebSocket.last.receive('430[4]'); // answered already: dropped
    FakeWebSocket.last.receive('439[4]'); // never asked: dropped
    expect(cb.mock.calls).toEqual([[3, 'x']]);
  });

  test('emitWithAck resolves with the first ack argument', async () => {
    const { socket, connect } = setup();
    connect();
    const p = socket.emitWithAck('sum', 1, 2);
    FakeWebSocket.last.receive('430[3]');
    await expect(p).resolves.toBe(3);
  });

  test('a remote handler error rejects emitWithAck with its RpcError; timeout callbacks get it first', async () => {
    const { socket, connect } = setup();
    connect();
    const p = socket.emitWithAck('q');
    const cb = jest.fn();
    socket.timeout(1000).emit('q', cb);
    const plain = jest.fn();
    socket.emit('q', plain);
    const payload = '[{"__emitwire_error__":{"code":"E_NOPE","message":"nope"}}]';
    FakeWebSocket.last.receive('430' + payload);
    FakeWebSocket.last.receive('431' + payload);
    FakeWebSocket.last.receive('432' + payload);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'E_NOPE', message: 'nope' });
    expect(cb.mock.calls[0][0]).toMatchObject({ code: 'E_NOPE' });
    expect(cb.mock.calls[0]).toHaveLength(1);
    // plain callbacks see the payload as it is (Socket.IO compatible)
    expect(plain.mock.calls).toEqual([[{ __emitwire_error__: { code: 'E_NOPE', message: 'nope' } }]]);
  });

  test('timeout(ms): TimeoutError EW_ACK_TIMEOUT after ms, late answers dropped', () => {
    const { socket, connect } = setup();
    connect();
    const cb = jest.fn();
    socket.timeout(500).emit('slow', cb);
    jest.advanceTimersByTime(499);
    expect(cb).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(cb).toHaveBeenCalledTimes(1);
    expect(cb.mock.calls[0][0]).toBeInstanceOf(TimeoutError);
    expect(cb.mock.calls[0][0]).toMatchObject({ code: ErrorCode.ACK_TIMEOUT, message: 'operation has timed out' });
    FakeWebSocket.last.receive('430[1]');
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('timeout(ms): an answer in time is (null, …args)', () => {
    const { socket, connect } = setup();
    connect();
    const cb = jest.fn();
    socket.timeout(500).emit('fast', cb);
    FakeWebSocket.last.receive('430[1,2]');
    expect(cb.mock.calls).toEqual([[null, 1, 2]]);
    jest.advanceTimersByTime(1000);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('timeout(ms).emitWithAck rejects with TimeoutError', async () => {
    const { socket, connect } = setup();
    connect();
    const p = socket.timeout(200).emitWithAck('slow');
    jest.advanceTimersByTime(200);
    await expect(p).rejects.toMatchObject({ code: ErrorCode.ACK_TIMEOUT });
  });

  test('ackTimeout option: every ack callback is error-first with that timeout', () => {
    const { socket, connect } = setup({ ackTimeout: 100 });
    connect();
    const cb = jest.fn();
    socket.emit('x', cb);
    socket.emit('y', cb);
    FakeWebSocket.last.receive('431["ok"]');
    jest.advanceTimersByTime(100);
    expect(cb.mock.calls[0]).toEqual([null, 'ok']);
    expect(cb.mock.calls[1][0]).toMatchObject({ code: ErrorCode.ACK_TIMEOUT });
  });

  test('an offline emit whose ack times out is taken out of the buffer', () => {
    const { socket, connect, sent } = setup();
    const cb = jest.fn();
    socket.timeout(100).emit('late', cb);
    jest.advanceTimersByTime(100);
    expect(cb.mock.calls[0][0]).toMatchObject({ code: ErrorCode.ACK_TIMEOUT });
    connect();
    expect(sent()).toEqual(['40']);
  });

  test('disconnect: pending acks fail with ClosedError EW_DISCONNECTED; plain callbacks are dropped', async () => {
    const { socket, connect } = setup();
    connect();
    const p = socket.emitWithAck('a');
    const cb = jest.fn();
    socket.timeout(10000).emit('b', cb);
    const plain = jest.fn();
    socket.emit('c', plain);
    FakeWebSocket.last.drop();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect(err).toMatchObject({ code: ErrorCode.DISCONNECTED, message: 'socket has been disconnected' });
    expect(cb.mock.calls[0][0]).toMatchObject({ code: ErrorCode.DISCONNECTED });
    expect(plain).not.toHaveBeenCalled();
  });

  test('acks of emits still buffered survive a disconnect and complete after reconnection', async () => {
    const { socket, connect, sent } = setup();
    const p = socket.emitWithAck('buffered');
    FakeWebSocket.last.drop(true); // the first attempt fails
    jest.advanceTimersByTime(1000);
    connect();
    expect(sent()).toEqual(['40', '420["buffered"]']);
    FakeWebSocket.last.receive('430["done"]');
    await expect(p).resolves.toBe('done');
  });

  test('pending acks are bounded: maxPendingAcks', async () => {
    const { socket, connect } = setup({ maxPendingAcks: 1 });
    connect();
    socket.emit('a', () => {});
    expect(() => socket.emit('b', () => {})).toThrow(
      new ClosedError(ErrorCode.BUFFER_FULL, 'pending ack table is full'),
    );
    await expect(socket.emitWithAck('c')).rejects.toMatchObject({ code: ErrorCode.BUFFER_FULL });
    socket.emit('no ack needs no slot');
  });

  test('acking a server event: one ACK frame, further calls ignored', () => {
    const { socket, connect, sent } = setup({}, '/ns');
    connect();
    sent();
    socket.on('question', (q, ack) => {
      expect(q).toBe('q');
      (ack as (...a: unknown[]) => void)('answer', 1);
      (ack as (...a: unknown[]) => void)('again');
    });
    FakeWebSocket.last.receive('42/ns,7["question","q"]');
    expect(sent()).toEqual(['43/ns,7["answer",1]']);
  });

  test('an ack with binary data is a BINARY_ACK', () => {
    const { socket, connect, sent } = setup();
    connect();
    sent();
    socket.on('get', (ack) => (ack as (b: Uint8Array) => void)(new Uint8Array([9])));
    FakeWebSocket.last.receive('423["get"]');
    expect(sent()).toEqual(['461-3[{"_placeholder":true,"num":0}]', new Uint8Array([9])]);
  });
});

describe('retries', () => {
  test('resend until acked, at most `retries` times, one emit at a time, in order', () => {
    const { socket, connect, sent } = setup({ retries: 2, ackTimeout: 1000 });
    connect();
    sent();
    const first = jest.fn();
    const second = jest.fn();
    socket.emit('first', first);
    socket.emit('second', 'x', second);
    expect(sent()).toEqual(['420["first"]']); // the second waits for the first
    jest.advanceTimersByTime(1000);
    expect(sent()).toEqual(['421["first"]']);
    FakeWebSocket.last.receive('431["ok"]');
    expect(first.mock.calls).toEqual([[null, 'ok']]);
    expect(sent()).toEqual(['422["second","x"]']);
    jest.advanceTimersByTime(3000);
    expect(sent()).toEqual(['423["second","x"]', '424["second","x"]']);
    expect(second).toHaveBeenCalledTimes(1);
    expect(second.mock.calls[0][0]).toMatchObject({ code: ErrorCode.ACK_TIMEOUT });
  });

  test('with retries even emits without callback ask for an ack; emitWithAck works', async () => {
    const { socket, connect, sent } = setup({ retries: 1, ackTimeout: 1000 });
    connect();
    sent();
    socket.emit('fire');
    expect(sent()).toEqual(['420["fire"]']);
    FakeWebSocket.last.receive('430[]');
    const p = socket.emitWithAck('ask');
    expect(sent()).toEqual(['421["ask"]']);
    FakeWebSocket.last.receive('431[42]');
    await expect(p).resolves.toBe(42);
  });

  test('an emit refused at once with no callback throws, as without retries; the queue goes on', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket, connect, sent } = setup({ retries: 1, ackTimeout: 1000 });
    connect();
    sent();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => socket.emit('x', circular)).toThrow('data cannot be encoded as JSON');
    socket.emit('a');
    expect(sent()).toEqual(['421["a"]']); // (the refused emit used id 0)
    // its turn comes later: the error goes to the console (nothing is silently lost, nothing is
    // thrown into the message handler that ended the previous emit's turn), the next one goes
    socket.emit('x', circular);
    socket.emit('b');
    FakeWebSocket.last.receive('431[]');
    expect(sent()).toEqual(['423["b"]']);
    expect(() => jest.runOnlyPendingTimers()).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('data cannot be encoded as JSON');
  });

  test('the retry queue is bounded by maxBufferedEmits', () => {
    const { socket } = setup({ retries: 1, maxBufferedEmits: 1 });
    socket.emit('a');
    expect(() => socket.emit('b')).toThrow(new ClosedError(ErrorCode.BUFFER_FULL, 'retry queue is full'));
  });

  test('a disconnect counts as a try; the resend waits for the reconnection', () => {
    const { socket, connect, sent } = setup({ retries: 1, ackTimeout: 5000 });
    connect();
    sent();
    const cb = jest.fn();
    socket.emit('x', cb);
    expect(sent()).toEqual(['420["x"]']);
    FakeWebSocket.last.drop();
    expect(cb).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1000);
    connect();
    expect(sent()).toEqual(['40', '421["x"]']);
    FakeWebSocket.last.receive('431["y"]');
    expect(cb.mock.calls).toEqual([[null, 'y']]);
  });

  test('offline, tries are not spent: the emit waits for the CONNECT, then gets its retries (found by differential.test.ts)', () => {
    const { socket, connect, sent } = setup({ retries: 2, ackTimeout: 100, autoConnect: false });
    const cb = jest.fn();
    socket.emit('x', cb);
    jest.advanceTimersByTime(1000); // before: three tries timed out in the buffer, cb got EW_ACK_TIMEOUT
    expect(cb).not.toHaveBeenCalled();
    socket.connect();
    connect();
    expect(sent()).toEqual(['40', '420["x"]']);
    jest.advanceTimersByTime(100);
    expect(sent()).toEqual(['421["x"]']);
    // dropped while in flight: a try; the last one waits for the reconnection, without a timer
    dropAndReopen();
    expect(cb).not.toHaveBeenCalled();
    connect();
    expect(sent()).toEqual(['40', '422["x"]']);
    FakeWebSocket.last.receive('432["y"]');
    expect(cb.mock.calls).toEqual([[null, 'y']]);
  });

  test('a volatile emit is not retried: no ack asked, not queued, dropped offline (found by differential.test.ts)', () => {
    const { socket, connect, sent } = setup({ retries: 2, ackTimeout: 100 });
    socket.volatile.emit('lost');
    connect();
    expect(sent()).toEqual(['40']);
    socket.emit('queued');
    socket.volatile.emit('now', 1);
    // before: it asked for an ack and waited behind the queue's head
    expect(sent()).toEqual(['420["queued"]', '42["now",1]']);
  });
});

describe('receiving', () => {
  test('listeners, onAny (before them), prependAny, offAny', () => {
    const { socket, connect } = setup();
    connect();
    const log: unknown[] = [];
    const any = (ev: string, ...args: unknown[]) => log.push(['any', ev, ...args]);
    socket.onAny(any);
    socket.prependAny((ev) => log.push(['first', ev]));
    socket.on('chat', (a, b) => log.push(['chat', a, b]));
    FakeWebSocket.last.receive('42["chat","hi",{"x":1}]');
    expect(log).toEqual([
      ['first', 'chat'],
      ['any', 'chat', 'hi', { x: 1 }],
      ['chat', 'hi', { x: 1 }],
    ]);
    expect(socket.listenersAny()).toHaveLength(2);
    socket.offAny(any);
    socket.offAny();
    FakeWebSocket.last.receive('42["chat"]');
    expect(log).toHaveLength(4);
  });

  test('binary attachments arrive in place (ArrayBuffer as delivered)', () => {
    const { socket, connect } = setup();
    connect();
    const got: unknown[] = [];
    socket.on('file', (meta, data) => got.push(meta, data));
    FakeWebSocket.last.receive('452-["file",{"name":"a","b":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]');
    const b0 = new Uint8Array([1]).buffer;
    const b1 = new Uint8Array([2, 3]).buffer;
    FakeWebSocket.last.receive(b0);
    expect(got).toEqual([]);
    FakeWebSocket.last.receive(b1);
    // the very buffers, each in its placeholder's place (toEqual does not compare ArrayBuffer bytes)
    expect(got).toHaveLength(2);
    const [meta, data] = got as [{ name: string; b: ArrayBuffer }, ArrayBuffer];
    expect(meta.name).toBe('a');
    expect(meta.b).toBe(b1);
    expect(data).toBe(b0);
    expect([...new Uint8Array(meta.b)]).toEqual([2, 3]);
  });

  test('a numeric event name (older peers) is delivered as a string', () => {
    const { socket, connect } = setup();
    connect();
    const got: unknown[] = [];
    socket.on('7', (v) => got.push(v));
    FakeWebSocket.last.receive('42[7,"x"]');
    expect(got).toEqual(['x']);
  });

  test('"__proto__" and "constructor" are ordinary event names', () => {
    const { socket, connect } = setup();
    connect();
    const got: unknown[] = [];
    socket.on('__proto__', (v) => got.push(v));
    socket.on('constructor', (v) => got.push(v));
    FakeWebSocket.last.receive('42["__proto__",1]');
    FakeWebSocket.last.receive('42["constructor",2]');
    FakeWebSocket.last.receive('42["toString",3]');
    expect(got).toEqual([1, 2]);
  });
});

describe('a heartbeat overdue whose timer has not run (a device that slept, a throttled tab)', () => {
  test('the next emit ends the connection with "ping timeout" first and is buffered, then sent on the next connection', () => {
    const { socket, connect, sent } = setup();
    FakeWebSocket.last.handshake(1000, 500);
    connect();
    sent();
    const reasons: unknown[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    socket.emit('live');
    expect(sent()).toEqual(['42["live"]']);
    // the clock moves past pingInterval + pingTimeout without the watchdog's timer running
    jest.setSystemTime(Date.now() + 1501);
    const dead = FakeWebSocket.last;
    socket.emit('x', 1);
    // before: written to the dead connection and lost
    expect(dead.take()).toEqual([]);
    expect(dead.closedByClient).toBe(true);
    expect(reasons).toEqual(['ping timeout']);
    expect(socket.connected).toBe(false);
    jest.advanceTimersByTime(1000); // the first reconnection (Math.random is 0.5)
    FakeWebSocket.last.handshake();
    connect('sid-2');
    expect(sent()).toEqual(['40', '42["x",1]']);
  });

  test('on time, nothing changes: the watchdog restarts with every ping', () => {
    const { socket, connect, sent } = setup();
    FakeWebSocket.last.handshake(1000, 500);
    connect();
    sent();
    jest.advanceTimersByTime(1400);
    FakeWebSocket.last.receive('2');
    sent(); // the pong
    jest.setSystemTime(Date.now() + 1400);
    socket.emit('x');
    expect(socket.connected).toBe(true);
    expect(sent()).toEqual(['42["x"]']);
  });
});

describe("the server's maxPayload (open packet)", () => {
  /** Opens the connection with an open packet announcing `maxPayload`, then the namespace. */
  function setupWith(maxPayload: unknown, opts: Partial<ClientOptions> = {}) {
    const { socket, sent } = setup(opts);
    const connect = () => {
      const ws = FakeWebSocket.last;
      ws.open();
      ws.receive('0' + JSON.stringify({ sid: 'e', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload }));
      ws.receive('40{"sid":"s"}');
    };
    return { socket, sent, connect };
  }
  const tooLarge = { code: ErrorCode.PAYLOAD_TOO_LARGE };

  test('connected: a text message over maxPayload bytes (the "4" prefix included) throws EW_PAYLOAD_TOO_LARGE; nothing is sent', () => {
    const { socket, sent, connect } = setupWith(20);
    connect();
    expect(sent()).toEqual(['40']);
    const outgoing: unknown[] = [];
    socket.onAnyOutgoing((...args) => outgoing.push(args));
    socket.emit('x', '1234567890'); // '42["x","1234567890"]': 20 bytes
    const err = errorOf(() => socket.emit('x', '12345678901')); // 21 bytes
    expect(err).toBeInstanceOf(EmitwireError);
    expect(err).toMatchObject(tooLarge);
    expect(sent()).toEqual(['42["x","1234567890"]']);
    expect(outgoing).toEqual([['x', '1234567890']]);
    expect(socket.connected).toBe(true);
    expect(FakeWebSocket.last.closedByClient).toBe(false);
  });

  test('text is measured in UTF-8 bytes', () => {
    const { socket, sent, connect } = setupWith(20);
    connect();
    sent();
    socket.emit('x', 'ééééé'); // 15 UTF-16 units, 20 bytes
    expect(errorOf(() => socket.emit('x', 'éééééa'))).toMatchObject(tooLarge); // 16 units, 21 bytes
    expect(errorOf(() => socket.emit('x', '😀😀😀'))).toMatchObject(tooLarge); // 16 units, 22 bytes
    socket.emit('x', '😀😀'); // 14 units, 18 bytes
    expect(sent()).toEqual(['42["x","ééééé"]', '42["x","😀😀"]']);
  });

  test('each binary attachment is measured; a too large one sends nothing of the packet', () => {
    const { socket, sent, connect } = setupWith(100);
    connect();
    sent();
    expect(errorOf(() => socket.emit('b', new Uint8Array(101)))).toMatchObject(tooLarge);
    expect(sent()).toEqual([]);
    socket.emit('b', new Uint8Array(100));
    const frames = sent();
    expect(frames[0]).toBe('451-["b",{"_placeholder":true,"num":0}]');
    expect((frames[1] as Uint8Array).byteLength).toBe(100);
  });

  test('connected: emitWithAck rejects, the ack is not kept, ids go on', async () => {
    const { socket, sent, connect } = setupWith(20, { maxPendingAcks: 1 });
    connect();
    sent();
    await expect(socket.emitWithAck('x', '1234567890')).rejects.toMatchObject(tooLarge);
    await expect(socket.timeout(1000).emitWithAck('x', '12345678901')).rejects.toMatchObject(tooLarge);
    // with maxPendingAcks 1, a kept ack would make this EW_BUFFER_FULL
    const ok = socket.emitWithAck('x', 'ok');
    expect(sent()).toEqual(['422["x","ok"]']);
    FakeWebSocket.last.receive('432[true]');
    await expect(ok).resolves.toBe(true);
    jest.advanceTimersByTime(2000);
  });

  test('with retries: the callback gets the error, no resend', () => {
    const { socket, sent, connect } = setupWith(20, { retries: 2, ackTimeout: 100 });
    connect();
    sent();
    const cb = jest.fn();
    socket.emit('x', '1234567890', cb);
    expect(cb).toHaveBeenCalledWith(expect.objectContaining(tooLarge));
    socket.emit('x', 'next');
    expect(sent()).toEqual(['421["x","next"]']);
  });

  test('buffered while offline: on flush a too large emit is not sent; its ack gets the error, emitWithAck rejects, without one console.warn; the rest goes out in order', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket, sent, connect } = setupWith(20);
    const cb = jest.fn();
    const plain = jest.fn();
    socket.emit('a');
    socket.timeout(5000).emit('x', '1234567890', cb);
    const rejected = socket.emitWithAck('x', '12345678901');
    socket.emit('x', '12345678901'); // no ack
    socket.emit('x', '1234567890', plain); // a plain callback never hears of failures: console.warn
    socket.emit('b', 1);
    connect();
    expect(sent()).toEqual(['40', '42["a"]', '42["b",1]']);
    expect(cb).toHaveBeenCalledWith(expect.objectContaining(tooLarge));
    await expect(rejected).rejects.toMatchObject(tooLarge);
    expect(plain).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]![0]).toMatchObject(tooLarge);
    expect(socket.connected).toBe(true);
    // the acks are gone with their emits: nothing fires later
    jest.advanceTimersByTime(10000);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('with retries, an emit without callback buffered while offline and too large: console.warn on the flush, which goes on (found by hostile-server.test.ts)', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket, sent, connect } = setupWith(20, { retries: 1 });
    const connected = jest.fn();
    socket.on('connect', connected);
    socket.emit('x', '12345678901'); // 21 bytes with its id: '420["x","12345678901"]' is 22
    socket.emit('b');
    // before: the error was thrown out of the CONNECT answer's handler (an uncaught exception from
    // the WebSocket's message event), the flush stopped and no connect event followed
    expect(() => connect()).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject(tooLarge);
    expect(sent()).toEqual(['40', '421["b"]']); // (id 0: the refused emit's try, made on the CONNECT)
    expect(connected).toHaveBeenCalledTimes(1);
  });

  test('with retries, an emit without callback refused when its turn comes (too large): console.warn, not thrown from a timer; the queue goes on', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket, sent, connect } = setupWith(20, { retries: 1, ackTimeout: 1000 });
    connect();
    sent();
    socket.emit('a');
    socket.emit('x', '12345678901');
    socket.emit('b');
    // before: the error was thrown from a timer (call() of the next turn), an uncaught exception
    expect(() => FakeWebSocket.last.receive('430[]')).not.toThrow();
    expect(() => jest.advanceTimersByTime(0)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject(tooLarge);
    expect(sent()).toEqual(['420["a"]', '422["b"]']);
  });

  test('the answer to a CONNECT given up (too large) is refused with a DISCONNECT over maxPayload, not an exception from the message event (found by hostile-server.test.ts)', () => {
    const { socket: root, sent } = setupWith(5);
    const admin = root.io.socket('/admin');
    const errors: unknown[] = [];
    admin.on('connect_error', (err) => errors.push(err));
    const ws = FakeWebSocket.last;
    ws.open();
    ws.receive('0' + JSON.stringify({ sid: 'e', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 5 }));
    // '40/admin,' is 9 bytes: connect_error, the socket gives up
    expect(errors).toEqual([expect.objectContaining(tooLarge)]);
    expect(admin.active).toBe(false);
    expect(sent()).toEqual(['40']);
    // a server that answers anyway gets a DISCONNECT; before, EW_PAYLOAD_TOO_LARGE was thrown here
    expect(() => ws.receive('40/admin,{"sid":"x"}')).not.toThrow();
    expect(sent()).toEqual(['41/admin,']);
    expect(admin.connected).toBe(false);
  });

  test('an auth payload over maxPayload: connect_error EW_PAYLOAD_TOO_LARGE, the socket stays disconnected', () => {
    const { socket, sent, connect } = setupWith(20, { auth: { token: 'x'.repeat(20) } });
    const errors: unknown[] = [];
    socket.on('connect_error', (err) => errors.push(err));
    connect();
    expect(errors).toEqual([expect.objectContaining(tooLarge)]);
    expect(sent()).toEqual([]);
    expect(socket.active).toBe(false);
  });

  test("an ack answer over maxPayload throws to the listener's ack call", () => {
    const { socket, sent, connect } = setupWith(20);
    connect();
    sent();
    let thrown: unknown;
    socket.on('q', (ack) => {
      thrown = errorOf(() => (ack as (s: string) => void)('x'.repeat(20)));
      (ack as (s: string) => void)('ok');
    });
    FakeWebSocket.last.receive('427["q"]');
    expect(thrown).toMatchObject(tooLarge);
    expect(sent()).toEqual(['437["ok"]']);
  });

  test.each([undefined, 'big', 0, -1])('maxPayload %p in the open packet: no client-side limit', (maxPayload) => {
    const { socket, sent, connect } = setupWith(maxPayload);
    connect();
    sent();
    socket.emit('x', 'y'.repeat(2e6));
    expect(sent()).toHaveLength(1);
  });

  test("the limit is the current connection's: a reconnection to a server with another maxPayload applies it", () => {
    const { socket, sent, connect } = setupWith(20);
    connect();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    connect();
    sent();
    socket.emit('x', '1234567890');
    expect(errorOf(() => socket.emit('x', '1'.repeat(20)))).toMatchObject(tooLarge);
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    const ws = FakeWebSocket.last;
    ws.handshake(); // maxPayload 1e6
    ws.receive('40{"sid":"s"}');
    socket.emit('x', '1'.repeat(20));
    expect(ws.take()).toEqual(['40', `42["x","${'1'.repeat(20)}"]`]);
  });
});

describe('connection state recovery', () => {
  test('pid and last offset go with the next CONNECT; the same pid back means recovered', () => {
    const { socket, connect, sent } = setup();
    connect('s1', ',"pid":"p1"');
    sent();
    const got: unknown[] = [];
    socket.on('m', (...args) => got.push(args));
    FakeWebSocket.last.receive('42["m","a","off-1"]');
    FakeWebSocket.last.receive('42["m","b","off-2"]');
    dropAndReopen();
    expect(sent()).toEqual(['40{"pid":"p1","offset":"off-2"}']);
    connect('s1', ',"pid":"p1"');
    expect(socket.recovered).toBe(true);
    expect(got).toEqual([
      ['a', 'off-1'],
      ['b', 'off-2'],
    ]);
  });

  test('a disconnection the client chose (socket.disconnect(), manager.close()) or the server sent is not recovered', () => {
    const { socket, connect, sent } = setup();
    const again = (leave: () => void): string[] => {
      connect('s1', ',"pid":"p1"');
      FakeWebSocket.last.receive('42["m","a","off-1"]');
      leave();
      socket.connect();
      if (socket.io.readyState !== 'open') FakeWebSocket.last.handshake();
      return (sent() as string[]).filter((f) => f.startsWith('40'));
    };
    sent();
    expect(again(() => socket.disconnect())).toEqual(['40']);
    expect(again(() => socket.io.close())).toEqual(['40']);
    expect(again(() => FakeWebSocket.last.receive('41'))).toEqual(['40']);
    // a transport drop still is
    connect('s1', ',"pid":"p1"');
    FakeWebSocket.last.receive('42["m","b","off-2"]');
    dropAndReopen();
    expect(sent()).toEqual(['40{"pid":"p1","offset":"off-2"}']);
  });

  test('a different pid back means a new session', () => {
    const { socket, connect } = setup({ auth: { token: 't' } });
    connect('s1', ',"pid":"p1"');
    dropAndReopen();
    expect(FakeWebSocket.last.take()).toEqual(['40{"pid":"p1","token":"t"}']);
    connect('s2', ',"pid":"p2"');
    expect(socket.recovered).toBe(false);
  });
});

test('typed sockets keep their type through io()', () => {
  const { socket } = setup();
  const typed: Socket = socket;
  expect(typed.nsp).toBe('/');
});
