/*
 * The chat page. Plain DOM, no framework; every piece of user text goes through textContent, so
 * nothing anyone types is ever parsed as HTML.
 */
import { io } from '@emitwire/client';
import type { ChatEvents, ChatMessage, ChatUser, PrivateMessage } from '../contract.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const messages = $<HTMLUListElement>('messages');
const members = $<HTMLUListElement>('members');
const rooms = $<HTMLUListElement>('rooms');
const status = $<HTMLSpanElement>('status');
const typingLine = $<HTMLDivElement>('typing');
const input = $<HTMLInputElement>('message-input');
const nickInput = $<HTMLInputElement>('nick-input');
const roomInput = $<HTMLInputElement>('room-input');
const pmTargetChip = $<HTMLSpanElement>('pm-target');

// Who we are survives reconnects: the handshake's auth is read again on every (re)connect.
const state: { me?: ChatUser; room: string; pmTarget?: ChatUser } = {
  room: sessionStorage.getItem('emitwire-chat-room') ?? '#general',
};

const socket = io<ChatEvents>({
  auth: (cb) =>
    cb({ name: state.me?.name ?? sessionStorage.getItem('emitwire-chat-name') ?? undefined, room: state.room }),
});

function setStatus(text: 'connecting' | 'connected' | 'reconnecting' | 'disconnected'): void {
  status.textContent = text;
  status.className = `status ${text}`;
  document.body.dataset.status = text;
}

function el(tag: string, className?: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function scrollDown(): void {
  messages.scrollTop = messages.scrollHeight;
}

function time(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function renderMessage(msg: ChatMessage | PrivateMessage, kind: 'room' | 'private'): HTMLLIElement {
  const li = el('li', kind === 'private' ? 'message private' : 'message') as HTMLLIElement;
  li.dataset.id = msg.id;
  li.dataset.ts = String(msg.ts);
  li.append(el('span', 'time', time(msg.ts)));
  const label = kind === 'private'
    ? 'to' in msg && msg.from.id === state.me?.id
      ? `(private) to ${msg.to.name}:`
      : `(private) from ${msg.from.name}:`
    : `${msg.from.name}:`;
  li.append(el('span', 'from', label), el('span', 'text', msg.text));
  messages.append(li);
  scrollDown();
  return li;
}

function notice(text: string): void {
  messages.append(el('li', 'notice', text));
  scrollDown();
}

function renderMembers(list: ChatUser[]): void {
  members.replaceChildren(
    ...list.map((u) => {
      const li = el('li', u.id === state.me?.id ? 'me' : '', u.id === state.me?.id ? `${u.name} (you)` : u.name);
      li.dataset.id = u.id;
      if (u.id !== state.me?.id) li.addEventListener('click', () => setPmTarget(u));
      return li;
    }),
  );
  $('room-name').textContent = `in ${state.room}`;
}

function renderRooms(list: string[]): void {
  rooms.replaceChildren(
    ...list.map((name) => {
      const li = el('li', name === state.room ? 'current' : '', name);
      li.addEventListener('click', () => joinRoom(name));
      return li;
    }),
  );
}

function setPmTarget(user: ChatUser | undefined): void {
  if (user === undefined) delete state.pmTarget;
  else state.pmTarget = user;
  pmTargetChip.hidden = user === undefined;
  pmTargetChip.textContent = user ? `to ${user.name} ×` : '';
  input.placeholder = user ? `Private message to ${user.name}` : 'Message';
  input.focus();
}

function showRoom(room: string, history: ChatMessage[], list: ChatUser[]): void {
  state.room = room;
  sessionStorage.setItem('emitwire-chat-room', room);
  messages.replaceChildren();
  // the hints were the previous room's (or from before a reconnection)
  forgetTypers();
  notice(`You are in ${room}`);
  for (const m of history) renderMessage(m, 'room');
  renderMembers(list);
  for (const li of rooms.children) li.classList.toggle('current', li.textContent === room);
}

function joinRoom(room: string): void {
  socket.emit('join', room, (res) => {
    if (res.ok) showRoom(res.room, res.history, res.members);
    else notice(`Cannot join ${room}: ${res.error}`);
  });
}

function markRefused(li: HTMLElement, error: string): void {
  li.querySelector('.mark')?.remove();
  li.classList.add('refused');
  li.append(el('span', 'mark refused', `✗ ${error}`));
}

function send(text: string): void {
  const now = Date.now();
  const target = state.pmTarget;
  const me = state.me ?? { id: '', name: 'me' };
  // shown at once, marked delivered when the server's ack arrives
  const li = target
    ? renderMessage({ id: '', from: me, to: target, text, ts: now }, 'private')
    : renderMessage({ id: '', room: state.room, from: me, text, ts: now }, 'room');
  li.classList.add('own');
  li.append(el('span', 'mark', '…'));
  const onAck = (res: { ok: true; message: { id: string; ts: number } } | { ok: false; error: string }) => {
    if (!res.ok) return markRefused(li, res.error);
    li.dataset.id = res.message.id;
    // the server's time, as everyone else sees it, in place of this page's clock
    li.dataset.ts = String(res.message.ts);
    li.querySelector('.time')!.textContent = time(res.message.ts);
    const mark = li.querySelector('.mark')!;
    mark.textContent = '✓';
    mark.className = 'mark delivered';
    li.dataset.delivered = 'true';
  };
  if (target) socket.emit('private', target.id, text, onAck);
  else socket.emit('chat', text, onAck);
}

// typing hints: at most one "typing" per 2 s while typing, "stopped" after 3 s idle or on send
let typingSent = 0;
let typingIdle: ReturnType<typeof setTimeout> | undefined;
function stopTyping(): void {
  if (typingIdle !== undefined) clearTimeout(typingIdle);
  typingIdle = undefined;
  if (typingSent !== 0) socket.volatile.emit('typing', false);
  typingSent = 0;
}
input.addEventListener('input', () => {
  const now = Date.now();
  if (now - typingSent > 2000) {
    typingSent = now;
    socket.volatile.emit('typing', true);
  }
  if (typingIdle !== undefined) clearTimeout(typingIdle);
  typingIdle = setTimeout(stopTyping, 3000);
});

const typers = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
function renderTyping(): void {
  const names = [...typers.values()].map((t) => t.name);
  typingLine.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
}
/** Stops showing `id` typing (or everyone, with no id): they left, or this page changed rooms. */
function forgetTypers(id?: string): void {
  for (const [key, t] of typers) {
    if (id !== undefined && key !== id) continue;
    clearTimeout(t.timer);
    typers.delete(key);
  }
  renderTyping();
}

$<HTMLFormElement>('message-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  stopTyping();
  send(text);
});
pmTargetChip.addEventListener('click', () => setPmTarget(undefined));

$<HTMLFormElement>('nick-form').addEventListener('submit', (e) => {
  e.preventDefault();
  socket.emit('nick', nickInput.value, (res) => {
    if (!res.ok) return notice(`Cannot rename: ${res.error}`);
    state.me = res.user;
    sessionStorage.setItem('emitwire-chat-name', res.user.name);
  });
});

$<HTMLFormElement>('room-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const room = roomInput.value.trim();
  if (room === '') return;
  roomInput.value = '';
  joinRoom(room);
});

setStatus('connecting');
socket.on('connect', () => setStatus('connected'));
socket.on('disconnect', () => setStatus(socket.active ? 'reconnecting' : 'disconnected'));
socket.on('connect_error', () => setStatus(socket.active ? 'reconnecting' : 'disconnected'));
socket.io.on('reconnect_attempt', () => setStatus('reconnecting'));

socket.on('welcome', (s) => {
  state.me = s.user;
  nickInput.value = s.user.name;
  sessionStorage.setItem('emitwire-chat-name', s.user.name);
  renderRooms(s.rooms);
  showRoom(s.room, s.history, s.members);
});
socket.on('chat', (m) => {
  if (m.room === state.room) renderMessage(m, 'room');
});
socket.on('private', (m) => {
  renderMessage(m, 'private');
});
socket.on('joined', (e) => {
  if (e.room === state.room) notice(`${e.user.name} joined ${e.room}`);
});
socket.on('left', (e) => {
  if (e.room !== state.room) return;
  // whoever leaves stops typing here (their last hint would otherwise stay up to 4 s)
  forgetTypers(e.user.id);
  notice(`${e.user.name} left ${e.room}`);
});
socket.on('renamed', (e) => {
  if (e.user.id === state.me?.id) state.me = e.user;
  notice(`${e.previous} is now ${e.user.name}`);
});
socket.on('members', (e) => {
  if (e.room === state.room) renderMembers(e.members);
});
socket.on('rooms', (list) => renderRooms(list));
socket.on('typing', (e) => {
  const prev = typers.get(e.user.id);
  if (prev) clearTimeout(prev.timer);
  if (e.typing && e.room === state.room) {
    typers.set(e.user.id, { name: e.user.name, timer: setTimeout(() => (typers.delete(e.user.id), renderTyping()), 4000) });
  } else {
    typers.delete(e.user.id);
  }
  renderTyping();
});
