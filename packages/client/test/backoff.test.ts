import { Backoff } from '@emitwire/client';

test('doubles from min, capped at max', () => {
  const b = new Backoff(1000, 5000, 0);
  expect([1, 2, 3, 4, 5].map(() => b.duration())).toEqual([1000, 2000, 4000, 5000, 5000]);
  expect(b.attempts).toBe(5);
  b.reset();
  expect(b.duration()).toBe(1000);
});

test('jitter moves each delay by up to ±factor, never above max', () => {
  let r = 0;
  const b = new Backoff(1000, 5000, 0.5, () => r);
  expect(b.duration()).toBe(500); // -50 %
  r = 0.75;
  expect(b.duration()).toBe(2500); // 2000 + 25 %
  r = 0.999;
  expect(b.duration()).toBe(5000); // 4000 + ~50 % = 5996, capped
});

test('jitter stays within bounds for random values', () => {
  const b = new Backoff(100, 10000, 0.5);
  for (let i = 0; i < 200; i++) {
    const base = Math.min(10000, 100 * 2 ** b.attempts);
    const d = b.duration();
    expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
    expect(d).toBeLessThanOrEqual(Math.min(10000, base * 1.5));
  }
});

test('thousands of attempts stay finite (no Infinity × 0)', () => {
  const b = new Backoff(1000, 5000, 1, () => 0);
  b.attempts = 5000;
  expect(b.duration()).toBe(0);
  const c = new Backoff(1000, 5000, 1, () => 0.9999);
  c.attempts = 5000;
  expect(c.duration()).toBe(5000);
});
