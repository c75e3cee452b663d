/*
 * In a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * loads a page that uses the `<script>` build (dist/emitwire.min.js, built here in-process),
 * connects in the seed page's style, emits with an ack, receives a broadcast and binary data.
 * The server is the official socket.io (ours is tested from the top-level test/ folder).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeInChromium, launchChromium } from '../../../test/support/chromium.js';
import { Server } from 'socket.io';
import { runInNewContext } from 'node:vm';
import { FakeWebSocket } from './fake-websocket.js';
import { scriptBuild } from './script-build.js';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>emitwire browser test</title>
<script src="/emitwire.min.js"></script>
<script>
  window.result = new Promise((resolve, reject) => {
    const out = { globals: typeof emitwire === 'object' && window.io === emitwire.io && typeof SocketIO === 'function' };
    const io = new SocketIO(location.hostname, Number(location.port));
    const done = () => { if ('ack' in out && 'broadcast' in out && 'binary' in out && 'echo' in out) resolve(out); };
    io.on('connect_error', (err) => reject(err.code + ': ' + err.message));
    io.on('connect', () => {
      out.id = io.id;
      io.emit('chat', 'hi', (ok) => { out.ack = ok; done(); });
      io.emitWithAck('echo', new Uint8Array([7, 8, 9]), new Blob([new Uint8Array([1, 2])])).then((r) => { out.echo = r; done(); });
    });
    io.on('broadcast', (msg) => { out.broadcast = msg; done(); });
    io.on('bin', (buf, nested) => {
      out.binary = { isArrayBuffer: buf instanceof ArrayBuffer, bytes: Array.from(new Uint8Array(buf)), nested: Array.from(new Uint8Array(nested.data)) };
      done();
    });
  });
</script>`;

let http: HttpServer;
let server: Server;
let browser: Browser;

/** dist/emitwire.min.js as the package build makes it, run in a fresh context with `WebSocket` given. */
function runScriptBuild(WebSocket: unknown): Record<string, unknown> {
  const context: Record<string, unknown> = { WebSocket, URL, setTimeout, clearTimeout, TextEncoder, Blob };
  runInNewContext(scriptBuild().toString('utf8'), context);
  return context;
}

test("the <script> build's globals: emitwire, SocketIO, and io with socket.io.js's io.connect, io.Manager, io.Socket", () => {
  const g = runScriptBuild(FakeWebSocket) as {
    emitwire: { io: unknown; Manager: unknown; Socket: unknown };
    SocketIO: unknown;
    io: ((uri: string, opts: object) => { nsp: string; io: { close(): void } }) & { connect: typeof g.io; Manager: unknown; Socket: unknown };
  };
  expect(g.io).toBe(g.emitwire.io);
  expect(typeof g.SocketIO).toBe('function');
  // pages written for Socket.IO's /socket.io/socket.io.js call io.connect(url) (its old name)
  const socket = g.io.connect('http://example.test/admin', { forceNew: true });
  expect(socket.nsp).toBe('/admin');
  expect(FakeWebSocket.last.url).toBe('ws://example.test/socket.io/?EIO=4&transport=websocket');
  socket.io.close();
  expect(g.io.Manager).toBe(g.emitwire.Manager);
  expect(g.io.Socket).toBe(g.emitwire.Socket);
});

describeInChromium('the browser test of @emitwire/client')('in Chromium', () => {
  beforeAll(async () => {
    // the package's own browser build (scripts/browser-bundles.mjs, an ES module: run by Node, not Jest)
    const script = scriptBuild();
    http = createServer((req, res) => {
      if (req.url === '/emitwire.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      } else if (!req.url?.startsWith('/socket.io/')) {
        res.writeHead(404).end();
      }
    });
    server = new Server(http, { transports: ['websocket'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    http?.closeAllConnections();
  });

  test('the script build connects, acks, receives a broadcast and binary data', async () => {
    server.on('connection', (socket) => {
      socket.on('chat', (text: string, ack: (ok: boolean) => void) => {
        ack(text === 'hi');
        server.emit('broadcast', { from: socket.id, text });
      });
      socket.on('echo', (a: Buffer, b: Buffer, ack: (r: unknown) => void) => ack({ a: [...a], b: [...b] }));
      socket.emit('bin', Buffer.from([1, 2, 3]), { data: new Uint8Array([4, 5]) });
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const port = (http.address() as AddressInfo).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const out = (await page.evaluate('window.result')) as Record<string, unknown>;
    expect(errors).toEqual([]);
    expect(out.globals).toBe(true);
    expect(out.ack).toBe(true);
    expect(out.broadcast).toEqual({ from: out.id, text: 'hi' });
    expect(out.binary).toEqual({ isArrayBuffer: true, bytes: [1, 2, 3], nested: [4, 5] });
    expect(out.echo).toEqual({ a: [7, 8, 9], b: [1, 2] });
    await page.close();
  }, 60000);
});
