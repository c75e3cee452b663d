/*
 * Connection state recovery for one namespace, in memory: the sessions of sockets that dropped
 * (kept `maxDisconnectionDuration`) and the event packets sent since (kept as long, and at most
 * `maxStoredPackets`), each numbered by an offset the client echoes back when it reconnects.
 *
 * Offsets are `<store prefix>.<sequence in base 36>`: the stored packets have consecutive
 * sequence numbers, so finding a client's offset is arithmetic, not a scan. The prefix is random
 * per store, so an offset from another process or an earlier run never matches.
 */
import type { BroadcastOptions, PersistedSession, Room, RestoredSession } from './adapter.js';
import { generateId } from './id.js';
import type { ConnectionStateRecoveryOptions } from './options.js';

/** One stored event packet: its data (offset last) and who it went to. */
interface StoredPacket {
  readonly at: number;
  readonly data: unknown[];
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room>;
}

/** A dropped socket's session, with the time it dropped. */
interface KeptSession extends PersistedSession {
  readonly disconnectedAt: number;
}

/** The sweep never runs more often than this (a tiny `maxDisconnectionDuration` in tests). */
const MIN_SWEEP_MS = 1000;
/** …nor less often than this: expired entries do not wait long to be released. */
const MAX_SWEEP_MS = 60_000;

/** Sessions and missed packets of one namespace. */
export class SessionStore {
  private readonly sessions = new Map<string, KeptSession>();
  /** Stored packets from `head` on (the slots before it are released, compacted now and then). */
  private packets: (StoredPacket | undefined)[] = [];
  private head = 0;
  /** The sequence number of `packets[head]`. */
  private firstSeq = 1;
  private nextSeq = 1;
  private readonly prefix = generateId().slice(0, 8) + '.';
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(private readonly options: Required<ConnectionStateRecoveryOptions>) {}

  /** The number of packets held. */
  get size(): number {
    return this.packets.length - this.head;
  }

  /** The offset of the next packet kept (the last argument of its data). */
  get nextOffset(): string {
    return this.prefix + this.nextSeq.toString(36);
  }

  /** Keeps an event packet whose data ends with {@link nextOffset}, for sockets that reconnect. */
  keep(data: unknown[], opts: BroadcastOptions): void {
    const now = Date.now();
    this.nextSeq++;
    this.packets.push({ at: now, data, rooms: opts.rooms, except: opts.except });
    if (this.size > this.options.maxStoredPackets) this.dropFirst(1);
    this.expirePackets(now);
    this.arm();
  }

  /** Keeps a dropped socket's session until it reconnects or `maxDisconnectionDuration` passes. */
  persist(session: PersistedSession): void {
    this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
    this.arm();
  }

  /**
   * The session `pid` with the packets it missed after `offset` (in order), or `null` when the
   * session expired or is unknown, or the offset is no longer held. A session is restored once.
   */
  restore(pid: string, offset: string): RestoredSession | null {
    const session = this.sessions.get(pid);
    if (session === undefined) return null;
    this.sessions.delete(pid);
    const now = Date.now();
    if (session.disconnectedAt + this.options.maxDisconnectionDuration < now) return null;
    this.expirePackets(now);
    const index = this.indexOf(offset);
    if (index === -1) return null;
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.packets.length; i++) {
      const packet = this.packets[i]!;
      if (reaches(packet, session.rooms)) missedPackets.push(packet.data);
    }
    const { disconnectedAt: _, ...restored } = session;
    return { ...restored, missedPackets };
  }

  /** Releases everything and stops the sweep. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sessions.clear();
    this.packets = [];
    this.head = 0;
    this.firstSeq = this.nextSeq;
  }

  /** The index in `packets` of the packet numbered `offset`, or -1. */
  private indexOf(offset: string): number {
    if (!offset.startsWith(this.prefix)) return -1;
    const digits = offset.slice(this.prefix.length);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return -1;
    const seq = parseInt(digits, 36);
    if (seq < this.firstSeq || seq >= this.nextSeq) return -1;
    return this.head + (seq - this.firstSeq);
  }

  /** Drops the packets older than `maxDisconnectionDuration` (the oldest come first). */
  private expirePackets(now: number): void {
    const threshold = now - this.options.maxDisconnectionDuration;
    let n = 0;
    while (this.head + n < this.packets.length && this.packets[this.head + n]!.at < threshold) n++;
    if (n > 0) this.dropFirst(n);
  }

  private dropFirst(n: number): void {
    for (let i = 0; i < n; i++) this.packets[this.head + i] = undefined;
    this.head += n;
    this.firstSeq += n;
    // the released slots are cut off once they are half of the array
    if (this.head > 1024 && this.head * 2 > this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
  }

  /** Expires sessions and packets. */
  private sweep(): void {
    const now = Date.now();
    const threshold = now - this.options.maxDisconnectionDuration;
    for (const [pid, session] of this.sessions) if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    this.expirePackets(now);
    if (this.sessions.size === 0 && this.size === 0) {
      // nothing left to expire: no timer until something is kept again
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One sweep timer per store, only while it holds something; it never keeps the process alive. */
  private arm(): void {
    if (this.timer !== undefined) return;
    const every = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, this.options.maxDisconnectionDuration));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }
}

/** Whether a packet sent with these rooms reached a socket in `rooms` (its own id among them). */
function reaches(packet: StoredPacket, rooms: readonly Room[]): boolean {
  let included = packet.rooms.size === 0;
  for (const room of rooms) {
    if (packet.except.has(room)) return false;
    if (!included && packet.rooms.has(room)) included = true;
  }
  return included;
}
