import type { ChatMessage, ChatUser, PrivateMessage, Result, RoomState } from './contract.js';
import { History } from './history.js';
import { RateLimiter } from './rate-limiter.js';

/** Limits of the chat. Every one is finite. */
export interface ChatLimits {
  /** Longest message, in characters. @default 500 */
  maxMessageLength: number;
  /** Messages (room and private) a user may send per window. @default 20 */
  rateLimit: number;
  /** The rate limit's window. @default 10000 */
  rateWindowMs: number;
  /**
   * Renames and room changes a user may make per `rateWindowMs` (each one is announced to whole
   * rooms, so a flood of them would reach everyone). @default 10
   */
  changeLimit: number;
  /**
   * Typing hints a user may send per `typingWindowMs` (each goes to the whole room); the excess is
   * dropped silently, as a hint is not worth a refusal. The page sends about one a second at most.
   * @default 5
   */
  typingLimit: number;
  /** The typing limit's window. @default 1000 */
  typingWindowMs: number;
  /** Messages kept per room and shown on join. @default 50 */
  historySize: number;
  /**
   * Rooms that may exist at once. When they all exist, creating one reclaims the oldest room that
   * nobody is in (its history goes with it), so nobody can use the rooms up. @default 100
   */
  maxRooms: number;
  /** Longest nickname. @default 24 */
  maxNameLength: number;
}

export const DEFAULT_LIMITS: ChatLimits = {
  maxMessageLength: 500,
  rateLimit: 20,
  rateWindowMs: 10_000,
  changeLimit: 10,
  typingLimit: 5,
  typingWindowMs: 1000,
  historySize: 50,
  maxRooms: 100,
  maxNameLength: 24,
};

export const DEFAULT_ROOM = '#general';

const ROOM_NAME = /^#[a-z0-9][a-z0-9_-]{0,23}$/;

interface Member extends ChatUser {
  room: string;
}

/**
 * The chat's state and rules, with no transport: who is online, in which room, each room's history,
 * and what is refused (too long, too fast, unknown target). The server wires it to sockets.
 */
export class ChatService {
  readonly limits: ChatLimits;
  private readonly users = new Map<string, Member>();
  private readonly rooms = new Map<string, History<ChatMessage>>();
  private readonly limiter: RateLimiter;
  private readonly changes: RateLimiter;
  private readonly typers: RateLimiter;
  private seq = 0;
  private guests = 0;

  constructor(
    limits: Partial<ChatLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.limiter = new RateLimiter(this.limits.rateLimit, this.limits.rateWindowMs);
    this.changes = new RateLimiter(this.limits.changeLimit, this.limits.rateWindowMs);
    this.typers = new RateLimiter(this.limits.typingLimit, this.limits.typingWindowMs);
    this.rooms.set(DEFAULT_ROOM, new History(this.limits.historySize));
  }

  /** Adds a user with the name and room they ask for (after a reconnect), or defaults. */
  connect(id: string, wanted: { name?: unknown; room?: unknown } = {}): { user: ChatUser; state: RoomState } {
    const name = this.cleanName(wanted.name) ?? `guest-${++this.guests}`;
    const room = typeof wanted.room === 'string' && this.rooms.has(wanted.room) ? wanted.room : DEFAULT_ROOM;
    const member: Member = { id, name, room };
    this.users.set(id, member);
    return { user: { id, name }, state: this.roomState(room) };
  }

  /** Removes a user; returns who left and from which room. */
  disconnect(id: string): { user: ChatUser; room: string } | undefined {
    const member = this.users.get(id);
    if (member === undefined) return undefined;
    this.users.delete(id);
    this.limiter.delete(id);
    this.changes.delete(id);
    this.typers.delete(id);
    return { user: publicUser(member), room: member.room };
  }

  /**
   * How much state the chat holds: users and their rate-limit entries (each gone when its user
   * leaves), and rooms (bounded by `maxRooms`; a room and its history outlive its members).
   */
  sizes(): { users: number; rooms: number; messageLimits: number; changeLimits: number; typingLimits: number } {
    return {
      users: this.users.size,
      rooms: this.rooms.size,
      messageLimits: this.limiter.size,
      changeLimits: this.changes.size,
      typingLimits: this.typers.size,
    };
  }

  user(id: string): ChatUser | undefined {
    const m = this.users.get(id);
    return m && publicUser(m);
  }

  roomOf(id: string): string | undefined {
    return this.users.get(id)?.room;
  }

  roomNames(): string[] {
    return [...this.rooms.keys()].sort();
  }

  members(room: string): ChatUser[] {
    const out: ChatUser[] = [];
    for (const m of this.users.values()) if (m.room === room) out.push(publicUser(m));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A room message from `id`, or why it is refused. */
  say(id: string, text: unknown): Result<{ message: ChatMessage }> {
    const member = this.users.get(id);
    if (member === undefined) return refuse('not connected');
    const checked = this.checkMessage(id, text);
    if (typeof checked !== 'string') return checked;
    const message: ChatMessage = { id: this.nextId(), room: member.room, from: publicUser(member), text: checked, ts: this.now() };
    this.rooms.get(member.room)!.push(message);
    return { ok: true, message };
  }

  /** A private message from `id` to user `to`, or why it is refused. */
  whisper(id: string, to: unknown, text: unknown): Result<{ message: PrivateMessage }> {
    const member = this.users.get(id);
    if (member === undefined) return refuse('not connected');
    const target = typeof to === 'string' ? this.users.get(to) : undefined;
    if (target === undefined) return refuse('no such user');
    if (target === member) return refuse('cannot message yourself');
    const checked = this.checkMessage(id, text);
    if (typeof checked !== 'string') return checked;
    return {
      ok: true,
      message: { id: this.nextId(), from: publicUser(member), to: publicUser(target), text: checked, ts: this.now() },
    };
  }

  /**
   * The typing hint of `id` to pass on to its room, or undefined when it is dropped: an unknown
   * user, or past `typingLimit` (a flood of hints would otherwise reach the whole room).
   */
  typing(id: string, typing: unknown): { room: string; user: ChatUser; typing: boolean } | undefined {
    const member = this.users.get(id);
    if (member === undefined || !this.typers.tryTake(id, this.now())) return undefined;
    return { room: member.room, user: publicUser(member), typing: typing === true };
  }

  /** Renames `id`. */
  rename(id: string, name: unknown): Result<{ user: ChatUser; previous: string }> {
    const member = this.users.get(id);
    if (member === undefined) return refuse('not connected');
    const clean = this.cleanName(name);
    if (clean === undefined) return refuse(`a name is 1 to ${this.limits.maxNameLength} characters`);
    const tooFast = this.takeChange(id);
    if (tooFast !== undefined) return tooFast;
    const previous = member.name;
    member.name = clean;
    return { ok: true, user: publicUser(member), previous };
  }

  /** Moves `id` into `room`, creating it when there is space. */
  join(id: string, room: unknown): Result<RoomState & { previous: string; created: boolean }> {
    const member = this.users.get(id);
    if (member === undefined) return refuse('not connected');
    const name = typeof room === 'string' ? (room.startsWith('#') ? room : `#${room}`).toLowerCase() : '';
    if (!ROOM_NAME.test(name)) return refuse('a room name is # then 1 to 24 letters, digits, - or _');
    const tooFast = this.takeChange(id);
    if (tooFast !== undefined) return tooFast;
    let created = false;
    if (!this.rooms.has(name)) {
      if (this.rooms.size >= this.limits.maxRooms && !this.reclaimEmptyRoom(member)) return refuse('too many rooms');
      this.rooms.set(name, new History(this.limits.historySize));
      created = true;
    }
    const previous = member.room;
    member.room = name;
    return { ok: true, previous, created, ...this.roomState(name) };
  }

  /**
   * Removes the oldest room nobody else is in (never the default room; the one `mover` is leaving
   * may go); false when there is none.
   */
  private reclaimEmptyRoom(mover: Member): boolean {
    const occupied = new Set<string>([DEFAULT_ROOM]);
    for (const m of this.users.values()) if (m !== mover) occupied.add(m.room);
    for (const room of this.rooms.keys()) {
      if (!occupied.has(room)) return this.rooms.delete(room);
    }
    return false;
  }

  /** Counts a rename or room change of `id`, or says why it is refused. */
  private takeChange(id: string): { ok: false; error: string } | undefined {
    return this.take(this.changes, 'changes', id);
  }

  /** Counts one action of `id` against `limiter`, or says why it is refused. */
  private take(limiter: RateLimiter, what: string, id: string): { ok: false; error: string } | undefined {
    const now = this.now();
    if (limiter.tryTake(id, now)) return undefined;
    const wait = Math.ceil(limiter.retryAfter(id, now) / 1000);
    return refuse(`too many ${what}: at most ${limiter.limit} per ${limiter.windowMs / 1000} s, retry in ${wait} s`);
  }

  private roomState(room: string): RoomState {
    return { room, history: this.rooms.get(room)?.list() ?? [], members: this.members(room) };
  }

  private checkMessage(id: string, text: unknown): string | { ok: false; error: string } {
    if (typeof text !== 'string') return refuse('a message is text');
    const trimmed = text.trim();
    if (trimmed.length === 0) return refuse('empty message');
    if (trimmed.length > this.limits.maxMessageLength) {
      return refuse(`message too long (at most ${this.limits.maxMessageLength} characters)`);
    }
    return this.take(this.limiter, 'messages', id) ?? trimmed;
  }

  private cleanName(name: unknown): string | undefined {
    if (typeof name !== 'string') return undefined;
    // collapse whitespace and drop control characters
    const clean = name.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim();
    return clean.length > 0 && clean.length <= this.limits.maxNameLength ? clean : undefined;
  }

  private nextId(): string {
    return (++this.seq).toString(36);
  }
}

function publicUser(m: Member): ChatUser {
  return { id: m.id, name: m.name };
}

function refuse(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
