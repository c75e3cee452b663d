import { performance } from 'node:perf_hooks';
import { DeadlineQueue, type DeadlineEntry } from '../src/deadline-queue.js';

interface Entry extends DeadlineEntry {
  name: string;
}

const entry = (name: string): Entry => ({ name, _dlQueue: undefined, _dlPrev: undefined, _dlNext: undefined, _dlAt: 0 });

// the queue reads node:perf_hooks' performance.now(): it follows the fake clock
beforeEach(() => {
  jest.useFakeTimers({ now: 0, doNotFake: ['performance'] });
  jest.spyOn(performance, 'now').mockImplementation(() => Date.now());
});
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('DeadlineQueue', () => {
  test('entries expire in order after the delay; a cancelled one never does', () => {
    const expired: string[] = [];
    const q = new DeadlineQueue<Entry>(100, (e) => void expired.push(e.name));
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    q.schedule(a);
    jest.advanceTimersByTime(10);
    q.schedule(b);
    q.schedule(c);
    q.cancel(b);
    expect(q.has(a) && !q.has(b)).toBe(true);
    jest.advanceTimersByTime(95);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(10);
    expect(expired).toEqual(['a', 'c']);
  });

  test('an expiry that throws does not stop the deadlines of the others', () => {
    const expired: string[] = [];
    const q = new DeadlineQueue<Entry>(100, (e) => {
      expired.push(e.name);
      if (e.name === 'bad') throw new Error('adapter failed');
    });
    q.schedule(entry('bad'));
    q.schedule(entry('next'));
    jest.advanceTimersByTime(50);
    q.schedule(entry('later'));
    // the throw reaches the timer's caller, as it did; the queue is armed again all the same
    expect(() => jest.advanceTimersByTime(55)).toThrow('adapter failed');
    expect(expired).toEqual(['bad', 'next']);
    jest.advanceTimersByTime(50);
    expect(expired).toEqual(['bad', 'next', 'later']);
  });
});
