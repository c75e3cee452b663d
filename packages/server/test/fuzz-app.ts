// The application the fuzz test (fuzz.e2e.test.ts) runs on a real Server: connection middleware
// (sync, async, refusing with data, throwing, rejecting), packet middleware, handlers that ack sync
// and async, throw, reject, join and leave rooms, broadcast, ask the client with a timeout, and
// disconnect from inside handlers and `disconnecting`. Every listener checks what it is handed and
// records any broken rule in `violations`.
import { RESERVED_EVENTS } from '@emitwire/protocol';
import type { DisconnectReason, Namespace, Server, Socket } from '@emitwire/server';
import { ROOMS, isTag } from './fuzz-frames.js';

/** What the application saw that it should not have, and what it still waits for. */
export class FuzzLog {
  readonly violations: string[] = [];
  /** `socket.timeout(ms).emitWithAck` and broadcast `emitWithAck` calls not settled yet. */
  pendingAsks = 0;
  /** Every namespace a socket connected to (dynamic children included). */
  readonly namespaces = new Set<Namespace>();
  /** Failures reported to onHandlerError (only the handlers' own `boom` is expected). */
  readonly handlerErrors: unknown[] = [];

  /** How often each thing happened (FUZZ_STATS=1 prints the totals: is the fuzzer reaching the handlers?). */
  readonly stats = new Map<string, number>();

  count(what: string): void {
    this.stats.set(what, (this.stats.get(what) ?? 0) + 1);
  }

  violation(message: string): void {
    this.violations.push(message);
  }
}

const REASONS: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'server namespace disconnect',
  'client namespace disconnect',
  'server shutting down',
  'ping timeout',
  'transport close',
  'transport error',
  'parse error',
  'forced close',
]);

/** The error every failing handler throws; anything else reaching onHandlerError is a bug. */
export const BOOM = 'boom';

function tick(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The ack a listener got as its last argument, if any. */
function ackOf(args: readonly unknown[]): ((...a: unknown[]) => void) | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as (...a: unknown[]) => void) : undefined;
}

function refusal(message: string): Error & { data: unknown } {
  return Object.assign(new Error(message), { data: { why: message } });
}

/** Connection middleware by what the CONNECT's auth asks for. */
function middleware(socket: Socket, next: (err?: Error & { data?: unknown }) => void): unknown {
  const auth = socket.handshake.auth;
  if (auth.refuse === true) return next(refusal('refused'));
  if (auth.throw === true) throw new Error('middleware threw');
  if (auth.reject === true) return Promise.reject(new Error('middleware rejected'));
  socket.join('early');
  if (auth.slow === true) return tick(3).then(() => next());
  next();
  return undefined;
}

function checkCall(log: FuzzLog, socket: Socket, ev: string, args: readonly unknown[]): void {
  log.count(`event ${ev}`);
  if (RESERVED_EVENTS.has(ev)) log.violation(`reserved event ${ev} reached a handler`);
  if (!socket.connected) log.violation(`event ${ev} reached a disconnected socket`);
  args.forEach((arg, i) => {
    if (typeof arg === 'function' && i !== args.length - 1) log.violation(`function argument at ${i} of ${ev}`);
  });
  const tag = args[0];
  if (!isTag(tag)) return;
  const hasAck = ackOf(args) !== undefined;
  if (hasAck !== tag.ack) log.violation(`event ${ev}: ack callback ${hasAck}, packet asked ${tag.ack}`);
}

/** Tracks a promise the application waits for: every one must settle once the clients are gone. */
function track(log: FuzzLog, promise: Promise<unknown>): void {
  log.pendingAsks++;
  promise
    .then(
      () => {},
      () => {},
    )
    .finally(() => log.pendingAsks--);
}

function ask(log: FuzzLog, socket: Socket): void {
  track(log, socket.timeout(20).emitWithAck('q', 1));
}

function onConnection(io: Server, log: FuzzLog, socket: Socket): void {
  log.namespaces.add(socket.nsp);
  log.count(`connection ${socket.nsp.name}`);
  socket.onAny((ev: string, ...args: unknown[]) => checkCall(log, socket, ev, args));
  socket.use(([ev], next) => {
    if (ev === 'drop') return next(new Error('dropped'));
    if (ev === 'slow') return tick(2).then(() => next());
    next();
    return undefined;
  });
  const room = (args: readonly unknown[]): string => (ROOMS.includes(args[1] as never) ? (args[1] as string) : 'r1');
  socket.on('echo', (...args: unknown[]) => args[1]);
  socket.on('slow', (...args: unknown[]) => args[1]);
  socket.on('ackcb', (...args: unknown[]) => {
    const ack = ackOf(args);
    ack?.('cb');
    ack?.('twice');
  });
  socket.on('async', async () => {
    await tick(2);
    return 'later';
  });
  socket.on('throw', () => {
    throw new Error(BOOM);
  });
  socket.on('reject', async () => {
    await tick(1);
    throw new Error(BOOM);
  });
  socket.on('join', (...args: unknown[]) => {
    socket.join(room(args));
    return [...socket.rooms].length;
  });
  socket.on('leave', (...args: unknown[]) => {
    socket.leave(room(args));
  });
  socket.on('bcast', (...args: unknown[]) => {
    const r = room(args);
    socket.nsp.to(r).emit('news', r);
    socket.to(r).except('early').emit('news-others', r);
    io.timeout(15).to(r).emit('poll', (_err: Error | null, _answers: unknown[]) => {});
    // no timeout: settles once every target answered or left
    track(log, socket.nsp.to(r).emitWithAck('poll2'));
  });
  // an outgoing listener that disconnects the room's sockets in the middle of a broadcast to them
  socket.onAnyOutgoing((ev: string) => {
    if (ev === 'kick') socket.nsp.in([...ROOMS]).disconnectSockets();
  });
  socket.on('kick', (...args: unknown[]) => {
    const r = room(args);
    track(log, socket.nsp.to(r).emitWithAck('kick'));
    socket.nsp.to(r).emit('kick');
  });
  socket.on('ask', () => ask(log, socket));
  socket.on('bye', () => void socket.disconnect());
  socket.on('byeClose', () => void socket.disconnect(true));
  socket.on('disconnecting', (reason: DisconnectReason) => {
    if (!REASONS.has(reason)) log.violation(`unknown disconnecting reason ${String(reason)}`);
    // rooms are still readable, and broadcasts from here reach the others
    for (const r of socket.rooms) if (r !== socket.id) socket.to(r).emit('left', socket.id);
    if (reason === 'client namespace disconnect') socket.disconnect();
  });
  socket.on('disconnect', (reason: DisconnectReason, description?: Error) => {
    log.count(`disconnect ${reason}${description === undefined ? '' : ': ' + description.message.replace(/[0-9]+/g, 'N').slice(0, 90)}`);
    if (!REASONS.has(reason)) log.violation(`unknown disconnect reason ${String(reason)}`);
    if (socket.connected) log.violation('connected after disconnect');
    // our own failures while routing a packet close the connection as a transport error: report them
    const code = (description as { code?: unknown } | undefined)?.code;
    if (reason === 'transport error' && description !== undefined && !(typeof code === 'string' && /^(WS_ERR_|EW_BUFFER_FULL)/.test(code))) {
      log.violation(`transport error: ${String(description.stack ?? description)}`);
    }
  });
  // an emit with ack right after connecting: the client may answer, or not
  if (socket.handshake.auth.slow === true) ask(log, socket);
}

/** Installs the application on `io` ('/', static '/a', dynamic /^\/dyn-\d+$/); returns the dynamic parent. */
export function installApp(io: Server, log: FuzzLog): Namespace {
  io.use(middleware);
  io.on('connection', (socket) => onConnection(io, log, socket));
  const a = io.of('/a');
  a.use(async (socket, next) => {
    if (socket.handshake.auth.refuse === true) throw refusal('refused by /a');
    await tick(1);
    next();
  });
  a.use(middleware);
  a.on('connection', (socket) => onConnection(io, log, socket));
  // namespace-level listeners (`(socket, …args, ack?)`) as well as the sockets' own
  const nsEcho = (socket: Socket, ...args: unknown[]): unknown => {
    checkCall(log, socket, 'nsEcho', args);
    return args[1];
  };
  io.on('nsEcho', nsEcho);
  const dynamic = io.of(/^\/dyn-\d+$/);
  dynamic.on('nsEcho', nsEcho);
  dynamic.use(middleware);
  dynamic.on('connection', (socket) => onConnection(io, log, socket));
  return dynamic;
}
