// Load-generator client that speaks the Engine.IO v4 / Socket.IO v5 wire format over a bare `ws`
// socket (PROTOCOL.md), with the same per-tick write batching as the raw `ws` client. The same
// client drives the socket.io and the emitwire servers, so the servers are what is compared.
//   connect:  ← 0{open}   → 40   ← 40{"sid":…}
//   echo:     → 42<id>["echo",<payload>]   ← 43<id>[<payload>]
//   ping:     ← 2   → 3
//   bcast:    ← 42["bcast",<payload>]
import WebSocket from 'ws';
import { PAYLOAD } from '../common.mjs';

const PAYLOAD_JSON = JSON.stringify(PAYLOAD);

export function connect(port, { send, onBcast }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const pending = new Map();
    let nextId = 1;
    const conn = {
      echo(cb) {
        const id = nextId++;
        pending.set(id, cb);
        send(ws, `42${id}["echo",${PAYLOAD_JSON}]`);
      },
      close() {
        ws.terminate();
      },
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      const engineType = text.charCodeAt(0);
      if (engineType === 0x34 /* 4 message */) {
        const type = text.charCodeAt(1);
        if (type === 0x33 /* 3 ACK */) {
          const bracket = text.indexOf('[', 2);
          const id = Number(text.slice(2, bracket));
          const args = JSON.parse(text.slice(bracket));
          const cb = pending.get(id);
          if (cb) {
            pending.delete(id);
            cb(args[0]);
          }
        } else if (type === 0x32 /* 2 EVENT */) {
          const args = JSON.parse(text.slice(text.indexOf('[', 2)));
          if (args[0] === 'bcast') onBcast?.(args[1]);
        } else if (type === 0x30 /* 0 CONNECT */) {
          resolve(conn);
        } else if (type === 0x34 /* 4 CONNECT_ERROR */) {
          reject(new Error(`connect_error: ${text.slice(2)}`));
          ws.terminate();
        }
      } else if (engineType === 0x32 /* 2 ping */) {
        send(ws, '3');
      } else if (engineType === 0x30 /* 0 open */) {
        send(ws, '40');
      }
    });
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('closed before CONNECT')));
  });
}
