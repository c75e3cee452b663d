// Load-generator client over a real client package's `io` (the same work for each package).
import { PAYLOAD } from '../common.mjs';

/** `connect(port, { onBcast })` for the load generator, with `io` and its package's own options. */
export function realClient(io, options) {
  return (port, { onBcast }) =>
    new Promise((resolve, reject) => {
      const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, ...options });
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
