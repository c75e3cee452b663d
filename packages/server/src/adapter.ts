import type { Packet } from '@emitwire/protocol';
import type { Namespace } from './namespace.js';

/** A room name. Every socket is in the room named by its own id. */
export type Room = string;
/** A socket id. */
export type SocketId = string;

/** Modifiers of one broadcast. */
export interface BroadcastFlags {
  /** Skip recipients whose connection is not ready to write at once. */
  volatile?: boolean;
  /** `false` sends uncompressed; otherwise compressed with permessage-deflate (when enabled). */
  compress?: boolean;
  /** Only the sockets of this server process (meaningful for cluster adapters). */
  local?: boolean;
  /** Milliseconds to wait for acks (broadcast with ack). */
  timeout?: number;
}

/** Who a broadcast reaches: sockets in any of `rooms` (all sockets when empty), minus those in any of `except`. */
export interface BroadcastOptions {
  rooms: ReadonlySet<Room>;
  except: ReadonlySet<Room>;
  flags: BroadcastFlags;
}

/**
 * The events of an adapter's rooms, with Socket.IO's names and arguments: a room came into being
 * or went away (its last member left), a socket joined or left a room. A socket's own room counts:
 * it is created and joined when the socket connects, left and deleted when it disconnects.
 */
export interface AdapterEventMap {
  'create-room': [room: Room];
  'delete-room': [room: Room];
  'join-room': [room: Room, id: SocketId];
  'leave-room': [room: Room, id: SocketId];
}

/**
 * Room membership and delivery for one namespace. The in-memory adapter is the default; a cluster
 * adapter implements the same interface across processes.
 */
export interface Adapter {
  /** Adds a socket to rooms. */
  addAll(id: SocketId, rooms: Iterable<Room>): void;
  /** Removes a socket from one room. */
  del(id: SocketId, room: Room): void;
  /** Removes a socket from every room. */
  delAll(id: SocketId): void;
  /** The rooms of a socket. */
  socketRooms(id: SocketId): ReadonlySet<Room> | undefined;
  /** The rooms that currently have members, with their members. */
  readonly rooms: ReadonlyMap<Room, ReadonlySet<SocketId>>;
  /** The ids of the sockets a broadcast with these options reaches. */
  sockets(opts: BroadcastOptions): Promise<Set<SocketId>>;
  /**
   * Sends a packet to the targets, encoding it once. With connection state recovery on, an EVENT
   * packet without ack id that is not volatile gets its offset appended to `packet.data` (the
   * adapter may push onto that array) and is kept for the sockets that reconnect.
   */
  broadcast(packet: Packet, opts: BroadcastOptions): void;
  /**
   * Sends a packet that asks for acks (its `id` is set) to the targets, encoding it once.
   * `clientCount` is called once with the number of recipients, then `ack` once per answer.
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: (args: unknown[]) => void,
  ): void;
  /** Makes the targets join rooms. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Makes the targets leave rooms. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Disconnects the targets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /**
   * Connection state recovery (only called when `connectionStateRecovery` is on): keeps the
   * session of a socket that dropped for a reason its client did not choose.
   */
  persistSession?(session: PersistedSession): void;
  /**
   * Connection state recovery: the session `pid` with the event packets it missed after `offset`,
   * or `null` when it cannot be recovered (unknown, expired, or the offset is no longer held).
   */
  restoreSession?(pid: string, offset: string): RestoredSession | null | Promise<RestoredSession | null>;
  /** Sends an event to the other server processes (no-op in memory). */
  serverSideEmit(args: unknown[]): void;
  /** Releases resources when the server closes. */
  close(): void | Promise<void>;
  /** Listens to room events (`io.of('/').adapter.on('join-room', (room, id) => …)`). */
  on<K extends keyof AdapterEventMap>(event: K, listener: (...args: AdapterEventMap[K]) => void): this;
  /** Listens to one room event. */
  once<K extends keyof AdapterEventMap>(event: K, listener: (...args: AdapterEventMap[K]) => void): this;
  /** Removes a room-event listener. */
  off<K extends keyof AdapterEventMap>(event: K, listener: (...args: AdapterEventMap[K]) => void): this;
}

/** What connection state recovery keeps of a socket that dropped. */
export interface PersistedSession {
  /** The socket id. */
  sid: SocketId;
  /** The private session id the client sends back to recover. */
  pid: string;
  /** Its rooms (its own id included). */
  rooms: Room[];
  /** `socket.data`. */
  data: unknown;
}

/** A recovered session: with the data of the event packets it missed (each with its offset last), in order. */
export interface RestoredSession extends PersistedSession {
  missedPackets: unknown[][];
}

/**
 * What `broadcastWithAck`'s `ack` receives (this very array) when a target disconnected without
 * answering, so the broadcast stops waiting for it.
 */
export const NO_ANSWER: unknown[] = Object.freeze([]) as unknown as unknown[];

/** How the server builds one adapter per namespace. */
export type AdapterConstructor = new (nsp: Namespace) => Adapter;
