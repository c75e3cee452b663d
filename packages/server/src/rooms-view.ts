/*
 * `adapter.rooms` of the in-memory adapter: every room with its members, private rooms included,
 * read from the adapter's tables without copying them. A socket that is only in its own room has
 * no entry in the adapter (in-memory-adapter.ts); this view adds its room back.
 */
import type { Room, SocketId } from './adapter.js';

/** A read-only view of the rooms: joined rooms ∪ the implicit own rooms. */
export class RoomsView implements ReadonlyMap<Room, ReadonlySet<SocketId>> {
  constructor(
    /** Rooms joined explicitly → members. */
    private readonly joined: ReadonlyMap<Room, ReadonlySet<SocketId>>,
    /** Socket id → its rooms, for the sockets whose own room is not implicit. */
    private readonly sids: ReadonlyMap<SocketId, ReadonlySet<Room>>,
    /** The namespace's sockets: those without an entry in `sids` are in their own room only. */
    private readonly sockets: ReadonlyMap<SocketId, unknown>,
  ) {}

  get size(): number {
    let n = this.joined.size;
    for (const id of this.implicit()) if (!this.joined.has(id)) n++;
    return n;
  }

  has(room: Room): boolean {
    return this.joined.has(room) || this.isImplicit(room);
  }

  get(room: Room): ReadonlySet<SocketId> | undefined {
    const members = this.joined.get(room);
    if (!this.isImplicit(room)) return members;
    return members === undefined ? new Set([room]) : new Set([...members, room]);
  }

  *entries(): MapIterator<[Room, ReadonlySet<SocketId>]> {
    for (const room of this.keys()) yield [room, this.get(room)!];
  }

  *keys(): MapIterator<Room> {
    yield* this.joined.keys();
    for (const id of this.implicit()) if (!this.joined.has(id)) yield id;
  }

  *values(): MapIterator<ReadonlySet<SocketId>> {
    for (const room of this.keys()) yield this.get(room)!;
  }

  [Symbol.iterator](): MapIterator<[Room, ReadonlySet<SocketId>]> {
    return this.entries();
  }

  forEach(fn: (members: ReadonlySet<SocketId>, room: Room, map: ReadonlyMap<Room, ReadonlySet<SocketId>>) => void, thisArg?: unknown): void {
    for (const [room, members] of this.entries()) fn.call(thisArg, members, room, this);
  }

  /** True when `id` is a socket of the namespace in its own room only, with no entry in `sids`. */
  isImplicit(id: SocketId): boolean {
    return !this.sids.has(id) && this.sockets.has(id);
  }

  /** The sockets whose own room is implicit. */
  private *implicit(): Generator<SocketId> {
    for (const id of this.sockets.keys()) if (!this.sids.has(id)) yield id;
  }
}
