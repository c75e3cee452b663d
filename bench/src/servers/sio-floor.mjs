// Opt-in reference, never in the default run or the table (`--impl=sio-floor`): the least any
// Socket.IO-compatible server over `ws` can do, to show what the protocol itself costs against raw
// ws. It does exactly the wire work the load generator needs (wire-eio.mjs) and nothing else: the
// `101` and the Engine.IO open packet in one write, the `40{"sid":…}` answer to `40`, the echo ack,
// broadcasts encoded once. No handshake checks (origin, EIO, transport), no heartbeat, no connect
// timeout, no namespaces, no socket objects, no decoder: a server that cannot be used, only measured.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { createBatcher } from '../common.mjs';

const TEXT = { binary: false };
const OPEN_PREFIX = '0{"sid":"';
const OPEN_SUFFIX = '","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
const ECHO = '["echo",';

export async function start() {
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const send = createBatcher();
  let next = 0;
  http.on('upgrade', (req, socket, head) => {
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = String(next++).padStart(20, '0');
      ws.send(OPEN_PREFIX + sid + OPEN_SUFFIX);
      ws.on('message', (data, isBinary) => {
        if (isBinary || data[0] !== 0x34 /* 4 */) return;
        if (data[1] === 0x30 /* 0: CONNECT */) {
          send(ws, `40{"sid":"${sid}"}`);
        } else if (data[1] === 0x32 /* 2: EVENT */) {
          // 42<id>["echo",<payload>] → 43<id>[<payload>]
          const text = data.toString();
          const open = text.indexOf('[');
          if (open > 2 && text.startsWith(ECHO, open)) send(ws, `43${text.slice(2, open)}[${text.slice(open + ECHO.length)}`);
        }
      });
    });
    socket.uncork();
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    broadcast(payload) {
      const data = Buffer.from(`42["bcast",${JSON.stringify(payload)}]`);
      for (const ws of wss.clients) send(ws, data, TEXT);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(() => http.close(() => resolve())));
    },
  };
}
