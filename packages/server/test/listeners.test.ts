import { ListenerMap, type ListenerSink } from '../src/listeners.js';

const sink: ListenerSink<string[]> = {
  _listenerResult(event, value, log) {
    log.push(`${event}=${String(value)}`);
  },
  _listenerError(event, err, log) {
    log.push(`${event}!${(err as Error).message}`);
  },
};

describe('ListenerMap', () => {
  test('a lone listener, then several, in order; prepend goes first', () => {
    const map = new ListenerMap();
    const log: string[] = [];
    const a = (): string => 'a';
    const b = (): string => 'b';
    const c = (): string => 'c';
    map.on('e', a);
    expect(map.count('e')).toBe(1);
    expect(map.listeners('e')).toEqual([a]);
    map.emit('e', [], sink, log);
    map.on('e', b);
    map.on('e', c, false, true);
    expect(map.listeners('e')).toEqual([c, a, b]);
    map.emit('e', [], sink, log);
    expect(log).toEqual(['e=a', 'e=c', 'e=a', 'e=b']);
  });

  test('prepend to a lone listener', () => {
    const map = new ListenerMap();
    const a = (): void => {};
    const b = (): void => {};
    map.on('e', a);
    map.on('e', b, false, true);
    expect(map.listeners('e')).toEqual([b, a]);
  });

  test('once runs a lone listener once and removes it', () => {
    const map = new ListenerMap();
    const log: string[] = [];
    map.on('e', () => 'x', true);
    expect(map.emit('e', [], sink, log)).toBe(true);
    expect(map.emit('e', [], sink, log)).toBe(false);
    expect(map.has('e')).toBe(false);
    expect(log).toEqual(['e=x']);
  });

  test('off removes a lone listener only when it is that one', () => {
    const map = new ListenerMap();
    const a = (): void => {};
    map.on('e', a);
    map.off('e', () => {});
    expect(map.has('e')).toBe(true);
    map.off('e', a);
    expect(map.has('e')).toBe(false);
    expect(map.listeners('e')).toEqual([]);
  });

  test('off of one of several, of an event, of all; other events in the Map', () => {
    const map = new ListenerMap();
    const a = (): void => {};
    const b = (): void => {};
    map.on('e', a);
    map.on('e', b);
    map.on('f', a);
    map.on('g', b);
    map.off('e', a);
    expect(map.listeners('e')).toEqual([b]);
    map.off('e', b);
    expect(map.has('e')).toBe(false);
    // the first slot is free again: a new first event takes it, the Map keeps the others
    map.on('h', a);
    expect(map.listeners('h')).toEqual([a]);
    expect(map.listeners('f')).toEqual([a]);
    map.off('f');
    expect(map.has('f')).toBe(false);
    expect(map.has('g')).toBe(true);
    map.off();
    expect(map.has('g') || map.has('h')).toBe(false);
  });

  test('a throwing listener is reported and the others still run; without a sink it propagates', () => {
    const map = new ListenerMap();
    const log: string[] = [];
    map.on('e', () => {
      throw new Error('boom');
    });
    map.on('e', () => 'after');
    map.emit('e', [], sink, log);
    expect(log).toEqual(['e!boom', 'e=after']);
    const lone = new ListenerMap();
    lone.on('e', () => {
      throw new Error('up');
    });
    expect(() => lone.emit('e', [])).toThrow('up');
  });

  test('listeners added while emitting run from the next emit', () => {
    const map = new ListenerMap();
    const calls: string[] = [];
    map.on('e', () => {
      calls.push('first');
      map.on('e', () => void calls.push('added'));
    });
    map.emit('e', []);
    expect(calls).toEqual(['first']);
  });
});
