/*
 * Retention: once a connection is gone, whatever way it went, the server lets go of every object it
 * held for it (the Socket, its EngineConnection, the Client, a dynamic child namespace made for it,
 * a recovery session once it expires), and its counts and rooms are back where they started.
 * WeakRefs to those objects (RetentionProbe) must be cleared by a forced garbage collection: a
 * closed connection left in a timer, a deadline queue, a map or a closure keeps them, and fails here.
 *
 * The test itself never holds a server-side object across an await (a suspended async function
 * keeps its frame): sockets are used inside listeners or through `probe.with`.
 */
import type { Socket as NetSocket } from 'node:net';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Namespace, Socket } from '@emitwire/server';
import {
  RawClient,
  RetentionProbe,
  cleanup,
  client,
  connected,
  delay,
  holdings,
  nextDisconnect,
  startServer,
  type TestServer,
} from './helpers.js';

afterEach(cleanup);

async function setup(options: Parameters<typeof startServer>[0] = {}): Promise<{ srv: TestServer; probe: RetentionProbe }> {
  const srv = await startServer(options);
  return { srv, probe: new RetentionProbe(srv.io) };
}

describe('a connection leaves nothing behind', () => {
  test('client disconnect()', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    const c = client(srv);
    await connected(c);
    const gone = nextDisconnect(srv.io.sockets);
    c.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    expect(await probe.released()).toEqual([]);
    expect(probe.names).toEqual(['conn#0', 'client#0', 'socket#0']);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('server socket.disconnect(): the socket goes at once, the connection when it closes', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    srv.io.on('leave', (socket) => void socket.disconnect());
    const raw = await RawClient.open(srv);
    const gone = nextDisconnect(srv.io.sockets);
    raw.send('42["leave"]');
    expect(await gone).toBe('server namespace disconnect');
    expect(await raw.next()).toBe('41');
    // the connection is still open, with no namespace: its Client only remembers the name it left
    await socketThenConnection(srv, probe, raw, before);
  });

  test('server socket.disconnect(true)', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    srv.io.on('leave', (socket) => void socket.disconnect(true));
    const c = client(srv);
    await connected(c);
    const gone = nextDisconnect(srv.io.sockets);
    c.emit('leave');
    expect(await gone).toBe('server namespace disconnect');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test.each([
    ['the TCP socket destroyed', (raw: RawClient) => (raw.ws as unknown as { _socket: NetSocket })._socket.destroy()],
    ['the WebSocket terminated', (raw: RawClient) => raw.ws.terminate()],
    ['a WebSocket close frame', (raw: RawClient) => raw.ws.close()],
    ['an Engine.IO close packet', (raw: RawClient) => raw.send('1')],
  ])('transport close: %s', async (_name, close) => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    const raw = await RawClient.open(srv);
    const gone = nextDisconnect(srv.io.sockets);
    close(raw);
    expect(await gone).toBe('transport close');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('ping timeout (a client that never answers pings)', async () => {
    const { srv, probe } = await setup({ pingInterval: 20, pingTimeout: 20 });
    const before = holdings(srv.io);
    await RawClient.open(srv);
    expect(await nextDisconnect(srv.io.sockets)).toBe('ping timeout');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('closed while the server waits for acks (socket, emitWithAck and broadcast, with long timeouts)', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    const settled: string[] = [];
    // the callbacks hold the socket, as an application's usually do
    srv.io.on('connection', (socket) => {
      socket.timeout(10_000).emit('q', (err: Error | null) => void settled.push(`timeout emit: ${code(err)} ${socket.connected}`));
      socket.emit('q', () => void settled.push(`plain emit answered by ${socket.id}`));
      socket.emitWithAck('q').then(
        () => settled.push('emitWithAck answered'),
        (err: unknown) => void settled.push(`emitWithAck: ${code(err)} ${socket.connected}`),
      );
      srv.io.timeout(10_000).emit('q', (err: Error | null, answers: unknown[]) => void settled.push(`broadcast: ${code(err)} ${answers.length} ${socket.connected}`));
    });
    const c = client(srv);
    const asked = new Promise<void>((resolve) => {
      let n = 0;
      c.on('q', () => void (++n === 4 && resolve()));
    });
    await connected(c);
    await asked;
    const gone = nextDisconnect(srv.io.sockets);
    c.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    expect(settled.sort()).toEqual(['broadcast: null 0 false', 'emitWithAck: EW_DISCONNECTED false', 'timeout emit: EW_DISCONNECTED false']);
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('closed while the client waits for acks (a listener that never answers, one that answers later)', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    let lateAnswer!: () => void;
    const answeredLate = new Promise<void>((resolve) => (lateAnswer = resolve));
    srv.io.on('ask', () => undefined);
    srv.io.on('slow', async () => {
      await delay(50);
      lateAnswer();
      return 'late';
    });
    srv.io.on('connection', (socket) => socket.on('own', () => {}));
    const c = client(srv);
    await connected(c);
    const received = Promise.all(['ask', 'slow', 'own'].map((ev) => new Promise<void>((resolve) => srv.io.sockets.once(ev as never, (() => resolve()) as never))));
    const acks: unknown[] = [];
    c.timeout(5000).emit('ask', (err: Error | null) => void acks.push(err?.message));
    c.timeout(5000).emit('slow', (err: Error | null) => void acks.push(err?.message));
    c.timeout(5000).emit('own', (err: Error | null) => void acks.push(err?.message));
    await received;
    const gone = nextDisconnect(srv.io.sockets);
    c.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    await answeredLate;
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('a socket in several rooms, some shared with a socket that stays', async () => {
    const { srv, probe } = await setup();
    srv.io.on('connection', (socket) => {
      socket.join('shared');
      if (socket.handshake.auth.more === true) socket.join(['a', 'b', 'shared-too']);
      else socket.join('shared-too');
    });
    const stays = client(srv);
    await connected(stays);
    const before = holdings(srv.io);
    const leaves = client(srv, '/', { auth: { more: true } });
    await connected(leaves);
    expect(await probe.with('socket#1', (s: Socket) => [...s.rooms].sort())).toEqual(['a', 'b', leaves.id, 'shared', 'shared-too'].sort());
    const gone = nextDisconnect(srv.io.sockets);
    leaves.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    expect(await probe.released(['conn#1', 'client#1', 'socket#1'])).toEqual([]);
    expect(probe.isAlive('socket#0')).toBe(true);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('a socket of a dynamic namespace child: the child goes with it', async () => {
    const { srv, probe } = await setup();
    const parent = srv.io.of(/^\/game-\d+$/);
    probe.watch(parent);
    parent.on('connection', (socket) => socket.join('table'));
    const before = holdings(srv.io);
    const c = client(srv, '/game-1');
    await connected(c);
    expect(probe.names).toContain('nsp#0');
    const gone = new Promise<string>((resolve) => parent.once('disconnect', (_socket, reason) => resolve(reason)));
    c.disconnect();
    expect(await gone).toBe('client namespace disconnect');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('a dynamic namespace child whose only CONNECT is abandoned in middleware (the connection closed meanwhile)', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    const parent = srv.io.of(/^\/game-\d+$/);
    let entered!: () => void;
    const inMiddleware = new Promise<void>((resolve) => (entered = resolve));
    parent.use((socket, next) => {
      probe.trackSocket(socket);
      entered();
      setTimeout(next, 50);
    });
    const raw = await RawClient.open(srv, false);
    raw.send('40/game-7,');
    await inMiddleware;
    raw.ws.terminate();
    await raw.whenClosed();
    await delay(60);
    expect(probe.names).toEqual(['conn#0', 'client#0', 'socket#0', 'nsp#0']);
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('connection state recovery: the session is kept, and released once it expires', async () => {
    const { srv, probe } = await setup({ connectionStateRecovery: { maxDisconnectionDuration: 200 } });
    const parent = srv.io.of(/^\/game-\d+$/);
    probe.watch(parent);
    const sessions: string[] = [];
    const keep = (socket: Socket): void => {
      const data = { user: `u${sessions.length}` };
      socket.data = data;
      probe.track(`data#${sessions.length}`, data);
      sessions.push(socket.id);
      socket.join('room');
      socket.emit('hello', 1);
    };
    srv.io.on('connection', keep);
    parent.on('connection', keep);
    const before = holdings(srv.io);
    const main = await RawClient.open(srv);
    const game = await RawClient.open(srv, false);
    game.send('40/game-1,');
    expect(await game.next()).toMatch(/^40\/game-1,\{"sid":/);
    const gone = [nextDisconnect(srv.io.sockets), new Promise<string>((resolve) => parent.once('disconnect', (_s, reason) => resolve(reason)))];
    main.ws.terminate();
    game.ws.terminate();
    expect(await Promise.all(gone)).toEqual(['transport close', 'transport close']);
    // the connections' objects go at once; the sessions (data, rooms) and the child namespace stay
    expect(await probe.released(['conn#0', 'client#0', 'socket#0', 'conn#1', 'client#1', 'socket#1'])).toEqual([]);
    expect(['data#0', 'data#1', 'nsp#1'].map((name) => probe.isAlive(name))).toEqual([true, true, true]);
    expect(holdings(srv.io)).toEqual(before);
    // the child's timer releases it ~200 ms after the drop, the main namespace's sweep within a second
    expect(await probe.released(probe.names, 3000)).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('maxBacklog overflow by an emit', async () => {
    const { srv, probe } = await setup({ maxBacklog: 10_000 });
    const before = holdings(srv.io);
    srv.io.on('connection', (socket) => socket.on('flood', () => void socket.emit('big', 'x'.repeat(20_000))));
    const raw = await RawClient.open(srv);
    const gone = nextDisconnect(srv.io.sockets);
    raw.send('42["flood"]');
    expect(await gone).toBe('transport error');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('maxBacklog overflow by a ping (a peer that stopped reading), with a long pingTimeout', async () => {
    const maxBacklog = 16 * 1024 * 1024;
    const { srv, probe } = await setup({ maxBacklog, pingInterval: 1000, pingTimeout: 10_000 });
    const before = holdings(srv.io);
    // the filling below takes ~100 ms: the first ping (after pingInterval) must find it done
    const raw = await RawClient.open(srv);
    (raw.ws as unknown as { _socket: NetSocket })._socket.pause();
    const gone = nextDisconnect(srv.io.sockets);
    // fill the kernel's buffers until writes stay in the WebSocket's own buffer, and it stops draining
    const chunk = 'x'.repeat(256 * 1024);
    const backlog = (): number => probe.with('conn#0', (conn: Socket['conn']) => conn.backlog);
    for (let i = 0; i < 200 && backlog() === 0; i++) {
      expect(probe.with('socket#0', (s: Socket) => s.emit('fill', chunk))).toBe(true);
      await nextMacrotask();
    }
    let last = -1;
    while (backlog() !== last) {
      last = backlog();
      await delay(20);
    }
    expect(last).toBeGreaterThan(0);
    // then, in one tick, up to 1000 bytes short of maxBacklog as counted before sending, in 1000 small
    // frames whose WebSocket headers (2 bytes each) put the backlog past maxBacklog once sent: the
    // next ping overflows it
    const written = probe.with('socket#0', (s: Socket) => {
      const small = '42["f",""]'.length;
      const room = maxBacklog - s.conn.backlog - 1000 - 1000 * small - '42["f",""]'.length;
      let ok = s.emit('f', 'x'.repeat(room));
      for (let i = 0; i < 1000; i++) ok = s.emit('f', '') && ok;
      return ok;
    });
    expect(written).toBe(true);
    await nextMacrotask();
    expect(probe.with('conn#0', (conn: Socket['conn']) => conn.backlog)).toBeGreaterThan(maxBacklog);
    expect(probe.isAlive('socket#0') && probe.with('socket#0', (s: Socket) => s.connected)).toBe(true);
    expect(await gone).toBe('transport error');
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('a connection that never sends CONNECT (connectTimeout)', async () => {
    const { srv, probe } = await setup({ connectTimeout: 30 });
    const before = holdings(srv.io);
    const raw = await RawClient.open(srv, false);
    await raw.whenClosed();
    expect(probe.names).toEqual(['conn#0', 'client#0']);
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io)).toEqual(before);
  });

  test('a CONNECT refused by middleware: the socket goes at once, the connection when it closes', async () => {
    const { srv, probe } = await setup();
    const before = holdings(srv.io);
    srv.io.use((socket, next) => {
      probe.trackSocket(socket);
      socket.join('early');
      next(new Error('no'));
    });
    const raw = await RawClient.open(srv, false);
    raw.send('40');
    expect(await raw.next()).toBe('44{"message":"no"}');
    // a refused socket never entered the adapter: nothing of it is left while the connection stays
    await socketThenConnection(srv, probe, raw, before);
  });

  test('io.close(), with connections in several namespaces, rooms and one not joined yet', async () => {
    const { srv, probe } = await setup();
    const admin = srv.io.of('/admin');
    probe.watch(admin);
    admin.on('connection', (socket) => socket.join('staff'));
    const nsps: Namespace[] = [srv.io.sockets, admin];
    const before = holdings(srv.io, nsps);
    const c = client(srv);
    await connected(c);
    const a = client(srv, '/admin');
    await connected(a);
    const raw = await RawClient.open(srv, false);
    raw.send('40/admin,');
    await raw.next();
    await RawClient.open(srv, false);
    expect(srv.io.clientsCount).toBe(4);
    await srv.io.close();
    expect(probe.names.filter((n) => n.startsWith('socket#'))).toHaveLength(3);
    expect(await probe.released()).toEqual([]);
    expect(holdings(srv.io, nsps)).toEqual(before);
  });
});

/**
 * The socket left while its connection stays open: the socket is released at once, its connection
 * (counted, with no namespace) only once the client closes it, and then all is as `before`.
 */
async function socketThenConnection(srv: TestServer, probe: RetentionProbe, raw: RawClient, before: unknown): Promise<void> {
  expect(await probe.released(['socket#0'])).toEqual([]);
  expect(probe.isAlive('conn#0') && probe.isAlive('client#0')).toBe(true);
  expect(holdings(srv.io)).toEqual({ ...(before as object), clientsCount: 1, engineClientsCount: 1 });
  raw.ws.close();
  await raw.whenClosed();
  expect(await probe.released()).toEqual([]);
  expect(holdings(srv.io)).toEqual(before);
}

function code(err: unknown): string {
  return err === null ? 'null' : String((err as { code?: unknown }).code);
}
