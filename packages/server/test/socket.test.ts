import { Socket as TcpSocket } from 'node:net';
import { RpcError, TimeoutError } from '@emitwire/protocol';
import type { Socket } from '@emitwire/server';
import { RawClient, cleanup, client, connected, delay, guardProcess, once, startServer } from './helpers.js';

afterEach(cleanup);

async function pair(options = {}): Promise<{ server: Socket; c: ReturnType<typeof client>; srv: Awaited<ReturnType<typeof startServer>> }> {
  const srv = await startServer(options);
  const serverSide = once<[Socket]>(srv.io, 'connection');
  const c = client(srv);
  await connected(c);
  const [server] = await serverSide;
  return { server, c, srv };
}

describe('Socket', () => {
  test('id, handshake (auth, query, headers, address, time, url, issued), data, rooms', async () => {
    const srv = await startServer();
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const c = client(srv, '/', { auth: { token: 't' }, query: { room: 'a' } });
    await connected(c);
    const [s] = await serverSide;
    expect(s.id).toBe(c.id);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(s.handshake.auth).toEqual({ token: 't' });
    expect(s.handshake.query.room).toBe('a');
    expect(s.handshake.query.EIO).toBe('4');
    expect(s.handshake.headers.host).toBe(`127.0.0.1:${srv.port}`);
    expect(s.handshake.address).toBe('127.0.0.1');
    expect(typeof s.handshake.time).toBe('string');
    expect(s.handshake.issued).toBeLessThanOrEqual(Date.now());
    expect(s.handshake.url.startsWith('/socket.io/?')).toBe(true);
    expect(s.rooms).toEqual(new Set([s.id]));
    s.data = { user: 'u' };
    expect(s.data).toEqual({ user: 'u' });
    expect(s.conn.remoteAddress).toBe('127.0.0.1');
    expect(s.conn.readyState).toBe('open');
  });

  test("handshake.headers equal the request's, key order included, one object per connection (shared header templates)", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const srv = await startServer({
      allowRequest: (req, cb) => {
        seen.push({ ...req.headers });
        cb(null, true);
      },
    });
    const sockets: Socket[] = [];
    srv.io.on('connection', (s) => void sockets.push(s));
    // requests that repeat each other but for their (random) key, another kind of client, then the first again
    const kinds = [{ 'x-app': 'a' }, { 'x-app': 'a' }, { 'x-app': 'a' }, { 'x-app': 'b', 'x-more': '1' }, { 'x-app': 'a' }, { 'x-app': 'a', cookie: 'c=1' }];
    for (const headers of kinds) {
      const raw = new RawClient(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket`, { headers });
      await raw.next();
      raw.send('40');
      await raw.next();
    }
    expect(sockets).toHaveLength(kinds.length);
    const keys = new Set<unknown>();
    sockets.forEach((s, i) => {
      expect(s.handshake.headers).toEqual(seen[i]);
      expect(Object.keys(s.handshake.headers)).toEqual(Object.keys(seen[i]!));
      expect(s.conn.headers).toBe(s.handshake.headers);
      keys.add(s.handshake.headers['sec-websocket-key']);
    });
    expect(keys.size).toBe(kinds.length);
    // each connection has its own object: changing one changes no other
    sockets[1]!.handshake.headers['x-app'] = 'changed';
    expect(sockets[2]!.handshake.headers['x-app']).toBe('a');
    expect(sockets[4]!.handshake.headers['x-app']).toBe('a');
    expect(sockets[1]!.conn.headers['x-app']).toBe('changed');
  });

  test('on/once/off and onAny/prependAny/offAny see client events', async () => {
    const { server, c } = await pair();
    const order: string[] = [];
    const any1 = (ev: string): void => void order.push('any1:' + ev);
    server.onAny(any1);
    server.prependAny((ev) => void order.push('any0:' + ev));
    server.once('x', (v) => void order.push('once:' + String(v)));
    const onX = (v: unknown): void => void order.push('on:' + String(v));
    server.on('x', onX);
    c.emit('x', 1);
    c.emit('x', 2);
    await once(server, 'x');
    server.off('x', onX);
    server.offAny(any1);
    c.emit('x', 3);
    c.emit('done');
    await once(server, 'done');
    expect(order).toEqual(['any0:x', 'any1:x', 'once:1', 'on:1', 'any0:x', 'any1:x', 'on:2', 'any0:x', 'any0:done']);
  });

  test('emit with ack, timeout(ms).emit, emitWithAck, onAnyOutgoing', async () => {
    const { server, c } = await pair();
    c.on('q', (n: number, ack: (r: number) => void) => ack(n * 2));
    const out: string[] = [];
    server.onAnyOutgoing((ev) => void out.push(ev));
    const viaCallback = await new Promise((resolve) => server.emit('q', 2, (r: unknown) => resolve(r)));
    expect(viaCallback).toBe(4);
    expect(await server.emitWithAck('q', 5)).toBe(10);
    const [err, r] = await new Promise<unknown[]>((resolve) => server.timeout(1000).emit('q', 7, (...a: unknown[]) => resolve(a)));
    expect(err).toBeNull();
    expect(r).toBe(14);
    expect(out).toEqual(['q', 'q', 'q']);
  });

  test('an ack that never comes: timeout error (TimeoutError, EW_ACK_TIMEOUT)', async () => {
    const { server, c } = await pair();
    c.on('silent', () => {});
    await expect(server.timeout(30).emitWithAck('silent')).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    const [err] = await new Promise<unknown[]>((resolve) => server.timeout(10).emit('silent', (...a: unknown[]) => resolve(a)));
    expect(err).toBeInstanceOf(TimeoutError);
  });

  test('pending acks are rejected on disconnect (EW_DISCONNECTED) and bounded by maxPendingAcks', async () => {
    const { server, c } = await pair({ maxPendingAcks: 2 });
    c.on('silent', () => {});
    const a = server.emitWithAck('silent');
    const b = server.emitWithAck('silent');
    await expect(server.emitWithAck('silent')).rejects.toMatchObject({ code: 'EW_BUFFER_FULL' });
    server.disconnect();
    await expect(a).rejects.toMatchObject({ code: 'EW_DISCONNECTED' });
    await expect(b).rejects.toMatchObject({ code: 'EW_DISCONNECTED' });
  });

  test('a client ack carrying the remote error payload rejects emitWithAck with an RpcError', async () => {
    const { server, c } = await pair();
    c.on('q', (ack: (r: unknown) => void) => ack({ __emitwire_error__: { code: 'E_X', message: 'nope' } }));
    const err = await server.emitWithAck('q').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'E_X', message: 'nope' });
  });

  test('async handlers: a returned value or promise is the ack; throw/reject acks the error payload, once', async () => {
    const { server, c } = await pair();
    server.on('sync', (x) => x);
    server.on('async', async (x) => {
      await delay(1);
      return x;
    });
    server.on('void', async () => {});
    server.on('throws', () => {
      throw Object.assign(new Error('bad input'), { code: 'E_BAD' });
    });
    server.on('rejects', async () => {
      throw new Error('later');
    });
    server.on('both', (_x, ack) => {
      (ack as (v: unknown) => void)('first');
      return 'second';
    });
    expect(await c.emitWithAck('sync', 1)).toBe(1);
    expect(await c.emitWithAck('async', 2)).toBe(2);
    expect(await c.emitWithAck('void')).toBeUndefined();
    expect(await c.emitWithAck('throws')).toEqual({ __emitwire_error__: { code: 'E_BAD', message: 'bad input' } });
    expect(await c.emitWithAck('rejects')).toEqual({ __emitwire_error__: { code: 'EW_REMOTE', message: 'later' } });
    expect(await c.emitWithAck('both', 0)).toBe('first');
  });

  test('a throwing handler without ack goes to onHandlerError, the process never sees it', async () => {
    const errors: unknown[] = [];
    const { server, c } = await pair({ onHandlerError: (err: unknown) => void errors.push(err) });
    server.on('boom', () => {
      throw new Error('sync');
    });
    server.on('boom', async () => {
      throw new Error('async');
    });
    c.emit('boom');
    c.emit('ping');
    await once(server, 'ping');
    await delay(5);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
  });

  test('binary in both directions', async () => {
    const { server, c } = await pair();
    server.on('bin', (buf) => buf);
    const back = await c.emitWithAck('bin', Buffer.from([1, 2, 3]));
    expect(Buffer.from(back as ArrayBuffer)).toEqual(Buffer.from([1, 2, 3]));
    const got = once(c, 'srv-bin');
    server.emit('srv-bin', { nested: new Uint8Array([9, 8]) });
    const [arg] = (await got) as [{ nested: ArrayBuffer }];
    expect(Buffer.from(arg.nested)).toEqual(Buffer.from([9, 8]));
  });

  test('use(): per-packet middleware may drop a packet (ack gets the error payload)', async () => {
    const { server, c } = await pair();
    server.use(([ev], next) => (ev === 'forbidden' ? next(new Error('not allowed')) : next()));
    server.on('ok', () => 'fine');
    server.on('forbidden', () => 'never');
    expect(await c.emitWithAck('forbidden')).toEqual({ __emitwire_error__: { code: 'EW_REMOTE', message: 'not allowed' } });
    expect(await c.emitWithAck('ok')).toBe('fine');
  });

  test('use(): onAny sees an event before the packet middleware (refused ones too), whose packet ends with the ack, as in Socket.IO', async () => {
    const { server, c } = await pair();
    const seen: unknown[] = [];
    server.onAny((ev: string, ...args: unknown[]) => void seen.push(['any', ev, ...args.map((a) => typeof a)]));
    server.use((packet, next) => {
      seen.push(['use', ...packet.map((a) => typeof a)]);
      const ack = packet[packet.length - 1];
      // a middleware may answer the ack itself
      if (packet[0] === 'answered' && typeof ack === 'function') return (ack as (v: string) => void)('from use');
      next(packet[0] === 'forbidden' ? new Error('not allowed') : undefined);
    });
    server.on('ok', (n: unknown, ack: unknown) => void seen.push(['on', typeof n, typeof ack]));
    expect(await c.timeout(1000).emitWithAck('answered', 1)).toBe('from use');
    await c.emitWithAck('forbidden');
    c.emit('ok', 2);
    await c.timeout(50).emitWithAck('ok', 3).catch(() => {});
    expect(seen).toEqual([
      ['any', 'answered', 'number', 'function'],
      ['use', 'string', 'number', 'function'],
      ['any', 'forbidden', 'function'],
      ['use', 'string', 'function'],
      ['any', 'ok', 'number'],
      ['use', 'string', 'number'],
      ['on', 'number', 'undefined'],
      ['any', 'ok', 'number', 'function'],
      ['use', 'string', 'number', 'function'],
      ['on', 'number', 'function'],
    ]);
  });

  test('use(): an async middleware that rejects refuses the packet like a throw, never an unhandled rejection; onHandlerError hears what no ack told', async () => {
    const guard = guardProcess();
    try {
      const reported: unknown[] = [];
      const { server, c } = await pair({ onHandlerError: (err: Error, ctx: { event: string }) => void reported.push([err.message, ctx.event]) });
      server.use(async ([ev], next) => {
        await Promise.resolve();
        if (ev !== 'ok') throw new Error('refused later');
        next();
      });
      server.use(([ev], next) => {
        next();
        // a throw after next() lets the packet through, and is still reported
        if (ev === 'ok') throw new Error('after next');
      });
      const reached: string[] = [];
      server.on('quiet', () => void reached.push('quiet'));
      server.on('asked', () => 'never');
      server.on('ok', () => 'fine');
      c.emit('quiet');
      expect(await c.emitWithAck('asked')).toEqual({ __emitwire_error__: { code: 'EW_REMOTE', message: 'refused later' } });
      expect(await c.emitWithAck('ok')).toBe('fine');
      await delay(10);
      expect(reached).toEqual([]);
      expect(guard.errors).toEqual([]);
      // the failures nobody heard of through an ack reach onHandlerError
      expect(reported).toEqual([
        ['refused later', 'quiet'],
        ['after next', 'ok'],
      ]);
    } finally {
      guard.restore();
    }
  });

  test('an ack answer that cannot be encoded reaches the client as an error and onHandlerError, never the process', async () => {
    const errors: unknown[] = [];
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      const { server, c } = await pair({ onHandlerError: (err: unknown) => void errors.push(err) });
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const bins = Array.from({ length: 11 }, () => Buffer.from([1]));
      server.on('sync', () => circular);
      server.on('async', async () => bins);
      server.on('direct', (ack) => {
        if (typeof ack !== 'function') throw new Error('no ack');
        expect(() => ack(...bins)).toThrow('too many binary attachments');
        ack('ignored: the ack was answered');
      });
      // (the official client resolves with the error payload; ours rejects with an RpcError: test/interop-edges)
      const failure = (message: string) => ({ __emitwire_error__: { code: 'EW_INVALID_ARGUMENT', message } });
      expect(await c.emitWithAck('sync')).toEqual(failure('data cannot be encoded as JSON'));
      expect(await c.emitWithAck('async')).toEqual(failure('too many binary attachments'));
      expect(await c.emitWithAck('direct')).toEqual(failure('too many binary attachments'));
      expect(errors.map((e) => (e as Error).message)).toEqual(['data cannot be encoded as JSON', 'too many binary attachments']);
      // the connection is still healthy
      server.on('ok', () => 'fine');
      expect(await c.emitWithAck('ok')).toBe('fine');
      await delay(10);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  test('emit refuses more binaries than a client accepts (10) synchronously', async () => {
    const { server, srv } = await pair();
    const bins = Array.from({ length: 11 }, () => new Uint8Array(1));
    expect(() => server.emit('x', ...bins)).toThrow(expect.objectContaining({ code: 'EW_INVALID_ARGUMENT', message: 'too many binary attachments' }));
    expect(() => srv.io.emit('x', ...bins)).toThrow(expect.objectContaining({ code: 'EW_INVALID_ARGUMENT' }));
    expect(server.connected).toBe(true);
  });

  test('emit refuses reserved event names synchronously', async () => {
    const { server } = await pair();
    expect(() => server.emit('disconnect' as never)).toThrow(expect.objectContaining({ code: 'EW_INVALID_ARGUMENT', message: '"disconnect" is a reserved event name' }));
  });

  test('join/leave, to(room) excludes the sender, broadcast', async () => {
    const srv = await startServer();
    const sockets: Socket[] = [];
    srv.io.on('connection', (s) => void sockets.push(s));
    const [a, b, d] = [client(srv), client(srv), client(srv)];
    await Promise.all([a, b, d].map(connected));
    const [sa, sb] = sockets.filter((s) => s.id === a.id || s.id === b.id).sort((x) => (x.id === a.id ? -1 : 1));
    sa!.join(['r1', 'r2']);
    sb!.join('r1');
    expect(sa!.rooms).toEqual(new Set([a.id, 'r1', 'r2']));
    const got: string[] = [];
    for (const [name, c] of [['a', a], ['b', b], ['d', d]] as const) c.on('m', (v: string) => void got.push(name + v));
    sa!.to('r1').emit('m', '1');
    sa!.broadcast.emit('m', '2');
    sa!.leave('r2');
    expect(sa!.rooms.has('r2')).toBe(false);
    await delay(30);
    expect(got.sort()).toEqual(['b1', 'b2', 'd2']);
  });

  test('disconnect(): server namespace disconnect; disconnecting sees rooms; client disconnect reasons', async () => {
    const { server, c } = await pair();
    server.join('room');
    const seen: unknown[] = [];
    server.on('disconnecting', (reason) => void seen.push(reason, [...server.rooms]));
    const done = once(server, 'disconnect');
    const clientSide = once(c, 'disconnect');
    server.disconnect();
    expect(await done).toEqual(['server namespace disconnect']);
    expect(seen).toEqual(['server namespace disconnect', [server.id, 'room']]);
    expect(await clientSide).toEqual(['io server disconnect']);
    expect(server.connected).toBe(false);
    expect(server.rooms.size).toBe(0);
  });

  test('disconnect() or disconnect(true) inside "disconnecting" ends the socket once (no re-entry, no second disconnect)', async () => {
    const srv = await startServer();
    const seen: unknown[] = [];
    srv.io.on('disconnect', (s, reason) => void seen.push(['io', s.id, reason]));
    const sockets: Socket[] = [];
    srv.io.on('connection', (s) => {
      sockets.push(s);
      s.on('disconnect', (reason) => void seen.push(['socket', s.id, reason]));
    });
    // a handler that disconnects every socket of its room, itself included (say, the tabs of one user)
    const c1 = client(srv);
    await connected(c1);
    const [s1] = sockets;
    s1!.on('disconnecting', () => void srv.io.in(s1!.id).disconnectSockets());
    const gone1 = once(s1!, 'disconnect');
    c1.disconnect();
    await gone1;
    const c2 = client(srv);
    await connected(c2);
    const s2 = sockets[1]!;
    s2.on('disconnecting', () => void s2.disconnect(true));
    const closed = once(c2, 'disconnect');
    const gone2 = once(s2, 'disconnect');
    s2.disconnect();
    await gone2;
    expect(await closed).toEqual(['io server disconnect']);
    await delay(20);
    expect(seen).toEqual([
      ['socket', s1!.id, 'client namespace disconnect'],
      ['io', s1!.id, 'client namespace disconnect'],
      ['socket', s2.id, 'server namespace disconnect'],
      ['io', s2.id, 'server namespace disconnect'],
    ]);
    expect(srv.io.sockets.sockets.size).toBe(0);
  });

  test.each([
    ['client namespace disconnect', (c: ReturnType<typeof client>) => c.disconnect()],
    ['transport close', (c: ReturnType<typeof client>) => c.io.engine.close()],
  ])('reason %s', async (reason, act) => {
    const { server, c } = await pair();
    const done = once(server, 'disconnect');
    act(c);
    expect((await done)[0]).toBe(reason);
  });

  test('disconnect(true) closes the connection; forced close via conn.close()', async () => {
    const { server, c, srv } = await pair();
    const done = once(server, 'disconnect');
    server.disconnect(true);
    expect(await done).toEqual(['server namespace disconnect']);
    await once(c, 'disconnect');
    const c2 = client(srv);
    const [s2] = await once<[Socket]>(srv.io, 'connection');
    await connected(c2);
    const done2 = once(s2, 'disconnect');
    s2.conn.close();
    expect((await done2)[0]).toBe('forced close');
  });

  test('volatile: sent when the connection is writable', async () => {
    const { server, c } = await pair();
    const got = once(c, 'v');
    expect(server.volatile.emit('v', 1)).toBe(true);
    expect(await got).toEqual([1]);
  });

  test('volatile: dropped while the connection has unsent bytes (a client not reading), a normal emit is delivered later', async () => {
    const srv = await startServer({ maxBacklog: 64 * 1024 * 1024 });
    const joined = once<[Socket]>(srv.io, 'connection');
    const c = await RawClient.open(srv);
    const [s] = await joined;
    // the client stops reading: the kernel buffers fill, then the server's socket keeps what is left
    (c.ws as unknown as { _socket: TcpSocket })._socket.pause();
    const big = 'x'.repeat(256 * 1024);
    let sent = 0;
    while (s.conn.writable) {
      if (sent === 200) throw new Error('the connection stayed writable past 50 MB');
      s.emit('big', big);
      sent++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(s.conn.backlog).toBeGreaterThan(0);
    expect(s.volatile.emit('v', 'dropped')).toBe(false);
    expect(s.volatile.compress(false).emit('v', 'dropped too')).toBe(false);
    srv.io.volatile.emit('v', 'dropped broadcast');
    expect(s.emit('n', 'kept')).toBe(true);
    (c.ws as unknown as { _socket: TcpSocket })._socket.resume();
    const after: unknown[] = [];
    for (;;) {
      const frame = await c.next();
      if (frame === `42["big","${big}"]`) continue;
      after.push(frame);
      if (frame === '42["n","kept"]') break;
    }
    expect(after).toEqual(['42["n","kept"]']);
    expect(c.frames.filter((f) => f === `42["big","${big}"]`)).toHaveLength(sent);
    // drained: writable again, and a volatile emit goes out
    await delay(20);
    expect(s.conn.writable).toBe(true);
    expect(s.volatile.emit('v', 'sent')).toBe(true);
    expect(await c.next()).toBe('42["v","sent"]');
  });

  test('writes of one tick are batched: 100 emits leave in one TCP write, in order', async () => {
    const srv = await startServer();
    const joined = once<[Socket]>(srv.io, 'connection');
    const c = await RawClient.open(srv);
    const [s] = await joined;
    await delay(20);
    // every TCP write of the process until the burst has left (the raw client writes nothing meanwhile)
    const tcp = TcpSocket.prototype as unknown as { _write: () => void; _writev: () => void };
    const write = jest.spyOn(tcp, '_write');
    const writev = jest.spyOn(tcp, '_writev');
    let writes: number;
    try {
      for (let i = 0; i < 100; i++) s.emit('n', i);
      await new Promise((resolve) => setImmediate(resolve));
      writes = write.mock.calls.length + writev.mock.calls.length;
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
    const frames: unknown[] = [];
    for (let i = 0; i < 100; i++) frames.push(await c.next());
    expect(frames).toEqual(Array.from({ length: 100 }, (_, i) => `42["n",${i}]`));
    expect(writes).toBe(1);
  });
});

describe('acks at most once on the wire (raw client)', () => {
  /** The frames read so far that answer ack `id` of `/`. */
  const acksOf = (c: RawClient, id: number): unknown[] => c.frames.filter((f) => typeof f === 'string' && f.startsWith(`43${id}[`));

  test('a handler that acks and then returns, throws, rejects or acks again sends one ACK', async () => {
    const srv = await startServer();
    let settled = 0;
    const finished = new Promise<void>((resolve) => {
      srv.io.on('connection', (s) => {
        const track = (fn: (ack: (v: unknown) => void) => unknown) => (...args: unknown[]) => {
          const ack = args[args.length - 1] as (v: unknown) => void;
          let result: unknown;
          try {
            result = fn(ack);
          } finally {
            // a rejection or a late ack happens after this: counted once its promise or timer is done
            void Promise.resolve(result).then(
              () => delay(10),
              () => delay(10),
            ).then(() => ++settled === 6 && resolve());
          }
          return result;
        };
        s.on('sync-return', track((ack) => (ack('first'), 'second')));
        s.on('sync-throw', track((ack) => {
          ack('first');
          throw new Error('after the ack');
        }));
        s.on('async-return', track(async (ack) => {
          ack('first');
          await delay(1);
          return 'second';
        }));
        s.on('async-reject', track(async (ack) => {
          ack('first');
          await delay(1);
          throw new Error('after the ack');
        }));
        s.on('twice', track((ack) => {
          ack('first');
          ack('second');
        }));
        s.on('return-then-ack', track(async (ack) => {
          setTimeout(() => ack('second'), 5);
          return 'first';
        }));
        s.on('echo', (x) => x);
      });
    });
    const guard = guardProcess();
    try {
      const c = await RawClient.open(srv);
      const names = ['sync-return', 'sync-throw', 'async-return', 'async-reject', 'twice', 'return-then-ack'];
      names.forEach((name, i) => c.send(`42${i + 1}["${name}"]`));
      await finished;
      // every later write of those handlers would have been queued by now: one more round trip
      c.send('4299["echo","after"]');
      for (;;) if ((await c.next()) === '4399["after"]') break;
      expect(names.map((name, i) => [name, acksOf(c, i + 1)])).toEqual(names.map((name, i) => [name, [`43${i + 1}["first"]`]]));
      expect(c.closed).toBe(false);
    } finally {
      guard.restore();
    }
    expect(guard.errors).toEqual([]);
  });

  test('a handler that throws or rejects after its ack went reports the error to onHandlerError (it is not lost)', async () => {
    const reported: Array<[string, string | undefined]> = [];
    const srv = await startServer({ onHandlerError: (err, ctx) => void reported.push([(err as Error).message, ctx.event]) });
    srv.io.on('connection', (s) => {
      s.on('sync-throw', (ack) => {
        (ack as (v: unknown) => void)('first');
        throw new Error('thrown after the ack');
      });
      s.on('async-reject', async (ack) => {
        (ack as (v: unknown) => void)('first');
        await delay(1);
        throw new Error('rejected after the ack');
      });
      // before the ack: the client gets the error, onHandlerError does not
      s.on('throw-first', () => {
        throw new Error('to the client');
      });
    });
    const c = await RawClient.open(srv);
    c.send('421["sync-throw"]');
    c.send('422["async-reject"]');
    c.send('423["throw-first"]');
    const frames = [await c.next(), await c.next(), await c.next()];
    expect(frames).toEqual(['431["first"]', '432["first"]', '433[{"__emitwire_error__":{"code":"EW_REMOTE","message":"to the client"}}]']);
    await delay(20);
    expect(reported.sort()).toEqual([
      ['rejected after the ack', 'async-reject'],
      ['thrown after the ack', 'sync-throw'],
    ]);
  });

  test('the same ACK id sent twice settles the emit once (callback, timeout callback, broadcast with ack)', async () => {
    const srv = await startServer();
    const joined = once<[Socket]>(srv.io, 'connection');
    const c = await RawClient.open(srv);
    const [s] = await joined;
    s.on('echo', (x) => x);
    const calls: unknown[][] = [];
    /** Emits, reads the EVENT the client got, answers its ack id twice. */
    const answerTwice = async (emit: () => void): Promise<void> => {
      emit();
      const frame = String(await c.next());
      const id = /^42(\d+)\[/.exec(frame)?.[1];
      expect(id).toBeDefined();
      c.send(`43${id}["a"]`);
      c.send(`43${id}["b"]`);
    };
    await answerTwice(() => s.emit('q', (...args: unknown[]) => void calls.push(['emit', ...args])));
    await answerTwice(() => s.timeout(5000).emit('q', (...args: unknown[]) => void calls.push(['timeout', ...args])));
    let responses: unknown[] | undefined;
    await answerTwice(() =>
      srv.io.timeout(5000).emit('q', (err: Error | null, res: unknown[]) => {
        calls.push(['broadcast', err, [...res]]);
        responses = res;
      }),
    );
    // both answers of each id have arrived once the echo sent after them is answered
    c.send('4299["echo","after"]');
    for (;;) if ((await c.next()) === '4399["after"]') break;
    expect(calls).toEqual([
      ['emit', 'a'],
      ['timeout', null, 'a'],
      ['broadcast', null, ['a']],
    ]);
    // the second answer did not reach the broadcast's list of responses after it finished either
    expect(responses).toEqual(['a']);
    expect(c.closed).toBe(false);
  });
});
