import { History } from '../src/history.js';

test('History keeps only the newest items up to its capacity', () => {
  const h = new History<number>(3);
  for (let i = 1; i <= 5; i++) h.push(i);
  expect(h.list()).toEqual([3, 4, 5]);
  expect(h.size).toBe(3);
  const copy = h.list();
  copy.push(99);
  expect(h.list()).toEqual([3, 4, 5]);
});
