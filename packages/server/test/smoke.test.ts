import { cleanup, client, connected, once, startServer } from './helpers';

afterEach(cleanup);

test('official client connects, emits with ack, receives', async () => {
  const srv = await startServer();
  srv.io.on('connection', (socket) => {
    socket.emit('hello', 'world');
  });
  srv.io.on('sum', (_socket, a, b) => (a as number) + (b as number));
  const c = client(srv);
  const hello = once(c, 'hello');
  await connected(c);
  expect(await hello).toEqual(['world']);
  expect(await c.emitWithAck('sum', 1, 2)).toBe(3);
});
