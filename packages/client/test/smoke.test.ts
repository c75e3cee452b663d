import { io } from '@emitwire/client/node';
import { startPeer, once, type Peer } from './helpers.js';

let peer: Peer;
beforeEach(async () => { peer = await startPeer(); });
afterEach(async () => { await peer.close(); });

test('smoke', async () => {
  peer.io.on('connection', (s) => {
    s.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
    s.emit('hello', 'world', Buffer.from([1, 2, 3]));
  });
  const socket = io(peer.url, { forceNew: true });
  const [greeting, bin] = await once(socket, 'hello');
  expect(greeting).toBe('world');
  expect(Buffer.isBuffer(bin)).toBe(true);
  expect(await socket.emitWithAck('sum', 2, 3)).toBe(5);
  socket.disconnect();
});
