import * as protocol from '@emitwire/protocol';

jest.mock('@emitwire/protocol', () => {
  const actual = jest.requireActual('@emitwire/protocol');
  return { ...actual, encodePacket: jest.fn(actual.encodePacket) };
});
import { InMemoryAdapter, type BroadcastOptions, type Room, type ServerOptions, type Socket, type SocketId } from '@emitwire/server';
import { RawClient, cleanup, client, connected, delay, once, startServer } from './helpers.js';

afterEach(cleanup);

async function setup(n: number, options: Partial<ServerOptions> = {}) {
  const srv = await startServer(options);
  const byClient = new Map<string, Socket>();
  srv.io.on('connection', (s) => void byClient.set(s.id, s));
  const clients = Array.from({ length: n }, () => client(srv));
  await Promise.all(clients.map(connected));
  const sockets = clients.map((c) => byClient.get(c.id!)!);
  return { srv, clients, sockets };
}

function collect(clients: ReturnType<typeof client>[], ev: string): string[] {
  const got: string[] = [];
  clients.forEach((c, i) => c.on(ev, (v: unknown) => void got.push(`${i}:${String(v)}`)));
  return got;
}

describe('BroadcastOperator', () => {
  test('io.emit reaches every socket, encoding the packet once', async () => {
    const { srv, clients } = await setup(5);
    const got = collect(clients, 'all');
    const spy = protocol.encodePacket as jest.Mock;
    spy.mockClear();
    srv.io.emit('all', 'x');
    expect(spy).toHaveBeenCalledTimes(1);
    await delay(30);
    expect(got.sort()).toEqual(['0:x', '1:x', '2:x', '3:x', '4:x']);
  });

  test('to(rooms) is a union, except() subtracts, a socket id is a room', async () => {
    const { srv, clients, sockets } = await setup(4);
    sockets[0]!.join(['a', 'b']);
    sockets[1]!.join('a');
    sockets[2]!.join('b');
    const got = collect(clients, 'm');
    srv.io.to('a').to('b').emit('m', 'ab');
    srv.io.to('a').except('b').emit('m', 'a-b');
    srv.io.except('a').emit('m', 'not-a');
    srv.io.to(sockets[3]!.id).emit('m', 'one');
    await delay(30);
    expect(got.sort()).toEqual(['0:ab', '1:a-b', '1:ab', '2:ab', '2:not-a', '3:not-a', '3:one']);
  });

  test('timeout(ms).emitWithAck: one answer per socket; timeout error when some stay silent', async () => {
    const { srv, clients } = await setup(3);
    clients.forEach((c, i) => c.on('q', (ack: (v: number) => void) => ack(i)));
    const answers = (await srv.io.timeout(1000).emitWithAck('q')) as number[];
    expect(answers.sort()).toEqual([0, 1, 2]);
    clients[2]!.off('q');
    clients[2]!.on('q', () => {});
    await expect(srv.io.timeout(50).emitWithAck('q')).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    const [err, responses] = await new Promise<unknown[]>((resolve) =>
      srv.io.timeout(50).emit('q', (...a: unknown[]) => resolve(a)),
    );
    expect(err).toBeInstanceOf(protocol.TimeoutError);
    expect((responses as number[]).sort()).toEqual([0, 1]);
  });

  test("a timed-out broadcast ack stops waiting on each socket: silent targets keep no pending ack (maxPendingAcks stays free)", async () => {
    const srv = await startServer({ maxPendingAcks: 2 });
    const joined = once<[Socket]>(srv.io, 'connection');
    const c = client(srv);
    await connected(c);
    const [s] = await joined;
    c.on('q', () => {});
    c.on('r', (ack: (v: string) => void) => ack('answered'));
    for (let i = 0; i < 3; i++) await expect(srv.io.timeout(10).emitWithAck('q')).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    // the socket's own acks are not refused by the table filling with broadcasts that gave up
    await expect(s.timeout(1000).emitWithAck('r')).resolves.toBe('answered');
    await expect(s.timeout(1000).emitWithAck('r')).resolves.toBe('answered');
  });

  test('a broadcast ack without timeout keeps within maxPendingAcks: a full socket gets the event and counts as not answering', async () => {
    const srv = await startServer({ maxPendingAcks: 2 });
    const joined = once<[Socket]>(srv.io, 'connection');
    const silent = client(srv);
    await connected(silent);
    await joined;
    const answering = client(srv);
    await connected(answering);
    const got: number[] = [];
    silent.on('q', (n: number) => void got.push(n));
    answering.on('q', (n: number, ack: (v: string) => void) => ack('a' + n));
    // the silent socket's table fills with the first two (they wait for it until it leaves); once
    // the other socket has answered them, the third resolves with its one answer
    const first = [srv.io.emitWithAck('q', 1), srv.io.emitWithAck('q', 2)];
    await delay(20);
    expect(await srv.io.emitWithAck('q', 3)).toEqual(['a3']);
    await delay(20);
    expect(got).toEqual([1, 2, 3]);
    silent.disconnect();
    expect(await Promise.all(first)).toEqual([['a1'], ['a2']]);
  });

  test('broadcast with ack resolves when a silent target disconnects; with no target at once', async () => {
    const { srv, clients } = await setup(2);
    clients[0]!.on('q', (ack: (v: string) => void) => ack('a'));
    clients[1]!.on('q', () => {});
    const p = srv.io.emitWithAck('q');
    await delay(20);
    clients[1]!.disconnect();
    expect(await p).toEqual(['a']);
    expect(await srv.io.to('nobody').emitWithAck('q')).toEqual([]);
  });

  test('fetchSockets, socketsJoin, socketsLeave, disconnectSockets', async () => {
    const { srv, sockets } = await setup(3);
    sockets[0]!.join('r');
    expect((await srv.io.fetchSockets()).length).toBe(3);
    expect((await srv.io.in('r').fetchSockets()).map((s) => s.id)).toEqual([sockets[0]!.id]);
    srv.io.except('r').socketsJoin('others');
    expect((await srv.io.in('others').fetchSockets()).length).toBe(2);
    srv.io.socketsLeave('others');
    expect((await srv.io.in('others').fetchSockets()).length).toBe(0);
    const gone = once(sockets[0]!, 'disconnect');
    srv.io.in('r').disconnectSockets();
    expect(await gone).toEqual(['server namespace disconnect']);
    expect((await srv.io.fetchSockets()).length).toBe(2);
  });

  test('socket.broadcast / socket.except exclude the sender; volatile and compress pass through', async () => {
    const { clients, sockets } = await setup(3);
    sockets[1]!.join('x');
    const got = collect(clients, 'm');
    sockets[0]!.broadcast.emit('m', 'b');
    sockets[0]!.except('x').emit('m', 'e');
    sockets[0]!.broadcast.volatile.compress(false).emit('m', 'v');
    await delay(30);
    expect(got.sort()).toEqual(['1:b', '1:v', '2:b', '2:e', '2:v']);
  });

  test('broadcast emit refuses reserved names', async () => {
    const { srv } = await setup(0);
    expect(() => srv.io.emit('connect' as never)).toThrow('"connect" is a reserved event name');
  });

  test('a target disconnected by an earlier target\'s outgoing listener is skipped: nothing written to it, no ack waited for', async () => {
    // found by fuzz.e2e.test.ts: the broadcast's emitWithAck never settled, and the socket that had
    // left kept the pending ack; its client got the event after the 41 for that namespace
    const srv = await startServer();
    const sockets: Socket[] = [];
    srv.io.on('connection', (s) => {
      sockets.push(s);
      s.join('room');
      s.onAnyOutgoing((ev: string) => {
        if (ev === 'kick') srv.io.in('room').disconnectSockets();
      });
    });
    const first = client(srv);
    await connected(first);
    const second = await RawClient.open(srv);
    expect(sockets).toHaveLength(2);
    let settled: unknown = 'pending';
    srv.io.to('room').emitWithAck('kick').then((answers) => (settled = answers), (err: unknown) => (settled = err));
    expect(await second.next()).toBe('41');
    await delay(50);
    expect(settled).toEqual([]);
    expect(sockets.map((s) => s.connected)).toEqual([false, false]);
    // the second socket's client saw its namespace close, and no event after it
    expect(second.frames.slice(2)).toEqual(['41']);
    srv.io.emit('after', 1);
    srv.io.to('room').emit('kick');
    await delay(20);
    expect(second.frames.slice(2)).toEqual(['41']);
  });
});

/** Every call the server made to an adapter: `[method, namespace, …what it was asked]`, rooms sorted. */
const calls: unknown[][] = [];
const rooms = (set: ReadonlySet<Room> | Iterable<Room>): Room[] => [...set].sort();
const targets = (opts: BroadcastOptions): unknown => ({ rooms: rooms(opts.rooms), except: rooms(opts.except) });

/** The in-memory adapter, recording what the server asks of it. */
class RecordingAdapter extends InMemoryAdapter {
  constructor(nsp: ConstructorParameters<typeof InMemoryAdapter>[0]) {
    super(nsp);
    calls.push(['new', nsp.name]);
  }

  override addAll(id: SocketId, list: Iterable<Room>): void {
    const all = [...list];
    calls.push(['addAll', this.nsp.name, id, all]);
    super.addAll(id, all);
  }

  override del(id: SocketId, room: Room): void {
    calls.push(['del', this.nsp.name, id, room]);
    super.del(id, room);
  }

  override delAll(id: SocketId): void {
    calls.push(['delAll', this.nsp.name, id]);
    super.delAll(id);
  }

  override sockets(opts: BroadcastOptions): Promise<Set<SocketId>> {
    calls.push(['sockets', this.nsp.name, targets(opts)]);
    return super.sockets(opts);
  }

  override broadcast(packet: protocol.Packet, opts: BroadcastOptions): void {
    calls.push(['broadcast', this.nsp.name, targets(opts), [...(packet.data as unknown[])]]);
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: protocol.Packet,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: (args: unknown[]) => void,
  ): void {
    calls.push(['broadcastWithAck', this.nsp.name, targets(opts), [...(packet.data as unknown[])], opts.flags.timeout]);
    super.broadcastWithAck(packet, opts, clientCount, ack);
  }

  override addSockets(opts: BroadcastOptions, list: Room[]): void {
    calls.push(['addSockets', this.nsp.name, targets(opts), list]);
    super.addSockets(opts, list);
  }

  override delSockets(opts: BroadcastOptions, list: Room[]): void {
    calls.push(['delSockets', this.nsp.name, targets(opts), list]);
    super.delSockets(opts, list);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    calls.push(['disconnectSockets', this.nsp.name, targets(opts), close]);
    super.disconnectSockets(opts, close);
  }
}

describe('a custom adapter (the adapter option)', () => {
  beforeEach(() => void calls.splice(0));

  /** The calls `fn` makes, those it had made when it returned (synchronously) or resolved. */
  async function callsOf(fn: () => unknown): Promise<unknown[][]> {
    calls.splice(0);
    await fn();
    return calls.splice(0);
  }

  test('every room and broadcast operation goes through it', async () => {
    const { srv, clients, sockets } = await setup(3, { adapter: RecordingAdapter });
    const [a, b, c] = sockets.map((s) => s.id) as [string, string, string];
    // one adapter per namespace, made with it; each socket joined its own room through it
    expect(calls.filter(([m]) => m === 'new')).toEqual([['new', '/']]);
    // (in the order the sockets connected: compared sorted)
    const sorted = (list: unknown[][]): string[] => list.map((call) => JSON.stringify(call)).sort();
    expect(sorted(calls.filter(([m]) => m === 'addAll'))).toEqual(sorted([a, b, c].map((id) => ['addAll', '/', id, [id]])));
    srv.io.of('/admin');
    expect(calls.at(-1)).toEqual(['new', '/admin']);

    expect(await callsOf(() => sockets[0]!.join('r'))).toEqual([['addAll', '/', a, ['r']]]);
    expect(await callsOf(() => sockets[0]!.leave('r'))).toEqual([['del', '/', a, 'r']]);

    const got = collect(clients, 'm');
    sockets[1]!.join('r');
    expect(await callsOf(() => srv.io.to('r').except('x').emit('m', 'to-r'))).toEqual([
      ['broadcast', '/', { rooms: ['r'], except: ['x'] }, ['m', 'to-r']],
    ]);
    expect(await callsOf(() => sockets[0]!.broadcast.emit('m', 'from-a'))).toEqual([
      ['broadcast', '/', { rooms: [], except: [a] }, ['m', 'from-a']],
    ]);
    await delay(30);
    expect(got.sort()).toEqual(['1:from-a', '1:to-r', '2:from-a']);

    clients.forEach((cl, i) => cl.on('q', (_n: number, ack: (v: number) => void) => ack(i)));
    let answers: unknown;
    expect(await callsOf(async () => (answers = await srv.io.timeout(1000).emitWithAck('q', 1)))).toEqual([
      ['broadcastWithAck', '/', { rooms: [], except: [] }, ['q', 1], 1000],
    ]);
    expect((answers as number[]).sort()).toEqual([0, 1, 2]);

    let found: Socket[] = [];
    expect(await callsOf(async () => (found = await srv.io.in('r').fetchSockets()))).toEqual([
      ['sockets', '/', { rooms: ['r'], except: [] }],
    ]);
    expect(found.map((s) => s.id)).toEqual([b]);

    // socketsJoin / socketsLeave: addSockets / delSockets, which join and leave each target through the adapter
    const joins = await callsOf(() => srv.io.except('r').socketsJoin(['s', 't']));
    expect(joins[0]).toEqual(['addSockets', '/', { rooms: [], except: ['r'] }, ['s', 't']]);
    expect(sorted(joins.slice(1))).toEqual(sorted([['addAll', '/', a, ['s', 't']], ['addAll', '/', c, ['s', 't']]]));
    const leaves = await callsOf(() => srv.io.in('s').socketsLeave('t'));
    expect(leaves[0]).toEqual(['delSockets', '/', { rooms: ['s'], except: [] }, ['t']]);
    expect(sorted(leaves.slice(1))).toEqual(sorted([['del', '/', a, 't'], ['del', '/', c, 't']]));

    const gone = once(sockets[2]!, 'disconnect');
    const dropped = await callsOf(() => srv.io.in('s').except(a).disconnectSockets());
    expect(dropped[0]).toEqual(['disconnectSockets', '/', { rooms: ['s'], except: [a] }, false]);
    // the socket leaves every room through the adapter too
    expect(dropped.slice(1)).toEqual([['delAll', '/', c]]);
    expect(await gone).toEqual(['server namespace disconnect']);
  });
});

describe('a broadcast encodes its packet once, whatever the number of recipients', () => {
  test('io.to(room), socket.broadcast, io.timeout().emitWithAck', async () => {
    const { srv, clients, sockets } = await setup(4);
    for (const s of sockets) s.join('r');
    clients.forEach((c) => c.on('q', (ack: (v: string) => void) => ack('ok')));
    const got = collect(clients, 'm');
    const spy = protocol.encodePacket as jest.Mock;

    spy.mockClear();
    srv.io.to('r').emit('m', 'room');
    expect(spy).toHaveBeenCalledTimes(1);

    spy.mockClear();
    sockets[0]!.broadcast.emit('m', 'others');
    expect(spy).toHaveBeenCalledTimes(1);

    spy.mockClear();
    const answers = srv.io.timeout(1000).emitWithAck('q');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await answers).toEqual(['ok', 'ok', 'ok', 'ok']);

    await delay(30);
    expect(got.sort()).toEqual(['0:room', '1:others', '1:room', '2:others', '2:room', '3:others', '3:room']);
  });
});
