/*
 * Our client against the official socket.io 4.8 server (WebSocket transport): the wire
 * compatibility that DESIGN.md promises, on real sockets.
 */
import type { Socket as ServerSocket } from 'socket.io';
import { io, SocketIO, EmitwireError, RpcError, ErrorCode, type Socket } from '@emitwire/client/node';
import { startPeer, once, type Peer } from './helpers.js';

let peer: Peer;
const clients: Socket[] = [];

/** A client that is closed after the test. */
function client(nsp = '', opts: Parameters<typeof io>[1] = {}): Socket {
  const socket = io(peer.url + nsp, { forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 20, ...opts });
  clients.push(socket);
  return socket;
}

/** The Engine.IO session id (private in engine.io's typings). */
const engineId = (s: ServerSocket): string => (s.conn as unknown as { id: string }).id;

function nextConnection(nsp = '/'): Promise<ServerSocket> {
  return new Promise((resolve) => peer.io.of(nsp).once('connection', resolve));
}

beforeEach(async () => {
  peer = await startPeer();
});
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.io.close();
  await peer.close();
});

test('connects with auth and query; ids match the server', async () => {
  const serverSide = nextConnection();
  const socket = client('?fromUrl=1', { auth: { token: 'abc' }, query: { fromOpts: '2' } });
  await once(socket, 'connect');
  const s = await serverSide;
  expect(socket.id).toBe(s.id);
  expect(s.handshake.auth).toEqual({ token: 'abc' });
  expect(s.handshake.query).toMatchObject({ fromUrl: '1', fromOpts: '2', EIO: '4', transport: 'websocket' });
});

test('a namespace with non-ASCII characters or a space connects by its name, as written', async () => {
  for (const nsp of ['/café', '/my room']) {
    const serverSide = nextConnection(nsp);
    const socket = client(nsp);
    await once(socket, 'connect');
    expect((await serverSide).nsp.name).toBe(nsp);
  }
});

test('emit with ack callback and emitWithAck; the server asks the client for acks', async () => {
  peer.io.on('connection', (s) => {
    s.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
  });
  const serverSide = nextConnection();
  const socket = client();
  socket.on('question', (q, ack) => (ack as (a: string) => void)(`answer to ${String(q)}`));
  await once(socket, 'connect');
  const viaCallback = await new Promise((resolve) => socket.emit('sum', 1, 2, resolve));
  expect(viaCallback).toBe(3);
  expect(await socket.emitWithAck('sum', 20, 22)).toBe(42);
  expect(await socket.timeout(2000).emitWithAck('sum', 1, 1)).toBe(2);
  const s = await serverSide;
  expect(await s.timeout(2000).emitWithAck('question', 'life')).toBe('answer to life');
});

test('a broadcast reaches every client', async () => {
  const a = client();
  const b = client();
  await Promise.all([once(a, 'connect'), once(b, 'connect')]);
  const got = Promise.all([once(a, 'news'), once(b, 'news')]);
  peer.io.emit('news', { headline: 'hi' });
  expect(await got).toEqual([[{ headline: 'hi' }], [{ headline: 'hi' }]]);
});

test('binary data both ways: Buffer, ArrayBuffer, typed arrays, nested', async () => {
  peer.io.on('connection', (s) => {
    s.on('echo', (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    s.emit('bin', Buffer.from([1, 2]), { nested: [Buffer.from([3])] });
  });
  const socket = client();
  const [first, second] = await once<[Buffer, { nested: Buffer[] }]>(socket, 'bin');
  // Buffers with ws (Node 20); ArrayBuffers with Node's global WebSocket (Node 22+)
  const bytes = (b: unknown): number[] => [...(b instanceof ArrayBuffer ? new Uint8Array(b) : (b as Buffer))];
  expect(Buffer.isBuffer(first)).toBe(globalThis.WebSocket === undefined);
  expect(bytes(first)).toEqual([1, 2]);
  expect(bytes(second.nested[0])).toEqual([3]);
  const res = await new Promise<unknown[]>((resolve) =>
    socket.emit('echo', new Uint8Array([4, 5]).buffer, { deep: new Uint16Array([0x0106]) }, Buffer.from('x'), (...r: unknown[]) => resolve(r)),
  );
  expect(bytes(res[0])).toEqual([4, 5]);
  expect(bytes((res[1] as { deep: Buffer }).deep)).toEqual([6, 1]);
  expect(bytes(res[2])).toEqual([...Buffer.from('x')]);
});

test('middleware refusal: connect_error with the message and data, no reconnection', async () => {
  peer.io.use((_s, next) => {
    const err = new Error('not authorized') as Error & { data: unknown };
    err.data = { retryAfter: 5 };
    next(err);
  });
  const socket = client();
  const [err] = await once<[RpcError]>(socket, 'connect_error');
  expect(err).toBeInstanceOf(RpcError);
  expect(err).toMatchObject({ code: ErrorCode.CONNECT_REFUSED, message: 'not authorized', data: { retryAfter: 5 } });
  expect(socket.active).toBe(false);
});

test('an unknown namespace is refused', async () => {
  peer.io.of('/known');
  const socket = client('/unknown');
  const [err] = await once<[RpcError]>(socket, 'connect_error');
  expect(err).toMatchObject({ code: ErrorCode.CONNECT_REFUSED, message: 'Invalid namespace' });
});

test('namespaces share one connection; forceNew opens another', async () => {
  peer.io.of('/admin');
  const main = io(peer.url, { forceNew: true });
  clients.push(main);
  const serverMain = nextConnection();
  const serverAdmin = nextConnection('/admin');
  const admin = main.io.socket('/admin');
  await Promise.all([once(main, 'connect'), once(admin, 'connect')]);
  expect(engineId(await serverMain)).toBe(engineId(await serverAdmin));
  const other = client('/admin');
  const serverOther = nextConnection('/admin');
  await once(other, 'connect');
  expect(engineId(await serverOther)).not.toBe(engineId(await serverMain));
});

test('an ack called after its namespace was left does not cost the shared connection', async () => {
  peer.io.of('/admin').on('connection', (s) => s.emit('q', () => {}));
  peer.io.on('connection', (s) => s.on('ping', (ack: (v: string) => void) => ack('pong')));
  const main = client();
  const admin = main.io.socket('/admin');
  const [[ack]] = (await Promise.all([once(admin, 'q'), once(main, 'connect')])) as [[(v: string) => void], unknown];
  const lost: string[] = [];
  main.on('disconnect', (reason) => lost.push(reason));
  admin.disconnect();
  await new Promise((r) => setTimeout(r, 50)); // a handler that answers later
  ack('too late'); // a socket.io server closes a connection that sends a packet for a namespace it has not joined
  expect(await main.timeout(2000).emitWithAck('ping')).toBe('pong');
  await new Promise((r) => setTimeout(r, 50));
  expect(lost).toEqual([]);
  expect(main.connected).toBe(true);
});

test('server disconnect: "io server disconnect" and no reconnection', async () => {
  const serverSide = nextConnection();
  const socket = client();
  await once(socket, 'connect');
  const attempts: number[] = [];
  socket.io.on('reconnect_attempt', (n) => attempts.push(n));
  (await serverSide).disconnect();
  expect(await once(socket, 'disconnect')).toEqual(['io server disconnect']);
  await new Promise((r) => setTimeout(r, 50));
  expect(attempts).toEqual([]);
  expect(socket.active).toBe(false);
});

test('client disconnect: the server sees "client namespace disconnect"', async () => {
  const serverSide = nextConnection();
  const socket = client();
  await once(socket, 'connect');
  const s = await serverSide;
  const reason = once(s, 'disconnect');
  socket.disconnect();
  expect(await reason).toEqual(['client namespace disconnect', undefined]);
});

test('transport loss: reconnects, and emits made meanwhile are delivered in order', async () => {
  const received: unknown[] = [];
  peer.io.on('connection', (s) =>
    s.on('n', (n: number, ack?: () => void) => {
      received.push(n);
      ack?.();
    }),
  );
  const serverSide = nextConnection();
  const socket = client();
  await once(socket, 'connect');
  const reconnected = once(socket.io, 'reconnect');
  (await serverSide).conn.close();
  expect(await once(socket, 'disconnect')).toEqual(['transport close', expect.anything()]);
  socket.emit('n', 1);
  socket.emit('n', 2);
  await reconnected;
  await socket.emitWithAck('n', 3);
  expect(received).toEqual([1, 2, 3]);
});

test('heartbeat: pings are answered, the connection stays up', async () => {
  await peer.close();
  // a 200 ms pong window (lenient on a loaded CI machine), watched for 600 ms: a client that did
  // not answer would be closed after 240 ms
  peer = await startPeer({ pingInterval: 40, pingTimeout: 200 });
  const serverSide = nextConnection();
  const socket = client();
  await once(socket, 'connect');
  let pings = 0;
  socket.io.on('ping', () => pings++);
  const s = await serverSide;
  await new Promise((r) => setTimeout(r, 600));
  expect(pings).toBeGreaterThanOrEqual(3);
  expect(s.connected).toBe(true);
  expect(socket.connected).toBe(true);
});

test('connection state recovery: recovered, missed events replayed', async () => {
  await peer.close();
  peer = await startPeer({ connectionStateRecovery: {} });
  const serverSide = nextConnection();
  const socket = client();
  const got: unknown[] = [];
  socket.on('tick', (n) => got.push(n));
  await once(socket, 'connect');
  expect(socket.recovered).toBe(false);
  const first = await serverSide;
  peer.io.emit('tick', 1);
  await new Promise((r) => setTimeout(r, 20));
  first.conn.close();
  await once(socket, 'disconnect');
  peer.io.emit('tick', 2); // missed while disconnected
  await once(socket, 'connect');
  expect(socket.recovered).toBe(true);
  expect(socket.id).toBe(first.id);
  await new Promise((r) => setTimeout(r, 20));
  expect(got).toEqual([1, 2]);
});

test('connection state recovery refused by a middleware, then accepted: the missed events are delivered once', async () => {
  await peer.close();
  // the server replays missed events before its middlewares run (and again on the next try)
  peer = await startPeer({ connectionStateRecovery: { skipMiddlewares: false } });
  let refuse = false;
  peer.io.use((_s, next) => next(refuse ? new Error('token expired') : undefined));
  const serverSide = nextConnection();
  const socket = client();
  const got: unknown[] = [];
  socket.on('tick', (n) => got.push(n));
  await once(socket, 'connect');
  peer.io.emit('tick', 1);
  await new Promise((r) => setTimeout(r, 20));
  refuse = true;
  (await serverSide).conn.close();
  await once(socket, 'disconnect');
  peer.io.emit('tick', 2); // missed while disconnected
  const [err] = await once<[RpcError]>(socket, 'connect_error');
  expect(err).toMatchObject({ code: ErrorCode.CONNECT_REFUSED, message: 'token expired' });
  expect(got).toEqual([1]);
  refuse = false; // a new token
  socket.connect();
  await once(socket, 'connect');
  expect(socket.recovered).toBe(true);
  await new Promise((r) => setTimeout(r, 20));
  expect(got).toEqual([1, 2]);
});

test('a handler error payload rejects emitWithAck with that RpcError', async () => {
  peer.io.on('connection', (s) => {
    s.on('fail', (ack: (e: unknown) => void) => ack({ __emitwire_error__: { code: 'E_DENIED', message: 'denied' } }));
  });
  const socket = client();
  const err = await socket.emitWithAck('fail').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RpcError);
  expect(err).toMatchObject({ code: 'E_DENIED', message: 'denied' });
});

test("the seed page's style: new SocketIO(host, port)", async () => {
  peer.io.on('connection', (s) => s.on('chat', (msg: string, ack: (ok: boolean) => void) => ack(msg === 'hi')));
  const socket = new SocketIO('127.0.0.1', peer.port, { forceNew: true });
  clients.push(socket);
  await once(socket, 'connect');
  const ok = await new Promise((resolve) => socket.emit('chat', 'hi', resolve));
  expect(ok).toBe(true);
});

test("the server's maxPayload (maxHttpBufferSize 1000): a larger emit fails with EW_PAYLOAD_TOO_LARGE, the connection stays up", async () => {
  await peer.close();
  peer = await startPeer({ maxHttpBufferSize: 1000 });
  const received: number[] = [];
  peer.io.on('connection', (s) => {
    s.on('data', (text: string) => received.push(text.length));
    s.on('echo', (text: string, ack: (t: string) => void) => ack(text));
  });
  const serverSide = nextConnection();
  const socket = client();
  const disconnects: unknown[] = [];
  socket.on('disconnect', (reason) => disconnects.push(reason));
  await once(socket, 'connect');
  // '42["data","…"]' with 495 'é' is 1,003 UTF-8 bytes (508 UTF-16 units); with 987 ASCII letters, 1,000 bytes
  let err: unknown;
  try {
    socket.emit('data', 'é'.repeat(495));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EmitwireError);
  expect(err).toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  await expect(socket.emitWithAck('echo', 'x'.repeat(2000))).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  await expect(socket.emitWithAck('data', Buffer.alloc(1001))).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  socket.emit('data', 'a'.repeat(987)); // exactly 1,000 bytes: accepted
  expect(await socket.emitWithAck('echo', 'small')).toBe('small');
  expect(received).toEqual([987]);
  // the server's maxPayload bounds what it receives, not what it sends: a larger server message arrives
  const big = once<[string]>(socket, 'big');
  (await serverSide).emit('big', 'b'.repeat(5000));
  expect((await big)[0]).toHaveLength(5000);
  expect(socket.connected).toBe(true);
  expect(disconnects).toEqual([]);
});
