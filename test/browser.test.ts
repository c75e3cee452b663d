/*
 * Our client in a real browser against OUR server: headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core) loads a page from an http server our Server is attached to; the page
 * uses `<script src="/socket.io/emitwire.min.js">` served by that Server (serveClient), connects in
 * the seed's style (`new SocketIO(host, port)`) and with `io('/admin')` on the same connection,
 * emits with acks, receives broadcasts and binary data (ArrayBuffer), and sends binary back.
 */
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeInChromium, launchChromium } from './support/chromium.js';
import { Server, type Socket } from '@emitwire/server';
import { io as nodeIo } from '@emitwire/client/node';

const SCRIPT = resolve(__dirname, '../packages/client/dist/emitwire.min.js');
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>emitwire browser test (emitwire server)</title>
<script src="/socket.io/emitwire.min.js"></script>
<script>
  window.result = new Promise((resolve, reject) => {
    const out = { globals: typeof emitwire === 'object' && window.io === emitwire.io && typeof SocketIO === 'function' };
    const want = ['ack', 'withAck', 'upload', 'broadcast', 'shout', 'binary', 'admin'];
    const done = () => { if (want.every((k) => k in out)) resolve(out); };
    setTimeout(() => reject(new Error('page timed out with ' + JSON.stringify(out))), 15000);
    // the seed page's style
    const io = new SocketIO('127.0.0.1', Number(location.port));
    io.on('connect_error', (err) => reject(new Error(err.code + ': ' + err.message)));
    io.on('connect', () => {
      out.id = io.id;
      io.emit('chat', 'hi', (ok) => { out.ack = ok; done(); });
      io.emitWithAck('sum', 20, 22).then((n) => { out.withAck = n; done(); }, reject);
      // binary back to the server: an ArrayBuffer, a typed array nested in an object
      io.emit('upload', new Uint8Array([1, 2, 3]).buffer, { nested: new Uint8Array([4, 5]) }, (r) => { out.upload = r; done(); });
      io.emit('ready');
    });
    io.on('broadcast', (msg) => { out.broadcast = msg; done(); });
    io.on('shout', (msg) => { out.shout = msg; done(); });
    io.on('bin', (buf, more) => {
      out.binary = {
        isArrayBuffer: buf instanceof ArrayBuffer,
        bytes: Array.from(new Uint8Array(buf)),
        nested: Array.from(new Uint8Array(more.deep[0])),
        nestedIsArrayBuffer: more.deep[0] instanceof ArrayBuffer,
      };
      done();
    });
    // same origin, another namespace: multiplexed on the SocketIO connection
    const admin = io.io && emitwire.io('/admin');
    admin.on('connect', () => admin.emitWithAck('whoami').then((name) => { out.admin = { name, shared: admin.io === io.io }; done(); }, reject));
  });
</script>`;

function httpGet(port: number, path: string): Promise<{ status: number; type: string | undefined; length: number }> {
  return new Promise((resolvePromise, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => (length += chunk.length));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, type: res.headers['content-type'], length }));
    })
      .on('error', reject)
      .end();
  });
}

describeInChromium('the browser test against the emitwire server')('in Chromium, against the emitwire server', () => {
  let io: Server;
  let browser: Browser | undefined;
  let port: number;

  beforeAll(async () => {
    if (!existsSync(SCRIPT)) {
      throw new Error(`${SCRIPT} is missing: run \`pnpm build\` first (\`pnpm test\` builds before testing)`);
    }
    const http = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      else res.writeHead(404).end();
    });
    // serveClient is on by default; the script is the client package's build
    io = new Server(http, { clientScript: SCRIPT, onHandlerError: () => {} });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    port = (http.address() as AddressInfo).port;
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await io?.close();
  });

  test('our server serves the script build', async () => {
    const res = await httpGet(port, '/socket.io/emitwire.min.js');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/javascript/);
    expect(res.length).toBeGreaterThan(1000);
  });

  test('the page connects, acks, receives broadcasts and ArrayBuffers, sends binary back', async () => {
    const uploads: unknown[] = [];
    // the seed's style on the server: io.on(event, (socket, ...args) => …)
    io.on('chat', (socket, text, ack) => {
      (ack as (ok: boolean) => void)(text === 'hi');
      io.emit('broadcast', { from: socket.id, text });
    });
    io.on('sum', (_socket, a, b) => (a as number) + (b as number));
    io.on('upload', (_socket, buf, obj) => {
      const b = buf as Buffer;
      const nested = (obj as { nested: Buffer }).nested;
      uploads.push({ isBuffer: Buffer.isBuffer(b), bytes: [...b], nested: [...nested] });
      return { sizes: [b.length, nested.length] };
    });
    io.of('/admin').on('connection', (s) => s.on('whoami', (ack) => (ack as (n: string) => void)(s.nsp.name)));
    const pageSocket = new Promise<Socket>((done) =>
      io.on('ready', (socket) => {
        socket.emit('bin', new Uint8Array([1, 2, 3]), { deep: [Buffer.from([4, 5])] });
        done(socket);
      }),
    );

    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/`);

    // a Node client of ours shouts; socket.broadcast reaches the page, not the sender
    const shouter = nodeIo(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
    const shouted: unknown[] = [];
    shouter.on('shout', (m) => shouted.push(m));
    io.on('shout', (socket, msg) => {
      socket.broadcast.emit('shout', msg);
    });
    const browserSide = await pageSocket;
    await shouter.emitWithAck('sum', 1, 2); // connected, and the page's socket exists
    shouter.emit('shout', { from: 'node', n: 1 });

    const out = (await page.evaluate('window.result')) as Record<string, unknown>;
    expect(errors).toEqual([]);
    expect(out.globals).toBe(true);
    expect(out.id).toBe(browserSide.id);
    expect(out.ack).toBe(true);
    expect(out.withAck).toBe(42);
    expect(out.broadcast).toEqual({ from: out.id, text: 'hi' });
    expect(out.shout).toEqual({ from: 'node', n: 1 });
    expect(out.binary).toEqual({ isArrayBuffer: true, bytes: [1, 2, 3], nested: [4, 5], nestedIsArrayBuffer: true });
    expect(out.upload).toEqual({ sizes: [3, 2] });
    expect(uploads).toEqual([{ isBuffer: true, bytes: [1, 2, 3], nested: [4, 5] }]);
    expect(out.admin).toEqual({ name: '/admin', shared: true });
    expect(shouted).toEqual([]);
    // same origin: the handshake carried the page's Origin and was accepted
    expect(browserSide.handshake.headers.origin).toBe(`http://127.0.0.1:${port}`);
    expect(browserSide.handshake.xdomain).toBe(false);
    shouter.disconnect();
    await page.close();
  }, 60000);
});
