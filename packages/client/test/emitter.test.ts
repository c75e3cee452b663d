import { Emitter } from '@emitwire/client';

interface Reserved {
  ready(n: number): void;
}

class Subject extends Emitter<Reserved, { msg(text: string): void }> {
  fire(event: string, ...args: unknown[]): void {
    this.dispatch(event, args);
  }
}

test('on, once, off, listeners, hasListeners, removeAllListeners', () => {
  const e = new Subject();
  const log: unknown[] = [];
  const a = (n: number) => log.push(['a', n]);
  const b = (n: number) => log.push(['b', n]);
  e.on('ready', a).once('ready', b);
  expect(e.listeners('ready')).toHaveLength(2);
  e.emitReserved('ready', 1);
  e.emitReserved('ready', 2);
  expect(log).toEqual([
    ['a', 1],
    ['b', 1],
    ['a', 2],
  ]);
  e.off('ready', a);
  expect(e.hasListeners('ready')).toBe(false);
  e.on('ready', a).on('msg', () => {});
  e.removeAllListeners('ready');
  expect(e.hasListeners('ready')).toBe(false);
  expect(e.hasListeners('msg')).toBe(true);
  e.off();
  expect(e.hasListeners('msg')).toBe(false);
});

test('off removes a once listener by the original function', () => {
  const e = new Subject();
  const fn = jest.fn();
  e.once('ready', fn);
  e.off('ready', fn);
  e.emitReserved('ready', 1);
  expect(fn).not.toHaveBeenCalled();
});

test('listeners removed or added during a dispatch do not change that dispatch', () => {
  const e = new Subject();
  const log: string[] = [];
  const second = () => log.push('second');
  e.on('msg', () => {
    log.push('first');
    e.off('msg', second);
    e.on('msg', () => log.push('late'));
  });
  e.on('msg', second);
  e.fire('msg', 'x');
  expect(log).toEqual(['first', 'second']);
});

test('__proto__, constructor and toString are ordinary event names', () => {
  const e = new Subject();
  const fn = jest.fn();
  e.on('__proto__' as 'msg', fn);
  e.fire('__proto__', 1);
  e.fire('constructor', 2);
  e.fire('toString', 3);
  expect(fn.mock.calls).toEqual([[1]]);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

test('a throwing listener does not stop the others; its error is thrown from a timer', () => {
  jest.useFakeTimers();
  try {
    const e = new Subject();
    const log: number[] = [];
    e.on('ready', () => {
      throw new Error('listener bug');
    });
    e.on('ready', (n) => log.push(n));
    expect(() => e.emitReserved('ready', 1)).not.toThrow();
    expect(log).toEqual([1]);
    expect(() => jest.runOnlyPendingTimers()).toThrow('listener bug');
  } finally {
    jest.useRealTimers();
  }
});
