/*
 * Type-level tests of the event contract helpers (events.ts). Never executed: `pnpm typecheck`
 * compiles this file, so a helper that stops catching a mistake breaks the build through an unused
 * `@ts-expect-error`, and a helper that stops accepting correct code breaks it directly.
 */
import type {
  AckArgs,
  AckCallback,
  AckResult,
  AckReturningListener,
  AnyListener,
  ClientToServerEvents,
  EventArgs,
  EventContract,
  EventListener,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  HasAck,
  ServerToClientEvents,
  ServerToServerEvents,
  SocketDataOf,
  TimeoutAckCallback,
  TimeoutEmitArgs,
  UntypedEvents,
  ReservedEventName,
} from '@emitwire/protocol';
import { RESERVED_EVENTS } from '@emitwire/protocol';

// ---------------------------------------------------------------------------------------------
// A tiny assertion kit: exact type equality, and "not any".
// ---------------------------------------------------------------------------------------------

/** True only when A and B are the same type (any is equal to nothing but any). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;
/** Compiles only when T is `true`. */
function expectTrue<T extends true>(): T | undefined {
  return undefined;
}
/** `valueIs<Expected>()(value)` compiles only when the value's type is exactly `Expected`. */
function valueIs<Expected>() {
  return <Actual>(value: Actual, ...exact: Equals<Actual, Expected> extends true ? [] : [never]): Actual => {
    void exact;
    return value;
  };
}

// the kit itself catches mismatches, `any` included
// @ts-expect-error number is not string
valueIs<string>()(1 as number);
// @ts-expect-error any is not unknown
valueIs<unknown>()(JSON.parse('1'));
// @ts-expect-error boolean is not true
expectTrue<Equals<boolean, true>>();
// @ts-expect-error any is not unknown
expectTrue<Equals<IsAny<unknown>, true>>();

// ---------------------------------------------------------------------------------------------
// The contract, written once (DESIGN.md "One typed contract, shared").
// ---------------------------------------------------------------------------------------------

interface ChatMessage {
  from: string;
  text: string;
}

interface ChatEvents {
  clientToServer: {
    chat(text: string, ack: (ok: boolean) => void): void;
    typing(isTyping: boolean): void;
    join(room: string, ack: (members: string[], total: number) => void): void;
    ping(ack: () => void): void;
  };
  serverToClient: {
    chat(msg: ChatMessage): void;
    joined(id: string): void;
  };
  serverToServer: {
    hello(serverId: number): void;
  };
  socketData: { user: string };
}

type C2S = ClientToServerEvents<ChatEvents>;
type S2C = ServerToClientEvents<ChatEvents>;

// ---------------------------------------------------------------------------------------------
// The helpers, one by one.
// ---------------------------------------------------------------------------------------------

// each side picks its own direction out of the one contract
expectTrue<Equals<C2S, ChatEvents['clientToServer']>>();
expectTrue<Equals<S2C, ChatEvents['serverToClient']>>();
expectTrue<Equals<ServerToServerEvents<ChatEvents>, ChatEvents['serverToServer']>>();
expectTrue<Equals<SocketDataOf<ChatEvents>, { user: string }>>();
// parts left out fall back to untyped events and a record of unknowns
expectTrue<Equals<ServerToServerEvents<{ clientToServer: C2S }>, UntypedEvents>>();
expectTrue<Equals<SocketDataOf<{ clientToServer: C2S }>, Record<string, unknown>>>();
expectTrue<Equals<ClientToServerEvents<EventContract>, UntypedEvents>>();
expectTrue<Equals<ServerToClientEvents<unknown>, UntypedEvents>>();

expectTrue<Equals<EventNames<C2S>, 'chat' | 'typing' | 'join' | 'ping'>>();
expectTrue<Equals<EventNames<S2C>, 'chat' | 'joined'>>();

expectTrue<Equals<EventParams<C2S, 'chat'>, [text: string, ack: (ok: boolean) => void]>>();
expectTrue<Equals<EventParams<S2C, 'chat'>, [msg: ChatMessage]>>();

// arguments without the ack
expectTrue<Equals<EventArgs<C2S, 'chat'>, [text: string]>>();
expectTrue<Equals<EventArgs<C2S, 'typing'>, [isTyping: boolean]>>();
expectTrue<Equals<EventArgs<C2S, 'join'>, [room: string]>>();
expectTrue<Equals<EventArgs<C2S, 'ping'>, []>>();

// the ack, its arguments, and what emitWithAck resolves with
expectTrue<Equals<AckCallback<C2S, 'chat'>, (ok: boolean) => void>>();
expectTrue<Equals<AckCallback<C2S, 'typing'>, never>>();
expectTrue<Equals<AckArgs<C2S, 'join'>, [members: string[], total: number]>>();
expectTrue<Equals<AckResult<C2S, 'chat'>, boolean>>();
expectTrue<Equals<AckResult<C2S, 'join'>, string[]>>();
expectTrue<Equals<AckResult<C2S, 'ping'>, void>>();
expectTrue<Equals<HasAck<C2S, 'chat'>, true>>();
expectTrue<Equals<HasAck<C2S, 'typing'>, false>>();
expectTrue<Equals<HasAck<S2C, 'joined'>, false>>();
expectTrue<Equals<EventNamesWithAck<C2S>, 'chat' | 'join' | 'ping'>>();
expectTrue<Equals<EventNamesWithAck<S2C>, never>>();

// timeout(ms).emit: an error comes first in the ack
expectTrue<Equals<TimeoutAckCallback<C2S, 'chat'>, (err: Error | null, ok: boolean) => void>>();
expectTrue<Equals<TimeoutEmitArgs<C2S, 'chat'>, [text: string, TimeoutAckCallback<C2S, 'chat'>]>>();
expectTrue<Equals<TimeoutEmitArgs<C2S, 'typing'>, [isTyping: boolean]>>();

expectTrue<Equals<EventListener<S2C, 'chat'>, (msg: ChatMessage) => void>>();
expectTrue<Equals<AnyListener, (event: string, ...args: unknown[]) => void>>();

// ---------------------------------------------------------------------------------------------
// With no contract: any event name, payloads `unknown`, never `any`.
// ---------------------------------------------------------------------------------------------

type Loose = ClientToServerEvents<EventContract>;
expectTrue<Equals<EventNames<Loose>, string>>();
expectTrue<Equals<EventParams<Loose, 'anything'>, unknown[]>>();
expectTrue<Equals<EventArgs<Loose, 'anything'>, unknown[]>>();
expectTrue<Equals<AckArgs<Loose, 'anything'>, unknown[]>>();
expectTrue<Equals<AckResult<Loose, 'anything'>, unknown>>();
expectTrue<Equals<HasAck<Loose, 'anything'>, true>>();
expectTrue<Equals<EventNamesWithAck<Loose>, string>>();
expectTrue<Equals<IsAny<EventParams<Loose, 'anything'>[number]>, false>>();
expectTrue<Equals<IsAny<AckResult<Loose, 'anything'>>, false>>();
expectTrue<Equals<IsAny<SocketDataOf<EventContract>[string]>, false>>();

// ---------------------------------------------------------------------------------------------
// The helpers as the server and client packages use them: correct code compiles, mistakes fail.
// ---------------------------------------------------------------------------------------------

/** A client socket typed the way @emitwire/client types it. */
interface ClientSocket<C> {
  emit<K extends EventNames<ClientToServerEvents<C>>>(
    ev: K,
    ...args: EventParams<ClientToServerEvents<C>, K> | EventArgs<ClientToServerEvents<C>, K>
  ): this;
  emitWithAck<K extends EventNamesWithAck<ClientToServerEvents<C>>>(
    ev: K,
    ...args: EventArgs<ClientToServerEvents<C>, K>
  ): Promise<AckResult<ClientToServerEvents<C>, K>>;
  timeoutEmit<K extends EventNames<ClientToServerEvents<C>>>(ev: K, ...args: TimeoutEmitArgs<ClientToServerEvents<C>, K>): this;
  on<K extends EventNames<ServerToClientEvents<C>>>(ev: K, listener: EventListener<ServerToClientEvents<C>, K>): this;
}

/** A server socket typed the way @emitwire/server types it. */
interface ServerSocket<C> {
  on<K extends EventNames<ClientToServerEvents<C>>>(ev: K, listener: AckReturningListener<ClientToServerEvents<C>, K>): this;
  emit<K extends EventNames<ServerToClientEvents<C>>>(ev: K, ...args: EventParams<ServerToClientEvents<C>, K>): this;
}

export function clientSide(socket: ClientSocket<ChatEvents>): void {
  socket.emit('chat', 'hi', (ok) => {
    valueIs<boolean>()(ok);
  });
  socket.emit('chat', 'hi');
  socket.emit('typing', true);
  socket.emit('ping', () => undefined);
  socket.timeoutEmit('chat', 'hi', (err, ok) => {
    valueIs<Error | null>()(err);
    valueIs<boolean>()(ok);
  });
  void socket.emitWithAck('join', 'lobby').then((members) => valueIs<string[]>()(members));
  socket.on('chat', (msg) => valueIs<ChatMessage>()(msg));
  socket.on('joined', (id) => valueIs<string>()(id));

  // @ts-expect-error a wrong event name
  socket.emit('chatt', 'hi');
  // @ts-expect-error an event only the server emits
  socket.emit('joined', 'x');
  // @ts-expect-error a wrong argument type
  socket.emit('chat', 42);
  // @ts-expect-error a missing argument
  socket.emit('chat');
  // @ts-expect-error one argument too many
  socket.emit('typing', true, 'extra');
  // @ts-expect-error a wrong ack signature (parameter type)
  socket.emit('chat', 'hi', (ok: string) => ok);
  // @ts-expect-error a wrong ack signature (an ack on an event that takes none)
  socket.emit('typing', true, () => undefined);
  // @ts-expect-error emitWithAck on an event without an ack
  void socket.emitWithAck('typing', true);
  // @ts-expect-error emitWithAck resolves with the ack's type, not another
  void socket.emitWithAck('chat', 'hi').then((ok: string) => ok);
  // @ts-expect-error a timeout ack must take the error first
  socket.timeoutEmit('chat', 'hi', (ok: boolean) => ok);
  // @ts-expect-error a listener for an event the server never emits
  socket.on('typing', () => undefined);
  // @ts-expect-error a listener with the wrong payload type
  socket.on('joined', (id: number) => id);
}

export function serverSide(socket: ServerSocket<ChatEvents>): void {
  socket.on('chat', (text, ack) => {
    valueIs<string>()(text);
    ack(text.length > 0);
  });
  // answering by returning (or resolving) the ack value (DESIGN.md, async handlers)
  socket.on('chat', async (text) => text.length > 0);
  socket.on('join', (room) => [room]);
  socket.on('typing', (isTyping) => valueIs<boolean>()(isTyping));
  socket.emit('chat', { from: 'server', text: 'welcome' });
  socket.emit('joined', 'abc');

  // @ts-expect-error a wrong event name
  socket.on('chatt', () => undefined);
  // @ts-expect-error acking with the wrong type
  socket.on('chat', (_text, ack) => ack('yes'));
  // @ts-expect-error returning the wrong ack type
  socket.on('chat', async () => 'yes');
  // @ts-expect-error a wrong payload shape
  socket.emit('chat', { from: 'server' });
  // @ts-expect-error an event only the client emits
  socket.emit('typing', true);
}

export function untyped(socket: ClientSocket<EventContract>, server: ServerSocket<EventContract>): void {
  socket.emit('anything', 1, 'two', { three: 3 });
  socket.emit('ack-me', 1, (...res: unknown[]) => res);
  socket.on('anything', (...args) => valueIs<unknown[]>()(args));
  void socket.emitWithAck('q').then((res) => valueIs<unknown>()(res));
  server.on('anything', (payload) => {
    valueIs<unknown>()(payload);
    // @ts-expect-error an unknown payload must be narrowed before use (it is not any)
    const text: string = payload;
    return text;
  });
}

// ---------------------------------------------------------------------------------------------
// Reserved event names: a contract may not declare them, in either direction.
// ---------------------------------------------------------------------------------------------
function useContract<C extends EventContract>(): C | undefined {
  return undefined;
}
interface DeclaresConnect {
  clientToServer: { connect(): void; chat(text: string): void };
}
interface DeclaresDisconnect {
  serverToClient: { disconnect(reason: string): void };
}
interface DeclaresNewListener {
  serverToServer: { newListener(): void };
}
// @ts-expect-error connect is reserved
useContract<DeclaresConnect>();
// @ts-expect-error disconnect is reserved
useContract<DeclaresDisconnect>();
// @ts-expect-error newListener is reserved
useContract<DeclaresNewListener>();
useContract<ChatEvents>();
useContract<{ clientToServer: { connected(): void; disconnected(): void } }>();
// the type names exactly the runtime set's members (packet.test.ts checks the set's contents)
const _RESERVED_NAMES_LIST = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'] as const;
expectTrue<Equals<(typeof _RESERVED_NAMES_LIST)[number], ReservedEventName>>();
expectTrue<Equals<typeof RESERVED_EVENTS, ReadonlySet<string>>>();
// a reserved name is never an events map key
// @ts-expect-error an events map may not have a removeListener event
const badMap: EventsMap = { removeListener: () => {} };
void badMap;
