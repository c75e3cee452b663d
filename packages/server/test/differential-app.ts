// The application the differential test (differential.test.ts) installs, unchanged, on the official
// socket.io Server and on ours, written against the API both share (the structural types below),
// and the recorder of what each server-side socket observes. Every socket is named by the `who` of
// its CONNECT's auth (`c0/static#2`: client 0's socket of /static, its second connection), so traces
// of the two runs line up whatever ids the servers drew.

/** The API surface of a BroadcastOperator (or a namespace) both servers share. */
export interface AppOperator {
  to(room: string | string[]): AppOperator;
  except(room: string | string[]): AppOperator;
  timeout(ms: number): AppOperator;
  emit(ev: string, ...args: unknown[]): unknown;
  fetchSockets(): Promise<Array<{ id: string }>>;
  socketsJoin(room: string): void;
  socketsLeave(room: string): void;
  disconnectSockets(close?: boolean): void;
}

export interface AppNamespace extends AppOperator {
  readonly name: string;
  use(fn: (socket: AppSocket, next: (err?: Error) => void) => void): unknown;
  on(ev: 'connection', fn: (socket: AppSocket) => void): unknown;
}

export interface AppSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly rooms: Set<string>;
  readonly nsp: AppNamespace;
  readonly handshake: { auth: Record<string, unknown> };
  readonly broadcast: AppOperator;
  readonly volatile: { emit(ev: string, ...args: unknown[]): unknown };
  compress(compress: boolean): { emit(ev: string, ...args: unknown[]): unknown };
  on(ev: string, fn: (...args: unknown[]) => void): unknown;
  onAny(fn: (ev: string, ...args: unknown[]) => void): unknown;
  onAnyOutgoing(fn: (ev: string, ...args: unknown[]) => void): unknown;
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): unknown;
  emit(ev: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(ev: string, ...args: unknown[]): Promise<unknown> };
  join(room: string): unknown;
  leave(room: string): unknown;
  to(room: string | string[]): AppOperator;
  except(room: string | string[]): AppOperator;
  disconnect(close?: boolean): unknown;
}

export interface AppServer {
  of(name: string | RegExp): AppNamespace;
}

/** The static namespaces, and the children the dynamic one may make. */
export const STATIC_NSPS = ['/', '/static'] as const;
export const DYNAMIC = /^\/dyn-\d+$/;

/** Events of the harness itself: not part of any trace. */
export const SYNC = 'sync';

/** One trace per observer (`server c0/`, `client c0/`, `harness`), in the order it observed. */
export class Recorder {
  readonly traces = new Map<string, unknown[]>();
  /** Socket id → the `who` of the connection that drew it (ids are normalised to these). */
  readonly ids = new Map<string, string>();
  /** The server-side socket of each client socket (`c0/static`), the latest connection's. */
  readonly sockets = new Map<string, AppSocket>();
  /** The namespace each name last connected a socket to (dynamic children included). */
  readonly namespaces = new Map<string, AppNamespace>();

  /** `offsets`: connection state recovery is on (event arguments may end with an offset). */
  constructor(private readonly offsets = false) {}

  /**
   * Event arguments with the offset the server added replaced by 'offset' (the runner makes the
   * application's own arguments end with a number): offsets are random strings.
   */
  offsetMarked(args: unknown[]): unknown[] {
    const kept = this.withoutOffsets(args);
    return kept.length === args.length ? args : [...kept, 'offset'];
  }

  /**
   * What `onAnyOutgoing` listeners see, without the offset. Deliberate (README "Deliberate
   * differences": the offset is not among the arguments `onAnyOutgoing` listeners see): socket.io's
   * see it.
   */
  offsetless(args: unknown[]): unknown[] {
    return this.withoutOffsets(args);
  }

  /**
   * The arguments without the trailing strings. More than one: socket.io's emit on a dynamic parent
   * namespace pushes one offset per child onto the one packet it shares between them, so a socket
   * of the second child gets two (a bug of socket.io, not a difference of ours: ours adds one).
   */
  private withoutOffsets(args: unknown[]): unknown[] {
    if (!this.offsets) return args;
    let end = args.length;
    while (end > 0 && typeof args[end - 1] === 'string') end--;
    return end === args.length ? args : args.slice(0, end);
  }

  record(observer: string, entry: unknown): void {
    let trace = this.traces.get(observer);
    if (trace === undefined) this.traces.set(observer, (trace = []));
    trace.push(entry);
  }

  /** The server-side socket of `key` when it is connected. */
  connected(key: string): AppSocket | undefined {
    const s = this.sockets.get(key);
    return s?.connected === true ? s : undefined;
  }

  /** The traces, normalised (ids are known by now: a client may see its id before the server's record). */
  normalised(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of [...this.traces.keys()].sort()) out[key] = normalise(this.traces.get(key), this.ids);
    return out;
  }
}

/**
 * Values in a comparable form: ids → names, binaries → their kind and bytes, functions → 'fn',
 * errors → message; plain objects keep their key order and say whether they have a prototype.
 */
export function normalise(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (typeof value === 'function') return 'fn';
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return { Buffer: value.toString('hex') };
  if (value instanceof ArrayBuffer) return { ArrayBuffer: Buffer.from(value).toString('hex') };
  if (ArrayBuffer.isView(value)) return { [value.constructor.name]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (value instanceof Error) return { error: timeoutMessage(value.message) };
  if (Array.isArray(value)) return value.map((v) => normalise(v, ids));
  const proto = Object.getPrototypeOf(value) === null ? 'null' : 'Object';
  return { proto, entries: Object.entries(value).map(([k, v]) => [k, normalise(v, ids)]) };
}

/**
 * An ack timeout's message. Deliberate (DESIGN.md "Errors": one error hierarchy with codes): ours is
 * a TimeoutError saying after how long, socket.io's a plain Error('operation has timed out').
 */
function timeoutMessage(message: string): string {
  return message.startsWith('operation has timed out') ? 'operation has timed out' : message;
}

/**
 * A socket's rooms: whether it is in its own, then the others sorted. The order of `socket.rooms`
 * differs (README: deliberate differences): socket.io lists rooms joined in connection middleware
 * before the socket's own id, ours after it.
 */
export function roomsOf(socket: AppSocket): string[] {
  const others = [...socket.rooms].filter((r) => r !== socket.id).sort();
  return [socket.rooms.has(socket.id) ? 'own room' : 'not in own room', ...others];
}

/** The ack a listener got as its last argument, if any. */
function ackOf(args: unknown[]): ((...a: unknown[]) => void) | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as (...a: unknown[]) => void) : undefined;
}

/** The arguments without the ack. */
function argsOf(args: unknown[]): unknown[] {
  return ackOf(args) === undefined ? args : args.slice(0, -1);
}

function asRooms(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : [];
}

/** Connection middleware by the CONNECT's auth: refuse with data, join a room early, or admit. */
function middleware(rec: Recorder, socket: AppSocket, next: (err?: Error) => void): void {
  const auth = socket.handshake.auth;
  const who = String(auth.who);
  rec.record(`server ${who.split('#')[0]}`, ['middleware', socket.nsp.name]);
  if (typeof auth.refuse === 'string') {
    next(Object.assign(new Error(auth.refuse), { data: auth.data }));
    return;
  }
  if (typeof auth.room === 'string') socket.join(auth.room);
  if (auth.slow === true) setTimeout(() => next(), 2);
  else next();
}

/** What a socket of any namespace does: record everything, answer the client's requests. */
function onConnection(rec: Recorder, socket: AppSocket): void {
  const who = String(socket.handshake.auth.who);
  const key = who.split('#')[0]!;
  const observer = `server ${key}`;
  rec.ids.set(socket.id, who);
  rec.sockets.set(key, socket);
  rec.namespaces.set(socket.nsp.name, socket.nsp);
  rec.record(observer, ['connection', socket.nsp.name, roomsOf(socket), socket.recovered]);
  socket.use((packet, next) => {
    if (packet[0] === SYNC) return next();
    rec.record(observer, ['use', [...packet]]);
    if (packet[0] === 'blocked') return next(new Error('blocked by use'));
    next();
  });
  socket.onAny((ev, ...args) => {
    if (ev !== SYNC) rec.record(observer, ['in', ev, args]);
  });
  socket.onAnyOutgoing((ev, ...args) => rec.record(observer, ['out', ev, rec.offsetless(args)]));
  socket.on(SYNC, (...args) => ackOf(args)?.());
  socket.on('echo', (...args) => {
    ackOf(args)?.(...argsOf(args));
  });
  socket.on('join', (...args) => {
    socket.join(String(args[0]));
    ackOf(args)?.(roomsOf(socket));
  });
  socket.on('leave', (...args) => {
    socket.leave(String(args[0]));
    ackOf(args)?.(roomsOf(socket));
  });
  socket.on('tell', (...args) => {
    // { to, except } then the payload: socket.to(…).except(…) or socket.broadcast
    const how = (args[0] ?? {}) as { to?: unknown; except?: unknown };
    const to = asRooms(how.to);
    const except = asRooms(how.except);
    let op = to.length > 0 ? socket.to(to) : socket.broadcast;
    if (except.length > 0) op = op.except(except);
    op.emit('told', key, ...argsOf(args).slice(1));
  });
  socket.on('kick', (...args) => {
    socket.disconnect(args[0] === true);
  });
  socket.on('disconnecting', (reason) => rec.record(observer, ['disconnecting', reason, roomsOf(socket)]));
  socket.on('disconnect', (reason) => rec.record(observer, ['disconnect', reason, roomsOf(socket)]));
}

/** Installs the application on '/', '/static' and the dynamic namespace (returned: its broadcasts reach every child). */
export function installApp(io: AppServer, rec: Recorder): AppNamespace {
  const nsps = [...STATIC_NSPS.map((n) => io.of(n)), io.of(DYNAMIC)];
  for (const nsp of nsps) {
    nsp.use((socket, next) => middleware(rec, socket, next));
    nsp.on('connection', (socket) => onConnection(rec, socket));
  }
  return nsps[2]!;
}
