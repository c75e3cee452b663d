import type { Socket } from '@emitwire/server';
import { RawClient, cleanup, client, connected, delay, once, startServer } from './helpers.js';

afterEach(cleanup);

describe('Namespace', () => {
  test('seed style: io.on(connect | connection), io.on(<event>, (socket, …args, ack)), io.on(disconnect)', async () => {
    const srv = await startServer();
    const log: unknown[] = [];
    srv.io.on('connect', (s) => void log.push('connect:' + s.id.length));
    srv.io.on('connection', () => void log.push('connection'));
    srv.io.on('chat', (socket, text) => {
      srv.io.emit('chat', { from: socket.id, text });
      return 'ok';
    });
    srv.io.on('disconnect', (socket, reason) => void log.push('disconnect:' + reason + ':' + typeof socket.id));
    const c = client(srv);
    await connected(c);
    const got = once(c, 'chat');
    expect(await c.emitWithAck('chat', 'hi')).toBe('ok');
    expect(await got).toEqual([{ from: c.id, text: 'hi' }]);
    const gone = once(srv.io, 'disconnect');
    c.disconnect();
    await gone;
    expect(log).toEqual(['connect:20', 'connection', 'disconnect:client namespace disconnect:string']);
  });

  test('a client event named "connection" never reaches io.on("connection")', async () => {
    const srv = await startServer();
    let count = 0;
    srv.io.on('connection', () => void count++);
    const c = client(srv);
    await connected(c);
    c.emit('connection', 'fake');
    await delay(20);
    expect(count).toBe(1);
  });

  test('io.of(name): separate sockets; unknown namespace → connect_error "Invalid namespace"', async () => {
    const srv = await startServer();
    const admin = srv.io.of('admin');
    expect(admin.name).toBe('/admin');
    expect(srv.io.of('/admin')).toBe(admin);
    const joined = once<[Socket]>(admin, 'connection');
    const c = client(srv, '/admin');
    await connected(c);
    expect((await joined)[0].nsp).toBe(admin);
    const bad = client(srv, '/nope');
    const [err] = await once<[Error]>(bad, 'connect_error');
    expect(err.message).toBe('Invalid namespace');
  });

  test('maxNamespacesPerConnection: a CONNECT past it gets CONNECT_ERROR "Too many namespaces", and no namespace is made for it', async () => {
    const srv = await startServer({ maxNamespacesPerConnection: 3 });
    const held: Array<() => void> = [];
    const parent = srv.io.of(/^\/r\d+$/);
    // /r9 waits in middleware: joining counts as much as joined
    parent.use((socket, next) => (socket.nsp.name === '/r9' ? held.push(next) : next()));
    const c = await RawClient.open(srv); // joins /
    c.send('40/r1,');
    expect(await c.next()).toMatch(/^40\/r1,\{"sid":/);
    c.send('40/r9,');
    await delay(20);
    c.send('40/r2,');
    expect(await c.next()).toBe('44/r2,{"message":"Too many namespaces"}');
    expect(srv.io._namespace('/r2')).toBeUndefined();
    // a repeated CONNECT of a joined one is still ignored, not refused
    c.send('40/r1,');
    // the one waiting in middleware is admitted; leaving a namespace frees a slot
    held.shift()!();
    expect(await c.next()).toMatch(/^40\/r9,\{"sid":/);
    c.send('41/r1,');
    await delay(20);
    c.send('40/r2,');
    expect(await c.next()).toMatch(/^40\/r2,\{"sid":/);
    // the connection and its namespaces work on
    c.send('42/r2,["x"]');
    c.send('40/r3,');
    expect(await c.next()).toBe('44/r3,{"message":"Too many namespaces"}');
    expect(c.closed).toBe(false);
    // each connection has its own count
    const other = await RawClient.open(srv);
    other.send('40/r3,');
    expect(await other.next()).toMatch(/^40\/r3,\{"sid":/);
  });

  test('maxNamespacesPerConnection: the official client sees connect_error with the message; the default is 100', async () => {
    const srv = await startServer({ maxNamespacesPerConnection: 1 });
    srv.io.of('/admin');
    const main = client(srv);
    await connected(main);
    const admin = main.io.socket('/admin');
    admin.connect();
    const [err] = await once<[Error]>(admin, 'connect_error');
    expect(err.message).toBe('Too many namespaces');
    expect(main.connected).toBe(true);
    expect(srv.io._options.maxNamespacesPerConnection).toBe(1);
    expect((await startServer()).io._options.maxNamespacesPerConnection).toBe(100);
    expect(() => new (srv.io.constructor as typeof import('@emitwire/server').Server)({ maxNamespacesPerConnection: 0 })).toThrow(
      'option maxNamespacesPerConnection must be a finite positive number',
    );
  });

  test('middleware: next(err) → CONNECT_ERROR {message, data}; throw and rejection too; order kept', async () => {
    const srv = await startServer();
    const order: string[] = [];
    srv.io.use((_s, next) => {
      order.push('1');
      next();
    });
    srv.io.use(async (s, next) => {
      order.push('2');
      if (s.handshake.auth.token === 'bad') return next(Object.assign(new Error('unauthorized'), { data: { retry: false } }));
      if (s.handshake.auth.token === 'throw') throw new Error('thrown');
      s.data = { user: 'u' };
      next();
    });
    const bad = client(srv, '/', { auth: { token: 'bad' } });
    const [err] = await once<[Error & { data?: unknown }]>(bad, 'connect_error');
    expect(err.message).toBe('unauthorized');
    expect(err.data).toEqual({ retry: false });
    const thrown = client(srv, '/', { auth: { token: 'throw' } });
    expect((await once<[Error]>(thrown, 'connect_error'))[0].message).toBe('thrown');
    const joined = once<[Socket]>(srv.io, 'connection');
    const ok = client(srv, '/', { auth: { token: 'good' } });
    await connected(ok);
    expect((await joined)[0].data).toEqual({ user: 'u' });
    expect(order).toEqual(['1', '2', '1', '2', '1', '2']);
  });

  test('middleware may join rooms (as in Socket.IO): they hold from the connection on; a refused socket joins nothing', async () => {
    const srv = await startServer();
    const inMiddleware: string[][] = [];
    srv.io.use((s, next) => {
      s.join([`user:${String(s.handshake.auth.user)}`, 'tmp']);
      s.leave('tmp');
      inMiddleware.push([...s.rooms]);
      if (s.handshake.auth.user === 'mallory') return next(new Error('no'));
      next();
    });
    const joined = once<[Socket]>(srv.io, 'connection');
    const alice = client(srv, '/', { auth: { user: 'alice' } });
    await connected(alice);
    const [s] = await joined;
    expect(s.rooms).toEqual(new Set([s.id, 'user:alice']));
    const refused = client(srv, '/', { auth: { user: 'mallory' } });
    await once(refused, 'connect_error');
    expect(inMiddleware).toEqual([['user:alice'], ['user:mallory']]);
    expect([...srv.io.sockets.adapter.rooms.keys()].sort()).toEqual([s.id, 'user:alice'].sort());
    const got = once(alice, 'hi');
    srv.io.to('user:alice').emit('hi', 'alice');
    expect(await got).toEqual(['alice']);
    alice.disconnect();
    await once(s, 'disconnect');
    expect(srv.io.sockets.adapter.rooms.size).toBe(0);
  });

  test('dynamic namespaces by RegExp and function share middleware and listeners; broadcasts reach children', async () => {
    const srv = await startServer();
    const games = srv.io.of(/^\/game-\d+$/);
    const joined: string[] = [];
    games.use((s, next) => {
      s.data = { via: 'parent' };
      next();
    });
    games.on('connection', (s) => void joined.push(s.nsp.name));
    games.on('move', (s, n) => `${s.nsp.name}:${String(n)}`);
    const byFn = srv.io.of((name, _auth, next) => next(null, name.startsWith('/fn-')));
    byFn.on('connection', (s) => void joined.push('fn' + s.nsp.name));
    const g1 = client(srv, '/game-1');
    const g2 = client(srv, '/game-22');
    const f = client(srv, '/fn-x');
    await Promise.all([g1, g2, f].map(connected));
    expect(joined.sort()).toEqual(['/game-1', '/game-22', 'fn/fn-x']);
    expect(await g2.emitWithAck('move', 3)).toBe('/game-22:3');
    const got = [once(g1, 'tick'), once(g2, 'tick')];
    games.emit('tick', 1);
    expect(await Promise.all(got)).toEqual([[1], [1]]);
    const bad = client(srv, '/game-x');
    expect((await once<[Error]>(bad, 'connect_error'))[0].message).toBe('Invalid namespace');
  });

  test('a dynamic child namespace goes once empty: names clients make up cannot pile up (cleanupEmptyChildNamespaces)', async () => {
    const srv = await startServer();
    const games = srv.io.of(/^\/game-\d+$/);
    games.use((s, next) => next(s.handshake.auth.token === 'ok' ? undefined : new Error('no')));
    const exists = (n: number): boolean => srv.io._namespace(`/game-${n}`) !== undefined;
    // one connection makes up names: refused, admitted then left, admitted then closed
    const raw = await RawClient.open(srv, false);
    for (let i = 0; i < 20; i++) {
      raw.send(`40/game-${i},`);
      expect(await raw.next()).toBe(`44/game-${i},{"message":"no"}`);
    }
    const c = client(srv, '/game-7', { auth: { token: 'ok' } });
    await connected(c);
    const [s] = await games.fetchSockets();
    expect(s!.nsp.name).toBe('/game-7');
    expect(Array.from({ length: 20 }, (_, i) => exists(i))).toEqual(Array.from({ length: 20 }, (_, i) => i === 7));
    const left = once(s!, 'disconnect');
    c.disconnect();
    await left;
    expect(exists(7)).toBe(false);
    // a child made again works as the first did, and a kept one stays (cleanupEmptyChildNamespaces: false)
    const again = client(srv, '/game-7', { auth: { token: 'ok' } });
    await connected(again);
    expect(await games.fetchSockets()).toHaveLength(1);
    const srv2 = await startServer({ cleanupEmptyChildNamespaces: false });
    srv2.io.of(/^\/k-\d+$/);
    const k = client(srv2, '/k-1');
    await connected(k);
    k.disconnect();
    await delay(20);
    expect(srv2.io._namespace('/k-1')).toBeDefined();
  });

  test('io.of(name) for a name a RegExp namespace matches is its child: the parent middleware still guards it, and it is kept', async () => {
    const srv = await startServer();
    const games = srv.io.of(/^\/game-\d+$/g);
    games.use((s, next) => next(s.handshake.auth.token === 'ok' ? undefined : new Error('no')));
    const seven = srv.io.of('game-7');
    expect(seven.name).toBe('/game-7');
    expect(srv.io.of('/game-7') === seven).toBe(true);
    // the g flag's lastIndex does not make every other test fail
    expect(seven.parent === games && srv.io.of('/game-8').parent === games).toBe(true);
    const refused = client(srv, '/game-7');
    expect((await once<[Error]>(refused, 'connect_error'))[0].message).toBe('no');
    // a child the application asked for stays while empty (its sockets reach the same object)
    for (let i = 0; i < 2; i++) {
      const ok = client(srv, '/game-7', { auth: { token: 'ok' } });
      await connected(ok);
      const sockets = await games.fetchSockets();
      expect(sockets).toHaveLength(1);
      expect(sockets[0]!.nsp === seven && srv.io._namespace('/game-7') === seven).toBe(true);
      const left = once(sockets[0]!, 'disconnect');
      ok.disconnect();
      await left;
    }
    // a name the pattern does not match is a plain namespace, with no middleware
    expect(srv.io.of('/lobby').parent).toBeUndefined();
    await connected(client(srv, '/lobby'));
  });

  test('one connection, several namespaces; leaving the last one re-arms connectTimeout', async () => {
    const srv = await startServer({ connectTimeout: 100 });
    srv.io.of('/a');
    const c = await RawClient.open(srv);
    c.send('40/a,');
    expect(await c.next()).toMatch(/^40\/a,\{"sid":"/);
    c.send('41');
    c.send('41/a,');
    await c.whenClosed();
  });

  test('connectTimeout closes a connection that joins nothing', async () => {
    const srv = await startServer({ connectTimeout: 50 });
    const c = await RawClient.open(srv, false);
    await c.whenClosed();
  });

  test('serverSideEmit is a no-op in memory; onServerSideEmit receives what an adapter delivers', async () => {
    const srv = await startServer();
    const got: unknown[] = [];
    srv.io.onServerSideEmit('hello', (...args) => void got.push(...args));
    expect(srv.io.serverSideEmit('hello', 1)).toBe(true);
    srv.io.sockets._onServerSideEmit(['hello', 2]);
    expect(got).toEqual([2]);
  });
});
