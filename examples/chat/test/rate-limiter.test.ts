import { RateLimiter } from '../src/rate-limiter.js';

test('RateLimiter allows `limit` events per sliding window, per key', () => {
  const r = new RateLimiter(2, 1000);
  expect(r.tryTake('a', 0)).toBe(true);
  expect(r.tryTake('a', 500)).toBe(true);
  expect(r.tryTake('a', 999)).toBe(false);
  expect(r.retryAfter('a', 999)).toBe(1);
  expect(r.tryTake('b', 999)).toBe(true);
  expect(r.tryTake('a', 1000)).toBe(true); // the event at 0 left the window
  expect(r.tryTake('a', 1001)).toBe(false);
  r.delete('a');
  expect(r.tryTake('a', 1001)).toBe(true);
});
