import { ChatService, DEFAULT_ROOM } from '../src/chat-service.js';

function setup(limits = {}) {
  let now = 1_000_000;
  const chat = new ChatService(limits, () => now);
  return { chat, tick: (ms: number) => (now += ms) };
}

describe('ChatService', () => {
  test('assigns a default name and room, and keeps a requested name after a reconnect', () => {
    const { chat } = setup();
    const a = chat.connect('a');
    expect(a.user.name).toMatch(/^guest-\d+$/);
    expect(a.state.room).toBe(DEFAULT_ROOM);
    const b = chat.connect('b', { name: '  Ada   Lovelace ', room: '#nope' });
    expect(b.user.name).toBe('Ada Lovelace');
    expect(b.state.room).toBe(DEFAULT_ROOM); // unknown rooms fall back
  });

  test('limits message length and refuses empty or non-text messages', () => {
    const { chat } = setup({ maxMessageLength: 10 });
    chat.connect('a');
    expect(chat.say('a', 'x'.repeat(10))).toMatchObject({ ok: true, message: { text: 'x'.repeat(10) } });
    expect(chat.say('a', 'x'.repeat(11))).toEqual({ ok: false, error: 'message too long (at most 10 characters)' });
    expect(chat.say('a', '   ')).toEqual({ ok: false, error: 'empty message' });
    expect(chat.say('a', { text: 'hi' })).toEqual({ ok: false, error: 'a message is text' });
  });

  test('rate-limits each user to 20 messages per 10 s, sliding', () => {
    const { chat, tick } = setup();
    chat.connect('a');
    chat.connect('b');
    for (let i = 0; i < 20; i++) {
      expect(chat.say('a', `m${i}`).ok).toBe(true);
      tick(100);
    }
    const refused = chat.say('a', 'one too many');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatch(/^too many messages: at most 20 per 10 s, retry in \d+ s$/);
    // other users are not affected
    expect(chat.say('b', 'hello').ok).toBe(true);
    // private messages count against the same budget
    expect(chat.whisper('a', 'b', 'psst').ok).toBe(false);
    // once the oldest message leaves the window, one more is allowed
    tick(10_000 - 20 * 100 + 1);
    expect(chat.say('a', 'again').ok).toBe(true);
    expect(chat.say('a', 'and again').ok).toBe(false); // the second-oldest is still inside
  });

  test('keeps the last 50 messages of each room, oldest first', () => {
    const { chat, tick } = setup({ rateLimit: 1000 });
    chat.connect('a');
    for (let i = 0; i < 120; i++) {
      chat.say('a', `m${i}`);
      tick(1);
    }
    const state = chat.connect('b').state;
    expect(state.history).toHaveLength(50);
    expect(state.history[0]!.text).toBe('m70');
    expect(state.history[49]!.text).toBe('m119');
  });

  test('rooms: join creates a room with its own history; names are validated and bounded', () => {
    const { chat } = setup({ maxRooms: 3 });
    chat.connect('a');
    chat.say('a', 'in general');
    const joined = chat.join('a', 'Dev');
    expect(joined).toMatchObject({ ok: true, room: '#dev', previous: DEFAULT_ROOM, created: true, history: [] });
    expect(chat.say('a', 'in dev')).toMatchObject({ ok: true, message: { room: '#dev' } });
    expect(chat.join('a', '#general')).toMatchObject({ ok: true, history: [{ text: 'in general' }] });
    expect(chat.join('a', '<script>')).toMatchObject({ ok: false });
    expect(chat.join('a', '#third').ok).toBe(true);
    // all three exist and someone else is in each: no fourth
    chat.connect('b');
    chat.connect('c');
    expect(chat.join('b', '#dev').ok).toBe(true);
    expect(chat.join('c', '#third').ok).toBe(true);
    expect(chat.join('a', '#fourth')).toEqual({ ok: false, error: 'too many rooms' });
    expect(chat.roomNames()).toEqual(['#dev', '#general', '#third']);
  });

  test('rooms cannot be used up: at the limit, a new room reclaims the oldest empty one (never #general)', () => {
    const { chat } = setup({ maxRooms: 3 });
    chat.connect('a');
    chat.connect('b');
    expect(chat.join('a', '#one').ok).toBe(true);
    chat.say('a', 'in one');
    expect(chat.join('a', '#two').ok).toBe(true);
    // #one is empty now; b in #general keeps it, a in #two keeps that
    expect(chat.join('b', '#three')).toMatchObject({ ok: true, created: true });
    expect(chat.roomNames()).toEqual(['#general', '#three', '#two']);
    // #one comes back empty (its history went with it), in place of #two, which a leaves
    expect(chat.join('a', '#one')).toMatchObject({ ok: true, created: true, previous: '#two', history: [] });
    expect(chat.roomNames()).toEqual(['#general', '#one', '#three']);
    // with someone else in every room, there is no new one
    chat.connect('c');
    expect(chat.join('c', '#one').ok).toBe(true);
    expect(chat.join('a', '#four')).toEqual({ ok: false, error: 'too many rooms' });
    expect(chat.roomOf('a')).toBe('#one');
  });

  test('renames and room changes are limited per user (each is announced to whole rooms)', () => {
    const { chat, tick } = setup({ changeLimit: 3 });
    chat.connect('a');
    chat.connect('b');
    expect(chat.rename('a', 'A1').ok).toBe(true);
    expect(chat.join('a', '#x').ok).toBe(true);
    expect(chat.rename('a', 'A2').ok).toBe(true);
    const refused = chat.join('a', '#general');
    expect(refused).toEqual({ ok: false, error: 'too many changes: at most 3 per 10 s, retry in 10 s' });
    expect(chat.rename('a', 'A3').ok).toBe(false);
    expect(chat.user('a')!.name).toBe('A2');
    expect(chat.roomOf('a')).toBe('#x');
    // others are not affected, and messages have their own budget
    expect(chat.rename('b', 'B').ok).toBe(true);
    expect(chat.say('a', 'still here').ok).toBe(true);
    tick(10_001);
    expect(chat.join('a', '#general').ok).toBe(true);
  });

  test('typing hints: at most typingLimit per window per user, the excess dropped; forgotten on disconnect', () => {
    const { chat, tick } = setup({ typingLimit: 2, typingWindowMs: 1000 });
    chat.connect('a', { name: 'A' });
    chat.connect('b');
    expect(chat.typing('a', true)).toEqual({ room: DEFAULT_ROOM, user: { id: 'a', name: 'A' }, typing: true });
    expect(chat.typing('a', 'yes')).toMatchObject({ typing: false });
    expect(chat.typing('a', true)).toBeUndefined();
    expect(chat.typing('b', true)).toMatchObject({ typing: true }); // others are not affected
    tick(1000);
    expect(chat.typing('a', false)).toMatchObject({ typing: false });
    expect(chat.typing('zzz', true)).toBeUndefined();
    expect(chat.sizes().typingLimits).toBe(2);
    chat.disconnect('a');
    expect(chat.sizes().typingLimits).toBe(1);
  });

  test('private messages need a connected target', () => {
    const { chat } = setup();
    chat.connect('a', { name: 'A' });
    chat.connect('b', { name: 'B' });
    expect(chat.whisper('a', 'b', 'hi')).toMatchObject({ ok: true, message: { from: { name: 'A' }, to: { name: 'B' }, text: 'hi' } });
    expect(chat.whisper('a', 'zzz', 'hi')).toEqual({ ok: false, error: 'no such user' });
    expect(chat.whisper('a', 'a', 'hi')).toEqual({ ok: false, error: 'cannot message yourself' });
    chat.disconnect('b');
    expect(chat.whisper('a', 'b', 'hi')).toEqual({ ok: false, error: 'no such user' });
  });

  test('names: control characters are dropped, length is bounded, members are listed per room', () => {
    const { chat } = setup();
    chat.connect('a', { name: 'Zed' });
    chat.connect('b');
    expect(chat.rename('b', 'Amy\u0000\u202e')).toMatchObject({ ok: true, user: { name: 'Amy' } });
    expect(chat.rename('b', 'x'.repeat(25)).ok).toBe(false);
    expect(chat.members(DEFAULT_ROOM).map((u) => u.name)).toEqual(['Amy', 'Zed']);
    expect(chat.disconnect('a')).toEqual({ user: { id: 'a', name: 'Zed' }, room: DEFAULT_ROOM });
    expect(chat.members(DEFAULT_ROOM).map((u) => u.name)).toEqual(['Amy']);
  });
});
