import { io } from '@emitwire/client/node';
import { startPeer, once, type Peer } from './helpers.js';

let peer: Peer;
beforeEach(async () => {
  peer = await startPeer();
});
afterEach(() => peer.close());

test('extraHeaders reach the server (ws handshake)', async () => {
  const serverSide = new Promise<{ handshake: { headers: Record<string, unknown> } }>((resolve) =>
    peer.io.once('connection', resolve),
  );
  const socket = io(peer.url, { forceNew: true, extraHeaders: { 'x-token': 'secret' } });
  await once(socket, 'connect');
  expect((await serverSide).handshake.headers['x-token']).toBe('secret');
  socket.disconnect();
});

test('in Node, received binaries are Buffers with ws (nodebuffer), ArrayBuffers with the global WebSocket', async () => {
  peer.io.on('connection', (s) => s.emit('b', new Uint8Array([1])));
  const socket = io(peer.url, { forceNew: true });
  const [b] = await once(socket, 'b');
  // Node 20 (CI) has no global WebSocket: ws; Node 22+ has one (test/node-global-websocket.test.ts)
  expect(Object.prototype.toString.call(b)).toBe(globalThis.WebSocket === undefined ? '[object Uint8Array]' : '[object ArrayBuffer]');
  expect(Buffer.isBuffer(b)).toBe(globalThis.WebSocket === undefined);
  socket.disconnect();
});

test('closing while the ws handshake is pending does not crash (ws emits error on abort)', async () => {
  const { createServer } = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, never answers the upgrade
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, timeout: 50, reconnection: false });
  const [err] = await once(socket, 'connect_error');
  expect(err).toMatchObject({ code: 'EW_CONNECT_TIMEOUT' });
  const other = io(`http://127.0.0.1:${port}`, { forceNew: true });
  other.disconnect(); // closes the manager while CONNECTING
  await new Promise((r) => setTimeout(r, 50)); // ws reports the abort on the next tick
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('messages sent in one tick leave in one TCP write (ws corked until the next tick), in order', async () => {
  const { Socket: TcpSocket } = await import('node:net');
  const got: number[] = [];
  peer.io.on('connection', (s) => s.on('n', (i: number) => got.push(i)));
  const socket = io(peer.url, { forceNew: true });
  await once(socket, 'connect');
  await new Promise((r) => setTimeout(r, 20));
  // every TCP write of the process until the burst has left (the server writes nothing meanwhile)
  const write = jest.spyOn(TcpSocket.prototype as unknown as { _write: () => void }, '_write');
  const writev = jest.spyOn(TcpSocket.prototype as unknown as { _writev: () => void }, '_writev');
  for (let i = 0; i < 200; i++) socket.emit('n', i);
  await new Promise((r) => setImmediate(r));
  const writes = write.mock.calls.length + writev.mock.calls.length;
  write.mockRestore();
  writev.mockRestore();
  await new Promise<void>((resolve) => {
    const poll = () => (got.length === 200 ? resolve() : setTimeout(poll, 5));
    poll();
  });
  expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  expect(writes).toBe(1);
  socket.disconnect();
});

test('a server that floods pings and never reads the pongs is cut off (ws ≥ 8.23), the client reconnects', async () => {
  const { createServer } = await import('node:net');
  const { createHash } = await import('node:crypto');
  const sockets: import('node:net').Socket[] = [];
  let floods = 0;
  const pingFrame = Buffer.concat([Buffer.from([0x89, 125]), Buffer.alloc(125, 1)]);
  const pings = Buffer.concat(Array.from({ length: 2_000 }, () => pingFrame));
  const total = 200 * pings.length;
  const written: number[] = [];
  const hostile = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', async (head: Buffer) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head.toString())?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const open = '0{"sid":"s","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}';
      s.write(Buffer.concat([Buffer.from([0x81, open.length]), Buffer.from(open)]));
      if (floods++ > 0) return; // the reconnection is left alone
      s.pause(); // never reads the client's pongs again
      let n = 0;
      let open_ = true;
      s.once('close', () => (open_ = false));
      while (open_ && n < total) {
        if (!s.write(pings)) await new Promise((r) => setTimeout(r, 1));
        n += pings.length;
        if (n % (20 * pings.length) === 0) await new Promise((r) => setImmediate(r));
      }
      written.push(n);
    });
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  const port = (hostile.address() as import('node:net').AddressInfo).port;
  const manager = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 10 }).io;
  const [reason] = await once(manager, 'close');
  expect(['transport close', 'transport error']).toContain(reason);
  await once(manager, 'open'); // and it comes back
  expect(written).toHaveLength(1);
  expect(written[0]).toBeLessThan(total);
  manager.close();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => hostile.close(resolve));
});

test('a server that floods Engine.IO pings and never reads does not make the client queue pongs without bound', async () => {
  const { WebSocketServer } = await import('ws');
  const { NodeWebSocket } = await import('@emitwire/client/node');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const N = 500_000;
  const ping = Buffer.from([0x81, 1, 0x32]); // a text frame '2'
  const chunk = Buffer.concat(Array.from({ length: 10_000 }, () => ping));
  wss.on('connection', (ws) => {
    ws.send('0{"sid":"s","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}');
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause(); // never reads the pongs: they pile up in the client's send buffer
    for (let n = 0; n < N; n += 10_000) raw.write(chunk);
  });
  const made: InstanceType<typeof NodeWebSocket>[] = [];
  const socket = io(`http://127.0.0.1:${(wss.address() as import('node:net').AddressInfo).port}`, {
    forceNew: true,
    reconnection: false,
    WebSocket: class extends NodeWebSocket {
      constructor(url: string) {
        super(url);
        made.push(this);
      }
    },
  });
  try {
    let pings = 0;
    await new Promise<void>((resolve) => socket.io.on('ping', () => ++pings === N && resolve()));
    // answering each: 7 bytes per 3 received (3.5 MB here, 700 MB of heap for 3M pings)
    expect(made[0]!.bufferedAmount).toBeLessThan(1.1e6);
    expect(made[0]!.bufferedAmount).toBeGreaterThan(1e6); // pongs were sent until the guard applied
  } finally {
    socket.disconnect();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
}, 30_000);

describe('with ws, a message past the decoder limit is refused while it is read (close 1009)', () => {
  // ws's own default limit is 100 MiB, and permessage-deflate (which ws offers) lets a server send
  // that in a few kB: the client's ws now stops at 3 × the decoder's maxPayload + 1 bytes
  async function closeCodeFor(size: number, decoder?: { maxPayload: number }): Promise<number> {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    await once(wss, 'listening');
    const code = new Promise<number>((resolve) =>
      wss.on('connection', (ws) => {
        ws.send('0{"sid":"s","upgrades":[],"pingInterval":60000,"pingTimeout":60000,"maxPayload":1000000}');
        ws.send(`42["big","${'a'.repeat(size)}"]`);
        ws.on('close', (c: number) => resolve(c));
      }),
    );
    const { port } = wss.address() as import('node:net').AddressInfo;
    const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, ...(decoder && { decoder }) });
    const result = await code;
    socket.disconnect();
    await new Promise((resolve) => wss.close(resolve));
    return result;
  }

  test('3,000,002 bytes against the default 1,000,000-unit decoder limit: 1009, nothing inflated past it', async () => {
    expect(await closeCodeFor(3_000_002 - 12)).toBe(1009);
  });

  test('just under ws’s limit, the decoder refuses it as before (the client closes normally)', async () => {
    expect(await closeCodeFor(3_000_001 - 12)).not.toBe(1009);
  });

  test('the decoder option moves the limit', async () => {
    expect(await closeCodeFor(40_000, { maxPayload: 10_000 })).toBe(1009);
  });
});
