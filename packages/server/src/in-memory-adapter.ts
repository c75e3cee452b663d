/*
 * The default adapter: rooms of one process in two maps (room → socket ids, socket id → rooms).
 * Target computation is O(sockets in the named rooms), or O(namespace) only for "everyone".
 *
 * Most sockets are only ever in their own room (named by their id). Such a socket has no entry in
 * either map: its room exists implicitly while it is in the namespace's `sockets`, and every lookup
 * by room name adds it back (issue 6, idle memory: two Sets per idle socket were a tenth of its heap,
 * and an `id → null` entry still cost ~46 bytes in a table of thousands). Joining any other room, or
 * leaving its own, gives it an entry for good; so does any id the namespace does not know.
 *
 * Room events (`create-room`, `join-room`, `leave-room`, `delete-room`, as Socket.IO's adapter
 * emits them) follow the rooms as `rooms` shows them: an implicit own room is created and joined
 * when the socket connects (the one `addAll` that reaches it: Socket.join leaves out a room the
 * socket is already in), left and deleted when it leaves it or disconnects.
 */
import { EventEmitter } from 'node:events';
import { PacketType, TimeoutError, encodePacket, type Packet } from '@emitwire/protocol';
import { NO_ANSWER, type Adapter, type AdapterEventMap, type BroadcastOptions, type PersistedSession, type RestoredSession, type Room, type SocketId } from './adapter.js';
import { toEngineFrames, type EngineFrames } from './engine-frames.js';
import type { Namespace } from './namespace.js';
import { RoomsView } from './rooms-view.js';
import { SessionStore } from './session-store.js';
import type { Socket } from './socket.js';

/** Rooms and broadcasts within one process. */
export class InMemoryAdapter extends EventEmitter<AdapterEventMap> implements Adapter {
  /** Rooms joined explicitly → members (implicit own rooms are not here). */
  private readonly joined = new Map<Room, Set<SocketId>>();
  /** Socket id → its rooms, for every id whose own room is not implicit (see the top of this file). */
  private readonly sids = new Map<SocketId, Set<Room>>();
  /** Every room with its members, own rooms included. */
  readonly rooms: ReadonlyMap<Room, ReadonlySet<SocketId>>;
  /** `rooms`, which also owns the rule of the implicit own rooms. */
  private readonly view: RoomsView;
  /** Sessions and missed packets, only with connection state recovery on. */
  private readonly store: SessionStore | undefined;

  constructor(readonly nsp: Namespace) {
    super();
    this.rooms = this.view = new RoomsView(this.joined, this.sids, nsp.sockets);
    this.store = nsp._recovery === undefined ? undefined : new SessionStore(nsp._recovery);
  }

  addAll(id: SocketId, rooms: Iterable<Room>): void {
    let own = this.sids.get(id);
    const compact = this.view.isImplicit(id);
    let announced = false;
    for (const room of rooms) {
      if (room === id && own === undefined && compact) {
        // the own room of a socket of the namespace is implicit while it has no entry: it is
        // created (unless other sockets joined a room of that name) and joined as the socket connects
        if (!announced) {
          announced = true;
          if (!this.joined.has(room)) this.emit('create-room', room);
          this.emit('join-room', room, id);
        }
        continue;
      }
      if (own === undefined) own = compact ? this.explicit(id) : new Set();
      own.add(room);
      const existed = this.rooms.has(room);
      const members = this.member(room);
      if (members.has(id)) continue;
      members.add(id);
      if (!existed) this.emit('create-room', room);
      this.emit('join-room', room, id);
    }
    if (own !== undefined) this.sids.set(id, own);
  }

  del(id: SocketId, room: Room): void {
    const own = this.sids.get(id);
    if (own === undefined) {
      // leaving its own room, the only one it is in: explicit and empty from now on
      if (room === id && this.view.isImplicit(id)) {
        this.sids.set(id, new Set());
        this.leftOwnRoom(id);
      }
      return;
    }
    own.delete(room);
    this.removeMember(room, id);
  }

  delAll(id: SocketId): void {
    const own = this.sids.get(id);
    if (own === undefined) {
      if (this.view.isImplicit(id)) this.leftOwnRoom(id);
      return;
    }
    // the entry goes last: until then the own room is not implicit, so `rooms` says whether it is empty
    for (const room of own) this.removeMember(room, id);
    this.sids.delete(id);
  }

  /** Takes `id` out of the members of `room`; an emptied room goes. */
  private removeMember(room: Room, id: SocketId): void {
    const members = this.joined.get(room);
    if (members === undefined || !members.delete(id)) return;
    if (members.size === 0) this.joined.delete(room);
    this.emit('leave-room', room, id);
    // (a room named after the id of a socket in its own room only lives on)
    if (!this.rooms.has(room)) this.emit('delete-room', room);
  }

  /** A socket left its implicit own room; the room goes unless other sockets joined one of that name. */
  private leftOwnRoom(id: SocketId): void {
    this.emit('leave-room', id, id);
    if (!this.joined.has(id)) this.emit('delete-room', id);
  }

  socketRooms(id: SocketId): ReadonlySet<Room> | undefined {
    const own = this.sids.get(id);
    if (own !== undefined) return own;
    return this.view.isImplicit(id) ? new Set([id]) : undefined;
  }

  /** The explicit form of a compact socket: its own room as an ordinary joined room. */
  private explicit(id: SocketId): Set<Room> {
    this.member(id).add(id);
    return new Set([id]);
  }

  private member(room: Room): Set<SocketId> {
    let members = this.joined.get(room);
    if (members === undefined) {
      members = new Set();
      this.joined.set(room, members);
    }
    return members;
  }

  /** Calls `fn` with each member of `room`, the implicit owner of an own room included. */
  private forEachMember(room: Room, fn: (id: SocketId) => void): void {
    const members = this.joined.get(room);
    if (members !== undefined) for (const id of members) fn(id);
    if (this.view.isImplicit(room)) fn(room);
  }

  async sockets(opts: BroadcastOptions): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply(opts, (socket) => ids.add(socket.id));
    return ids;
  }

  broadcast(packet: Packet, opts: BroadcastOptions): void {
    const { flags } = opts;
    const data = packet.data as [string, ...unknown[]];
    // the arguments the outgoing listeners see (a recovery offset is not one of them)
    const end = data.length;
    let frames: EngineFrames | undefined;
    if (this.store !== undefined && flags.volatile !== true && packet.id === undefined && packet.type === PacketType.EVENT) {
      // numbered and encoded once, then kept: data that cannot be encoded throws here, and is not kept
      data.push(this.store.nextOffset);
      frames = toEngineFrames(encodePacket({ ...packet, nsp: this.nsp.name }), true);
      this.store.keep(data, opts);
    }
    this.apply(opts, (socket) => {
      if (flags.volatile === true && !socket.conn.writable) return;
      // encoded once, on the first recipient; the same frames go to every other one
      frames ??= toEngineFrames(encodePacket({ ...packet, nsp: this.nsp.name }), true);
      if (socket._hasOutgoingListeners) socket._notifyOutgoing(data[0], data.slice(1, end));
      socket.conn.write(frames, flags.compress !== false);
    });
  }

  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: (args: unknown[]) => void,
  ): void {
    const id = packet.id!;
    const { flags } = opts;
    const data = packet.data as [string, ...unknown[]];
    let frames: EngineFrames | undefined;
    let count = 0;
    this.apply(opts, (socket) => {
      if (flags.volatile === true && !socket.conn.writable) return;
      frames ??= toEngineFrames(encodePacket({ ...packet, nsp: this.nsp.name }), true);
      count++;
      // the same ack id for every recipient: ids are unique per namespace, and each socket keeps its
      // own table. The entry lasts as long as the broadcast waits: a silent socket kept every timed-out
      // broadcast's entry until it disconnected, and they filled its maxPendingAcks. Its own timeout
      // is no answer to report: the broadcast's timer reports it. A socket whose table is full
      // (maxPendingAcks) still gets the event, and counts as not answering
      const waiting = socket._registerAck(id, (err, args) => {
        if (err === null) ack(args);
        else if (!(err instanceof TimeoutError)) ack(NO_ANSWER);
      }, flags.timeout);
      if (!waiting) ack(NO_ANSWER);
      if (socket._hasOutgoingListeners) socket._notifyOutgoing(data[0], data.slice(1));
      socket.conn.write(frames, flags.compress !== false);
    });
    clientCount(count);
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => socket.join(rooms));
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  serverSideEmit(_args: unknown[]): void {
    // one process: there is no other server to tell
  }

  persistSession(session: PersistedSession): void {
    this.store?.persist(session);
  }

  restoreSession(pid: string, offset: string): RestoredSession | null {
    return this.store?.restore(pid, offset) ?? null;
  }

  close(): void {
    this.store?.close();
  }

  /**
   * Calls `fn` for each target socket: in any of `rooms` (every socket when empty), in none of
   * `except`. The targets are collected first, so `fn` may change rooms or disconnect sockets; a
   * target that left meanwhile (an outgoing listener disconnecting the room) is skipped, as it left
   * before its turn: it must not be written to, nor wait for an ack its client will never send.
   */
  private apply(opts: BroadcastOptions, fn: (socket: Socket) => void): void {
    const excluded = this.excluded(opts.except);
    const targets: Socket[] = [];
    const sockets = this.nsp.sockets as Map<SocketId, Socket>;
    if (opts.rooms.size === 0) {
      for (const [id, socket] of sockets) if (!excluded?.has(id)) targets.push(socket);
    } else {
      const seen = opts.rooms.size > 1 ? new Set<SocketId>() : undefined;
      const add = (id: SocketId): void => {
        if (excluded?.has(id)) return;
        if (seen !== undefined) {
          if (seen.has(id)) return;
          seen.add(id);
        }
        const socket = sockets.get(id);
        if (socket !== undefined) targets.push(socket);
      };
      for (const room of opts.rooms) this.forEachMember(room, add);
    }
    for (const socket of targets) if (socket.connected) fn(socket);
  }

  private excluded(except: ReadonlySet<Room>): Set<SocketId> | undefined {
    if (except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    const add = (id: SocketId): void => void ids.add(id);
    for (const room of except) this.forEachMember(room, add);
    return ids;
  }
}
