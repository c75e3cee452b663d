// Load-generator client for the raw `ws` reference: the minimal JSON framing of servers/ws.mjs.
import WebSocket from 'ws';
import { PAYLOAD } from '../common.mjs';

const PAYLOAD_JSON = JSON.stringify(PAYLOAD);

export function connect(port, { send, onBcast }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const pending = new Map();
    let nextId = 1;
    const conn = {
      echo(cb) {
        const id = nextId++;
        pending.set(id, cb);
        send(ws, `{"e":"echo","id":${id},"d":${PAYLOAD_JSON}}`);
      },
      close() {
        ws.terminate();
      },
    };
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.e === 'bcast') {
        onBcast?.(msg.d);
        return;
      }
      const cb = pending.get(msg.id);
      if (cb) {
        pending.delete(msg.id);
        cb(msg.d);
      }
    });
    ws.once('open', () => resolve(conn));
    ws.once('error', reject);
  });
}
