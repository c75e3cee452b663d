/*
 * The default adapter: rooms of one process in two maps (room → socket ids, socket id → rooms).
 * Target computation is O(sockets in the named rooms), or O(namespace) only for "everyone".
 */
import { encodePacket, type Packet } from '@emitwire/protocol';
import { NO_ANSWER, type Adapter, type BroadcastOptions, type Room, type SocketId } from './adapter.js';
import { toEngineFrames, type EngineFrames } from './engine-connection.js';
import type { Namespace } from './namespace.js';
import type { Socket } from './socket.js';

/** Rooms and broadcasts within one process. */
export class InMemoryAdapter implements Adapter {
  readonly rooms = new Map<Room, Set<SocketId>>();
  private readonly sids = new Map<SocketId, Set<Room>>();

  constructor(readonly nsp: Namespace) {}

  addAll(id: SocketId, rooms: Iterable<Room>): void {
    let own = this.sids.get(id);
    if (own === undefined) {
      own = new Set();
      this.sids.set(id, own);
    }
    for (const room of rooms) {
      own.add(room);
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
      }
      members.add(id);
    }
  }

  del(id: SocketId, room: Room): void {
    this.sids.get(id)?.delete(room);
    const members = this.rooms.get(room);
    if (members === undefined) return;
    members.delete(id);
    if (members.size === 0) this.rooms.delete(room);
  }

  delAll(id: SocketId): void {
    const own = this.sids.get(id);
    if (own === undefined) return;
    for (const room of own) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      members.delete(id);
      if (members.size === 0) this.rooms.delete(room);
    }
    this.sids.delete(id);
  }

  socketRooms(id: SocketId): ReadonlySet<Room> | undefined {
    return this.sids.get(id);
  }

  async sockets(opts: BroadcastOptions): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply(opts, (socket) => ids.add(socket.id));
    return ids;
  }

  broadcast(packet: Packet, opts: BroadcastOptions): void {
    const { flags } = opts;
    const data = packet.data as [string, ...unknown[]];
    let frames: EngineFrames | undefined;
    this.apply(opts, (socket) => {
      if (flags.volatile === true && !socket.conn.writable) return;
      // encoded once, on the first recipient; the same frames go to every other one
      frames ??= toEngineFrames(encodePacket({ ...packet, nsp: this.nsp.name }), true);
      if (socket._hasOutgoingListeners) socket._notifyOutgoing(data[0], data.slice(1));
      socket.conn.write(frames, flags.compress === true);
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
      // the same ack id for every recipient: ids are unique per namespace, and each socket keeps its own table
      socket._registerAck(id, (err, args) => ack(err === null ? args : NO_ANSWER));
      if (socket._hasOutgoingListeners) socket._notifyOutgoing(data[0], data.slice(1));
      socket.conn.write(frames, flags.compress === true);
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

  close(): void {}

  /**
   * Calls `fn` for each target socket: in any of `rooms` (every socket when empty), in none of
   * `except`. The targets are collected first, so `fn` may change rooms or disconnect sockets.
   */
  private apply(opts: BroadcastOptions, fn: (socket: Socket) => void): void {
    const excluded = this.excluded(opts.except);
    const targets: Socket[] = [];
    const sockets = this.nsp.sockets as Map<SocketId, Socket>;
    if (opts.rooms.size === 0) {
      for (const [id, socket] of sockets) if (!excluded?.has(id)) targets.push(socket);
    } else {
      const seen = opts.rooms.size > 1 ? new Set<SocketId>() : undefined;
      for (const room of opts.rooms) {
        const members = this.rooms.get(room);
        if (members === undefined) continue;
        for (const id of members) {
          if (excluded?.has(id)) continue;
          if (seen !== undefined) {
            if (seen.has(id)) continue;
            seen.add(id);
          }
          const socket = sockets.get(id);
          if (socket !== undefined) targets.push(socket);
        }
      }
    }
    for (const socket of targets) fn(socket);
  }

  private excluded(except: ReadonlySet<Room>): Set<SocketId> | undefined {
    if (except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    for (const room of except) {
      const members = this.rooms.get(room);
      if (members !== undefined) for (const id of members) ids.add(id);
    }
    return ids;
  }
}
