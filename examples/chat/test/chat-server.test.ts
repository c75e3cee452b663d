/*
 * The chat server over the wire, with emitwire clients in Node: what a page sees, without a browser.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from '@emitwire/client/node';
import { createChatServer, type ChatServer } from '../src/chat-server.js';
import type { ChatEvents, ChatMessage } from '../src/contract.js';

let server: ChatServer;
let url: string;
let publicDir: string;
const clients: Socket<ChatEvents>[] = [];

beforeEach(async () => {
  publicDir = mkdtempSync(join(tmpdir(), 'chat-public-'));
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>chat</title>');
  server = createChatServer({ publicDir, limits: { rateLimit: 3, rateWindowMs: 60_000, maxMessageLength: 20, historySize: 2, typingLimit: 3, typingWindowMs: 60_000 } });
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server.close();
  rmSync(publicDir, { recursive: true, force: true });
});

/** A connected client and its welcome. */
async function enter(auth: Record<string, unknown> = {}) {
  const socket = io<ChatEvents>(url, { forceNew: true, reconnection: false, auth });
  clients.push(socket);
  const welcome = await new Promise<Parameters<ChatEvents['serverToClient']['welcome']>[0]>((resolve) => socket.once('welcome', resolve));
  return { socket, welcome };
}

const next = <K extends keyof ChatEvents['serverToClient']>(socket: Socket<ChatEvents>, event: K) =>
  new Promise<Parameters<ChatEvents['serverToClient'][K]>[0]>((resolve) =>
    (socket.once as (ev: string, fn: (arg: never) => void) => void)(event, resolve),
  );

test('serves the page and refuses paths outside the public folder', async () => {
  expect((await fetch(url + '/')).status).toBe(200);
  expect((await fetch(url + '/..%2Fetc%2Fpasswd')).status).toBe(404);
  expect((await fetch(url + '/nope.js')).status).toBe(404);
});

test('odd requests get an answer and never stop the server: malformed escapes, other /socket.io/ paths', async () => {
  const timeout = AbortSignal.timeout(2000);
  expect((await fetch(url + '/%E0%A4%A', { signal: timeout })).status).toBe(404);
  expect((await fetch(url + '/%', { signal: timeout })).status).toBe(404);
  // the emitwire server answers its own path; the script is not served here (serveClient: false)
  expect((await fetch(url + '/socket.io/emitwire.min.js', { signal: timeout })).status).toBe(404);
  expect((await fetch(url + '/socket.io/other', { signal: timeout })).status).toBe(404);
  expect((await fetch(url + '/socket.io/?EIO=4&transport=polling', { signal: timeout })).status).toBe(400);
  expect((await fetch(url + '/', { signal: timeout })).status).toBe(200);
  const { welcome } = await enter({ name: 'Still' });
  expect(welcome.user.name).toBe('Still');
});

test('a message reaches the others with the sender name; the sender learns delivery from the ack', async () => {
  const a = await enter({ name: 'Ada' });
  const b = await enter();
  expect(a.welcome.user.name).toBe('Ada');
  const received = next(b.socket, 'chat');
  const ack = await a.socket.emitWithAck('chat', '  hello  ');
  expect(ack).toMatchObject({ ok: true, message: { text: 'hello', from: { name: 'Ada' }, room: '#general' } });
  expect(await received).toEqual((ack as { message: ChatMessage }).message);
});

test('refused messages say why through the ack: too long, then too fast', async () => {
  const a = await enter();
  await expect(a.socket.emitWithAck('chat', 'x'.repeat(21))).resolves.toEqual({
    ok: false,
    error: 'message too long (at most 20 characters)',
  });
  for (let i = 0; i < 3; i++) await expect(a.socket.emitWithAck('chat', `m${i}`)).resolves.toMatchObject({ ok: true });
  const refused = await a.socket.emitWithAck('chat', 'one more');
  expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/^too many messages: at most 3 per 60 s/) });
});

test('a newcomer gets the bounded history; a private message reaches only its target', async () => {
  const a = await enter({ name: 'A' });
  for (const text of ['one', 'two', 'three']) await a.socket.emitWithAck('chat', text);
  const b = await enter({ name: 'B' });
  const c = await enter({ name: 'C' });
  expect(b.welcome.history.map((m) => m.text)).toEqual(['two', 'three']);

  let cGotPrivate = false;
  c.socket.on('private', () => (cGotPrivate = true));
  const toB = next(b.socket, 'private');
  const ack = await c.socket.emitWithAck('private', b.welcome.user.id, 'psst'); // c → b
  expect(ack).toMatchObject({ ok: true });
  expect(await toB).toMatchObject({ from: { name: 'C' }, to: { name: 'B' }, text: 'psst' });
  await expect(a.socket.emitWithAck('private', 'nobody', 'hi')).resolves.toEqual({ ok: false, error: 'no such user' });
  // c sent it, so c never receives it back
  await a.socket.emitWithAck('chat', 'sync'); // one more round trip through the server
  expect(cGotPrivate).toBe(false);
});

test('rooms keep messages apart; joins, leaves and typing hints go to the room', async () => {
  const a = await enter({ name: 'A' });
  const b = await enter({ name: 'B' });
  const joinedNotice = next(a.socket, 'left');
  const state = await b.socket.emitWithAck('join', 'dev');
  expect(state).toMatchObject({ ok: true, room: '#dev', history: [], members: [{ name: 'B' }] });
  expect(await joinedNotice).toMatchObject({ room: '#general', user: { name: 'B' } });

  let bSawGeneral = false;
  b.socket.on('chat', (m) => (bSawGeneral ||= m.room === '#general'));
  await a.socket.emitWithAck('chat', 'general only');

  const typing = next(a.socket, 'typing');
  await a.socket.emitWithAck('join', '#dev');
  b.socket.emit('typing', true);
  expect(await typing).toMatchObject({ room: '#dev', user: { name: 'B' }, typing: true });
  expect(bSawGeneral).toBe(false);
  await expect(a.socket.emitWithAck('join', '<b>')).resolves.toMatchObject({ ok: false });
});

test('typing hints are limited per socket: of a flood of 100, a peer gets at most the limit, the rest dropped silently', async () => {
  const a = await enter({ name: 'A' });
  const b = await enter({ name: 'B' });
  let hints = 0;
  a.socket.on('typing', () => void hints++);
  for (let i = 0; i < 100; i++) b.socket.emit('typing', i % 2 === 0);
  // the server handles b's events in order: once b's next message reaches a, every hint has been handled
  const done = next(a.socket, 'chat');
  await expect(b.socket.emitWithAck('chat', 'done')).resolves.toMatchObject({ ok: true });
  expect(await done).toMatchObject({ text: 'done' });
  expect(hints).toBeGreaterThanOrEqual(1);
  expect(hints).toBeLessThanOrEqual(3);
  expect(b.socket.connected).toBe(true);
});

test('a private message to oneself is refused through the ack, and nobody receives it', async () => {
  const a = await enter({ name: 'A' });
  const b = await enter({ name: 'B' });
  const got: string[] = [];
  a.socket.on('private', (m) => got.push(`a: ${m.text}`));
  b.socket.on('private', (m) => got.push(`b: ${m.text}`));
  await expect(a.socket.emitWithAck('private', a.welcome.user.id, 'me to me')).resolves.toEqual({
    ok: false,
    error: 'cannot message yourself',
  });
  // a round trip through the server after it: a private message to b arrives, the refused one never
  const toB = next(b.socket, 'private');
  await expect(a.socket.emitWithAck('private', b.welcome.user.id, 'to b')).resolves.toMatchObject({ ok: true });
  await toB;
  expect(got).toEqual(['b: to b']);
});
