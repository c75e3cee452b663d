// The emitwire server, written against the DESIGN.md API (the Socket.IO one).
import { createServer } from 'node:http';
import { Server } from '@emitwire/server';

export async function start() {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
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
      await io.close();
      if (http.listening) await new Promise((resolve) => http.close(() => resolve()));
    },
  };
}
