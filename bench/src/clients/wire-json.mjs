// Load-generator client for the raw `ws` reference: the minimal JSON framing of servers/ws.mjs,
//   → {"e":"echo","id":N,"d":<payload>}   ← {"id":N,"d":<payload>}   ← {"e":"bcast","d":<payload>}
// over mini-ws.mjs. Replies are recognised from their first bytes, not JSON-parsed: the load
// generator must cost less per message than any server it drives (wire-eio.mjs does the same).
import { MiniWebSocket } from './mini-ws.mjs';
import { PAYLOAD } from '../common.mjs';

const PAYLOAD_JSON = JSON.stringify(PAYLOAD);
const MIN_MESSAGE = PAYLOAD_JSON.length + 8;
const C_0 = 0x30;
const C_COMMA = 0x2c;

export function connect(port, { onBcast, onBad }) {
  return new Promise((resolve, reject) => {
    const pending = new Map();
    let nextId = 1;
    const ws = new MiniWebSocket(port, '/', {
      onOpen: () => resolve(conn),
      onClose: reject,
      onMessage(data) {
        if (data.length < MIN_MESSAGE) {
          onBad?.();
        } else if (data[2] === 0x69 /* {"i */) {
          let id = 0;
          for (let i = 6; data[i] !== C_COMMA; i++) id = id * 10 + data[i] - C_0;
          const cb = pending.get(id);
          if (cb) {
            pending.delete(id);
            cb();
          } else onBad?.();
        } else if (data[2] === 0x65 /* {"e */ && data[6] === 0x62 /* {"e":"b */) {
          onBcast?.();
        } else onBad?.();
      },
    });
    const conn = {
      echo(cb) {
        const id = nextId++;
        pending.set(id, cb);
        ws.send(`{"e":"echo","id":${id},"d":${PAYLOAD_JSON}}`);
      },
      close() {
        ws.terminate();
      },
    };
  });
}
