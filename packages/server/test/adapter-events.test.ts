// Room events of the adapter (`create-room`, `join-room`, `leave-room`, `delete-room`): the same
// application on the official socket.io Server and on ours, driven step by step by socket.io-client,
// must record the same events in the same order (socket ids named after the clients that drew them).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as OfficialServer } from 'socket.io';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { InMemoryAdapter, Server, type AdapterEventMap } from '@emitwire/server';
import { cleanup, client, connected, startServer } from './helpers.js';

afterEach(cleanup);

const EVENTS = ['create-room', 'join-room', 'leave-room', 'delete-room'] as const;

/** What both servers share of an adapter and a socket, for the application below. */
interface RoomsAdapter {
  on(ev: string, fn: (...args: string[]) => void): unknown;
}
interface AppSocket {
  id: string;
  handshake: { auth: Record<string, unknown> };
  join(room: string): unknown;
  leave(room: string): unknown;
  disconnect(close?: boolean): unknown;
  on(ev: string, fn: (...args: unknown[]) => void): unknown;
}
interface AppServer {
  of(name: string): {
    adapter: unknown;
    on(ev: 'connection', fn: (socket: AppSocket) => void): unknown;
    socketsJoin(room: string): void;
    in(room: string): { socketsLeave(room: string): void };
  };
}

/**
 * Installs the application and records the room events of `/`: `[event, room, id?]` with ids as
 * they come (named at the end, once every id is known), then each `disconnect` the server saw.
 */
function install(io: AppServer): { trace: string[][]; ids: Map<string, string>; gone: Map<string, Promise<void>> } {
  const trace: string[][] = [];
  const ids = new Map<string, string>();
  const gone = new Map<string, Promise<void>>();
  const nsp = io.of('/');
  const adapter = nsp.adapter as RoomsAdapter;
  for (const ev of EVENTS) adapter.on(ev, (...args) => trace.push([ev, ...args]));
  nsp.on('connection', (socket) => {
    const who = String(socket.handshake.auth.who);
    ids.set(socket.id, who);
    gone.set(who, new Promise((resolve) => socket.on('disconnect', () => resolve())));
    const answer = (args: unknown[]): void => (args.at(-1) as () => void)();
    socket.on('join', (room, ...rest) => {
      socket.join(room === 'own' ? socket.id : String(room));
      answer(rest);
    });
    socket.on('leave', (room, ...rest) => {
      socket.leave(room === 'own' ? socket.id : String(room));
      answer(rest);
    });
    socket.on('kick', () => socket.disconnect());
  });
  return { trace, ids, gone };
}

function named(trace: string[][], ids: Map<string, string>): string[] {
  return trace.map((entry) => entry.map((v) => ids.get(v) ?? v).join(' '));
}

/** One run of the scenario against a server at `url`; returns the named trace. */
async function scenario(url: string, io: AppServer, app: ReturnType<typeof install>): Promise<string[]> {
  const sockets: ClientSocket[] = [];
  const open = async (who: string): Promise<ClientSocket> => {
    const s = ioc(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { who } });
    sockets.push(s);
    await connected(s);
    return s;
  };
  try {
    const a = await open('A');
    const b = await open('B');
    await b.emitWithAck('join', 'own'); // already in it (and in no other room): nothing
    await a.emitWithAck('join', 'r1');
    await b.emitWithAck('join', 'r1');
    await a.emitWithAck('join', 'r1'); // already in it: nothing
    await a.emitWithAck('join', 'own'); // already in it: nothing
    await b.emitWithAck('leave', 'r1');
    await b.emitWithAck('leave', 'r2'); // never in it: nothing
    await a.emitWithAck('leave', 'own');
    await a.emitWithAck('join', 'own');
    await a.emitWithAck('join', 'x');
    io.of('/').socketsJoin('all');
    io.of('/').in('all').socketsLeave('x');
    // B disconnects from its side, A is disconnected by the server
    b.disconnect();
    await app.gone.get('B');
    a.emit('kick');
    await app.gone.get('A');
    return named(app.trace, app.ids);
  } finally {
    for (const s of sockets) s.disconnect();
  }
}

test('room events match socket.io step by step', async () => {
  const http = createServer();
  const official = new OfficialServer(http, { transports: ['websocket'] });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  try {
    const theirs = install(official as unknown as AppServer);
    const expected = await scenario(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, official as unknown as AppServer, theirs);

    const srv = await startServer();
    const ours = install(srv.io as unknown as AppServer);
    const actual = await scenario(srv.url, srv.io as unknown as AppServer, ours);

    expect(actual).toEqual(expected);
    // and the scenario exercised every kind of event (a trace of nothing would match too)
    expect(expected).toEqual([
      'create-room A',
      'join-room A A',
      'create-room B',
      'join-room B B',
      'create-room r1',
      'join-room r1 A',
      'join-room r1 B',
      'leave-room r1 B',
      'leave-room A A',
      'delete-room A',
      'create-room A',
      'join-room A A',
      'create-room x',
      'join-room x A',
      'create-room all',
      'join-room all A',
      'join-room all B',
      'leave-room x A',
      'delete-room x',
      'leave-room B B',
      'delete-room B',
      'leave-room all B',
      'leave-room r1 A',
      'delete-room r1',
      'leave-room A A',
      'delete-room A',
      'leave-room all A',
      'delete-room all',
    ]);
  } finally {
    await new Promise<void>((resolve) => official.close(() => resolve()));
  }
});

describe('room events of our adapter', () => {
  const events = (adapter: InMemoryAdapter): string[] => {
    const log: string[] = [];
    for (const ev of EVENTS) adapter.on(ev, (...args: AdapterEventMap[typeof ev]) => log.push([ev, ...args].join(' ')));
    return log;
  };

  test('a room joined in connection middleware is announced after the own room (documented difference)', async () => {
    const srv = await startServer();
    const log = events(srv.io.of('/').adapter as InMemoryAdapter);
    srv.io.use((socket, next) => {
      // its own id too: joined once, as the socket connects
      socket.join([socket.id, 'early']);
      next();
    });
    let id = '';
    srv.io.on('connection', (socket) => void (id = socket.id));
    await connected(client(srv));
    expect(log).toEqual([`create-room ${id}`, `join-room ${id} ${id}`, 'create-room early', `join-room early ${id}`]);
  });

  test('a refused socket leaves no room events behind', async () => {
    const srv = await startServer();
    const log = events(srv.io.of('/').adapter as InMemoryAdapter);
    srv.io.use((socket, next) => {
      socket.join('early');
      next(new Error('no'));
    });
    await expect(connected(client(srv))).rejects.toThrow('no');
    expect(log).toEqual([]);
  });

  test('a room named after a connected socket id outlives the others who join and leave it', async () => {
    const srv = await startServer();
    const log = events(srv.io.of('/').adapter as InMemoryAdapter);
    const joined = new Promise<AppSocket[]>((resolve) => {
      const all: AppSocket[] = [];
      srv.io.on('connection', (socket) => {
        all.push(socket as unknown as AppSocket);
        if (all.length === 2) resolve(all);
      });
    });
    await Promise.all([connected(client(srv)), connected(client(srv))]);
    const [a, b] = await joined;
    log.length = 0;
    // B joins the room named after A (A's own room): it exists, so no create-room; B leaving it deletes nothing
    b!.join(a!.id);
    b!.leave(a!.id);
    expect(log).toEqual([`join-room ${a!.id} ${b!.id}`, `leave-room ${a!.id} ${b!.id}`]);
    // B joins it again and A disconnects: A's room lives on with B in it
    b!.join(a!.id);
    log.length = 0;
    a!.disconnect();
    expect(log).toEqual([`leave-room ${a!.id} ${a!.id}`]);
    expect(srv.io.of('/').adapter.rooms.get(a!.id)).toEqual(new Set([b!.id]));
  });
});

test('the Adapter type offers the room events to a typed listener', () => {
  const io = new Server({ serveClient: false });
  try {
    const rooms: string[] = [];
    io.of('/').adapter.on('join-room', (room, id) => rooms.push(`${room}:${id}`));
    // @ts-expect-error: no such event
    io.of('/').adapter.on('no-such-event', () => {});
    // @ts-expect-error: create-room gives a room only
    io.of('/').adapter.on('create-room', (_room: string, _id: string) => {});
    expect(rooms).toEqual([]);
  } finally {
    void io.close();
  }
});
