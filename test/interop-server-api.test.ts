/*
 * Interop matrix, the server API beyond messaging: per-packet middleware (`socket.use`),
 * `once` / `off` / `prependAny` on the server socket, `compress`, `disconnecting` with its rooms,
 * handshake headers and address, and `io.close()` as each client sees it. Every scenario runs for
 * our client ↔ our server, the official socket.io-client ↔ our server, and our client ↔ the official
 * socket.io server (the reference for what the application sees).
 */
import {
  OUR_SERVER,
  PAIRINGS,
  cleanup,
  connect,
  connected,
  delay,
  once,
  pair,
  rows,
  startServer,
  until,
  type Pairing,
  type PeerServerSocket,
} from './peers.js';

afterEach(cleanup);

type Next = (err?: Error) => void;
/** The server socket's API used here that PeerServerSocket leaves out. */
interface FullServerSocket extends PeerServerSocket {
  use(fn: (packet: unknown[], next: Next) => void): unknown;
  off(ev: string, fn: (...args: any[]) => void): unknown;
  prependAny(fn: (...args: any[]) => void): unknown;
  compress(on: boolean): { emit(ev: string, ...args: unknown[]): unknown };
  handshake: PeerServerSocket['handshake'] & { headers: Record<string, unknown>; address: string };
}

describe.each(rows(PAIRINGS))('%s', (_name, p: Pairing) => {
  test('socket.use: middleware sees each packet, may change its arguments, and drops it with next(err)', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const s = server as FullServerSocket;
    const seen: unknown[][] = [];
    const errors: string[] = [];
    s.use((packet, next) => {
      seen.push([...packet]);
      if (packet[0] === 'forbidden') return next(new Error('not allowed'));
      if (packet[0] === 'upper') packet[1] = String(packet[1]).toUpperCase();
      next();
    });
    s.on('error', (err: Error) => errors.push(err.message));
    const got: unknown[][] = [];
    for (const ev of ['upper', 'forbidden', 'plain']) s.on(ev, (...args: unknown[]) => got.push([ev, ...args]));
    client.emit('upper', 'abc');
    client.emit('forbidden', 1);
    client.emit('plain', 2);
    await until(() => got.length === 2, 2000, 'two events');
    await delay(20);
    expect(got).toEqual([
      ['upper', 'ABC'],
      ['plain', 2],
    ]);
    expect(seen).toEqual([['upper', 'abc'], ['forbidden', 1], ['plain', 2]]);
    // socket.io reports the refusal as the socket's "error" event; emitwire does not (a client may
    // send an event named "error") and acks the error when the client asked for an ack
    expect(errors).toEqual(p.server === 'socket.io' ? ['not allowed'] : []);
    const refused = await client
      .timeout(300)
      .emitWithAck('forbidden', 2)
      .catch((err: Error & { code?: string }) => err);
    expect(refused).toMatchObject(
      p.server === 'socket.io'
        ? { code: 'EW_ACK_TIMEOUT' }
        : p.client === 'emitwire'
          ? { code: 'EW_REMOTE', message: 'not allowed' }
          : { __emitwire_error__: { code: 'EW_REMOTE', message: 'not allowed' } }, // the error payload, as data
    );
    expect(s.connected).toBe(true);
  });

  test('server socket once / off / prependAny', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const s = server as FullServerSocket;
    const log: string[] = [];
    s.once('ev', (n: number) => log.push(`once ${n}`));
    const removed = (n: number): void => void log.push(`removed ${n}`);
    s.on('ev', removed);
    s.off('ev', removed);
    s.on('ev', (n: number) => log.push(`on ${n}`));
    s.onAny((ev: string) => log.push(`any ${ev}`));
    s.prependAny((ev: string) => log.push(`first ${ev}`));
    // one at a time: socket.io runs the catch-all listeners as a packet is read and the event's own
    // a tick later, so two packets read together interleave there
    client.emit('ev', 1);
    await until(() => log.includes('on 1'), 2000, 'the first event');
    client.emit('ev', 2);
    await until(() => log.includes('on 2'), 2000, 'the second event');
    expect(log).toEqual(['first ev', 'any ev', 'once 1', 'on 1', 'first ev', 'any ev', 'on 2']);
  });

  test('compress(false).emit is delivered like any emit', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const got = once(client, 'plain');
    (server as FullServerSocket).compress(false).emit('plain', { a: 1 }, 'b');
    expect(await got).toEqual([{ a: 1 }, 'b']);
  });

  test('disconnecting: the rooms are still readable, then disconnect with the same reason', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    server.join(['room-a', 'room-b']);
    const events: Array<[string, string, string[]]> = [];
    server.on('disconnecting', (reason: string) => events.push(['disconnecting', reason, [...server.rooms].sort()]));
    const done = new Promise<void>((resolve) =>
      server.on('disconnect', (reason: string) => {
        events.push(['disconnect', reason, [...server.rooms]]);
        resolve();
      }),
    );
    client.disconnect();
    await done;
    expect(events).toEqual([
      ['disconnecting', 'client namespace disconnect', [server.id, 'room-a', 'room-b'].sort()],
      ['disconnect', 'client namespace disconnect', []],
    ]);
  });

  test('handshake headers and address', async () => {
    const srv = await startServer(p.server);
    const { server } = await pair(p, srv);
    const { headers, address } = (server as FullServerSocket).handshake;
    expect(headers.host).toBe(`127.0.0.1:${srv.port}`);
    expect(headers.upgrade).toMatch(/^websocket$/i);
    expect(address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  test('io.close(): every server socket disconnects with "server shutting down"; the client loses its connection and tries again', async () => {
    const srv = await startServer(p.server);
    const a = await pair(p, srv);
    const b = await pair(p, srv);
    const reasons: string[] = [];
    for (const s of [a.server, b.server]) s.on('disconnect', (reason: string) => reasons.push(reason));
    const clientReasons = Promise.all([a.client, b.client].map((c) => once<[string]>(c, 'disconnect')));
    const attempt = once(a.client.io, 'reconnect_attempt');
    await srv.close();
    expect(reasons).toEqual(['server shutting down', 'server shutting down']);
    // no DISCONNECT packet is sent: the connection closes, which the client may recover from
    expect((await clientReasons).map(([r]) => r)).toEqual(['transport close', 'transport close']);
    await attempt;
    expect(a.client.active).toBe(true);
  });
});

describe.each(rows(OUR_SERVER))('%s', (_name, p: Pairing) => {
  test("seed style: io.on('disconnect', (socket, reason)) hears every socket's disconnection", async () => {
    const srv = await startServer(p.server);
    const heard: Array<[string, string]> = [];
    (srv.io as unknown as { on(ev: 'disconnect', fn: (s: PeerServerSocket, reason: string) => void): void }).on('disconnect', (s, reason) =>
      heard.push([s.id, reason]),
    );
    const a = await pair(p, srv);
    const b = await pair(p, srv);
    const bGone = once(b.server, 'disconnect');
    a.client.disconnect();
    b.server.disconnect();
    await until(() => heard.length === 2, 2000, 'two disconnections');
    await bGone;
    expect(heard.sort()).toEqual(
      [
        [a.server.id, 'client namespace disconnect'],
        [b.server.id, 'server namespace disconnect'],
      ].sort(),
    );
    // and the next client is served as usual
    const c = connect(p.client, srv.url);
    await connected(c);
  });
});
