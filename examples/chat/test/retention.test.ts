/*
 * Retention: the chat server forgets a user when they leave. After many users have joined, talked,
 * renamed themselves, changed rooms, typed and whispered, then left (some leaving the namespace,
 * some dropping the connection), everything kept per user is back to its starting size: the chat's
 * users and rate-limit entries (messages, changes, typing hints), the namespace's sockets, the adapter's rooms (each socket's own
 * room, the chat rooms' member lists), the open connections, and the server-side Socket objects
 * themselves are collected. Rooms and their histories stay (bounded by `maxRooms` and `historySize`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from '@emitwire/client/node';
import { createChatServer, type ChatServer } from '../src/chat-server.js';
import type { ChatEvents } from '../src/contract.js';
import { survivors } from '../../../test/support/gc.js';

const USERS = 60;
const MAX_ROOMS = 5;

let server: ChatServer;
let url: string;
let publicDir: string;

beforeEach(async () => {
  publicDir = mkdtempSync(join(tmpdir(), 'chat-public-'));
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>chat</title>');
  server = createChatServer({ publicDir, limits: { maxRooms: MAX_ROOMS, historySize: 3 } });
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await server.close();
  rmSync(publicDir, { recursive: true, force: true });
});

/** Everything the server keeps per user or per connection, with the chat's rooms. */
function state() {
  const nsp = server.io.of('/');
  return {
    ...server.chat.sizes(),
    sockets: nsp.sockets.size,
    adapterRooms: [...nsp.adapter.rooms.keys()].sort(),
    connections: server.io.engine.clientsCount,
  };
}

/** Polls `check` until it holds, up to 2 s (a peer's leaving reaches the server a moment later). */
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A user who joins, does everything the chat offers, and returns their socket (still connected). */
async function busyUser(i: number, others: string[]): Promise<Socket<ChatEvents>> {
  const socket = io<ChatEvents>(url, { forceNew: true, reconnection: false, auth: { name: `user-${i}` } });
  const welcome = await new Promise<{ user: { id: string } }>((resolve) => socket.once('welcome', resolve));
  others.push(welcome.user.id);
  expect(await socket.emitWithAck('chat', `hello from ${i}`)).toMatchObject({ ok: true });
  expect(await socket.emitWithAck('nick', `nick-${i}`)).toMatchObject({ ok: true });
  // more rooms are asked for than may exist: the full ones are refused or reclaimed
  await socket.emitWithAck('join', `#room-${i % (MAX_ROOMS + 2)}`);
  socket.emit('typing', true);
  const to = others[Math.floor(others.length / 2)]!;
  await socket.emitWithAck('private', to, 'psst');
  return socket;
}

test(`after ${USERS} users have come and gone, the per-user state is back to its starting size`, async () => {
  const start = state();
  expect(start).toMatchObject({ users: 0, messageLimits: 0, changeLimits: 0, typingLimits: 0, sockets: 0, connections: 0 });
  const serverSockets: Record<string, WeakRef<object>> = {};
  server.io.on('connection', (socket) => void (serverSockets[socket.id] = new WeakRef(socket)));

  // in waves of 20 at once; the users of one wave overlap with those still there from the last
  const ids: string[] = [];
  let previous: Socket<ChatEvents>[] = [];
  for (let wave = 0; wave < USERS / 20; wave++) {
    const current = await Promise.all(Array.from({ length: 20 }, (_, j) => busyUser(wave * 20 + j, ids)));
    expect(state()).toMatchObject({ users: previous.length + 20, typingLimits: previous.length + 20, sockets: previous.length + 20 });
    // half leave the namespace (DISCONNECT), half drop the connection (the server sees it close)
    previous.forEach((socket, j) => (j % 2 ? socket.disconnect() : socket.io.close()));
    previous = current;
  }
  previous.forEach((socket, j) => (j % 2 ? socket.disconnect() : socket.io.close()));

  await eventually(() => state().connections === 0 && state().users === 0);
  const end = state();
  expect(end).toEqual({ ...start, rooms: end.rooms, adapterRooms: start.adapterRooms });
  // the chat rooms outlive their members, within the bound; nobody is listed in any of them
  expect(end.rooms).toBeLessThanOrEqual(MAX_ROOMS);
  for (const room of server.chat.roomNames()) expect(server.chat.members(room)).toEqual([]);

  // nothing of the server or the chat holds a server-side Socket once its user has left
  expect(Object.keys(serverSockets)).toHaveLength(USERS);
  expect((await survivors(serverSockets)).length).toBe(0);
});
