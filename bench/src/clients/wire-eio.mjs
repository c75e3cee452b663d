// Load-generator client that speaks the Engine.IO v4 / Socket.IO v5 wire format (PROTOCOL.md) over
// mini-ws.mjs. The same client drives the socket.io and the emitwire servers, so the servers are
// what is compared; it does exactly the work of wire-json.mjs plus the protocol's handshake.
//   connect:  ← 0{open}   → 40   ← 40{"sid":…}
//   echo:     → 42<id>["echo",<payload>]   ← 43<id>[<payload>]
//   ping:     ← 2   → 3
//   bcast:    ← 42["bcast",<payload>]
// Messages are recognised from their first bytes, not JSON-parsed.
import { Buffer } from 'node:buffer';
import { MiniWebSocket } from './mini-ws.mjs';
import { PAYLOAD } from '../common.mjs';

const PAYLOAD_JSON = JSON.stringify(PAYLOAD);
const MIN_MESSAGE = PAYLOAD_JSON.length + 4;
const C_0 = 0x30;
const C_2 = 0x32;
const C_3 = 0x33;
const C_4 = 0x34;
const C_BRACKET = 0x5b;
const BCAST_PREFIX = Buffer.from('42["bcast",');

export function connect(port, { onBcast, onBad }) {
  return new Promise((resolve, reject) => {
    const pending = new Map();
    let nextId = 1;
    let connected = false;
    const ws = new MiniWebSocket(port, '/socket.io/?EIO=4&transport=websocket', {
      onClose: reject,
      onMessage(data, isBinary) {
        if (isBinary) {
          onBad?.();
          return;
        }
        const engineType = data[0];
        if (engineType === C_4 /* message */) {
          const type = data[1];
          if (type === C_3 /* ACK */) {
            if (data.length < MIN_MESSAGE) {
              onBad?.();
              return;
            }
            let id = 0;
            for (let i = 2; data[i] !== C_BRACKET; i++) id = id * 10 + data[i] - C_0;
            const cb = pending.get(id);
            if (cb) {
              pending.delete(id);
              cb();
            } else onBad?.();
          } else if (type === C_2 /* EVENT */) {
            if (data.length >= MIN_MESSAGE && data.compare(BCAST_PREFIX, 0, BCAST_PREFIX.length, 0, BCAST_PREFIX.length) === 0) onBcast?.();
            else onBad?.();
          } else if (type === C_0 /* CONNECT */ && !connected) {
            connected = true;
            resolve(conn);
          } else if (type === C_4 /* CONNECT_ERROR */) {
            reject(new Error(`connect_error: ${data.toString()}`));
            ws.terminate();
          } else onBad?.();
        } else if (engineType === C_2 /* ping */) {
          ws.send('3');
        } else if (engineType === C_0 /* open */) {
          ws.send('40');
        } else onBad?.();
      },
    });
    const conn = {
      echo(cb) {
        const id = nextId++;
        pending.set(id, cb);
        ws.send(`42${id}["echo",${PAYLOAD_JSON}]`);
      },
      close() {
        ws.terminate();
      },
    };
  });
}
