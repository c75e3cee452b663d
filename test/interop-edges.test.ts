/*
 * Interop matrix, the edges: bursts (write batching keeps order), large and odd payloads, event
 * names that live on Object.prototype, acks lost to a disconnection, server-side socket
 * management (fetchSockets, socketsJoin/Leave, disconnectSockets), auth re-evaluated on reconnect,
 * and our client's `retries` against both servers.
 */
import { ClosedError, ErrorCode, RpcError } from '@emitwire/client/node';
import {
  OUR_SERVER,
  PAIRINGS,
  bytes,
  cleanup,
  connect,
  connected,
  nextConnection,
  once,
  pair,
  rows,
  startServer,
  until,
  type Pairing,
} from './peers.js';

afterEach(cleanup);

describe.each(rows(PAIRINGS))('%s', (_name, p: Pairing) => {
  test('bursts of 2000 events keep their order both ways', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const N = 2000;
    const up: number[] = [];
    server.on('n', (i: number) => up.push(i));
    const down: number[] = [];
    client.on('n', (i: number) => down.push(i));
    for (let i = 0; i < N; i++) {
      client.emit('n', i);
      server.emit('n', i);
    }
    await until(() => up.length === N && down.length === N, 5000, 'the bursts');
    expect(up).toEqual([...Array(N).keys()]);
    expect(down).toEqual([...Array(N).keys()]);
  });

  test('large text and binary payloads (~500 kB) both ways', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const text = 'x'.repeat(500_000);
    const blob = Buffer.alloc(500_000, 7);
    server.on('big', (t: string, b: Buffer, ack: (...a: unknown[]) => void) => ack(t.length, b.length, t, b));
    const [tl, bl, t, b] = await new Promise<unknown[]>((resolve) => client.emit('big', text, blob, (...a: unknown[]) => resolve(a)));
    expect([tl, bl]).toEqual([500_000, 500_000]);
    expect(t).toBe(text);
    expect(bytes(b).length).toBe(500_000);
    expect(bytes(b).every((x) => x === 7)).toBe(true);
  });

  test('event names from Object.prototype and unicode are ordinary events', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'événement ✓'];
    const seenUp: string[] = [];
    const seenDown: string[] = [];
    for (const name of names) {
      server.on(name, (v: string) => seenUp.push(`${name}=${v}`));
      client.on(name, (v: string) => seenDown.push(`${name}=${v}`));
    }
    const doneUp = once(server, 'end');
    const doneDown = once(client, 'end');
    for (const name of names) {
      client.emit(name, 'up');
      server.emit(name, 'down');
    }
    client.emit('end');
    server.emit('end');
    await Promise.all([doneUp, doneDown]);
    expect(seenUp).toEqual(names.map((n) => `${n}=up`));
    expect(seenDown).toEqual(names.map((n) => `${n}=down`));
  });

  test('fetchSockets, socketsJoin / socketsLeave, disconnectSockets', async () => {
    const srv = await startServer(p.server);
    const a = await pair(p, srv);
    const b = await pair(p, srv);
    expect((await srv.io.fetchSockets()).length).toBe(2);
    const io = srv.io as unknown as {
      socketsJoin(r: string): void;
      socketsLeave(r: string): void;
      in(r: string): { socketsJoin(r: string): void; disconnectSockets(close?: boolean): void; fetchSockets(): Promise<unknown[]> };
      disconnectSockets(close?: boolean): void;
    };
    io.socketsJoin('all');
    await until(() => a.server.rooms.has('all') && b.server.rooms.has('all'), 2000, 'socketsJoin');
    io.in(a.server.id).socketsJoin('only-a');
    await until(() => a.server.rooms.has('only-a'), 2000, 'socketsJoin on a room');
    expect(b.server.rooms.has('only-a')).toBe(false);
    expect((await io.in('only-a').fetchSockets()).length).toBe(1);
    io.socketsLeave('all');
    await until(() => !a.server.rooms.has('all') && !b.server.rooms.has('all'), 2000, 'socketsLeave');
    const gone = Promise.all([once(a.client, 'disconnect'), once(b.client, 'disconnect')]);
    io.in('only-a').disconnectSockets();
    expect((await once(a.client, 'disconnect'))[0]).toBe('io server disconnect');
    expect(b.client.connected).toBe(true);
    io.disconnectSockets(true);
    await gone;
    expect(b.client.connected).toBe(false);
    expect((await srv.io.fetchSockets()).length).toBe(0);
  });

  test('auth as a function is called again on every reconnection', async () => {
    const srv = await startServer(p.server);
    let calls = 0;
    const seen: unknown[] = [];
    srv.io.on('connection', (s) => seen.push(s.handshake.auth));
    const first = nextConnection(srv);
    const client = connect(p.client, srv.url, { auth: (cb) => cb({ attempt: ++calls }) });
    await connected(client);
    const again = nextConnection(srv);
    ((await first).conn as { close(): void }).close(); // the connection is lost: the client reconnects
    await again;
    await until(() => client.connected, 2000, 'reconnection');
    expect(seen).toEqual([{ attempt: 1 }, { attempt: 2 }]);
  });

  test('retries: an unacknowledged emit is sent again, one at a time, in order', async () => {
    const srv = await startServer(p.server);
    const serverSide = nextConnection(srv);
    const client = connect(p.client, srv.url, { retries: 2, ackTimeout: 50 });
    await connected(client);
    const s = await serverSide;
    const deliveries: string[] = [];
    let dropFirst = true;
    s.on('job', (name: string, ack: (r: string) => void) => {
      deliveries.push(name);
      if (name === 'a' && dropFirst) {
        dropFirst = false; // the first delivery of 'a' is never acked
        return;
      }
      ack(`done ${name}`);
    });
    const results = await Promise.all([client.emitWithAck('job', 'a'), client.emitWithAck('job', 'b')]);
    expect(results).toEqual(['done a', 'done b']);
    expect(deliveries).toEqual(['a', 'a', 'b']);
  });
});

// the official server lets such acks wait for their timeout
describe.each(rows(OUR_SERVER))('%s (our server)', (_name, p: Pairing) => {
  test('server acks pending when the client leaves fail at once with ClosedError EW_DISCONNECTED', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const arrived = once(client, 'slow'); // never answered
    const pending = server.timeout(5000).emitWithAck('slow');
    pending.catch(() => {});
    await arrived;
    const started = Date.now();
    client.disconnect();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect(err).toMatchObject({ code: ErrorCode.DISCONNECTED });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe.each(rows(PAIRINGS.filter((p) => p.client === 'emitwire')))('%s (our client)', (_name, p: Pairing) => {
  test('an emitWithAck lost to a disconnection rejects with ClosedError EW_DISCONNECTED', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv, '', { reconnection: false });
    const arrived = once(server, 'never'); // never answered
    const pending = client.emitWithAck('never');
    pending.catch(() => {});
    await arrived;
    server.disconnect(true);
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClosedError);
    expect(err).toMatchObject({ code: ErrorCode.DISCONNECTED });
  });
});

describe.each(rows(PAIRINGS.filter((p) => p.client === 'emitwire')))('%s (our client, attachments)', (_name, p: Pairing) => {
  test('10 binaries travel both ways; 11 are refused at emit, before the server would close the connection', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const ten = Array.from({ length: 10 }, (_, i) => new Uint8Array([i]));
    server.on('ten', (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    const back = await client.emitWithAck('ten', ...ten).then(() => 'acked');
    expect(back).toBe('acked');
    const got = once<unknown[]>(client, 'ten-back');
    server.emit('ten-back', ...ten);
    expect((await got).map(bytes)).toEqual(ten.map((b) => [...b]));
    const eleven = [...ten, new Uint8Array([10])];
    expect(() => client.emit('eleven', ...eleven)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    await expect(client.emitWithAck('eleven', ...eleven)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    expect(client.connected).toBe(true);
    server.on('ok', (ack: (v: string) => void) => ack('fine'));
    expect(await client.emitWithAck('ok')).toBe('fine');
  });
});

describe.each(rows(PAIRINGS.filter((p) => p.client === 'emitwire' && p.server === 'emitwire')))('%s', (_name, p: Pairing) => {
  test('a handler answer that cannot be encoded rejects emitWithAck with an RpcError EW_INVALID_ARGUMENT', async () => {
    const srv = await startServer(p.server);
    const { client, server } = await pair(p, srv);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    server.on('answer', () => circular);
    const err = await client.emitWithAck('answer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: 'data cannot be encoded as JSON' });
  });
});
