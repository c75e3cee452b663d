// Load-generator client: the official socket.io-client, WebSocket transport.
import { io } from 'socket.io-client';
import { PAYLOAD } from '../common.mjs';

export function connect(port, { onBcast }) {
  return new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      perMessageDeflate: false,
    });
    const conn = {
      echo(cb) {
        socket.emit('echo', PAYLOAD, cb);
      },
      close() {
        socket.disconnect();
      },
    };
    if (onBcast) socket.on('bcast', onBcast);
    socket.once('connect', () => resolve(conn));
    socket.once('connect_error', reject);
  });
}
