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
