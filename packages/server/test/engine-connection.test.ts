import type { IncomingMessage } from 'node:http';
import { EngineConnection, type Socket } from '@emitwire/server';
import type { EngineWebSocket } from '../src/engine-websocket.js';
import { engineSettings } from '../src/engine-settings.js';
import { frame, rawRequest, upgradeRequest } from './raw-http.js';
import { RawClient, cleanup, client, connected, delay, guardProcess, once, startServer } from './helpers.js';

afterEach(cleanup);

describe('EngineConnection', () => {
  test('open packet carries the configured heartbeat and maxPayload', async () => {
    const srv = await startServer({ pingInterval: 1234, pingTimeout: 567, maxHttpBufferSize: 4321 });
    const c = new RawClient(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket`);
    const open = JSON.parse(String(await c.next()).slice(1));
    expect(open).toEqual({ sid: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), upgrades: [], pingInterval: 1234, pingTimeout: 567, maxPayload: 4321 });
  });

  test('a frame ws refuses at flush time (a buffer detached after emit) closes that connection only; the others of the tick are sent', async () => {
    const guard = guardProcess();
    try {
      const srv = await startServer();
      const sockets: Socket[] = [];
      srv.io.on('connection', (s) => void sockets.push(s));
      const a = client(srv);
      await connected(a);
      const b = client(srv);
      await connected(b);
      const [sa, sb] = sockets as [Socket, Socket];
      const reason = once(sa, 'disconnect');
      const got = once(b, 'bin');
      const buf = new ArrayBuffer(8);
      sa.emit('bin', buf);
      sb.emit('bin', new Uint8Array([1, 2]));
      // the caller hands the buffer elsewhere in the same tick: ws throws when it sends it
      structuredClone(buf, { transfer: [buf] });
      expect(await reason).toEqual(['transport error', expect.objectContaining({ message: expect.stringContaining('detached') })]);
      expect(Buffer.from((await got)[0] as ArrayBuffer)).toEqual(Buffer.from([1, 2]));
      // the next ticks flush as usual
      const again = once(b, 'later');
      sb.emit('later', 1);
      expect(await again).toEqual([1]);
      expect(guard.errors).toEqual([]);
    } finally {
      guard.restore();
    }
  });

  test('heartbeat keeps an answering client; a silent one is closed with "ping timeout"', async () => {
    const srv = await startServer({ pingInterval: 20, pingTimeout: 20 });
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const official = client(srv);
    await connected(official);
    const raw = await RawClient.open(srv);
    const [first] = await serverSide;
    const reasons: string[] = [];
    srv.io.on('disconnect', (s, reason) => void reasons.push(s === first ? 'official:' + reason : 'raw:' + reason));
    await raw.whenClosed();
    await new Promise((r) => setTimeout(r, 100));
    expect(official.connected).toBe(true);
    expect(reasons).toEqual(['raw:ping timeout']);
  });

  test('pingInterval / connectTimeout past the 32-bit timer range wait, without spinning on 1 ms timers', async () => {
    // Node turns a setTimeout delay over 2^31-1 ms into 1 ms: the shared heartbeat and connect
    // timers must not re-arm every millisecond for the life of the connection
    const srv = await startServer({ pingInterval: 2 ** 32, pingTimeout: 2 ** 32, connectTimeout: 2 ** 32 });
    const raw = await RawClient.open(srv, false);
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      await delay(50);
      // the delay itself, and nothing else
      expect(timers.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      timers.mockRestore();
    }
    expect(raw.closed).toBe(false);
  });

  test("after a namespace CONNECT, ws's receiver gets a fresh chunk list (idle memory); the connection works on", async () => {
    const srv = await startServer();
    srv.io.of('/other');
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const raw = await RawClient.open(srv);
    const [s] = await serverSide;
    // the server's ws socket is private to its connection: reached here only to check the ws internals it relies on
    const receiver = (s.conn as unknown as { ws: { _receiver: { _buffers: unknown[]; _bufferedBytes: number } } }).ws._receiver;
    // ws still keeps these fields (a ws upgrade that renames them fails here, not silently)
    expect(Array.isArray(receiver._buffers)).toBe(true);
    expect(receiver._bufferedBytes).toBe(0);
    const before = receiver._buffers;
    raw.send('40/other,');
    expect(await raw.next()).toMatch(/^40\/other,\{"sid":/);
    expect(receiver._buffers).not.toBe(before);
    expect(receiver._buffers).toEqual([]);
    s.on('ping-me', (ack) => (ack as (v: string) => void)('pong'));
    raw.send('420["ping-me"]');
    expect(await raw.next()).toBe('430["pong"]');
  });

  test('a Blob attachment (ws reads it asynchronously) keeps its place among the frames that follow', async () => {
    const srv = await startServer();
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const c = client(srv);
    await connected(c);
    const [s] = await serverSide;
    const got: unknown[] = [];
    c.onAny((ev: string, x: unknown) => void got.push([ev, Buffer.isBuffer(x) ? [...x] : x]));
    s.emit('blob', new Blob([new Uint8Array([1, 2, 3])]));
    s.emit('text', 'after');
    s.emit('blob', new Blob([new Uint8Array([4])]));
    await new Promise<void>((resolve) => {
      const poll = () => (got.length === 3 || !c.connected ? resolve() : setTimeout(poll, 5));
      poll();
    });
    expect(c.connected).toBe(true);
    expect(got).toEqual([['blob', [1, 2, 3]], ['text', 'after'], ['blob', [4]]]);
  });

  test('with perMessageDeflate, compress(false) sends a frame uncompressed; by default and with compress(true) it is compressed', async () => {
    const srv = await startServer({ perMessageDeflate: { threshold: 0 } });
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Sec-WebSocket-Extensions: permessage-deflate']));
    expect(up.head).toMatch(/permessage-deflate/);
    let received = up.rest;
    up.socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    up.socket.write(frame(0x1, '40'));
    const [s] = await serverSide;
    const text = 'x'.repeat(50);
    s.compress(false).emit('plain', text);
    s.emit('default', text);
    s.compress(true).emit('deflated', text);
    srv.io.compress(false).emit('plain', text);
    srv.io.emit('default', text);
    s.compress(false).emit('plain', Buffer.from(text));
    await delay(50);
    up.socket.destroy();
    // RSV1 (0x40) marks a compressed message; after the open packet and the CONNECT answer
    const rsv1 = frameHeads(received).map((b0) => (b0 & 0x40) !== 0);
    expect(rsv1.slice(2)).toEqual([false, true, true, false, true, false, false]);
  });

  test('a backlog past maxBacklog closes the connection with a clear reason (EW_BUFFER_FULL)', async () => {
    const srv = await startServer({ maxBacklog: 10_000 });
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const c = client(srv);
    await connected(c);
    const [s] = await serverSide;
    const gone = once<[string, Error]>(s, 'disconnect');
    expect(s.emit('big', 'x'.repeat(5000))).toBe(true);
    expect(s.emit('big', 'x'.repeat(6000))).toBe(false);
    const [reason, description] = await gone;
    expect(reason).toBe('transport error');
    expect(description).toMatchObject({ code: 'EW_BUFFER_FULL', message: 'write backlog exceeded maxBacklog (10000 bytes)' });
  });

  test('a client close packet ("1") is a transport close', async () => {
    const srv = await startServer();
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const raw = await RawClient.open(srv);
    const [s] = await serverSide;
    const gone = once(s, 'disconnect');
    raw.send('1');
    expect(await gone).toEqual(['transport close']);
  });

  test('a parse error closes with reason "parse error" and the ProtocolError as description', async () => {
    const srv = await startServer();
    const serverSide = once<[Socket]>(srv.io, 'connection');
    const raw = await RawClient.open(srv);
    const [s] = await serverSide;
    const gone = once<[string, Error]>(s, 'disconnect');
    raw.send('42{}');
    const [reason, description] = await gone;
    expect(reason).toBe('parse error');
    expect(description).toMatchObject({ code: 'EW_INVALID_PAYLOAD' });
    expect(await raw.whenClosed()).toBe(1002);
  });
});

/** The first header byte of each unmasked server frame in `data` (payloads under 64 KiB). */
function frameHeads(data: Buffer): number[] {
  const heads: number[] = [];
  for (let i = 0; i + 2 <= data.length; ) {
    let len = data[i + 1]! & 0x7f;
    let header = 2;
    if (len === 126) {
      len = data.readUInt16BE(i + 2);
      header = 4;
    }
    heads.push(data[i]!);
    i += header + len;
  }
  return heads;
}

describe('EngineConnection heartbeat past maxBacklog', () => {
  test('a ping that overflows the backlog closes the connection without queueing it for a pong', () => {
    const settings = engineSettings({ pingInterval: 60_000, pingTimeout: 60_000, maxPayload: 1000, maxBacklog: 100 });
    // a WebSocket whose peer stopped reading: more buffered than maxBacklog already
    const ws = { bufferedAmount: 1000, readyState: 1, send() {}, close() {}, terminate() {} };
    const request = { headers: {}, url: '/socket.io/?EIO=4&transport=websocket', socket: { remoteAddress: '127.0.0.1' } };
    const conn = new EngineConnection(ws as unknown as EngineWebSocket, request as unknown as IncomingMessage, 'sid', settings);
    const reasons: string[] = [];
    conn._handler = { connOnMessage() {}, connOnClose: (reason) => void reasons.push(reason) };
    try {
      conn._pingDue();
      expect(conn.readyState).toBe('closed');
      expect(reasons).toEqual(['transport error']);
      // internal: no public way to see the pong queue; a closed connection in it stays referenced until pingTimeout
      expect(settings.pongs.has(conn)).toBe(false);
      expect(settings.pings.has(conn)).toBe(false);
    } finally {
      settings.pings.cancel(conn);
      settings.pongs.cancel(conn);
    }
  });
});
