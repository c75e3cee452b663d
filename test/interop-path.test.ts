/*
 * A custom `path` end to end: our client reaches our server and the official one at `/custom`
 * (nothing answers at the default path), and our server serves the client script under it.
 * Also `reconnect_failed` against our server, once it is gone for good.
 */
import { createServer, get, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from '@emitwire/client/node';
import { Server as OurServer } from '@emitwire/server';
import { Server as OfficialServer } from 'socket.io';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function fetchStatus(url: string): Promise<{ status: number; type: string | undefined; cache: string | undefined }> {
  return new Promise((resolve, reject) =>
    get(url, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, type: res.headers['content-type'], cache: res.headers['cache-control'] });
    }).on('error', reject),
  );
}

describe.each(['emitwire', 'socket.io'] as const)('path "/custom" on the %s server', (kind) => {
  test('our client connects there and round-trips an ack; the default path is not served', async () => {
    const http = createServer((_req, res) => res.writeHead(404).end());
    if (kind === 'emitwire') {
      const srv = new OurServer(http, { path: '/custom' });
      srv.on('echo', (_socket, x) => x);
      closers.push(() => srv.close());
    } else {
      const srv = new OfficialServer(http, { path: '/custom', transports: ['websocket'] });
      srv.on('connection', (s) => s.on('echo', (x: unknown, ack: (r: unknown) => void) => ack(x)));
      closers.push(() => new Promise<void>((resolve) => void srv.close(() => resolve())));
    }
    const url = await listen(http);
    const socket = io(url, { path: '/custom', forceNew: true, reconnection: false });
    closers.push(() => void socket.disconnect());
    expect(await socket.timeout(2000).emitWithAck('echo', 'here')).toBe('here');
    // the same client without the path finds nothing at /socket.io/
    const lost = io(url, { forceNew: true, reconnection: false, timeout: 2000 });
    closers.push(() => void lost.disconnect());
    const err = await new Promise<Error>((resolve) => lost.once('connect_error', resolve));
    expect(err).toBeInstanceOf(Error);
    expect(lost.connected).toBe(false);
  });
});

test('our server serves the client script under its path, with caching headers', async () => {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const srv = new OurServer(http, { path: '/custom' });
  closers.push(() => srv.close());
  const url = await listen(http);
  const script = await fetchStatus(`${url}/custom/emitwire.min.js`);
  expect(script.status).toBe(200);
  expect(script.type).toMatch(/javascript/);
  expect(script.cache).toMatch(/max-age=\d+/);
  expect((await fetchStatus(`${url}/socket.io/emitwire.min.js`)).status).toBe(404);
});

test('reconnect_failed against our server once it is gone: every attempt reported, then no more', async () => {
  const http = createServer();
  const srv = new OurServer(http);
  const url = await listen(http);
  const socket = io(url, { forceNew: true, reconnectionAttempts: 2, reconnectionDelay: 10, reconnectionDelayMax: 10 });
  closers.push(() => void socket.disconnect());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const log: string[] = [];
  socket.io.on('reconnect_attempt', (n) => log.push(`attempt ${n}`));
  socket.io.on('reconnect_error', () => log.push('error'));
  const failed = new Promise<void>((resolve) =>
    socket.io.on('reconnect_failed', () => {
      log.push('failed');
      resolve();
    }),
  );
  await srv.close();
  await failed;
  await new Promise((resolve) => setTimeout(resolve, 100));
  // socket.io-client's order: reconnect_failed comes before the last attempt's reconnect_error
  expect(log).toEqual(['attempt 1', 'error', 'attempt 2', 'failed', 'error']);
  // no more attempts; the socket stays active (as in socket.io-client): socket.connect() tries again
  expect(socket.io.readyState).toBe('closed');
  expect(socket.connected).toBe(false);
});
