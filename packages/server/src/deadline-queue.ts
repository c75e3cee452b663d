/*
 * Deadlines of one fixed delay for many connections, on one timer. Every entry of a queue waits the
 * same delay, so appending keeps the list ordered by due time: scheduling and cancelling are O(1)
 * (an intrusive doubly linked list) and only the head needs a timer. A connection then costs four
 * fields instead of a Timeout object and a closure per (re)arm, which matters with thousands of
 * idle connections (issue 6, idle memory). Node's own timer lists work the same way but allocate a
 * Timeout per entry.
 *
 *   schedule(e): e due at now + delay, appended ─► timer fires ─► every entry due is unlinked, then
 *   cancel(e):   unlinked                           expired in order; the timer is re-armed for the head
 */
import { performance } from 'node:perf_hooks';

/** The queue an entry is in, as the entry sees it. */
export interface DeadlineHolder {
  cancel(entry: DeadlineEntry): void;
}

/** The links an entry carries (one queue at a time). */
export interface DeadlineEntry {
  /** @internal */
  _dlQueue: DeadlineHolder | undefined;
  /** @internal */
  _dlPrev: DeadlineEntry | undefined;
  /** @internal */
  _dlNext: DeadlineEntry | undefined;
  /** @internal When the entry is due: whole ms of `performance.now()` (a small integer, unboxed). */
  _dlAt: number;
}

/**
 * Timers fire on the event loop's cached clock, which may lag the real one by a fraction of a ms:
 * entries due that close to now expire now rather than re-arming a 1 ms timer (the same precision
 * as a plain setTimeout).
 */
const SLACK_MS = 1;

/**
 * The longest delay setTimeout keeps (2^31 - 1 ms, ~24.8 days): Node turns a longer one into 1 ms.
 * A later head gets a timer for this long, which finds nothing due and re-arms for what is left.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A FIFO of entries that each expire `delay` ms after they were scheduled. */
export class DeadlineQueue<T extends DeadlineEntry> implements DeadlineHolder {
  private head: T | undefined = undefined;
  private tail: T | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the armed timer fires; it is re-armed only when the head is due earlier. */
  private timerAt = 0;

  constructor(
    readonly delay: number,
    private readonly expire: (entry: T) => void,
  ) {}

  /** True when the entry waits in this queue. */
  has(entry: T): boolean {
    return entry._dlQueue === this;
  }

  /** (Re)starts the entry's deadline: due `delay` ms from now, leaving whatever queue it was in. */
  schedule(entry: T): void {
    if (entry._dlQueue !== undefined) entry._dlQueue.cancel(entry);
    entry._dlAt = Math.ceil(performance.now() + this.delay);
    entry._dlQueue = this;
    entry._dlPrev = this.tail;
    entry._dlNext = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail._dlNext = entry;
    this.tail = entry;
    if (this.head === entry) this.arm();
  }

  /** Removes the entry; nothing happens when it is not in this queue. */
  cancel(entry: T): void {
    if (entry._dlQueue !== this) return;
    const prev = entry._dlPrev as T | undefined;
    const next = entry._dlNext as T | undefined;
    if (prev === undefined) this.head = next;
    else prev._dlNext = next;
    if (next === undefined) this.tail = prev;
    else next._dlPrev = prev;
    entry._dlQueue = entry._dlPrev = entry._dlNext = undefined;
    // The timer stays armed: it fires, finds nothing due, and re-arms for the head if any. A queue
    // that empties and refills with every connection (connect timeouts) then costs no timer call.
  }

  private arm(): void {
    const at = this.head!._dlAt;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    // unref'd: the connections whose deadlines these are keep the process alive by themselves, and
    // a timer left armed for an empty queue must not
    const now = performance.now();
    const wait = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(at - now)));
    this.timerAt = wait === MAX_TIMER_MS ? Math.floor(now + wait) : at;
    this.timer = setTimeout(this.onTimer, wait).unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = performance.now() + SLACK_MS;
    // entries scheduled by `expire` go behind `last` and wait for a later turn (even with delay 0)
    const last = this.tail;
    // re-armed whatever `expire` does: one that throws (a failing adapter on a ping-timeout close)
    // must not stop the deadlines of every other connection
    try {
      for (let entry = this.head; entry !== undefined && entry._dlAt <= now; entry = this.head) {
        this.cancel(entry);
        this.expire(entry);
        if (entry === last) break;
      }
    } finally {
      if (this.head !== undefined) this.arm();
    }
  };
}
