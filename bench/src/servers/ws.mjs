// The raw `ws` reference server: minimal JSON framing, writes batched per socket per tick.
//   request  {"e":"echo","id":1,"d":<payload>}   reply  {"id":1,"d":<payload>}
//   broadcast {"e":"bcast","d":<payload>}, encoded once per broadcast
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { createBatcher } from '../common.mjs';

const TEXT = { binary: false };

export async function start() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const send = createBatcher();
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(data.toString());
      if (msg.e === 'echo') send(ws, JSON.stringify({ id: msg.id, d: msg.d }));
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    broadcast(payload) {
      // encoded once, to bytes: every recipient's frame carries the same Buffer
      const data = Buffer.from(JSON.stringify({ e: 'bcast', d: payload }));
      for (const ws of wss.clients) send(ws, data, TEXT);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(() => http.close(() => resolve())));
    },
  };
}
