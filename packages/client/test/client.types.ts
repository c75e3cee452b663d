/*
 * Type-level tests, compiled by `pnpm typecheck` (never run): the shared contract types both
 * directions of `io<Contract>()`, and every `@ts-expect-error` line must be an error.
 */
import { io, type Socket, type DisconnectReason, type TimeoutEmitter } from '@emitwire/client';

interface ChatEvents {
  clientToServer: {
    chat(text: string, ack: (ok: boolean) => void): void;
    typing(on: boolean): void;
    sum(a: number, b: number, ack: (total: number) => void): void;
  };
  serverToClient: {
    chat(msg: { from: string; text: string }): void;
    joined(id: string): void;
    ask(q: string, ack: (answer: string) => void): void;
  };
}

declare function expectType<T>(value: T): void;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function assert<_T extends true>(): void;

const socket = io<ChatEvents>('http://localhost:8000');
expectType<Socket<ChatEvents>>(socket);

// listening: serverToClient events, typed arguments
socket.on('chat', (_msg) => assert<Equal<typeof _msg, { from: string; text: string }>>());
socket.on('joined', (id) => expectType<string>(id));
socket.on('ask', (q, ack) => ack(q.toUpperCase()));
socket.once('joined', (id: string) => void id);
socket.off('joined');
// @ts-expect-error unknown incoming event
socket.on('nope', () => {});
// @ts-expect-error wrong argument type
socket.on('joined', (id: number) => void id);
// @ts-expect-error clientToServer events are not listened to
socket.on('typing', () => {});

// reserved events
socket.on('connect', () => {});
socket.on('disconnect', (reason, description) => {
  expectType<DisconnectReason>(reason);
  expectType<unknown>(description);
});
socket.on('connect_error', (err) => expectType<Error>(err));
// @ts-expect-error connect takes no arguments
socket.on('connect', (x: string) => void x);

// emitting: clientToServer events
socket.emit('typing', true);
socket.emit('chat', 'hi', (_ok) => assert<Equal<typeof _ok, boolean>>());
socket.emit('chat', 'hi'); // the ack may be left out
socket.emit('sum', 1, 2, (total) => expectType<number>(total));
// @ts-expect-error unknown outgoing event
socket.emit('joined', 'x');
// @ts-expect-error wrong argument type
socket.emit('typing', 'yes');
// @ts-expect-error wrong ack signature
socket.emit('chat', 'hi', (ok: string) => void ok);
// @ts-expect-error missing argument
socket.emit('sum', 1);

// emitWithAck: only events with an ack, resolves with the ack's first argument
const ok: Promise<boolean> = socket.emitWithAck('chat', 'hi');
const total: Promise<number> = socket.emitWithAck('sum', 1, 2);
void ok;
void total;
// exactly those types (an assignment alone would accept `any`)
assert<Equal<ReturnType<typeof socket.emitWithAck<'chat'>>, Promise<boolean>>>();
assert<Equal<ReturnType<typeof socket.emitWithAck<'sum'>>, Promise<number>>>();
// @ts-expect-error typing has no ack
void socket.emitWithAck('typing', true);
// @ts-expect-error wrong argument
void socket.emitWithAck('sum', 1, '2');
// @ts-expect-error no ack callback with emitWithAck
void socket.emitWithAck('chat', 'hi', () => {});

// timeout(ms): error-first ack callback
const timed: TimeoutEmitter<ChatEvents> = socket.timeout(1000);
timed.emit('chat', 'hi', (err, ok2) => {
  expectType<Error | null>(err);
  expectType<boolean>(ok2);
  assert<Equal<typeof err, Error | null>>();
  assert<Equal<typeof ok2, boolean>>();
});
void socket.timeout(1000).emitWithAck('sum', 1, 2).then((n) => {
  expectType<number>(n);
  assert<Equal<typeof n, number>>();
});
// @ts-expect-error the timeout callback receives the error first
socket.timeout(1000).emit('chat', 'hi', (ok3: boolean) => void ok3);

// volatile keeps the typing
socket.volatile.emit('typing', false);
// @ts-expect-error still typed
socket.volatile.emit('typing', 1);

// onAny: name and unknown arguments
socket.onAny((event, ...args) => {
  expectType<string>(event);
  expectType<unknown[]>(args);
});

// without a contract: any event name, unknown payloads (never any)
const untyped = io('http://localhost:8000');
untyped.emit('anything', 1, 'two', { three: 3 });
untyped.emit('with ack', (res: unknown) => void res);
untyped.on('anything', (...args) => expectType<unknown[]>(args));
untyped.on('x', (_payload) => {
  assert<Equal<typeof _payload, unknown>>();
});
void untyped.emitWithAck('q').then((_res) => assert<Equal<typeof _res, unknown>>());
// @ts-expect-error reserved events keep their types without a contract
untyped.on('disconnect', (reason: number) => void reason);

// manager events
socket.io.on('reconnect_attempt', (n) => expectType<number>(n));
socket.io.on('reconnect', (n) => expectType<number>(n));
socket.io.on('reconnect_failed', () => {});
// @ts-expect-error unknown manager event
socket.io.on('whatever', () => {});

// a contract may not declare a reserved name as an event (it could never be received or sent)
// @ts-expect-error connect is reserved
io<{ serverToClient: { connect(): void } }>('http://localhost');
// @ts-expect-error disconnecting is reserved
io<{ clientToServer: { disconnecting(): void } }>('http://localhost');
