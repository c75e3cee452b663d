/*
 * A socket connecting and leaving: the CONNECT answer once it is admitted (admission.ts), a
 * recovered session's rooms and data, and the leaving sequence. Functions on the socket's
 * internal fields (left out of the published types), as socket-emitter.ts and event-dispatch.ts are.
 *
 *   created ─ middleware ok ─► connected ─ disconnect(), client 41, connection closed ─► disconnected
 *                                          ('disconnecting' with rooms, then 'disconnect')
 */
import { PacketType, encodePacket, type EventContract } from '@emitwire/protocol';
import type { Room } from './adapter.js';
import { toEngineFrames } from './engine-frames.js';
import type { ListenerSink } from './listeners.js';
import type { Socket } from './socket.js';
import type { DisconnectReason, SocketData } from './typed-events.js';

/** The disconnections a client did not choose: its session is kept for it to recover. */
const RECOVERABLE: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'transport close',
  'transport error',
  'ping timeout',
  'server shutting down',
]);

/** `disconnecting` / `disconnect` listeners: a throw goes to onHandlerError, return values are ignored. */
const REPORT_FAILURES: ListenerSink<Socket> = {
  _listenerResult() {},
  _listenerError(ev, err, socket) {
    socket.handlerFailed(ev, err);
  },
};

/**
 * Marks the socket connected and answers the CONNECT; a recovered socket first gets the event
 * packets it missed (`missed`, their data with offsets), in order.
 */
export function answerConnect<C extends EventContract>(socket: Socket<C>, missed?: readonly unknown[][]): void {
  socket.connected = true;
  const early = socket._early;
  socket._early = undefined;
  socket.nsp.adapter.addAll(socket.id, early === undefined ? [socket.id] : [socket.id, ...early]);
  const pid = socket._session?.pid;
  if (pid === undefined) {
    const answer = socket.nsp._connectAnswer;
    socket.conn.write(answer[0] + socket.id + answer[1]);
    return;
  }
  const nsp = socket.nsp.name;
  if (missed !== undefined) {
    for (const data of missed) socket.conn.write(toEngineFrames(encodePacket({ type: PacketType.EVENT, nsp, data })));
  }
  socket.conn.write(toEngineFrames(encodePacket({ type: PacketType.CONNECT, nsp, data: { sid: socket.id, pid } })));
}

/** Restores a recovered session's rooms and data, before the socket connects. */
export function restoreSession<C extends EventContract>(socket: Socket<C>, rooms: readonly Room[], data: unknown): void {
  if (data !== undefined) socket._userData = data as SocketData<C>;
  const early = (socket._early = new Set(rooms));
  early.delete(socket.id);
}

/** Leaves the namespace: `disconnecting` (rooms readable), rooms left, then `disconnect`. */
export function leaveNamespace<C extends EventContract>(socket: Socket<C>, reason: DisconnectReason, description?: Error): void {
  if (!socket.connected || socket._leaving) return;
  socket._leaving = true;
  const args = description === undefined ? [reason] : [reason, description];
  socket._listeners.emit('disconnecting', args, REPORT_FAILURES, socket as Socket);
  // connection state recovery: kept when the client did not choose to leave (PROTOCOL.md)
  const session = socket._session;
  const kept = session !== undefined && RECOVERABLE.has(reason);
  if (kept) socket.nsp.adapter.persistSession?.({ sid: socket.id, pid: session.pid, rooms: [...socket.rooms], data: socket._userData });
  socket.nsp.adapter.delAll(socket.id);
  socket.connected = false;
  socket.nsp._remove(socket, kept);
  socket.client._remove(socket as unknown as Socket, reason === 'server namespace disconnect');
  socket._acks?.rejectAll();
  socket._listeners.emit('disconnect', args, REPORT_FAILURES, socket as Socket);
  socket.nsp._ondisconnect(socket, reason, description);
}
