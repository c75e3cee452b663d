/*
 * How a socket hands events to the application: an incoming EVENT through the packet middleware
 * (`socket.use`) to the catch-all listeners, the socket's listeners and the namespace's, with the
 * ack callback they answer through; and the guard every catch-all listener runs in. The listeners'
 * results and failures come back to the socket (its ListenerSink methods).
 */
import { PacketType, encodePacket, toRemoteErrorPayload, type EventContract } from '@emitwire/protocol';
import { toEngineFrames } from './engine-frames.js';
import type { AnyFunction } from './listeners.js';
import type { Socket } from './socket.js';

/** Per-packet middleware: `[event, ...args]` (the ack callback last when the client asked for one), then `next()` or `next(err)` to drop the packet (a throw or a rejected promise drops it too). */
export type PacketMiddleware = (packet: [string, ...unknown[]], next: (err?: Error) => void) => unknown;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** An EVENT packet from the client: `data` is `[event, ...args]`, freshly decoded and ours to reuse. */
export function receiveEvent<C extends EventContract>(socket: Socket<C>, data: unknown[], id: number | undefined): void {
  const ev = String(data[0]);
  const ack = id === undefined ? undefined : makeAck(socket, id);
  const middlewares = socket._middlewares;
  if (middlewares === undefined) {
    // the listeners' arguments in place of the decoded array: the event name out, the ack in
    // (a plain loop: copyWithin goes through the runtime and costs more than a slice)
    if (ack === undefined) data.shift();
    else {
      const last = data.length - 1;
      for (let i = 0; i < last; i++) data[i] = data[i + 1];
      data[last] = ack;
    }
    dispatchEvent(socket, ev, data, ack);
    return;
  }
  data[0] = ev;
  // as in Socket.IO, the middleware's packet ends with the ack callback when the client asked for
  // one (a middleware may answer it), and the listeners get what the packet holds once it is through
  if (ack !== undefined) data.push(ack);
  const packet = data as [string, ...unknown[]];
  // the catch-all listeners see every event before the packet middleware, those it goes on to
  // refuse included, as in Socket.IO (onAny is where applications log what their clients send)
  if (socket._anyIncoming.length > 0) notifyAny(socket, ev, packet.slice(1));
  let i = 0;
  const next = (err?: Error): void => {
    if (!socket.connected) return;
    if (err !== undefined && err !== null) {
      // a refused packet is dropped; an ack asked for gets the refusal as a remote error
      ack?.(toRemoteErrorPayload(err));
      return;
    }
    const fn = middlewares[i++];
    if (fn === undefined) {
      dispatchListeners(socket, packet[0], packet.slice(1), ack);
      return;
    }
    let called = false;
    const once = (e?: Error): void => {
      if (called) return;
      called = true;
      next(e);
    };
    // A throw, or an async middleware's rejection (never an unhandled rejection of the process),
    // refuses the packet as next(err) does, and is a failure to report like a handler's: to
    // onHandlerError, unless it reached the client through the ack.
    const failed = (e: unknown): void => {
      if (called || ack === undefined) socket.handlerFailed(packet[0], e);
      once(e instanceof Error ? e : new Error(String(e)));
    };
    try {
      const r: unknown = fn(packet, once);
      if (isThenable(r)) r.then(undefined, failed);
    } catch (e) {
      failed(e);
    }
  };
  next();
}

/**
 * The ack callback handed to the listeners of an event the client wants answered (ack `id`): it
 * sends the ACK once. It returns `false` when this call did not send it (listeners see a `void`
 * callback), so a failure after the answer went is reported rather than lost (Socket.handlerFailed);
 * when it sent it, nothing: a listener written `(x, ack) => ack(x)` then returns no result that
 * would be offered to the ack again (Socket._listenerResult; issue 6, one per acked event).
 */
function makeAck<C extends EventContract>(socket: Socket<C>, id: number): AnyFunction {
  let sent = false;
  return (...res: unknown[]): false | undefined => {
    if (sent || !socket.connected) return false;
    sent = true;
    const nsp = socket.nsp.name;
    let answer;
    try {
      // ACK data is an array of arguments (PROTOCOL.md); binaries turn it into a BINARY_ACK
      answer = encodePacket({ type: PacketType.ACK, nsp, id, data: res });
    } catch (err) {
      // data that cannot be sent (circular, too many binaries): the client still gets its answer,
      // the error as a failed handler's (its emitWithAck rejects), and the caller the exception
      socket.conn.write(toEngineFrames(encodePacket({ type: PacketType.ACK, nsp, id, data: [toRemoteErrorPayload(err)] })));
      throw err;
    }
    socket.conn.write(toEngineFrames(answer));
    return undefined;
  };
}

/** `callArgs` are the listeners' arguments, the ack callback last when the client asked for one. */
function dispatchEvent<C extends EventContract>(socket: Socket<C>, ev: string, callArgs: unknown[], ack: AnyFunction | undefined): void {
  notifyAny(socket, ev, callArgs);
  dispatchListeners(socket, ev, callArgs, ack);
}

function notifyAny<C extends EventContract>(socket: Socket<C>, ev: string, callArgs: unknown[]): void {
  for (const listener of socket._anyIncoming) guard(socket, ev, () => listener(ev, ...callArgs));
}

/** The socket's listeners of `ev`, then the namespace's. */
function dispatchListeners<C extends EventContract>(socket: Socket<C>, ev: string, callArgs: unknown[], ack: AnyFunction | undefined): void {
  // the socket itself takes the listeners' results and failures (ListenerSink), the ack as context
  socket._listeners.emit(ev, callArgs, socket, ack);
  socket.nsp._dispatch(socket, ev, callArgs, ack);
}

/** Acks with a handler's result; one that cannot be encoded reaches the client as an error (makeAck) and onHandlerError. */
export function answer<C extends EventContract>(socket: Socket<C>, ev: string, ack: AnyFunction | undefined, args: unknown[]): void {
  try {
    ack?.(...args);
  } catch (err) {
    socket.handlerFailed(ev, err);
  }
}

/** Runs a catch-all listener (incoming or outgoing): a throw or a rejection goes to onHandlerError. */
export function guard<C extends EventContract>(socket: Socket<C>, ev: string, fn: () => unknown): void {
  try {
    const r = fn();
    if (isThenable(r)) r.then(undefined, (err: unknown) => socket.handlerFailed(ev, err));
  } catch (err) {
    socket.handlerFailed(ev, err);
  }
}
