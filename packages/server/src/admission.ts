/*
 * How a client joins a namespace: with connection state recovery, the session lookup first; then
 * the connection middleware (the parent's first); then the socket joins and hears `connection`, or
 * the client gets a CONNECT_ERROR. Functions on the namespace's internal fields (tagged internal,
 * left out of the published types), as socket-emitter.ts and event-dispatch.ts are on the socket's.
 */
import { PacketType, encodePacket, type EventContract } from '@emitwire/protocol';
import type { RestoredSession } from './adapter.js';
import type { Client } from './client.js';
import { toEngineFrames } from './engine-frames.js';
import { isThenable } from './event-dispatch.js';
import { generateId } from './id.js';
import type { Namespace } from './namespace.js';
import { Socket } from './socket.js';
import { answerConnect, restoreSession } from './socket-lifecycle.js';

/**
 * Admits a client: middleware (the parent's first), then CONNECT and `connection`. The client
 * hears when the CONNECT is over (`_connectEnded`), admitted or refused.
 */
export function admitClient<C extends EventContract>(nsp: Namespace<C>, client: Client, auth: Record<string, unknown> | undefined): void {
  if (nsp._recovery !== undefined) {
    recover(nsp, client, auth);
    return;
  }
  admit(nsp, client, new Socket<C>(nsp, client, generateId(), auth));
}

/**
 * Connection state recovery: a CONNECT with `{ pid, offset }` gets its session back when the
 * adapter still holds it (the same id, rooms and data; the packets missed replayed before the
 * CONNECT answer); any other socket gets a new session id (`pid`) of its own.
 */
function recover<C extends EventContract>(nsp: Namespace<C>, client: Client, auth: Record<string, unknown> | undefined): void {
  const pid = auth?.pid;
  const offset = auth?.offset;
  const restore = nsp.adapter.restoreSession;
  if (typeof pid !== 'string' || typeof offset !== 'string' || restore === undefined) {
    admitRecovering(nsp, client, auth, null);
    return;
  }
  let session: RestoredSession | null | Promise<RestoredSession | null>;
  try {
    session = restore.call(nsp.adapter, pid, offset);
  } catch {
    session = null;
  }
  if (!isThenable(session)) {
    admitRecovering(nsp, client, auth, session);
    return;
  }
  // an adapter that looks sessions up elsewhere: the CONNECT waits (and keeps a child namespace)
  nsp._admitting++;
  const settle = (found: RestoredSession | null): void => {
    if (client.conn.readyState !== 'open') {
      abandon(nsp, client);
      return;
    }
    nsp._admitting--;
    admitRecovering(nsp, client, auth, found);
  };
  (session as Promise<RestoredSession | null>).then(settle, () => settle(null));
}

function admitRecovering<C extends EventContract>(
  nsp: Namespace<C>,
  client: Client,
  auth: Record<string, unknown> | undefined,
  session: RestoredSession | null,
): void {
  if (session === null) {
    const socket = new Socket<C>(nsp, client, generateId(), auth);
    socket._session = { pid: generateId(), recovered: false };
    admit(nsp, client, socket);
    return;
  }
  const socket = new Socket<C>(nsp, client, session.sid, auth);
  socket._session = { pid: session.pid, recovered: true };
  restoreSession(socket, session.rooms, session.data);
  if (nsp._recovery!.skipMiddlewares) connect(nsp, client, socket, session.missedPackets);
  else admit(nsp, client, socket, session.missedPackets);
}

/** Runs the connection middleware (the parent's first), then connects the socket. */
function admit<C extends EventContract>(nsp: Namespace<C>, client: Client, socket: Socket<C>, missed?: unknown[][]): void {
  const chain = nsp.parent === undefined ? nsp._middlewares : [...nsp.parent._middlewares, ...nsp._middlewares];
  if (chain.length === 0) {
    // no middleware: admitted at once, with no closure (the client is open: it is decoding the
    // CONNECT, or has just checked, right now)
    connect(nsp, client, socket, missed);
    return;
  }
  nsp._admitting++;
  let i = 0;
  const next = (err?: Error & { data?: unknown }): void => {
    if (client.conn.readyState !== 'open') return abandon(nsp, client);
    if (err !== undefined && err !== null) {
      abandon(nsp, client);
      const data: { message: string; data?: unknown } = {
        message: err instanceof Error ? err.message : String(err),
      };
      if (err instanceof Error && err.data !== undefined) data.data = err.data;
      client.conn.write(toEngineFrames(encodePacket({ type: PacketType.CONNECT_ERROR, nsp: nsp.name, data })));
      return;
    }
    const fn = chain[i++];
    if (fn === undefined) {
      nsp._admitting--;
      connect(nsp, client, socket, missed);
      return;
    }
    let called = false;
    const once = (e?: Error & { data?: unknown }): void => {
      if (called) return;
      called = true;
      next(e);
    };
    try {
      const r = fn(socket, once);
      if (isThenable(r)) r.then(undefined, (e: unknown) => once(e instanceof Error ? e : new Error(String(e))));
    } catch (e) {
      once(e instanceof Error ? e : new Error(String(e)));
    }
  };
  next();
}

/**
 * A CONNECT that was waiting (`_admitting`) ends without a socket: refused, or its client left
 * meanwhile. The client hears it is over, and an empty child namespace may go.
 */
function abandon<C extends EventContract>(nsp: Namespace<C>, client: Client): void {
  nsp._admitting--;
  client._connectEnded(nsp.name);
  nsp._releaseIfEmpty();
}

/** Admits the socket: the client's CONNECT is over, the socket joins and hears `connection`. */
function connect<C extends EventContract>(nsp: Namespace<C>, client: Client, socket: Socket<C>, missed?: unknown[][]): void {
  client._connectEnded(nsp.name);
  nsp.sockets.set(socket.id, socket);
  client._add(nsp.name, socket as unknown as Socket);
  answerConnect(socket, missed);
  const args = [socket];
  nsp._emitLifecycle(socket, 'connection', args);
}
