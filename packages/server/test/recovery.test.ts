// Connection state recovery (connectionStateRecovery): sessions kept after a drop the client did not
// choose, missed packets replayed before the CONNECT answer, offsets on the wire, the bounds
// (maxDisconnectionDuration, maxStoredPackets), skipMiddlewares; with our client and socket.io-client.
import { io as ours } from '@emitwire/client/node';
import { io as official } from 'socket.io-client';
import type { BroadcastOptions, Socket } from '@emitwire/server';
import { SessionStore } from '../src/session-store.js';
import { DEFAULT_RECOVERY_OPTIONS } from '../src/options.js';
import { RawClient, cleanup, once, startServer, type TestServer } from './helpers.js';

afterEach(cleanup);

/** What the tests use of either client. */
interface Peer {
  id: string | undefined;
  connected: boolean;
  recovered: boolean;
  on(ev: string, fn: (...args: never[]) => void): unknown;
  once(ev: string, fn: (...args: never[]) => void): unknown;
  onAny(fn: (ev: string, ...args: unknown[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

interface Kind {
  name: string;
  make(srv: TestServer, reconnectionDelay: number): Peer;
}

const open: Peer[] = [];
afterEach(() => {
  for (const peer of open.splice(0)) peer.disconnect();
});

const KINDS: Kind[] = [
  {
    name: '@emitwire/client',
    make: (srv, reconnectionDelay) =>
      ours(srv.url, { forceNew: true, reconnectionDelay, reconnectionDelayMax: reconnectionDelay, randomizationFactor: 0 }) as unknown as Peer,
  },
  {
    name: 'socket.io-client',
    make: (srv, reconnectionDelay) =>
      official(srv.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay,
        reconnectionDelayMax: reconnectionDelay,
        randomizationFactor: 0,
      }) as unknown as Peer,
  },
];

function peer(kind: Kind, srv: TestServer, reconnectionDelay = 50): Peer {
  const p = kind.make(srv, reconnectionDelay);
  open.push(p);
  return p;
}

function connectedOnce(p: Peer): Promise<void> {
  return new Promise((resolve, reject) => {
    p.once('connect', () => resolve());
    p.once('connect_error', reject as (...args: never[]) => void);
  });
}

/** The server socket of the next connection. */
function nextSocket(srv: TestServer): Promise<Socket> {
  return new Promise((resolve) => srv.io.once('connection', (s) => resolve(s as Socket)));
}

/**
 * Connects, joins `room`, sets data, and makes sure the client holds an offset (a first event).
 * Returns the server socket and the events the client receives from then on (`[event, first arg]`).
 */
async function setUp(kind: Kind, srv: TestServer, reconnectionDelay = 50) {
  const serverSide = nextSocket(srv);
  const client = peer(kind, srv, reconnectionDelay);
  const events: unknown[][] = [];
  client.onAny((ev, ...args) => events.push([ev, args[0]]));
  await connectedOnce(client);
  const socket = await serverSide;
  socket.join('room1');
  socket.data = { user: 'ada' };
  const hello = once(client as never, 'hello');
  socket.emit('hello', 0);
  await hello;
  events.length = 0;
  return { client, socket, events };
}

const RECOVERY = { connectionStateRecovery: {} };

/** Drops the connection with `drop` and resolves with the server socket once the client is back. */
async function dropAndReconnect(srv: TestServer, client: Peer, drop: () => void): Promise<Socket> {
  const back = nextSocket(srv);
  const reconnected = connectedOnce(client);
  drop();
  const again = await back;
  await reconnected;
  return again;
}

/** The client came back as a new socket: new id, own room only, not recovered on either side. */
function expectNewSession(again: Socket, before: Socket, client: Peer): void {
  expect(again.recovered).toBe(false);
  expect(again.id).not.toBe(before.id);
  expect(again.rooms).toEqual(new Set([again.id]));
  expect(client.recovered).toBe(false);
  expect(client.id).toBe(again.id);
}

describe.each(KINDS.map((k) => [k.name, k] as const))('%s', (_name, kind) => {
  test('a dropped transport recovers: same id, rooms, data; missed packets replayed in order', async () => {
    const srv = await startServer(RECOVERY);
    const { client, socket, events } = await setUp(kind, srv);
    const id = socket.id;
    expect(client.id).toBe(id);
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => {
      reasons.push(reason);
      // sent while the client is away
      srv.io.to('room1').emit('room', 1);
      srv.io.to(id).emit('direct', 2);
      srv.io.emit('all', 3);
      srv.io.to('room2').emit('other-room', 4);
      srv.io.except('room1').emit('excepted', 5);
      srv.io.volatile.emit('volatile', 6);
      srv.io.to('room1').emit('room', 7);
    });
    const again = await dropAndReconnect(srv, client, () => socket.conn.terminate());
    expect(reasons).toEqual(['transport close']);
    expect(again.id).toBe(id);
    expect(again.recovered).toBe(true);
    expect(again.rooms).toEqual(new Set([id, 'room1']));
    expect(again.data).toEqual({ user: 'ada' });
    expect(client.id).toBe(id);
    expect(client.recovered).toBe(true);
    expect(events).toEqual([
      ['room', 1],
      ['direct', 2],
      ['all', 3],
      ['room', 7],
    ]);
    // still in its rooms after the recovery
    const more = once(client as never, 'room');
    srv.io.to('room1').emit('room', 8);
    expect((await more)[0]).toBe(8);
  });

  test('a socket emit made before the drop and broadcasts from socket.broadcast are replayed', async () => {
    const srv = await startServer(RECOVERY);
    const { client, socket, events } = await setUp(kind, srv);
    const other = peer(kind, srv);
    const otherSide = nextSocket(srv);
    await connectedOnce(other);
    const sender = await otherSide;
    socket.on('disconnect', () => {
      sender.broadcast.emit('from-other', 1);
      sender.to('room1').emit('from-other', 2);
      socket.emit('to-gone-socket', 3); // the old socket is disconnected: not sent, not kept
    });
    const reconnected = connectedOnce(client);
    socket.conn.terminate();
    await reconnected;
    expect(client.recovered).toBe(true);
    expect(events).toEqual([
      ['from-other', 1],
      ['from-other', 2],
    ]);
  });

  test('in a child of a dynamic namespace: the empty child waits for the kept session, which recovers', async () => {
    const srv = await startServer(RECOVERY);
    const parent = srv.io.of(/^\/room-\w+$/);
    const serverSide = new Promise<Socket>((resolve) => parent.once('connection', (s) => resolve(s as Socket)));
    const client = kind.make({ ...srv, url: `${srv.url}/room-a` }, 50);
    open.push(client);
    await connectedOnce(client);
    const socket = await serverSide;
    socket.join('r');
    const hello = once(client as never, 'hello'); // the client holds an offset
    socket.emit('hello', 0);
    await hello;
    const child = socket.nsp;
    const back = new Promise<Socket>((resolve) => parent.once('connection', (s) => resolve(s as Socket)));
    const reconnected = connectedOnce(client);
    // its only socket gone: before, the child (and the session its adapter kept) went with it
    socket.conn.terminate();
    const again = await back;
    await reconnected;
    expect(again.nsp).toBe(child);
    expect(again.recovered).toBe(true);
    expect(again.id).toBe(socket.id);
    expect(again.rooms).toEqual(new Set([socket.id, 'r']));
    expect(client.recovered).toBe(true);
  });

  test('a client-chosen disconnect is not recovered', async () => {
    const srv = await startServer(RECOVERY);
    const { client, socket } = await setUp(kind, srv);
    const left = once(socket as never, 'disconnect');
    client.disconnect();
    expect((await left)[0]).toBe('client namespace disconnect');
    const back = nextSocket(srv);
    client.connect();
    await connectedOnce(client);
    const again = await back;
    expect(again.recovered).toBe(false);
    expect(again.id).not.toBe(socket.id);
    expect(again.rooms).toEqual(new Set([again.id]));
    expect(client.recovered).toBe(false);
  });

  test('socket.disconnect(true) is not recovered', async () => {
    const srv = await startServer(RECOVERY);
    const { client, socket } = await setUp(kind, srv);
    const left = once(socket as never, 'disconnect');
    const clientLeft = once(client as never, 'disconnect');
    socket.disconnect(true);
    expect((await left)[0]).toBe('server namespace disconnect');
    await clientLeft;
    const back = nextSocket(srv);
    client.connect();
    const again = await back;
    expect(again.recovered).toBe(false);
    expect(again.id).not.toBe(socket.id);
  });

  test('a connection the server closes (conn.close(), forced close) is not recovered', async () => {
    const srv = await startServer(RECOVERY);
    const { client, socket } = await setUp(kind, srv);
    const left = once(socket as never, 'disconnect');
    const again = await dropAndReconnect(srv, client, () => socket.conn.close());
    expect((await left)[0]).toBe('forced close');
    expectNewSession(again, socket, client);
  });

  test('past maxDisconnectionDuration the session is gone: new id, not recovered', async () => {
    const srv = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 100 } });
    const { client, socket } = await setUp(kind, srv, 400);
    const again = await dropAndReconnect(srv, client, () => socket.conn.terminate());
    expectNewSession(again, socket, client);
  });

  test('past maxStoredPackets the offset is gone: new id, not recovered', async () => {
    const srv = await startServer({ connectionStateRecovery: { maxStoredPackets: 3 } });
    const { client, socket, events } = await setUp(kind, srv);
    socket.on('disconnect', () => {
      for (let i = 0; i < 3; i++) srv.io.emit('n', i);
    });
    const again = await dropAndReconnect(srv, client, () => socket.conn.terminate());
    expectNewSession(again, socket, client);
    expect(events).toEqual([]);
  });

  test.each([true, false])('skipMiddlewares %s', async (skipMiddlewares) => {
    const srv = await startServer({ connectionStateRecovery: { skipMiddlewares } });
    const seen: boolean[] = [];
    srv.io.use((s, next) => {
      seen.push(s.recovered);
      next();
    });
    const { socket } = await setUp(kind, srv);
    const back = nextSocket(srv);
    socket.conn.terminate();
    const again = await back;
    expect(again.recovered).toBe(true);
    expect(seen).toEqual(skipMiddlewares ? [false] : [false, true]);
  });

  test('a middleware refusing a recovering socket (skipMiddlewares false) refuses it', async () => {
    const srv = await startServer({ connectionStateRecovery: { skipMiddlewares: false } });
    srv.io.use((s, next) => next(s.recovered ? new Error('no way back') : undefined));
    const { client, socket } = await setUp(kind, srv);
    const refused = once<[Error]>(client as never, 'connect_error');
    socket.conn.terminate();
    expect((await refused)[0].message).toBe('no way back');
    client.disconnect();
  });
});

test('socket.io-client dropping its own transport recovers', async () => {
  const srv = await startServer(RECOVERY);
  const { client, socket, events } = await setUp(KINDS[1]!, srv);
  socket.on('disconnect', () => srv.io.to('room1').emit('room', 1));
  const engine = (client as unknown as { io: { engine: { close(): void } } }).io.engine;
  const again = await dropAndReconnect(srv, client, () => engine.close());
  expect(again.id).toBe(socket.id);
  expect(client.recovered).toBe(true);
  expect(events).toEqual([['room', 1]]);
});

test('an empty child of a dynamic namespace goes once its kept sessions have expired (cleanupEmptyChildNamespaces)', async () => {
  const srv = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 300 } });
  const parent = srv.io.of(/^\/room-\w+$/);
  const joined = new Promise<Socket>((resolve) => parent.once('connection', (s) => resolve(s as Socket)));
  const c = await RawClient.open(srv, false);
  c.send('40/room-b,');
  await c.next();
  const child = (await joined).nsp;
  expect(parent._children.has(child)).toBe(true);
  c.ws.terminate();
  await new Promise((resolve) => setTimeout(resolve, 100));
  // a session may still come back: the child stays
  expect(parent._children.has(child)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(parent._children.has(child)).toBe(false);
  expect(srv.io._namespace('/room-b')).toBeUndefined();
});

describe('on the wire', () => {
  const offset = /^[A-Za-z0-9_-]{8}\.[0-9a-z]+$/;

  /** The JSON payload of a Socket.IO text frame (after its two type digits). */
  const payload = <T = unknown[]>(frame: string | Buffer): T => JSON.parse(frame.toString().slice(2)) as T;

  /** A raw client that sends `connect` as its CONNECT: the first frame it gets, and the server socket. */
  async function rawJoin(srv: TestServer, connect = '40') {
    const connection = nextSocket(srv);
    const c = await RawClient.open(srv, false);
    c.send(connect);
    return { c, answer: (await c.next()).toString(), socket: connection };
  }

  test('off (the default): no pid in the CONNECT answer, no offset argument', async () => {
    const srv = await startServer();
    const { c, answer, socket } = await rawJoin(srv);
    expect(answer).toMatch(/^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    (await socket).emit('x', 1);
    srv.io.emit('y', 2);
    expect(await c.next()).toBe('42["x",1]');
    expect(await c.next()).toBe('42["y",2]');
  });

  test('on: pid in the CONNECT answer; offsets on events, none on acks and volatile ones', async () => {
    const srv = await startServer(RECOVERY);
    const { c, answer, socket: connection } = await rawJoin(srv);
    const ids = payload<{ sid: string; pid: string }>(answer);
    expect(Object.keys(ids)).toEqual(['sid', 'pid']);
    expect(ids.pid).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const socket = await connection;
    expect(socket.id).toBe(ids.sid);
    socket.emit('x', 1);
    srv.io.emit('y', 2);
    socket.emit('with-ack', 3, () => {});
    srv.io.timeout(1000).emit('bc-ack', 4, () => {});
    socket.volatile.emit('vol', 5);
    srv.io.volatile.emit('vol', 6);
    const x = payload(await c.next());
    const y = payload(await c.next());
    expect(x.slice(0, 2)).toEqual(['x', 1]);
    expect(x[2]).toMatch(offset);
    expect(y.slice(0, 2)).toEqual(['y', 2]);
    expect(y[2]).toMatch(offset);
    expect(x[2]).not.toBe(y[2]);
    expect(await c.next()).toMatch(/^42\d+\["with-ack",3\]$/);
    expect(await c.next()).toMatch(/^42\d+\["bc-ack",4\]$/);
    expect(await c.next()).toBe('42["vol",5]');
    expect(await c.next()).toBe('42["vol",6]');
  });

  test('the missed packets come before the CONNECT answer; a session recovers once', async () => {
    const srv = await startServer(RECOVERY);
    const { c, answer, socket: connection } = await rawJoin(srv, '40{"token":"t"}');
    const { sid, pid } = payload<{ sid: string; pid: string }>(answer);
    const socket = await connection;
    socket.emit('first', 0);
    const first = payload(await c.next());
    const left = once(socket as never, 'disconnect');
    c.ws.terminate();
    expect((await left)[0]).toBe('transport close');
    srv.io.emit('a', 1);
    srv.io.to(sid).emit('b', 2);
    const back = await rawJoin(srv, `40${JSON.stringify({ pid, offset: first[2], token: 't' })}`);
    expect(back.answer).toMatch(/^42\["a",1,"[^"]+"\]$/);
    expect(await back.c.next()).toMatch(/^42\["b",2,"[^"]+"\]$/);
    expect(await back.c.next()).toBe(`40{"sid":"${sid}","pid":"${pid}"}`);
    const again = await back.socket;
    expect(again.handshake.auth).toEqual({ pid, offset: first[2], token: 't' });
    expect(again.recovered).toBe(true);
    // the same pid and offset again (a copied session): restored once only, a new socket
    const copy = await rawJoin(srv, `40${JSON.stringify({ pid, offset: first[2] })}`);
    const fresh = payload<{ sid: string; pid: string }>(copy.answer);
    expect(fresh.sid).not.toBe(sid);
    expect(fresh.pid).not.toBe(pid);
  });

  test('one broadcast carries one offset: every recipient gets the same frame', async () => {
    const srv = await startServer(RECOVERY);
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const joined = await rawJoin(srv);
      (await joined.socket).join('r');
      clients.push(joined);
    }
    srv.io.to('r').emit('m', { n: 1 });
    const frames = await Promise.all(clients.map(({ c }) => c.next()));
    expect(frames[0]).toMatch(/^42\["m",\{"n":1\},"[^"]+"\]$/);
    expect(new Set(frames).size).toBe(1);
  });

  test('a pid with an unknown or foreign offset gets a new session', async () => {
    const srv = await startServer(RECOVERY);
    const { answer } = await rawJoin(srv, '40{"pid":"nope","offset":"zzzzzzzz.1"}');
    expect(payload<{ pid: string }>(answer).pid).not.toBe('nope');
  });
});

describe('SessionStore', () => {
  afterEach(() => jest.useRealTimers());
  const opts = (rooms: string[] = [], except: string[] = []): BroadcastOptions => ({
    rooms: new Set(rooms),
    except: new Set(except),
    flags: {},
  });
  const session = { sid: 's1', pid: 'p1', rooms: ['s1', 'r'], data: { n: 1 } };

  function keep(store: SessionStore, data: unknown[], o = opts()): string {
    const offset = store.nextOffset;
    data.push(offset);
    store.keep(data, o);
    return offset;
  }

  test('restores the packets after the offset that reach the session, in order', () => {
    const store = new SessionStore(DEFAULT_RECOVERY_OPTIONS);
    const from = keep(store, ['a']);
    keep(store, ['b'], opts(['r']));
    keep(store, ['c'], opts(['other']));
    keep(store, ['d'], opts([], ['r']));
    keep(store, ['e'], opts(['s1']));
    store.persist(session);
    const restored = store.restore('p1', from);
    expect(restored?.missedPackets.map((d) => d[0])).toEqual(['b', 'e']);
    expect(restored).toMatchObject({ sid: 's1', pid: 'p1', rooms: ['s1', 'r'], data: { n: 1 } });
    expect(store.restore('p1', from)).toBeNull();
    store.close();
  });

  test('sessions and packets expire after maxDisconnectionDuration; one unref-ed timer, cleared on close', () => {
    jest.useFakeTimers();
    const store = new SessionStore({ ...DEFAULT_RECOVERY_OPTIONS, maxDisconnectionDuration: 10_000 });
    const from = keep(store, ['a']);
    store.persist(session);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(10_001);
    expect(store.restore('p1', from)).toBeNull();
    expect(store.size).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(store.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    keep(store, ['b']);
    expect(jest.getTimerCount()).toBe(1);
    store.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a session whose offset expired is not restored; the cap drops the oldest', () => {
    jest.useFakeTimers();
    const store = new SessionStore({ ...DEFAULT_RECOVERY_OPTIONS, maxDisconnectionDuration: 10_000, maxStoredPackets: 2 });
    const a = keep(store, ['a']);
    const b = keep(store, ['b']);
    keep(store, ['c']);
    expect(store.size).toBe(2);
    store.persist(session);
    expect(store.restore('p1', a)).toBeNull();
    store.persist(session);
    expect(store.restore('p1', b)?.missedPackets.map((d) => d[0])).toEqual(['c']);
    store.close();
  });

  test('offsets are consecutive within a store and never match another store', () => {
    const one = new SessionStore(DEFAULT_RECOVERY_OPTIONS);
    const two = new SessionStore(DEFAULT_RECOVERY_OPTIONS);
    const a = keep(one, ['a']);
    keep(one, ['b']);
    keep(two, ['x']);
    two.persist(session);
    expect(two.restore('p1', a)).toBeNull();
    for (let i = 0; i < 3000; i++) keep(one, [i]);
    one.persist(session);
    const at = keep(one, ['last-but-one']);
    keep(one, ['last']);
    expect(one.restore('p1', at)?.missedPackets).toEqual([['last', expect.any(String)]]);
    one.close();
    two.close();
  });
});
