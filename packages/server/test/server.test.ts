import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { DEFAULT_OPTIONS, Server, type Socket } from '@emitwire/server';
import { RawClient, cleanup, client, connected, once, startServer } from './helpers.js';
import { rawRequest, readToEnd, upgradeRequest } from './raw-http.js';

afterEach(cleanup);

function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ res, body }));
    }).on('error', reject);
  });
}

describe('Server', () => {
  test('new Server(port) and new Server(opts).listen(port) create their own http server', async () => {
    // new Server(port) listens on every interface, as Socket.IO's does: held to loopback here
    const { Server: HttpServer } = await import('node:http');
    const listen = HttpServer.prototype.listen;
    const hosts: unknown[] = [];
    const spy = jest.spyOn(HttpServer.prototype, 'listen').mockImplementation(function (this: InstanceType<typeof HttpServer>, ...args: unknown[]) {
      hosts.push(args[1]);
      return (listen as (...a: unknown[]) => InstanceType<typeof HttpServer>).call(this, args[0], typeof args[1] === 'string' ? args[1] : '127.0.0.1');
    });
    let a: Server;
    try {
      a = new Server(0, { onHandlerError: () => {} });
    } finally {
      spy.mockRestore();
    }
    expect(hosts).toEqual([undefined]);
    const b = new Server({ path: '/rpc' }).listen(0, '127.0.0.1');
    for (const io of [a, b]) if (!io.httpServer!.listening) await once(io.httpServer!, 'listening');
    const portB = (b.httpServer!.address() as AddressInfo).port;
    const notFound = await httpGet(portB, '/other');
    expect(notFound.res.statusCode).toBe(404);
    const c = new RawClient(`ws://127.0.0.1:${portB}/rpc/?EIO=4&transport=websocket`);
    expect(String(await c.next()).startsWith('0{')).toBe(true);
    c.ws.close();
    // new Server(port) serves the whole handshake on its own server, at the default path
    const { port: portA, address } = a.httpServer!.address() as AddressInfo;
    expect(address).toBe('127.0.0.1');
    a.on('echo', (_socket, text) => text);
    const d = new RawClient(`ws://127.0.0.1:${portA}/socket.io/?EIO=4&transport=websocket`);
    expect(String(await d.next()).startsWith('0{')).toBe(true);
    d.send('40');
    expect(String(await d.next())).toMatch(/^40\{"sid":"[^"]+"\}$/);
    d.send('421["echo","hi"]');
    expect(await d.next()).toBe('431["hi"]');
    d.ws.close();
    await Promise.all([a.close(), b.close()]);
    expect(a.httpServer!.listening).toBe(false);
  });

  test('options are validated synchronously', () => {
    expect(() => new Server({ pingInterval: 0 })).toThrow('option pingInterval must be a finite positive number');
    expect(() => new Server({ path: 'x' })).toThrow('option path must be a string starting with "/"');
    expect(DEFAULT_OPTIONS.pingInterval).toBe(25000);
    expect(DEFAULT_OPTIONS.maxBacklog).toBeLessThan(Infinity);
  });

  test('defaults in effect: open packet pingInterval 25000, pingTimeout 20000, maxPayload 1e6; connect timeout armed at 45 s; 1e6-byte messages read, one byte more refused', async () => {
    expect(DEFAULT_OPTIONS).toMatchObject({ pingInterval: 25_000, pingTimeout: 20_000, connectTimeout: 45_000, maxHttpBufferSize: 1_000_000 });
    // the timers armed while a connection opens on a server with no timing options
    const timers = jest.spyOn(global, 'setTimeout');
    let delays: unknown[];
    let open: string | Buffer;
    let c: RawClient;
    let srv: Awaited<ReturnType<typeof startServer>>;
    try {
      srv = await startServer();
      c = new RawClient(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket`);
      open = await c.next();
      delays = timers.mock.calls.map((call) => call[1]);
    } finally {
      timers.mockRestore();
    }
    expect(JSON.parse(String(open).slice(1))).toEqual({
      sid: expect.any(String),
      upgrades: [],
      pingInterval: 25_000,
      pingTimeout: 20_000,
      maxPayload: 1_000_000,
    });
    // the first ping after pingInterval, and the close of a connection that joins no namespace after
    // connectTimeout (a shared deadline timer: due at a whole ms, so a ms later at most)
    const near = (ms: number): boolean => delays.some((d) => typeof d === 'number' && d >= ms && d <= ms + 1);
    expect({ ping: near(25_000), connectTimeout: near(45_000) }).toEqual({ ping: true, connectTimeout: true });
    // maxHttpBufferSize is the WebSocket's max payload: a message of exactly 1e6 bytes is read
    srv.io.on('connection', (s) => s.on('size', (x) => String(x).length));
    c.send('40');
    expect(String(await c.next()).startsWith('40{')).toBe(true);
    const head = '421["size","';
    const fill = 1_000_000 - head.length - '"]'.length;
    c.send(head + 'x'.repeat(fill) + '"]');
    expect(await c.next()).toBe(`431[${fill}]`);
    c.send(head + 'x'.repeat(fill + 1) + '"]');
    // closed (1009), not answered
    const answered = c.next().then((f) => `answered ${String(f).slice(0, 20)}`, () => 'closed');
    expect(await Promise.race([c.whenClosed(), answered])).toBe(1009);
  });

  test('attach leaves other routes and other upgrade paths to their owners', async () => {
    const http = createServer((_req, res) => res.end('app'));
    const srv = await startServer({}, http);
    const otherWs = new (await import('ws')).WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      if (req.url === '/other') otherWs.handleUpgrade(req, socket, head, (ws) => ws.send('other'));
    });
    expect((await httpGet(srv.port, '/')).body).toBe('app');
    const ws = new WebSocket(`${srv.wsUrl}/other`);
    const [msg] = await once<[Buffer]>(ws, 'message');
    expect(msg.toString()).toBe('other');
    ws.close();
    await once(ws, 'close');
    otherWs.close();
    const c = client(srv);
    await connected(c);
  });

  test('plain HTTP on the path answers with the Engine.IO error JSON (polling is not served)', async () => {
    const srv = await startServer();
    const polling = await httpGet(srv.port, '/socket.io/?EIO=4&transport=polling');
    expect(polling.res.statusCode).toBe(400);
    expect(polling.body).toBe('{"code":0,"message":"Transport unknown"}');
    const noUpgrade = await httpGet(srv.port, '/socket.io/?EIO=4&transport=websocket');
    expect(noUpgrade.body).toBe('{"code":3,"message":"Bad request"}');
  });

  test('io.close(): every socket gets "server shutting down", the client sees a transport close; callback form', async () => {
    const srv = await startServer();
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const c = client(srv);
    await connected(c);
    const [s] = await serverSide;
    const reason = once(s, 'disconnect');
    const clientReason = once(c, 'disconnect');
    await new Promise<void>((resolve) => void srv.io.close(() => resolve()));
    expect(await reason).toEqual(['server shutting down']);
    expect((await clientReason)[0]).toBe('transport close');
    expect(srv.http.listening).toBe(false);
  });

  test('io.close() does not wait for an allowRequest that never answers: the waiting upgrade is dropped', async () => {
    const asked: string[] = [];
    const srv = await startServer({ allowRequest: (req) => void asked.push(req.url!) });
    const waiting = rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    const dropped = expect(waiting).rejects.toThrow('closed without a response');
    while (asked.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await srv.io.close();
    await dropped;
    expect(srv.http.listening).toBe(false);
  });

  describe('origin policy', () => {
    async function status(srvPort: number, origin: string | undefined): Promise<string> {
      const up = await rawRequest(
        srvPort,
        upgradeRequest('/socket.io/?EIO=4&transport=websocket', origin === undefined ? [] : [`Origin: ${origin}`]),
      );
      const line = up.head.split('\r\n')[0]!;
      up.socket.destroy();
      return line;
    }

    test('no Origin and same origin are accepted; cross-origin refused with 403 by default', async () => {
      const srv = await startServer();
      expect(await status(srv.port, undefined)).toBe('HTTP/1.1 101 Switching Protocols');
      expect(await status(srv.port, 'http://127.0.0.1')).toBe('HTTP/1.1 101 Switching Protocols');
      expect(await status(srv.port, 'https://evil.example')).toBe('HTTP/1.1 403 Forbidden');
    });

    test.each([
      ['a string', 'https://app.example', true],
      ['a list', ['https://x.example', 'https://app.example'], true],
      ['a RegExp', /\.example$/, true],
      ['"*"', '*', true],
      ['a function', (o: string, cb: (e: Error | null, ok?: boolean) => void) => cb(null, o.endsWith('app.example')), true],
      ['a non-matching string', 'https://other.example', false],
    ])('cors.origin as %s', async (_name, origin, allowed) => {
      const srv = await startServer({ cors: { origin: origin as never } });
      expect(await status(srv.port, 'https://app.example')).toBe(allowed ? 'HTTP/1.1 101 Switching Protocols' : 'HTTP/1.1 403 Forbidden');
    });

    test('handshake.xdomain: true only for an Origin other than the server\'s own', async () => {
      const srv = await startServer({ cors: { origin: 'https://app.example' } });
      const xdomain = async (headers: Record<string, string>): Promise<boolean> => {
        const serverSide = once<[Socket]>(srv.io, 'connection');
        await connected(client(srv, '/', { extraHeaders: headers }));
        return (await serverSide)[0].handshake.xdomain;
      };
      expect(await xdomain({})).toBe(false);
      expect(await xdomain({ Origin: srv.url })).toBe(false);
      expect(await xdomain({ Origin: 'https://app.example' })).toBe(true);
    });

    test('a policy function and allowRequest may answer later (the upgrade waits for them)', async () => {
      const later = (fn: () => void): void => void setTimeout(fn, 20);
      const refusing = await startServer({ cors: { origin: ((_o: string, cb: (e: Error | null, ok?: boolean) => void) => later(() => cb(null, false))) as never } });
      expect(await status(refusing.port, 'https://app.example')).toBe('HTTP/1.1 403 Forbidden');
      const allowing = await startServer({ allowRequest: (_req, cb) => later(() => cb(null, true)) });
      expect(await status(allowing.port, undefined)).toBe('HTTP/1.1 101 Switching Protocols');
      const both = await startServer({
        cors: { origin: ((_o: string, cb: (e: Error | null, ok?: boolean) => void) => later(() => cb(null, true))) as never },
        allowRequest: (_req, cb) => later(() => cb('late no', false)),
      });
      expect(await status(both.port, 'https://app.example')).toBe('HTTP/1.1 403 Forbidden');
    });

    test('allowRequest refuses with 403 and its message', async () => {
      const srv = await startServer({ allowRequest: (req, cb) => cb('no token', req.headers['x-token'] === 'ok') });
      const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
      expect(up.head.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
      expect(await readToEnd(up)).toBe('no token');
      const ok = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['X-Token: ok']));
      expect(ok.head).toMatch(/^HTTP\/1.1 101/);
      ok.socket.destroy();
    });
  });

  describe('serveClient', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'emitwire-'));
      writeFileSync(join(dir, 'emitwire.min.js'), 'window.emitwire={};');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('serves the script with ETag and Cache-Control; 304 on If-None-Match', async () => {
      const srv = await startServer({ clientScript: join(dir, 'emitwire.min.js') });
      const first = await httpGet(srv.port, '/socket.io/emitwire.min.js');
      expect(first.res.statusCode).toBe(200);
      expect(first.res.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(first.res.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
      expect(first.body).toBe('window.emitwire={};');
      const etag = first.res.headers.etag!;
      expect(etag).toMatch(/^".+"$/);
      const second = await httpGet(srv.port, '/socket.io/emitwire.min.js', { 'If-None-Match': etag });
      expect(second.res.statusCode).toBe(304);
      expect(second.body).toBe('');
    });

    test('a missing script is a 404; serveClient: false leaves the route to the app', async () => {
      const srv = await startServer({ clientScript: join(dir, 'absent.js') });
      expect((await httpGet(srv.port, '/socket.io/emitwire.min.js')).res.statusCode).toBe(404);
      const http = createServer((_req, res) => res.end('app'));
      const off = await startServer({ serveClient: false }, http);
      expect((await httpGet(off.port, '/socket.io/emitwire.min.js')).body).toBe('app');
    });
  });
});
