/**
 * The delay of attempt `attempt` (from 0), in ms: `min(max, min × 2^attempt)` moved by up to
 * ±`jitter` of itself, never above `max` nor below 0. The Manager uses it directly (no object to
 * carry in the browser bundle); {@link Backoff} wraps it with an attempt counter.
 */
export function backoffDelay(min: number, max: number, jitter: number, attempt: number, random: () => number = Math.random): number {
  // cap before jittering: 2 ** 1100 is Infinity, and Infinity × 0 is NaN
  return Math.max(0, Math.floor(Math.min(max, Math.min(max, min * 2 ** attempt) * (1 + jitter * (2 * random() - 1)))));
}

/**
 * Capped exponential backoff with jitter, for reconnection delays (Socket.IO's algorithm in
 * spirit): attempt n waits `min(max, min × 2ⁿ)`, moved by up to ±`jitter` of itself, never above
 * `max`, so a restarted server is not hit by every client at the same moment.
 */
export class Backoff {
  /** Attempts made since the last {@link reset}. */
  attempts = 0;
  /** First delay in ms. */
  readonly min: number;
  /** Largest delay in ms. */
  readonly max: number;
  /** Randomization factor in [0, 1]. */
  readonly jitter: number;
  /** Source of uniform numbers in [0, 1) (injectable for tests). */
  readonly random: () => number;

  /**
   * @param min first delay in ms
   * @param max largest delay in ms
   * @param jitter randomization factor in [0, 1]
   * @param random source of uniform numbers in [0, 1) (injectable for tests)
   */
  constructor(min: number, max: number, jitter: number, random: () => number = Math.random) {
    this.min = min;
    this.max = max;
    this.jitter = jitter;
    this.random = random;
  }

  /** The delay before the next attempt, in ms; counts the attempt. */
  duration(): number {
    return backoffDelay(this.min, this.max, this.jitter, this.attempts++, this.random);
  }

  /** Starts over from `min` (after a successful connection). */
  reset(): void {
    this.attempts = 0;
  }
}
