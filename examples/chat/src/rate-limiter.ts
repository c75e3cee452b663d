/**
 * Sliding-window rate limit per key: at most `limit` events in any `windowMs`. Memory per key is
 * bounded by `limit` timestamps.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records an event for `key` at `now` and returns true, or returns false (nothing recorded) when over the limit. */
  tryTake(key: string, now: number): boolean {
    let times = this.hits.get(key);
    if (times === undefined) {
      times = [];
      this.hits.set(key, times);
    }
    const since = now - this.windowMs;
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length >= this.limit) return false;
    times.push(now);
    return true;
  }

  /** Milliseconds until `key` may send again (0 when it may now). */
  retryAfter(key: string, now: number): number {
    const times = this.hits.get(key);
    if (times === undefined || times.length < this.limit) return 0;
    return Math.max(0, times[0]! + this.windowMs - now);
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.hits.size;
  }

  /** Forgets `key` (when its socket leaves). */
  delete(key: string): void {
    this.hits.delete(key);
  }
}
