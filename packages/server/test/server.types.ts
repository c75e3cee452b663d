// Type-level tests, compiled by `pnpm typecheck` (not run by jest): the contract picks each side's
// events, wrong names, arguments and acks fail the build.
import { Server, type Socket } from '@emitwire/server';

interface ChatEvents {
  clientToServer: {
    chat(text: string, ack: (ok: boolean) => void): void;
    typing(on: boolean): void;
  };
  serverToClient: {
    chat(msg: { from: string; text: string }): void;
    joined(id: string): void;
    ask(q: string, ack: (answer: number) => void): void;
  };
  socketData: { user: string };
}

declare const io: Server<ChatEvents>;
declare const socket: Socket<ChatEvents>;

// seed style on the namespace
io.on('connection', (s) => {
  const name: string = s.data.user;
  void name;
});
io.on('connect', (s: Socket<ChatEvents>) => void s);
io.on('chat', (s, text, ack) => {
  const t: string = text;
  ack(true);
  void s.id;
  void t;
});
io.on('chat', async () => true); // returning the ack value
io.on('disconnect', (s, reason) => {
  const r: string = reason;
  void s;
  void r;
});
// @ts-expect-error unknown client event
io.on('nope', () => {});
// @ts-expect-error wrong argument type
io.on('typing', (_s, on: string) => void on);
// @ts-expect-error wrong ack return type
io.on('chat', () => 42);

// socket listeners
socket.on('chat', (text, ack) => {
  const t: string = text;
  ack(false);
  void t;
});
socket.on('disconnect', (reason) => void reason);
// @ts-expect-error ack takes a boolean
socket.on('chat', (_text, ack) => ack('yes'));
// @ts-expect-error server-to-client event is not something the server listens to
socket.on('joined', () => {});

// emits
socket.emit('joined', 'id');
io.emit('chat', { from: 'a', text: 'b' });
io.to('room').except('other').emit('joined', 'x');
socket.emit('ask', 'q?', (answer) => {
  const n: number = answer;
  void n;
});
const answer: Promise<number> = socket.emitWithAck('ask', 'q?');
const answers: Promise<number[]> = io.timeout(100).emitWithAck('ask', 'q?');
socket.timeout(100).emit('ask', 'q?', (err, n) => {
  const e: Error | null = err;
  const v: number = n;
  void e;
  void v;
});
void answer;
void answers;
// @ts-expect-error unknown server-to-client event
socket.emit('nope');
// @ts-expect-error wrong payload
io.emit('joined', 42);
// @ts-expect-error client-to-server events are not emitted by the server
socket.emit('typing', true);
// @ts-expect-error the ack answer is a number
socket.emit('ask', 'q?', (answer: string) => void answer);
// @ts-expect-error reserved lifecycle name is not an emittable event of this contract
socket.emit('disconnect');

// no contract: any name, unknown payloads (never any)
declare const untyped: Server;
untyped.on('anything', (_s, payload) => {
  // @ts-expect-error payload is unknown
  void payload.foo;
});
untyped.emit('anything', 1, 'two');

// a contract may not declare a reserved name as an event (it could never be received or sent)
interface DeclaresDisconnect {
  clientToServer: { disconnect(reason: string): void };
}
// @ts-expect-error disconnect is reserved
new Server<DeclaresDisconnect>();
// @ts-expect-error connect_error is reserved
new Server<{ serverToClient: { connect_error(): void } }>();
