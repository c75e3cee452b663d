/*
 * Interop matrix, connection lifecycle: who disconnects and what each side sees, reconnection
 * after a server restart (offline emits delivered in order), volatile emits, heartbeat in both
 * directions (small intervals; silence is made by a freezable TCP proxy, not by sleeping).
 */
import {
  PAIRINGS,
  cleanup,
  connect,
  connected,
  delay,
  nextConnection,
  once,
  pair,
  rows,
  startServer,
  until,
  type Pairing,
  type PeerServer,
} from './peers.js';
import { startProxy } from './proxy.js';

afterEach(cleanup);

describe.each(rows(PAIRINGS))('%s', (_name, p: Pairing) => {
  test('server-side disconnect: the client sees "io server disconnect" and does not reconnect', async () => {
    const srv = await startServer(p.server);
    let connections = 0;
    srv.io.on('connection', () => connections++);
    const { client, server } = await pair(p, srv);
    const serverReason = once(server, 'disconnect');
    const clientReason = once(client, 'disconnect');
    server.disconnect();
    expect(await clientReason).toEqual(['io server disconnect']);
    expect(await serverReason).toEqual(['server namespace disconnect']);
    await delay(150); // reconnection delays are 10–50 ms: nothing may happen
    expect(connections).toBe(1);
    expect(client.connected).toBe(false);
    expect(client.active).toBe(false);
    // the application can reconnect explicitly
    const again = nextConnection(srv);
    client.connect();
    await connected(client);
    expect((await again).id).toBe(client.id);
  });

  test('server-side disconnect(true) closes the connection: still no automatic reconnection', async () => {
    const srv = await startServer(p.server);
    let connections = 0;
    srv.io.on('connection', () => connections++);
    const { client, server } = await pair(p, srv);
    const clientReason = once(client, 'disconnect');
    server.disconnect(true);
    expect(await clientReason).toEqual(['io server disconnect']);
    await delay(150);
    expect(connections).toBe(1);
    expect(client.connected).toBe(false);
  });

  test('client-side disconnect: the server sees "client namespace disconnect"', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const order: string[] = [];
    server.on('disconnecting', (reason: string) => order.push(`disconnecting:${reason}:${[...server.rooms].length}`));
    const serverReason = once(server, 'disconnect');
    const clientReason = once(client, 'disconnect');
    client.disconnect();
    expect(await clientReason).toEqual(['io client disconnect']);
    expect((await serverReason)[0]).toBe('client namespace disconnect');
    expect(order).toEqual(['disconnecting:client namespace disconnect:1']);
    expect(server.connected).toBe(false);
  });

  test('reconnects after the server restarts on the same port; offline emits arrive in order, volatile ones are dropped', async () => {
    const first = await startServer(p.server);
    const port = first.port;
    const { client } = await pair(p, first);
    const firstId = client.id;
    const attempts: number[] = [];
    client.io.on('reconnect_attempt', (n: number) => attempts.push(n));
    const reconnected = once<[number]>(client.io, 'reconnect');
    const lost = once(client, 'disconnect');
    await first.close();
    const [reason] = await lost;
    expect(['transport close', 'transport error']).toContain(reason);
    // offline: plain emits are buffered (with an ack too), volatile ones are dropped. (socket.io-client
    // 4.8 decides by its old transport's `writable` flag, still true while it waits to reconnect, so
    // it buffers this one: the volatile check is for our client; see the next test for both.)
    client.emit('m', 1);
    if (p.client === 'emitwire') client.volatile.emit('m', 'volatile');
    client.emit('m', 2, { two: true });
    const acked = new Promise((resolve) => client.emit('m', 3, resolve));
    client.emit('m', 4);
    const received: unknown[][] = [];
    const second: PeerServer = await startServer(p.server, { port }, (io) =>
      io.on('connection', (s) =>
        s.on('m', (...args: unknown[]) => {
          const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (v: string) => void) : undefined;
          received.push(args);
          ack?.('ack3');
        }),
      ),
    );
    expect(second.port).toBe(port);
    await once(client, 'connect');
    expect(client.id).not.toBe(firstId);
    const [n] = await reconnected;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(await acked).toBe('ack3');
    await until(() => received.length === 4, 2000, `the buffered emits ${JSON.stringify(received)}`);
    expect(received).toEqual([[1], [2, { two: true }], [3], [4]]);
    // and the connection works normally afterwards
    client.emit('m', 5);
    await until(() => received.length === 5, 2000, 'a live emit');
    expect(received[4]).toEqual([5]);
  });

  test('a client started before its server: connect_error, retries, then connects and flushes its emits', async () => {
    const probe = await startServer(p.server); // finds a free port, then frees it
    const port = probe.port;
    await probe.close();
    const client = connect(p.client, `http://127.0.0.1:${port}`);
    const errors: Error[] = [];
    client.on('connect_error', (err: Error) => errors.push(err));
    client.emit('early', 1);
    await until(() => errors.length >= 2, 2000, 'failed attempts');
    const got: unknown[] = [];
    await startServer(p.server, { port }, (io) => io.on('connection', (s) => s.on('early', (n: number) => got.push(n))));
    await connected(client);
    await until(() => got.length === 1, 2000, 'the early emit');
    expect(got).toEqual([1]);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
  });

  test('volatile emits while disconnected are dropped, plain ones are kept', async () => {
    const srv = await startServer(p.server);
    const { client } = await pair(p, srv);
    const got: unknown[] = [];
    srv.io.on('connection', (s) => s.on('v', (x: unknown) => got.push(x)));
    client.disconnect();
    client.volatile.emit('v', 'dropped');
    client.emit('v', 'kept');
    const s = nextConnection(srv);
    client.connect();
    await s;
    await until(() => got.length === 1, 2000, 'the kept emit');
    client.emit('v', 'live');
    await until(() => got.length === 2, 2000, `a live emit ${JSON.stringify(got)}`);
    if (p.client === 'emitwire') {
      // connected, a volatile emit goes out (socket.io-client also drops it while its transport is
      // busy writing, so this part is ours only)
      client.volatile.emit('v', 'live volatile');
      await until(() => got.length === 3, 2000, `a live volatile emit ${JSON.stringify(got)}`);
    }
    expect(got).toEqual(['kept', 'live', ...(p.client === 'emitwire' ? ['live volatile'] : [])]);
  });

  test('heartbeat: a client that stops answering pings is closed with "ping timeout"', async () => {
    const srv = await startServer(p.server, { pingInterval: 50, pingTimeout: 100 });
    const proxy = await startProxy(srv.port);
    const serverSide = nextConnection(srv);
    const client = connect(p.client, proxy.url, { reconnection: false });
    await connected(client);
    const s = await serverSide;
    // a few heartbeats pass while the client answers
    await delay(200);
    expect(s.connected).toBe(true);
    const reason = once(s, 'disconnect');
    const started = Date.now();
    proxy.freeze('up'); // the client's pongs no longer reach the server
    expect((await reason)[0]).toBe('ping timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('heartbeat: the client detects a silent server ("ping timeout") and reconnects', async () => {
    const srv = await startServer(p.server, { pingInterval: 50, pingTimeout: 100 });
    const proxy = await startProxy(srv.port);
    const client = connect(p.client, proxy.url);
    await connected(client);
    await delay(200);
    expect(client.connected).toBe(true);
    const lost = once(client, 'disconnect');
    const started = Date.now();
    proxy.freeze('both'); // the server goes silent (its pings no longer arrive)
    const [reason] = await lost;
    expect(reason).toBe('ping timeout');
    expect(Date.now() - started).toBeLessThan(1000);
    const back = nextConnection(srv);
    await once(client, 'connect');
    const s = await back;
    expect(s.id).toBe(client.id);
    expect(proxy.connections).toBe(2);
    // the new connection is alive
    s.on('echo', (v: string, ack: (v: string) => void) => ack(v));
    expect(await client.emitWithAck('echo', 'alive')).toBe('alive');
  });
});
