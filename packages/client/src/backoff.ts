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
    const max = this.max;
    // cap before jittering: 2 ** 1100 is Infinity, and Infinity × 0 is NaN
    const base = Math.min(max, this.min * 2 ** this.attempts++);
    return Math.max(0, Math.floor(Math.min(max, base * (1 + this.jitter * (2 * this.random() - 1)))));
  }

  /** Starts over from `min` (after a successful connection). */
  reset(): void {
    this.attempts = 0;
  }
}
