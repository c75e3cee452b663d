/*
 * The Node entry with Node's own global WebSocket (undici; Node ≥ 22, or Node 20 with
 * --experimental-websocket) instead of `ws`: a child process loads the built client there and
 * talks to our server. On the Node this suite runs on, `ws` is the other branch (node.test.ts).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Server } from '@emitwire/server';

const run = promisify(execFile);
const entry = join(__dirname, '..', 'packages', 'client', 'dist', 'node.js');

const CHILD = `
const { io } = await import(process.env.ENTRY);
const url = process.env.URL;
const out = { globalWebSocket: typeof globalThis.WebSocket === 'function' };
const socket = io(url, { forceNew: true, reconnection: false });
const bin = new Promise((resolve) => socket.once('bin', (b) => resolve(b)));
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
out.echo = await socket.timeout(2000).emitWithAck('echo', 'hi', new Uint8Array([7, 8]));
const b = await bin;
out.binType = Object.prototype.toString.call(b);
out.binBytes = [...new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
out.usedWs = socket.io.opts.WebSocket !== globalThis.WebSocket;
socket.disconnect();
console.log(JSON.stringify(out));
`;

test("the Node entry uses Node's global WebSocket where there is one: connect, ack, binary both ways", async () => {
  const flags = process.allowedNodeEnvironmentFlags.has('--experimental-websocket') ? ['--experimental-websocket'] : [];
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (s) => s.emit('bin', new Uint8Array([1, 2, 3])));
  io.on('echo', (_s, text, bytes) => [text, [...(bytes as Uint8Array)]]);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', CHILD], {
      env: { ...process.env, ENTRY: entry, URL: url },
      timeout: 20_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out).toEqual({
      globalWebSocket: true,
      echo: ['hi', [7, 8]],
      // undici delivers ArrayBuffers (binaryType 'arraybuffer'), where ws gives Buffers
      binType: '[object ArrayBuffer]',
      binBytes: [1, 2, 3],
      usedWs: false,
    });
  } finally {
    await io.close();
  }
}, 30_000);
