/*
 * Interop matrix, messaging: handshake, events both ways, acks both ways, async handlers, binary
 * data, onAny / onAnyOutgoing. Every scenario runs for our client ↔ our server, the official
 * socket.io-client ↔ our server, and our client ↔ the official socket.io server.
 */
import { ErrorCode, RpcError } from '@emitwire/client/node';
import {
  OUR_SERVER,
  PAIRINGS,
  bytes,
  cleanup,
  connect,
  connected,
  isBinary,
  nextConnection,
  once,
  pair,
  rows,
  startServer,
  type Pairing,
} from './peers.js';

afterEach(cleanup);

describe.each(rows(PAIRINGS))('%s', (_name, p: Pairing) => {
  test('connects with auth and query; the server sees them in the handshake', async () => {
    const srv = await startServer(p.server);
    const serverSide = nextConnection(srv);
    const client = connect(p.client, srv.url, { auth: { token: 'abc', n: 1 }, query: { fromOpts: 'x' } });
    await connected(client);
    const s = await serverSide;
    expect(client.id).toBe(s.id);
    expect(s.handshake.auth).toEqual({ token: 'abc', n: 1 });
    expect(s.handshake.query.fromOpts).toBe('x');
    expect(s.handshake.query.EIO).toBe('4');
    expect(s.handshake.query.transport).toBe('websocket');
    expect(s.rooms).toEqual(new Set([s.id]));
    // a query in the URL (socket.io-client ignores the query option when the URL has one)
    const second = nextConnection(srv);
    const other = connect(p.client, `${srv.url}/?fromUrl=1`);
    await connected(other);
    const s2 = await second;
    expect(s2.handshake.query.fromUrl).toBe('1');
    expect(s2.handshake.auth).toEqual({});
    expect(s2.id).not.toBe(s.id);
  });

  test('the connection handler emits at once: the client gets it after its connect event, and acks it', async () => {
    const srv = await startServer(p.server);
    const acked = new Promise<unknown>((resolve) =>
      srv.io.on('connection', (s) => {
        s.emit('welcome', s.id);
        s.timeout(2000).emit('ask', 'name?', (err: Error | null, answer: unknown) => resolve(err ?? answer));
      }),
    );
    const client = connect(p.client, srv.url);
    const order: string[] = [];
    client.on('connect', () => order.push('connect'));
    client.on('welcome', (id: string) => order.push(`welcome ${id === client.id}`));
    client.on('ask', (_q: string, ack: (a: string) => void) => {
      order.push('ask');
      ack('emitwire');
    });
    expect(await acked).toBe('emitwire');
    expect(order).toEqual(['connect', 'welcome true', 'ask']);
  });

  test('emit both directions, in order, with every JSON type', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const payload = { s: 'é ✓ "q"', n: -1.5, t: true, f: false, z: null, a: [1, [2, { b: 'c' }]], o: {} };
    const fromClient: unknown[][] = [];
    server.on('up', (...args: unknown[]) => fromClient.push(args));
    const doneUp = once(server, 'done');
    client.emit('up', 1);
    client.emit('up', payload, 'two', 3);
    client.emit('up');
    client.emit('done');
    await doneUp;
    expect(fromClient).toEqual([[1], [payload, 'two', 3], []]);

    const fromServer: unknown[][] = [];
    client.on('down', (...args: unknown[]) => fromServer.push(args));
    const doneDown = once(client, 'done');
    server.emit('down', 'a');
    server.emit('down', payload, 2);
    server.emit('done');
    await doneDown;
    expect(fromServer).toEqual([['a'], [payload, 2]]);
  });

  test('client → server acks: callback, emitWithAck, timeout(ms) ok and timed out', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    server.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
    server.on('many', (ack: (...r: unknown[]) => void) => ack('a', { b: 1 }, [2]));
    server.on('ignore', () => {});
    expect(await new Promise((resolve) => client.emit('sum', 1, 2, resolve))).toBe(3);
    expect(await new Promise((resolve) => client.emit('many', (...r: unknown[]) => resolve(r)))).toEqual(['a', { b: 1 }, [2]]);
    expect(await client.emitWithAck('sum', 20, 22)).toBe(42);
    expect(await client.timeout(2000).emitWithAck('sum', 1, 1)).toBe(2);
    const [err, res] = await new Promise<unknown[]>((resolve) => client.timeout(2000).emit('sum', 2, 3, (...a: unknown[]) => resolve(a)));
    expect([err, res]).toEqual([null, 5]);
    const [timedOut] = await new Promise<unknown[]>((resolve) => client.timeout(30).emit('ignore', (...a: unknown[]) => resolve(a)));
    expect(timedOut).toBeInstanceOf(Error);
    expect((timedOut as Error).message).toBe('operation has timed out');
    await expect(client.timeout(30).emitWithAck('ignore')).rejects.toThrow('operation has timed out');
  });

  test('server → client acks: callback, emitWithAck, timeout(ms) ok and timed out', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    client.on('question', (q: string, ack: (a: string) => void) => ack(`answer to ${q}`));
    client.on('ignore', () => {});
    expect(await new Promise((resolve) => server.emit('question', 'life', resolve))).toBe('answer to life');
    expect(await server.emitWithAck('question', 'x')).toBe('answer to x');
    expect(await server.timeout(2000).emitWithAck('question', 'y')).toBe('answer to y');
    const [err, res] = await new Promise<unknown[]>((resolve) => server.timeout(2000).emit('question', 'z', (...a: unknown[]) => resolve(a)));
    expect([err, res]).toEqual([null, 'answer to z']);
    const [timedOut] = await new Promise<unknown[]>((resolve) => server.timeout(30).emit('ignore', (...a: unknown[]) => resolve(a)));
    expect(timedOut).toBeInstanceOf(Error);
    await expect(server.timeout(30).emitWithAck('ignore')).rejects.toBeInstanceOf(Error);
  });

  test('binary anywhere in the arguments, both ways, in events and acks', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    // client → server: top level, nested in objects and arrays, several attachments, acked back
    const got = new Promise<unknown[]>((resolve) =>
      server.on('upload', (...args: unknown[]) => {
        const ack = args.pop() as (...a: unknown[]) => void;
        ack(Buffer.from([9]), { back: [args[0], args[1]] });
        resolve(args);
      }),
    );
    const ab = new Uint8Array([5, 6]).buffer;
    const ackP = new Promise<unknown[]>((resolve) =>
      client.emit('upload', Buffer.from([1, 2, 3]), { deep: { list: ['x', new Uint8Array([4]), ab] } }, 'tail', (...a: unknown[]) => resolve(a)),
    );
    const args = await got;
    expect(bytes(args[0])).toEqual([1, 2, 3]);
    const deep = (args[1] as { deep: { list: unknown[] } }).deep.list;
    expect(deep[0]).toBe('x');
    expect(bytes(deep[1])).toEqual([4]);
    expect(bytes(deep[2])).toEqual([5, 6]);
    expect(args[2]).toBe('tail');
    const ack = await ackP;
    expect(bytes(ack[0])).toEqual([9]);
    const back = (ack[1] as { back: unknown[] }).back;
    expect(bytes(back[0])).toEqual([1, 2, 3]);
    const backList = (back[1] as { deep: { list: unknown[] } }).deep.list;
    expect([backList[0], bytes(backList[1]), bytes(backList[2])]).toEqual(['x', [4], [5, 6]]);

    // server → client, and the client acks binary back
    const down = once<unknown[]>(client, 'download');
    server.emit('download', { files: [Buffer.from([7, 7]), { inner: new Uint8Array([8]).buffer }] }, Buffer.alloc(0));
    const [files, empty] = await down;
    const list = (files as { files: [unknown, { inner: unknown }] }).files;
    expect(isBinary(list[0])).toBe(true);
    expect(bytes(list[0])).toEqual([7, 7]);
    expect(bytes(list[1].inner)).toEqual([8]);
    expect(bytes(empty)).toEqual([]);
    client.on('echo', (b: unknown, ack: (...a: unknown[]) => void) => ack({ got: b, extra: new Uint8Array([1, 0, 255]) }));
    const echoed = (await server.emitWithAck('echo', Buffer.from([3, 1, 4]))) as { got: unknown; extra: unknown };
    expect(bytes(echoed.got)).toEqual([3, 1, 4]);
    expect(bytes(echoed.extra)).toEqual([1, 0, 255]);
  });

  test('onAny and onAnyOutgoing on both sides', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const clientIn: unknown[][] = [];
    const clientOut: unknown[][] = [];
    const serverIn: unknown[][] = [];
    const serverOut: unknown[][] = [];
    client.onAny((...a: unknown[]) => clientIn.push(a));
    client.onAnyOutgoing((...a: unknown[]) => clientOut.push(a));
    server.onAny((...a: unknown[]) => serverIn.push(a.filter((x) => typeof x !== 'function')));
    server.onAnyOutgoing((...a: unknown[]) => serverOut.push(a));
    server.on('ping-me', (n: number, ack: (m: number) => void) => ack(n + 1));
    const seen = once(client, 'hello');
    server.emit('hello', 'you', 1);
    await seen;
    expect(await client.emitWithAck('ping-me', 41)).toBe(42);
    client.emit('bye', { a: 1 });
    await once(server, 'bye');
    expect(clientIn).toEqual([['hello', 'you', 1]]);
    expect(serverOut).toEqual([['hello', 'you', 1]]);
    expect(serverIn).toEqual([['ping-me', 41], ['bye', { a: 1 }]]);
    expect(clientOut.map((a) => a.filter((x) => typeof x !== 'function'))).toEqual([['ping-me', 41], ['bye', { a: 1 }]]);
  });
});

describe.each(rows(OUR_SERVER))('%s (async handlers: emitwire server only)', (_name, p: Pairing) => {
  test('an async handler that returns a value answers the ack', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    server.on('add', async (a: number, b: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      return a + b;
    });
    server.on('sync', (x: string) => `sync ${x}`);
    // the seed's namespace-level style: io.on(event, (socket, ...args) => value)
    (srv.io as unknown as { on(ev: string, fn: (...a: any[]) => unknown): void }).on('mul', (_s: unknown, a: number, b: number) => a * b);
    expect(await client.emitWithAck('add', 2, 3)).toBe(5);
    expect(await client.emitWithAck('sync', 'ok')).toBe('sync ok');
    expect(await client.emitWithAck('mul', 6, 7)).toBe(42);
    expect(await new Promise((resolve) => client.emit('add', 1, 1, resolve))).toBe(2);
  });

  test('a handler that throws or rejects: the ack carries { code, message } and no stack', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    server.on('fail', async (kind: string) => {
      if (kind === 'coded') throw Object.assign(new Error('nope'), { code: 'E_NOPE' });
      throw new Error('plain failure');
    });
    if (p.client === 'emitwire') {
      const coded = await client.emitWithAck('fail', 'coded').catch((e: unknown) => e);
      expect(coded).toBeInstanceOf(RpcError);
      expect(coded).toMatchObject({ code: 'E_NOPE', message: 'nope' });
      const plain = await client.emitWithAck('fail', 'plain').catch((e: unknown) => e);
      expect(plain).toBeInstanceOf(RpcError);
      expect(plain).toMatchObject({ code: ErrorCode.REMOTE, message: 'plain failure' });
      const [err] = await new Promise<unknown[]>((resolve) => client.timeout(2000).emit('fail', 'coded', (...a: unknown[]) => resolve(a)));
      expect(err).toBeInstanceOf(RpcError);
      expect(err).toMatchObject({ code: 'E_NOPE' });
    } else {
      // the official client sees the documented error payload as the ack's argument
      const payload = await client.emitWithAck('fail', 'coded');
      expect(payload).toEqual({ __emitwire_error__: { code: 'E_NOPE', message: 'nope' } });
      expect(JSON.stringify(await client.emitWithAck('fail', 'plain'))).not.toContain('at ');
    }
  });
});
