import { io } from '@emitwire/client/node';
import { startPeer, once, type Peer } from './helpers.js';

let peer: Peer;
beforeEach(async () => {
  peer = await startPeer();
});
afterEach(() => peer.close());

test('extraHeaders reach the server (ws handshake)', async () => {
  const serverSide = new Promise<{ handshake: { headers: Record<string, unknown> } }>((resolve) =>
    peer.io.once('connection', resolve),
  );
  const socket = io(peer.url, { forceNew: true, extraHeaders: { 'x-token': 'secret' } });
  await once(socket, 'connect');
  expect((await serverSide).handshake.headers['x-token']).toBe('secret');
  socket.disconnect();
});

test('in Node, received binaries are Buffers (ws, nodebuffer)', async () => {
  peer.io.on('connection', (s) => s.emit('b', new Uint8Array([1])));
  const socket = io(peer.url, { forceNew: true });
  const [b] = await once(socket, 'b');
  expect(Buffer.isBuffer(b)).toBe(true);
  socket.disconnect();
});

test('closing while the ws handshake is pending does not crash (ws emits error on abort)', async () => {
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, never answers the upgrade
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, timeout: 50, reconnection: false });
  const [err] = await once(socket, 'connect_error');
  expect(err).toMatchObject({ code: 'EW_CONNECT_TIMEOUT' });
  const other = io(`http://127.0.0.1:${port}`, { forceNew: true });
  other.disconnect(); // closes the manager while CONNECTING
  await new Promise((r) => setTimeout(r, 50)); // ws reports the abort on the next tick
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('messages sent in one tick leave in one TCP write (ws corked until the next tick), in order', async () => {
  const { Socket: TcpSocket } = await import('node:net');
  const got: number[] = [];
  peer.io.on('connection', (s) => s.on('n', (i: number) => got.push(i)));
  const socket = io(peer.url, { forceNew: true });
  await once(socket, 'connect');
  await new Promise((r) => setTimeout(r, 20));
  // every TCP write of the process until the burst has left (the server writes nothing meanwhile)
  const write = jest.spyOn(TcpSocket.prototype as unknown as { _write: () => void }, '_write');
  const writev = jest.spyOn(TcpSocket.prototype as unknown as { _writev: () => void }, '_writev');
  for (let i = 0; i < 200; i++) socket.emit('n', i);
  await new Promise((r) => setImmediate(r));
  const writes = write.mock.calls.length + writev.mock.calls.length;
  write.mockRestore();
  writev.mockRestore();
  await new Promise<void>((resolve) => {
    const poll = () => (got.length === 200 ? resolve() : setTimeout(poll, 5));
    poll();
  });
  expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  expect(writes).toBe(1);
  socket.disconnect();
});
