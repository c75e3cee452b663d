import { InMemoryAdapter } from '../src/in-memory-adapter.js';
import type { Namespace } from '../src/namespace.js';

/** The adapter reads only the namespace's name and sockets here. */
function adapterWith(ids: string[]): { adapter: InMemoryAdapter; sockets: Map<string, unknown> } {
  const sockets = new Map<string, unknown>(ids.map((id) => [id, { id }]));
  const adapter = new InMemoryAdapter({ name: '/', sockets } as unknown as Namespace);
  for (const id of ids) adapter.addAll(id, [id]);
  return { adapter, sockets };
}

const entries = (rooms: ReadonlyMap<string, ReadonlySet<string>>): Array<[string, string[]]> =>
  [...rooms].map(([room, members]) => [room, [...members].sort()] as [string, string[]]).sort(([a], [b]) => a.localeCompare(b));

describe('InMemoryAdapter', () => {
  test('a socket of the namespace is in its own room without an entry of its own', () => {
    const { adapter, sockets } = adapterWith(['a', 'b']);
    expect(adapter.socketRooms('a')).toEqual(new Set(['a']));
    expect(adapter.rooms.has('a')).toBe(true);
    expect(adapter.rooms.get('a')).toEqual(new Set(['a']));
    expect(adapter.rooms.size).toBe(2);
    expect(entries(adapter.rooms)).toEqual([
      ['a', ['a']],
      ['b', ['b']],
    ]);
    // gone from the namespace (after delAll): no room, no rooms
    adapter.delAll('a');
    sockets.delete('a');
    expect(adapter.socketRooms('a')).toBeUndefined();
    expect(adapter.rooms.has('a')).toBe(false);
    expect(adapter.rooms.size).toBe(1);
  });

  test('joining another room keeps the own room; leaving both leaves none', () => {
    const { adapter, sockets } = adapterWith(['a', 'b']);
    adapter.addAll('a', ['r1', 'r2']);
    expect(adapter.socketRooms('a')).toEqual(new Set(['a', 'r1', 'r2']));
    expect(adapter.rooms.get('r1')).toEqual(new Set(['a']));
    expect(adapter.rooms.get('a')).toEqual(new Set(['a']));
    adapter.del('a', 'r1');
    expect(adapter.rooms.has('r1')).toBe(false);
    adapter.del('a', 'a');
    expect(adapter.socketRooms('a')).toEqual(new Set(['r2']));
    expect(adapter.rooms.has('a')).toBe(false);
    // a disconnecting socket: delAll, then out of the namespace
    adapter.delAll('a');
    sockets.delete('a');
    expect(adapter.rooms.has('r2')).toBe(false);
    expect(entries(adapter.rooms)).toEqual([['b', ['b']]]);
  });

  test('a compact socket leaving its own room is in no room at all', () => {
    const { adapter } = adapterWith(['a']);
    adapter.del('a', 'a');
    expect(adapter.socketRooms('a')).toEqual(new Set());
    expect(adapter.rooms.has('a')).toBe(false);
    expect(adapter.rooms.size).toBe(0);
    adapter.addAll('a', ['a']);
    expect(adapter.socketRooms('a')).toEqual(new Set(['a']));
    expect(adapter.rooms.get('a')).toEqual(new Set(['a']));
  });

  test('an id the namespace does not know gets explicit rooms, its own included', () => {
    const { adapter } = adapterWith([]);
    expect(adapter.socketRooms('x')).toBeUndefined();
    adapter.addAll('x', ['x', 'r']);
    expect(adapter.socketRooms('x')).toEqual(new Set(['x', 'r']));
    expect(adapter.rooms.get('x')).toEqual(new Set(['x']));
    adapter.delAll('x');
    expect(adapter.socketRooms('x')).toBeUndefined();
    expect(adapter.rooms.size).toBe(0);
  });

  test('a room named like a socket holds that socket and the room’s members', () => {
    const { adapter } = adapterWith(['a', 'b']);
    adapter.addAll('b', ['a']);
    expect(adapter.rooms.get('a')).toEqual(new Set(['a', 'b']));
    expect(adapter.rooms.size).toBe(2);
  });
});
