// The `socket.io` 4.8 server, WebSocket transport only, defaults otherwise.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

export async function start() {
  const http = createServer();
  const io = new Server(http, {
    serveClient: false,
    transports: ['websocket'],
    perMessageDeflate: false,
    httpCompression: false,
  });
  io.on('connection', (socket) => {
    socket.on('echo', (x, ack) => ack(x));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    broadcast(payload) {
      io.emit('bcast', payload);
    },
    async close() {
      await new Promise((resolve) => io.close(() => resolve()));
    },
  };
}
