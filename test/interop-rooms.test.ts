/*
 * Interop matrix, many sockets: rooms and broadcasts, broadcast acks, namespaces (static, dynamic,
 * unknown), connection middleware, two namespaces multiplexed on one connection.
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
  type PeerClientSocket,
  type PeerServer,
  type PeerServerSocket,
} from './peers.js';

afterEach(cleanup);

/** Records every event a client receives until it sees `end`. */
function record(client: PeerClientSocket): { events: string[]; end: Promise<unknown> } {
  const events: string[] = [];
  const end = new Promise((resolve) =>
    client.onAny((ev: string, ...args: unknown[]) => {
      if (ev === 'end') resolve(undefined);
      else events.push(`${ev}:${args.map((a) => JSON.stringify(a)).join(',')}`);
    }),
  );
  return { events, end };
}

describe.each(rows(PAIRINGS))('%s', (_name, p: Pairing) => {
  async function three(srv: PeerServer): Promise<Array<{ client: PeerClientSocket; server: PeerServerSocket }>> {
    const out = [];
    for (let i = 0; i < 3; i++) out.push(await pair(p, srv));
    return out;
  }

  test('rooms: to, to ∪ to, except, to + except, socket.to, socket.broadcast, socket ids as rooms, leave', async () => {
    const srv = await startServer(p.server);
    const [a, b, c] = await three(srv);
    await a!.server.join('red');
    await b!.server.join(['red', 'blue']);
    await c!.server.join('blue');
    expect(b!.server.rooms).toEqual(new Set([b!.server.id, 'red', 'blue']));
    const logs = [a!, b!, c!].map((x) => record(x.client));
    srv.io.emit('all', 1);
    srv.io.to('red').emit('red', 2);
    srv.io.to('red').to('blue').emit('red-or-blue', 3); // each socket once
    srv.io.to(['red', 'blue']).emit('list', 4);
    srv.io.except('red').emit('not-red', 5);
    srv.io.to('blue').except('red').emit('blue-not-red', 6);
    srv.io.to(a!.server.id).emit('to-a', 7);
    srv.io.to('nobody').emit('nobody', 8);
    a!.server.to('blue').emit('a-to-blue', 9);
    b!.server.to('red').emit('b-to-red', 10); // reaches a only: socket.to leaves out the sender
    a!.server.broadcast.emit('a-broadcast', 11);
    c!.server.broadcast.except('red').emit('c-broadcast-not-red', 12);
    await b!.server.leave('red');
    srv.io.to('red').emit('red-after-leave', 13);
    srv.io.emit('end');
    await Promise.all(logs.map((l) => l.end));
    expect(logs[0]!.events).toEqual(['all:1', 'red:2', 'red-or-blue:3', 'list:4', 'to-a:7', 'b-to-red:10', 'red-after-leave:13']);
    expect(logs[1]!.events).toEqual(['all:1', 'red:2', 'red-or-blue:3', 'list:4', 'a-to-blue:9', 'a-broadcast:11']);
    expect(logs[2]!.events).toEqual([
      'all:1',
      'red-or-blue:3',
      'list:4',
      'not-red:5',
      'blue-not-red:6',
      'a-to-blue:9',
      'a-broadcast:11',
    ]);
  });

  test('io.timeout(ms).emitWithAck: one answer per client; a silent client makes it fail', async () => {
    const srv = await startServer(p.server);
    const sockets = await three(srv);
    sockets.forEach(({ client }, i) => client.on('count', (base: number, ack: (n: number) => void) => ack(base + i)));
    const answers = await srv.io.timeout(2000).emitWithAck('count', 10);
    expect([...answers].sort()).toEqual([10, 11, 12]);
    // to a room only
    await sockets[1]!.server.join('r');
    expect(await srv.io.to('r').timeout(2000).emitWithAck('count', 100)).toEqual([101]);
    // callback style
    const [err, res] = await new Promise<unknown[]>((resolve) =>
      srv.io.timeout(2000).emit('count', 0, (...a: unknown[]) => resolve(a)),
    );
    expect(err).toBeNull();
    expect([...(res as number[])].sort()).toEqual([0, 1, 2]);
    // one client never answers
    sockets[2]!.client.off('count');
    sockets[2]!.client.on('count', () => {});
    await expect(srv.io.timeout(50).emitWithAck('count', 0)).rejects.toBeInstanceOf(Error);
  });

  test('namespaces: static, dynamic (RegExp) and unknown → connect_error "Invalid namespace"', async () => {
    const srv = await startServer(p.server);
    const adminNames: string[] = [];
    srv.io.of('/admin').on('connection', (s) => {
      adminNames.push(s.nsp.name);
      s.on('whoami', (ack: (n: string) => void) => ack(s.nsp.name));
    });
    const dyn = srv.io.of(/^\/game-\d+$/);
    dyn.on('connection', (s) => s.on('whoami', (ack: (n: string) => void) => ack(s.nsp.name)));
    const admin = connect(p.client, `${srv.url}/admin`);
    expect(await adminWhoami(admin)).toBe('/admin');
    expect(adminNames).toEqual(['/admin']);
    const game = connect(p.client, `${srv.url}/game-42`);
    expect(await adminWhoami(game)).toBe('/game-42');
    // a function decides, with the CONNECT's auth; the parent's middleware applies to each child
    const byFn = srv.io.of(((name: string, auth: Record<string, unknown>, next: (err: Error | null, ok: boolean) => void) =>
      next(null, name.startsWith('/team-') && auth.member === true)) as never);
    byFn.use((socket, next) => next(socket.nsp.name === '/team-banned' ? new Error('banned') : undefined));
    byFn.on('connection', (s) => s.on('whoami', (ack: (n: string) => void) => ack(s.nsp.name)));
    const team = connect(p.client, `${srv.url}/team-a`, { auth: { member: true } });
    expect(await adminWhoami(team)).toBe('/team-a');
    const banned = connect(p.client, `${srv.url}/team-banned`, { auth: { member: true } });
    expect((await once<[Error]>(banned, 'connect_error'))[0].message).toBe('banned');
    const stranger = connect(p.client, `${srv.url}/team-b`, { auth: { member: false } });
    expect((await once<[Error]>(stranger, 'connect_error'))[0].message).toBe('Invalid namespace');
    // a broadcast on the main namespace does not reach other namespaces
    const main = await pair(p, srv);
    const seen: string[] = [];
    admin.on('news', () => seen.push('admin'));
    main.client.on('news', () => seen.push('main'));
    srv.io.emit('news');
    srv.io.of('/admin').emit('news');
    await once(main.client, 'news');
    await once(admin, 'news');
    expect(seen.sort()).toEqual(['admin', 'main']);

    for (const nsp of ['/nope', '/game-x']) {
      const refused = connect(p.client, `${srv.url}${nsp}`);
      const [err] = await once<[Error & { data?: unknown }]>(refused, 'connect_error');
      expect(err.message).toBe('Invalid namespace');
      expect(refused.connected).toBe(false);
    }
  });

  test('middleware: next(err) with data → connect_error with message and data; next() admits', async () => {
    const srv = await startServer(p.server);
    srv.io.use((socket, next) => {
      if (socket.handshake.auth.token === 'good') return next();
      const err = new Error('not authorized') as Error & { data: unknown };
      err.data = { reason: 'bad token', retry: false };
      next(err);
    });
    srv.io.of('/guarded').use((_socket, next) => next(Object.assign(new Error('guarded'), { data: [1, 'two'] })));
    const refused = connect(p.client, srv.url, { auth: { token: 'bad' } });
    const [err] = await once<[Error & { data?: unknown }]>(refused, 'connect_error');
    expect(err.message).toBe('not authorized');
    expect(err.data).toEqual({ reason: 'bad token', retry: false });
    expect(refused.connected).toBe(false);
    const other = connect(p.client, `${srv.url}/guarded`);
    const [err2] = await once<[Error & { data?: unknown }]>(other, 'connect_error');
    expect(err2.message).toBe('guarded');
    expect(err2.data).toEqual([1, 'two']);
    const { client } = await pair(p, srv, '', { auth: { token: 'good' } });
    expect(client.connected).toBe(true);
    // a refused socket stays down until connect(), which sends the (changed) auth again
    refused.auth = { token: 'good' };
    const admitted = nextConnection(srv);
    refused.connect();
    await connected(refused);
    expect((await admitted).handshake.auth).toEqual({ token: 'good' });
  });

  test('multiplexing: two namespaces share one connection; leaving one keeps the other', async () => {
    const srv = await startServer(p.server);
    const mainSide = nextConnection(srv);
    const chatSide = nextConnection(srv, '/chat');
    const main = connect(p.client, srv.url);
    const chat = main.io.socket('/chat');
    await Promise.all([once(main, 'connect'), once(chat, 'connect')]);
    const [m, c] = await Promise.all([mainSide, chatSide]);
    expect(c.conn).toBe(m.conn);
    expect(chat.io).toBe(main.io);
    expect(c.nsp.name).toBe('/chat');
    // events are routed by namespace both ways
    const gotMain = once(m, 'where');
    const gotChat = once(c, 'where');
    main.emit('where', 'main');
    chat.emit('where', 'chat');
    expect(await Promise.all([gotMain, gotChat])).toEqual([['main'], ['chat']]);
    const downMain = once(main, 'here');
    const downChat = once(chat, 'here');
    c.emit('here', 'chat');
    m.emit('here', 'main');
    expect(await Promise.all([downMain, downChat])).toEqual([['main'], ['chat']]);
    // leaving /chat keeps the connection for the main namespace
    const left = once(c, 'disconnect');
    chat.disconnect();
    expect(await left).toEqual(['client namespace disconnect']);
    expect(main.connected).toBe(true);
    expect(await new Promise((resolve) => {
      m.on('still', (ack: (v: string) => void) => ack('here'));
      main.emit('still', resolve);
    })).toBe('here');
  });

  test('multiplexing: a lost connection reconnects both namespaces on one new connection; disconnect(true) ends both', async () => {
    const srv = await startServer(p.server);
    const firstMain = nextConnection(srv);
    const firstChat = nextConnection(srv, '/chat');
    const main = connect(p.client, srv.url);
    const chat = main.io.socket('/chat');
    const [m] = await Promise.all([firstMain, firstChat]);
    await Promise.all([connected(main), connected(chat)]);
    const events: string[] = [];
    for (const [name, socket] of [['main', main], ['chat', chat]] as const) {
      socket.on('disconnect', (reason: string) => events.push(`${name}:${reason}`));
      socket.on('connect', () => events.push(`${name}:connect`));
    }
    const secondMain = nextConnection(srv);
    const secondChat = nextConnection(srv, '/chat');
    (m.conn as { close(): void }).close();
    const [m2, c2] = await Promise.all([secondMain, secondChat]);
    await until(() => main.connected && chat.connected, 2000, 'both namespaces back');
    expect(c2.conn).toBe(m2.conn);
    expect(events.sort()).toEqual(['chat:connect', 'chat:transport close', 'main:connect', 'main:transport close']);
    // disconnect(true) closes the whole connection: every namespace on it is told, none reconnects
    events.length = 0;
    const serverSide: string[] = [];
    m2.on('disconnect', (reason: string) => serverSide.push(`main:${reason}`));
    c2.on('disconnect', (reason: string) => serverSide.push(`chat:${reason}`));
    c2.disconnect(true);
    await until(() => events.length === 2 && serverSide.length === 2, 2000, 'both disconnections');
    expect(events.sort()).toEqual(['chat:io server disconnect', 'main:io server disconnect']);
    expect(serverSide.sort()).toEqual(['chat:server namespace disconnect', 'main:server namespace disconnect']);
    await delay(100);
    expect([main.connected, chat.connected]).toEqual([false, false]);
  });
});

function adminWhoami(socket: PeerClientSocket): Promise<string> {
  return socket.emitWithAck('whoami');
}
