import { Manager, ClosedError, TimeoutError, ErrorCode, EmitwireError, DEFAULT_MANAGER_OPTIONS } from '@emitwire/client/node';
import { Manager as BrowserManager } from '@emitwire/client';
import { FakeWebSocket } from './fake-websocket.js';

const URL_ = 'http://example.test:1234';

function manager(opts: ConstructorParameters<typeof Manager>[1] = {}): Manager {
  return new Manager(URL_, { WebSocket: FakeWebSocket, ...opts });
}

/** Records every manager event, in order. */
function record(m: Manager): string[] {
  const log: string[] = [];
  m.on('open', () => log.push('open'));
  m.on('close', (reason) => log.push(`close:${reason}`));
  m.on('error', (err) => log.push(`error:${(err as EmitwireError).code}`));
  m.on('reconnect_attempt', (n) => log.push(`reconnect_attempt:${n}`));
  m.on('reconnect', (n) => log.push(`reconnect:${n}`));
  m.on('reconnect_error', (err) => log.push(`reconnect_error:${(err as EmitwireError).code}`));
  m.on('reconnect_failed', () => log.push('reconnect_failed'));
  return log;
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: delays are exact
  FakeWebSocket.reset();
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('handshake URL', () => {
  test('path, query of the URL and of the options, EIO=4, websocket transport', () => {
    new Manager('http://example.test:1234/ignored?a=1', {
      WebSocket: FakeWebSocket,
      path: '/custom',
      query: { token: 'a b' },
    });
    expect(FakeWebSocket.last.url).toBe('ws://example.test:1234/custom/?a=1&token=a+b&EIO=4&transport=websocket');
  });

  test('https becomes wss; default path /socket.io/', () => {
    new Manager('https://example.test', { WebSocket: FakeWebSocket });
    expect(FakeWebSocket.last.url).toBe('wss://example.test/socket.io/?EIO=4&transport=websocket');
  });

  test('query changes apply to the next connection', () => {
    const m = manager();
    m.opts.query = { token: 'new' };
    m.close().open();
    expect(FakeWebSocket.last.url).toContain('token=new');
  });

  test("a manager's own query, changed in place, stays its own (not the defaults', not another server's)", () => {
    const a = manager({ autoConnect: false });
    a.opts.query.token = 'secret-of-a';
    new Manager('http://other.test', { WebSocket: FakeWebSocket });
    expect(FakeWebSocket.last.url).toBe('ws://other.test/socket.io/?EIO=4&transport=websocket');
    expect(DEFAULT_MANAGER_OPTIONS.query).toEqual({});
    a.open();
    expect(FakeWebSocket.last.url).toContain('token=secret-of-a');
  });

  test('binary messages are asked for as ArrayBuffer where the default is Blob', () => {
    manager();
    expect(FakeWebSocket.last.binaryType).toBe('arraybuffer');
  });

  test('a decoder limit that is not a number >= 0 is misuse, thrown where the connection is made', () => {
    expect(() => manager({ decoder: { maxPayload: Number.NaN } })).toThrow(
      new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'invalid decoder option maxPayload'),
    );
    const m = manager({ autoConnect: false, decoder: { maxAttachments: -1 } });
    expect(() => m.open()).toThrow(new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'invalid decoder option maxAttachments'));
    expect(FakeWebSocket.instances).toHaveLength(0);
    // nothing changed: corrected, the manager opens
    expect(m.readyState).toBe('closed');
    m.opts.decoder = { maxAttachments: 1 };
    m.open();
    expect(m.readyState).toBe('opening');
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('autoConnect: false waits for open()', () => {
    const m = manager({ autoConnect: false });
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(m.readyState).toBe('closed');
    m.open();
    expect(m.readyState).toBe('opening');
  });

  test('without any WebSocket implementation the constructor throws', () => {
    // the browser entry does not fall back to ws; Node 22+ has a global WebSocket, taken away here
    const g = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(g, 'WebSocket');
    delete g.WebSocket;
    try {
      expect(() => new BrowserManager(URL_)).toThrow(
        new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'no WebSocket implementation: pass the WebSocket option'),
      );
    } finally {
      if (saved) Object.defineProperty(g, 'WebSocket', saved);
    }
  });
});

describe('Engine.IO', () => {
  test('the open packet opens the manager; pings are answered with pongs', () => {
    const m = manager();
    const log = record(m);
    let pings = 0;
    m.on('ping', () => pings++);
    const ws = FakeWebSocket.last;
    ws.handshake();
    expect(m.readyState).toBe('open');
    expect(m.sid).toBe('engine-sid');
    ws.receive('2');
    ws.receive('2');
    expect(ws.take()).toEqual(['3', '3']);
    expect(pings).toBe(2);
    expect(log).toEqual(['open']);
  });

  test('a ping before the open packet is not answered and does not hold off the open timeout', () => {
    const m = manager({ timeout: 1000, reconnection: false });
    const log = record(m);
    let pings = 0;
    m.on('ping', () => pings++);
    const ws = FakeWebSocket.last;
    ws.open();
    // a server that pings but never opens the session: each ping used to restart a watchdog in
    // place of the open timeout, leaving the manager 'opening' for as long as the pings came
    for (let t = 0; t < 900; t += 100) {
      ws.receive('2');
      jest.advanceTimersByTime(100);
    }
    expect(ws.take()).toEqual([]);
    expect(pings).toBe(0);
    expect(m.readyState).toBe('opening');
    ws.receive('2');
    jest.advanceTimersByTime(100);
    expect(m.readyState).toBe('closed');
    expect(log).toEqual(['error:EW_CONNECT_TIMEOUT']);
  });

  test('with over 1 MB unsent, a ping within half a pingInterval of the last pong is not answered (a flood)', () => {
    const m = manager();
    let pings = 0;
    m.on('ping', () => pings++);
    const ws = FakeWebSocket.last;
    ws.handshake(1000, 500);
    // a backlog alone changes nothing: an honest server pings once per interval, and is answered
    ws.bufferedAmount = 5e6;
    for (let i = 0; i < 3; i++) {
      ws.receive('2');
      expect(ws.take()).toEqual(['3']);
      jest.advanceTimersByTime(1000);
    }
    // a flood while the backlog stays: answered at most once per half interval
    ws.receive('2');
    expect(ws.take()).toEqual(['3']);
    for (let i = 0; i < 1000; i++) ws.receive('2');
    expect(ws.take()).toEqual([]);
    jest.advanceTimersByTime(499);
    ws.receive('2');
    expect(ws.take()).toEqual([]);
    jest.advanceTimersByTime(1);
    ws.receive('2');
    expect(ws.take()).toEqual(['3']);
    // without a backlog every ping is answered, however many
    ws.bufferedAmount = 1e6;
    for (let i = 0; i < 5; i++) ws.receive('2');
    expect(ws.take()).toEqual(['3', '3', '3', '3', '3']);
    // every ping counts as life and is reported, answered or not
    expect(pings).toBe(3 + 1 + 1000 + 1 + 1 + 5);
    expect(m.readyState).toBe('open');
  });

  test('noop and upgrade packets are ignored', () => {
    const m = manager();
    const ws = FakeWebSocket.last;
    ws.handshake();
    ws.receive('6');
    ws.receive('5');
    expect(m.readyState).toBe('open');
  });

  test('silence for pingInterval + pingTimeout closes with "ping timeout" and reconnects', () => {
    const m = manager();
    const log = record(m);
    const ws = FakeWebSocket.last;
    ws.handshake(1000, 500);
    jest.advanceTimersByTime(1400);
    ws.receive('2'); // the watchdog restarts on every ping
    jest.advanceTimersByTime(1499);
    expect(m.readyState).toBe('open');
    jest.advanceTimersByTime(1);
    expect(m.readyState).toBe('closed');
    expect(ws.closedByClient).toBe(true);
    expect(log).toEqual(['open', 'close:ping timeout']);
    // first reconnection after reconnectionDelay (no jitter with random() = 0.5)
    jest.advanceTimersByTime(999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake();
    expect(log).toEqual(['open', 'close:ping timeout', 'reconnect_attempt:1', 'open', 'reconnect:1']);
  });

  test('the engine close packet is a transport close', () => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive('1');
    expect(log).toEqual(['open', 'close:transport close']);
  });

  test('a WebSocket error then close is a transport error', () => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop(true);
    expect(log).toEqual(['open', 'close:transport error']);
  });

  test.each([
    ['an unknown Engine.IO type', '9'],
    ['an empty message', ''],
    ['an invalid Socket.IO packet', '4x'],
    ['an attachment nobody awaits', new Uint8Array([1])],
  ])('%s closes with "parse error" and reconnects', (_name, frame) => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.receive(frame);
    expect(log).toEqual(['open', 'close:parse error']);
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test.each([
    ['not JSON', '0{'],
    ['no sid', '0{"pingInterval":1,"pingTimeout":1}'],
    ['a string pingInterval', '0{"sid":"s","pingInterval":"1","pingTimeout":1}'],
    ['a huge heartbeat', '0{"sid":"s","pingInterval":1e300,"pingTimeout":1}'],
  ])('an open packet with %s fails the attempt', (_name, frame) => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.open();
    FakeWebSocket.last.receive(frame);
    expect(m.readyState).toBe('closed');
    expect(log).toEqual(['error:EW_DISCONNECTED']);
  });

  test('no open packet within `timeout`: TimeoutError EW_CONNECT_TIMEOUT, then reconnection', () => {
    const m = manager({ timeout: 3000 });
    const errors: Error[] = [];
    m.on('error', (err) => errors.push(err));
    FakeWebSocket.last.open();
    jest.advanceTimersByTime(2999);
    expect(errors).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(errors[0]).toBeInstanceOf(TimeoutError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.CONNECT_TIMEOUT });
    expect(FakeWebSocket.last.closedByClient).toBe(true);
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('a refused WebSocket is a ClosedError EW_DISCONNECTED on the error event', () => {
    const m = manager();
    const errors: Error[] = [];
    m.on('error', (err) => errors.push(err));
    FakeWebSocket.last.drop(true);
    expect(errors[0]).toBeInstanceOf(ClosedError);
    expect(errors[0]).toMatchObject({ code: ErrorCode.DISCONNECTED, message: 'connection failed (transport error)' });
  });
});

describe('a WebSocket that reports an error and no close (undici before nodejs/undici#3566, e.g. Node 20 --experimental-websocket)', () => {
  const errorOnly = (ws: FakeWebSocket) => {
    ws.readyState = 3;
    (ws.onerror as ((ev: unknown) => void) | null)?.({});
  };

  test('a refused connection is a failed attempt at once (not after the 20 s open timeout), then reconnects', () => {
    const m = manager();
    const log = record(m);
    errorOnly(FakeWebSocket.last);
    expect(log).toEqual(['error:EW_DISCONNECTED']);
    jest.advanceTimersByTime(1000);
    expect(log).toEqual(['error:EW_DISCONNECTED', 'reconnect_attempt:1']);
    FakeWebSocket.last.handshake();
    expect(log.at(-1)).toBe('reconnect:1');
  });

  test('an open connection that errors is a transport error at once', () => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.handshake();
    errorOnly(FakeWebSocket.last);
    expect(log).toEqual(['open', 'close:transport error']);
    expect(m.readyState).toBe('closed');
  });
});

describe('a WebSocket constructor that throws', () => {
  test('(a browser refusing ws:// from an https: page) is a failed attempt, reported and retried', () => {
    let refuse = true;
    class Refusing extends FakeWebSocket {
      constructor(url: string) {
        if (refuse) throw new Error('SecurityError');
        super(url);
      }
    }
    const m = new Manager(URL_, { WebSocket: Refusing });
    const log = record(m);
    expect(m.readyState).toBe('opening');
    jest.advanceTimersByTime(0);
    expect(log).toEqual(['error:EW_DISCONNECTED']);
    expect(m.readyState).toBe('closed');
    refuse = false;
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.handshake();
    expect(m.readyState).toBe('open');
    expect(log).toEqual(['error:EW_DISCONNECTED', 'reconnect_attempt:1', 'open', 'reconnect:1']);
  });
});

describe('reconnection', () => {
  /**
   * Fails the current attempt, then each of the next `attempts` reconnections, and returns the
   * delay before each one, measured in `step` ms (bounded: a reconnection that never comes fails
   * the test instead of hanging the suite).
   */
  function failedAttemptDelays(attempts: number, step: number): number[] {
    const delays: number[] = [];
    FakeWebSocket.last.drop(true);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const before = FakeWebSocket.instances.length;
      let waited = 0;
      while (FakeWebSocket.instances.length === before && waited < 60_000) {
        jest.advanceTimersByTime(step);
        waited += step;
      }
      delays.push(waited);
      FakeWebSocket.last.drop(true);
    }
    return delays;
  }

  test('the default jitter is ±50 %: with random() at 0 the delays are half, at 1 one and a half (capped)', () => {
    // every other test pins random() to 0.5 (no jitter): the default randomizationFactor shows here
    const at = (random: number): number[] => {
      jest.spyOn(Math, 'random').mockReturnValue(random);
      FakeWebSocket.reset();
      const m = manager();
      const delays = failedAttemptDelays(4, 50);
      m.close();
      return delays;
    };
    expect(DEFAULT_MANAGER_OPTIONS.randomizationFactor).toBe(0.5);
    expect(at(0)).toEqual([500, 1000, 2000, 2500]);
    expect(at(0.9999)).toEqual([1500, 3000, 5000, 5000]);
  });

  test('capped exponential backoff: 1000, 2000, 4000, 5000, 5000 ms', () => {
    const m = manager();
    const log = record(m);
    const delays = failedAttemptDelays(5, 100);
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    jest.advanceTimersByTime(5000);
    FakeWebSocket.last.handshake();
    expect(log.filter((l) => l.startsWith('reconnect'))).toEqual([
      'reconnect_attempt:1',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:2',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:3',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:4',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:5',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:6',
      'reconnect:6',
    ]);
  });

  test('jitter: randomizationFactor moves each delay within ±factor', () => {
    const random = jest.spyOn(Math, 'random');
    const m = manager({ randomizationFactor: 0.5 });
    record(m);
    random.mockReturnValue(0); // -50 %
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    random.mockReturnValue(0.999999); // ~ +50 % of 2000, capped by nothing yet
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(2998);
    expect(FakeWebSocket.instances).toHaveLength(2);
    jest.advanceTimersByTime(2);
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  test('reconnectionAttempts: reconnect_failed (before the last reconnect_error, as in socket.io-client), then no more attempts', () => {
    const m = manager({ reconnectionAttempts: 2 });
    const log = record(m);
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(2000);
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(log).toEqual([
      'error:EW_DISCONNECTED',
      'reconnect_attempt:1',
      'error:EW_DISCONNECTED',
      'reconnect_error:EW_DISCONNECTED',
      'reconnect_attempt:2',
      'error:EW_DISCONNECTED',
      // (found by differential.test.ts: the other way round before)
      'reconnect_failed',
      'reconnect_error:EW_DISCONNECTED',
    ]);
  });

  test('reconnection: false never reconnects', () => {
    const m = manager({ reconnection: false });
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(m.readyState).toBe('closed');
  });

  test('close() cancels a pending reconnection', () => {
    const m = manager();
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    expect(m.reconnecting).toBe(true);
    m.close();
    expect(m.reconnecting).toBe(false);
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('a reconnect_attempt listener may close the manager', () => {
    const m = manager();
    m.on('reconnect_attempt', () => m.close());
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('opening again from a close listener: one connection, it stays up, later losses still reconnect', () => {
    const m = manager();
    const log = record(m);
    // as socket.connect() in a 'disconnect' listener does (the manager is not reconnecting yet)
    m.once('close', () => m.open());
    FakeWebSocket.last.handshake(25000, 20000);
    FakeWebSocket.last.drop();
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake(25000, 20000);
    expect(m.readyState).toBe('open');
    expect(m.reconnecting).toBe(false);
    // no reconnection attempt behind it, no open timeout (20 s) left to close the connection
    for (let t = 0; t < 60000; t += 10000) {
      jest.advanceTimersByTime(10000);
      FakeWebSocket.last.receive('2');
    }
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(m.readyState).toBe('open');
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.handshake();
    expect(log).toEqual(['open', 'close:transport close', 'open', 'close:transport close', 'reconnect_attempt:1', 'open', 'reconnect:1']);
  });

  test('open() while waiting to reconnect connects now, once; a failure goes on with the backoff', () => {
    const m = manager();
    const log = record(m);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.drop(); // attempt 1 failed: attempt 2 in 2000 ms
    expect(m.reconnecting).toBe(true);
    m.open();
    expect(FakeWebSocket.instances).toHaveLength(3);
    jest.advanceTimersByTime(5000); // the pending attempt does not open a second connection
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.drop(); // the manual attempt failed: the backoff goes on (4000 ms)
    expect(m.reconnecting).toBe(true);
    jest.advanceTimersByTime(3999);
    expect(FakeWebSocket.instances).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(4);
    FakeWebSocket.last.handshake();
    expect(m.reconnecting).toBe(false);
    expect(log.slice(-2)).toEqual(['open', 'reconnect:3']);
  });

  test('the backoff starts over after a successful reconnection', () => {
    manager();
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(1000);
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(2000);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.drop();
    jest.advanceTimersByTime(999);
    expect(FakeWebSocket.instances).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(4);
  });
});

describe('multiplexing', () => {
  test('each namespace sends its own CONNECT on the one connection; packets are routed by namespace', () => {
    const m = manager();
    const main = m.socket('/');
    const admin = m.socket('/admin');
    expect(m.socket('/admin')).toBe(admin);
    const ws = FakeWebSocket.last;
    ws.handshake();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(ws.take()).toEqual(['40', '40/admin,']);
    ws.receive('40{"sid":"a"}');
    ws.receive('40/admin,{"sid":"b"}');
    expect([main.id, admin.id]).toEqual(['a', 'b']);
    const got: unknown[] = [];
    main.on('x', (v) => got.push(['main', v]));
    admin.on('x', (v) => got.push(['admin', v]));
    ws.receive('42/admin,["x",1]');
    ws.receive('42["x",2]');
    ws.receive('42/other,["x",3]'); // a namespace we never joined: dropped
    expect(got).toEqual([
      ['admin', 1],
      ['main', 2],
    ]);
  });

  test('a namespace left before its CONNECT answer stays left (the late answer is left at once); events in flight are dropped', () => {
    const m = manager();
    const main = m.socket('/');
    const admin = m.socket('/admin');
    const ws = FakeWebSocket.last;
    ws.handshake();
    ws.receive('40{"sid":"a"}');
    ws.take();
    const log: string[] = [];
    admin.on('connect', () => log.push('connect'));
    admin.on('x', (v) => log.push(`x:${String(v)}`));
    admin.on('connect_error', () => log.push('connect_error'));
    admin.disconnect();
    ws.receive('40/admin,{"sid":"late"}');
    expect(admin.connected).toBe(false);
    expect(admin.id).toBeUndefined();
    expect(ws.take()).toEqual(['41/admin,']); // the server's socket for it goes too
    ws.receive('42/admin,["x",1]'); // in flight
    ws.receive('44/admin,{"message":"late refusal"}');
    admin.connect();
    expect(ws.take()).toEqual(['40/admin,']);
    ws.receive('40/admin,{"sid":"b"}');
    ws.receive('42/admin,["x",2]');
    expect(log).toEqual(['connect', 'x:2']);
    expect([main.connected, admin.id]).toEqual([true, 'b']);
  });

  test('the connection closes when the last socket disconnects', () => {
    const m = manager();
    const a = m.socket('/');
    const b = m.socket('/b');
    const ws = FakeWebSocket.last;
    ws.handshake();
    ws.receive('40{"sid":"a"}');
    ws.receive('40/b,{"sid":"b"}');
    ws.take();
    a.disconnect();
    expect(m.readyState).toBe('open');
    b.disconnect();
    expect(ws.take()).toEqual(['41', '41/b,']);
    expect(m.readyState).toBe('closed');
    expect(ws.closedByClient).toBe(true);
    jest.advanceTimersByTime(60000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
