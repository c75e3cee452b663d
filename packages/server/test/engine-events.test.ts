// `io.engine`: `connection_error` for every refused handshake (compared with the official socket.io
// server where both refuse the same request), the `101`'s headers through `initial_headers` /
// `headers` (and no ws hook while nobody listens), `clientsCount`, and `connection`.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as OfficialServer } from 'socket.io';
import { EngineConnection, type ConnectionError, type HandlerErrorContext, type Server, type Socket } from '@emitwire/server';
import { RawClient, cleanup, delay, guardProcess, once, startServer, type TestServer } from './helpers.js';
import { rawRequest, readToEnd, upgradeRequest } from './raw-http.js';

const officials: OfficialServer[] = [];
let guard: ReturnType<typeof guardProcess>;

beforeEach(() => {
  guard = guardProcess();
});

afterEach(async () => {
  await cleanup();
  for (const io of officials.splice(0)) await new Promise<void>((resolve) => io.close(() => resolve()));
  guard.restore();
  expect(guard.errors).toEqual([]);
});

/** The official server, WebSocket only (what ours serves), on 127.0.0.1 port 0. */
async function startOfficial(options: ConstructorParameters<typeof OfficialServer>[1] = {}): Promise<{ io: OfficialServer; port: number }> {
  const http = createServer();
  const io = new OfficialServer(http, { transports: ['websocket'], ...options });
  officials.push(io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, port: (http.address() as AddressInfo).port };
}

/** A plain HTTP request (no upgrade) as raw bytes. */
function plainRequest(method: string, path: string): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}

/** Every `connection_error` of `engine`, in order. */
function collectErrors(engine: { on(ev: 'connection_error', fn: (err: ConnectionError) => void): unknown }): ConnectionError[] {
  const errors: ConnectionError[] = [];
  engine.on('connection_error', (err) => errors.push(err));
  return errors;
}

/** The header lines of a response head, lower-cased names. */
function headerLines(head: string): string[] {
  return head
    .split('\r\n')
    .slice(1)
    .map((line) => {
      const colon = line.indexOf(':');
      return `${line.slice(0, colon).toLowerCase()}: ${line.slice(colon + 1).trim()}`;
    });
}

/** The ws server behind `io` (a private field: the listener count is the only trace of the hook). */
function wsHeadersListeners(io: Server): number {
  const gateway = (io as unknown as { gateway: { wss: { listenerCount(ev: string): number } } }).gateway;
  return gateway.wss.listenerCount('headers');
}

/** A server whose `onHandlerError` records what it is told. */
async function startReporting(): Promise<{ srv: TestServer; reported: Array<[unknown, HandlerErrorContext]> }> {
  const reported: Array<[unknown, HandlerErrorContext]> = [];
  const srv = await startServer({ onHandlerError: (err, context) => reported.push([err, context]) });
  return { srv, reported };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await delay(5);
  expect(check()).toBe(true);
}

describe('connection_error, the same as socket.io for the refusals both servers make', () => {
  const cases: Array<[string, string, Partial<ConnectionError>]> = [
    ['upgrade, transport=polling', upgradeRequest('/socket.io/?EIO=4&transport=polling'), { code: 0, message: 'Transport unknown', context: { transport: 'polling' } }],
    ['upgrade, no transport', upgradeRequest('/socket.io/?EIO=4'), { code: 0, message: 'Transport unknown', context: { transport: undefined } }],
    ['upgrade, a sid', upgradeRequest('/socket.io/?EIO=4&transport=websocket&sid=abc'), { code: 1, message: 'Session ID unknown', context: { sid: 'abc' } }],
    [
      'upgrade, POST',
      upgradeRequest('/socket.io/?EIO=4&transport=websocket').replace(/^GET/, 'POST'),
      { code: 2, message: 'Bad handshake method', context: { method: 'POST' } },
    ],
    ['upgrade, EIO=3', upgradeRequest('/socket.io/?EIO=3&transport=websocket'), { code: 5, message: 'Unsupported protocol version', context: { protocol: 3 } }],
    ['upgrade, no EIO', upgradeRequest('/socket.io/?transport=websocket'), { code: 5, message: 'Unsupported protocol version', context: { protocol: 3 } }],
    ['plain GET, transport=websocket', plainRequest('GET', '/socket.io/?EIO=4&transport=websocket'), { code: 3, message: 'Bad request', context: { name: 'TRANSPORT_HANDSHAKE_ERROR' } }],
    ['plain GET, transport=websocket, EIO=3', plainRequest('GET', '/socket.io/?EIO=3&transport=websocket'), { code: 3, message: 'Bad request', context: { name: 'TRANSPORT_HANDSHAKE_ERROR' } }],
    ['plain GET, transport=polling', plainRequest('GET', '/socket.io/?EIO=4&transport=polling'), { code: 0, message: 'Transport unknown', context: { transport: 'polling' } }],
    ['plain GET, a sid', plainRequest('GET', '/socket.io/?EIO=4&transport=websocket&sid=x'), { code: 1, message: 'Session ID unknown', context: { sid: 'x' } }],
    ['plain POST', plainRequest('POST', '/socket.io/?EIO=4&transport=websocket'), { code: 2, message: 'Bad handshake method', context: { method: 'POST' } }],
  ];

  test.each(cases)('%s', async (_name, request, expected) => {
    const official = await startOfficial();
    const theirs = once<[ConnectionError]>(official.io.engine as never, 'connection_error');
    const theirUp = await rawRequest(official.port, request);
    const [their] = await theirs;
    theirUp.socket.destroy();

    const srv = await startServer();
    const errors = collectErrors(srv.io.engine);
    const up = await rawRequest(srv.port, request);
    // emitted before the refusal is written: there by the time the answer is read
    expect(errors).toHaveLength(1);
    const ours = errors[0]!;
    expect({ code: ours.code, message: ours.message, context: ours.context }).toEqual(expected);
    expect({ code: ours.code, message: ours.message, context: ours.context }).toEqual({
      code: their.code,
      message: their.message,
      context: their.context,
    });
    expect(ours.req.url).toBe(their.req.url);
    expect(ours.req.method).toBe(request.slice(0, request.indexOf(' ')));
    // ours refuses before any 101, with the JSON body for plain requests
    expect(up.head).toMatch(/^HTTP\/1\.1 400 /);
    const body = await readToEnd(up);
    expect(body).toBe(request.includes('Upgrade: websocket') ? expected.message : JSON.stringify({ code: expected.code, message: expected.message }));
    await delay(20);
    expect(errors).toHaveLength(1);
  });

  test('allowRequest refusal: code 4 Forbidden, its text in context.message (and our body)', async () => {
    const allowRequest = (_req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void): void => cb('nope', false);
    const official = await startOfficial({ allowRequest });
    const theirs = once<[ConnectionError]>(official.io.engine as never, 'connection_error');
    const request = upgradeRequest('/socket.io/?EIO=4&transport=websocket');
    (await rawRequest(official.port, request)).socket.destroy();
    const [their] = await theirs;

    const srv = await startServer({ allowRequest });
    const errors = collectErrors(srv.io.engine);
    const up = await rawRequest(srv.port, request);
    expect(errors.map((e) => [e.code, e.message, e.context])).toEqual([[4, 'Forbidden', { message: 'nope' }]]);
    expect([their.code, their.message, their.context]).toEqual([4, 'Forbidden', { message: 'nope' }]);
    expect(errors[0]!.req.url).toBe('/socket.io/?EIO=4&transport=websocket');
    expect(up.head).toMatch(/^HTTP\/1\.1 403 /);
    expect(await readToEnd(up)).toBe('nope');
  });

  test('allowRequest that throws: code 4, the error in context', async () => {
    const boom = new Error('boom');
    const srv = await startServer({
      allowRequest: () => {
        throw boom;
      },
    });
    const errors = collectErrors(srv.io.engine);
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(up.head).toMatch(/^HTTP\/1\.1 403 /);
    expect(errors.map((e) => [e.code, e.message, e.context])).toEqual([[4, 'Forbidden', { name: 'ALLOW_REQUEST_ERROR', error: boom }]]);
  });
});

describe('connection_error for what only our server refuses', () => {
  test('an origin the cors policy does not allow (fixed policy and policy function)', async () => {
    for (const origin of ['https://ok.example', (o: string, cb: (err: Error | null, ok?: boolean) => void) => cb(null, o === 'https://ok.example')]) {
      const srv = await startServer({ cors: { origin } });
      const errors = collectErrors(srv.io.engine);
      const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Origin: https://evil.example']));
      expect(up.head).toMatch(/^HTTP\/1\.1 403 /);
      expect(errors).toHaveLength(1);
      const err = errors[0]!;
      expect([err.code, err.message, err.context]).toEqual([4, 'Forbidden', { name: 'ORIGIN_NOT_ALLOWED', origin: 'https://evil.example' }]);
      expect(err.req.headers.origin).toBe('https://evil.example');
      // the allowed origin is not reported
      const ok = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Origin: https://ok.example']));
      expect(ok.head).toMatch(/^HTTP\/1\.1 101 /);
      ok.socket.destroy();
      expect(errors).toHaveLength(1);
    }
  });

  test('accepted handshakes and upgrades on other paths report nothing', async () => {
    const srv = await startServer();
    const errors = collectErrors(srv.io.engine);
    const c = await RawClient.open(srv);
    const other = await rawRequest(srv.port, upgradeRequest('/elsewhere/?EIO=4&transport=websocket'));
    expect(other.head).toMatch(/^HTTP\/1\.1 400 /);
    other.socket.destroy();
    c.ws.close();
    expect(errors).toEqual([]);
  });

  test('a listener that throws: reported to onHandlerError, the other listeners run, the refusal stands', async () => {
    const { srv, reported } = await startReporting();
    const boom = new Error('listener failed');
    srv.io.engine.on('connection_error', () => {
      throw boom;
    });
    const errors = collectErrors(srv.io.engine);
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=polling'));
    expect(up.head).toMatch(/^HTTP\/1\.1 400 /);
    expect(await readToEnd(up)).toBe('Transport unknown');
    expect(errors.map((e) => e.code)).toEqual([0]);
    expect(reported).toEqual([[boom, { nsp: '', socketId: '', event: 'connection_error' }]]);
    // still serving
    await RawClient.open(srv);
  });
});

describe('initial_headers and headers', () => {
  test('headers the listeners add are in the 101, initial_headers first, as socket.io writes them', async () => {
    const install = (engine: {
      on(ev: 'initial_headers' | 'headers', fn: (headers: Record<string, unknown>, req: IncomingMessage) => void): unknown;
    }): string[] => {
      const calls: string[] = [];
      engine.on('headers', (headers, req) => {
        calls.push(`headers ${String(req.url)}`);
        headers['x-every'] = 'yes';
      });
      engine.on('initial_headers', (headers, req) => {
        calls.push(`initial_headers ${String(req.url)}`);
        headers['set-cookie'] = 'sid=1; HttpOnly';
      });
      return calls;
    };
    const request = upgradeRequest('/socket.io/?EIO=4&transport=websocket');
    const official = await startOfficial();
    const theirCalls = install(official.io.engine as never);
    const theirs = await rawRequest(official.port, request);
    theirs.socket.destroy();

    const srv = await startServer();
    const calls = install(srv.io.engine as never);
    const up = await rawRequest(srv.port, request);
    expect(up.head).toMatch(/^HTTP\/1\.1 101 /);
    const expected = ['set-cookie: sid=1; HttpOnly', 'x-every: yes'];
    expect(headerLines(up.head)).toEqual(expect.arrayContaining(expected));
    expect(headerLines(theirs.head)).toEqual(expect.arrayContaining(expected));
    const path = '/socket.io/?EIO=4&transport=websocket';
    expect(calls).toEqual([`initial_headers ${path}`, `headers ${path}`]);
    expect(theirCalls).toEqual(calls);
    // the open packet follows as usual
    const rest = up.rest.length > 0 ? up.rest : await once<[Buffer]>(up.socket, 'data').then(([b]) => b);
    expect(rest.subarray(2).toString()).toMatch(/^0\{"sid":/);
    up.socket.destroy();
  });

  test('a list becomes one line per value; numbers are written; a header with CR/LF is dropped and reported', async () => {
    const { srv, reported } = await startReporting();
    srv.io.engine.on('headers', (headers) => {
      headers['set-cookie'] = ['a=1', 'b=2'];
      headers['x-count'] = 3;
      headers['x-split'] = 'v\r\nInjected: 1';
      headers['bad name'] = 'x';
      headers['x-none'] = undefined;
    });
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(up.head).toMatch(/^HTTP\/1\.1 101 /);
    const lines = headerLines(up.head);
    expect(lines).toEqual(expect.arrayContaining(['set-cookie: a=1', 'set-cookie: b=2', 'x-count: 3']));
    expect(lines.some((l) => l.startsWith('injected') || l.startsWith('x-split') || l.startsWith('bad name') || l.startsWith('x-none'))).toBe(false);
    expect(reported.map(([, context]) => context)).toEqual([
      { nsp: '', socketId: '', event: 'headers' },
      { nsp: '', socketId: '', event: 'headers' },
    ]);
    up.socket.destroy();
  });

  test('a listener that throws: reported, the other listeners run, the handshake goes on', async () => {
    const { srv, reported } = await startReporting();
    const boom = new Error('no headers today');
    srv.io.engine.on('initial_headers', () => {
      throw boom;
    });
    srv.io.engine.on('initial_headers', (headers) => {
      headers['x-after'] = '1';
    });
    srv.io.engine.on('headers', () => {
      throw boom;
    });
    const c = await RawClient.open(srv);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(headerLines(up.head)).toContain('x-after: 1');
    up.socket.destroy();
    expect(reported.map(([err, context]) => [err, context.event])).toEqual([
      [boom, 'initial_headers'],
      [boom, 'headers'],
      [boom, 'initial_headers'],
      [boom, 'headers'],
    ]);
  });

  test('the ws hook is there only while someone listens', async () => {
    const srv = await startServer();
    const engine = srv.io.engine;
    expect(wsHeadersListeners(srv.io)).toBe(0);
    engine.on('connection_error', () => {});
    engine.on('connection', () => {});
    expect(wsHeadersListeners(srv.io)).toBe(0);
    const onHeaders = (): void => {};
    const onInitial = (): void => {};
    engine.on('headers', onHeaders);
    expect(wsHeadersListeners(srv.io)).toBe(1);
    engine.on('initial_headers', onInitial);
    expect(wsHeadersListeners(srv.io)).toBe(1);
    engine.off('headers', onHeaders);
    expect(wsHeadersListeners(srv.io)).toBe(1);
    engine.off('initial_headers', onInitial);
    expect(wsHeadersListeners(srv.io)).toBe(0);

    // a once listener goes after its handshake, and the hook with it
    let seen = 0;
    engine.once('initial_headers', () => void seen++);
    expect(wsHeadersListeners(srv.io)).toBe(1);
    await RawClient.open(srv, false);
    expect(seen).toBe(1);
    expect(wsHeadersListeners(srv.io)).toBe(0);

    // removeAllListeners (of one event, or of all) unhooks, and listening again hooks again
    engine.on('headers', onHeaders);
    engine.removeAllListeners('headers');
    expect(wsHeadersListeners(srv.io)).toBe(0);
    engine.on('headers', onHeaders);
    engine.removeAllListeners();
    expect(wsHeadersListeners(srv.io)).toBe(0);
    engine.on('initial_headers', (headers) => {
      headers['x-again'] = '1';
    });
    expect(wsHeadersListeners(srv.io)).toBe(1);
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(headerLines(up.head)).toContain('x-again: 1');
    up.socket.destroy();
  });
});

describe('clientsCount and connection', () => {
  test('io.engine.clientsCount follows the open connections, as io.clientsCount', async () => {
    const srv = await startServer();
    expect(srv.io.engine.clientsCount).toBe(0);
    const a = await RawClient.open(srv, false);
    await RawClient.open(srv);
    expect(srv.io.engine.clientsCount).toBe(2);
    expect(srv.io.clientsCount).toBe(2);
    a.ws.close();
    await until(() => srv.io.engine.clientsCount === 1);
    expect(srv.io.clientsCount).toBe(1);
  });

  test('connection: the EngineConnection that socket.conn is, once per connection', async () => {
    const srv = await startServer();
    const conns: EngineConnection[] = [];
    srv.io.engine.on('connection', (conn) => conns.push(conn));
    const socketSide = once<[Socket]>(srv.io, 'connection');
    await RawClient.open(srv);
    const [socket] = await socketSide;
    expect(conns).toHaveLength(1);
    expect(conns[0]).toBeInstanceOf(EngineConnection);
    expect(conns[0]).toBe(socket.conn);
    expect(conns[0]!.readyState).toBe('open');
    await RawClient.open(srv, false);
    expect(conns).toHaveLength(2);
    expect(conns[1]).not.toBe(conns[0]);
  });

  test('a connection listener that throws is reported; the connection is served', async () => {
    const { srv, reported } = await startReporting();
    srv.io.engine.on('connection', () => {
      throw new Error('nope');
    });
    const c = await RawClient.open(srv);
    expect(reported.map(([, context]) => context)).toEqual([{ nsp: '', socketId: '', event: 'connection' }]);
    expect(srv.io.engine.clientsCount).toBe(1);
    c.send('42["ping"]');
  });
});
