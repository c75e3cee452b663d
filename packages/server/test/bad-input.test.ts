// Bad input end to end over real WebSockets (issue 3, "Bad input"; PROTOCOL.md decoder rules and
// advisories). For every case: the offending connection is closed (or the packet dropped where
// PROTOCOL.md says so), the process never throws, no handler sees a function or a reserved event,
// and a second, healthy client is served right after.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { RESERVED_EVENTS } from '@emitwire/protocol';
import { RawClient, cleanup, client, connected, delay, guardProcess, once, startServer, type TestServer } from './helpers.js';
import { frame, rawRequest, readToEnd, upgradeRequest, whenSocketClosed } from './raw-http.js';

let srv: TestServer;
let guard: ReturnType<typeof guardProcess>;
let seen: unknown[][];
/** Each disconnection of a socket of `/` or `/admin`: namespace, reason, and the description's class and code. */
let disconnects: unknown[][];

function hasFunction(value: unknown, depth = 0): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null || depth > 100) return false;
  return Object.values(value).some((v) => hasFunction(v, depth + 1));
}

beforeEach(async () => {
  guard = guardProcess();
  seen = [];
  disconnects = [];
  srv = await startServer({ maxHttpBufferSize: 10_000, pingInterval: 60_000, connectTimeout: 60_000 });
  const record = (socket: import('@emitwire/server').Socket): void => {
    socket.use((packet, next) => {
      seen.push(packet);
      next();
    });
    socket.on('echo', (...args: unknown[]) => args[0]);
    socket.on('disconnect', (reason, description) => {
      disconnects.push([socket.nsp.name, reason, description?.name, (description as { code?: unknown } | undefined)?.code]);
    });
  };
  srv.io.on('connection', record);
  srv.io.of('/admin').on('connection', record);
});

afterEach(async () => {
  // a healthy client is served right after, and nothing leaked into handlers or the process
  const healthy = client(srv);
  await connected(healthy);
  expect(await healthy.timeout(2000).emitWithAck('echo', 'ok')).toBe('ok');
  for (const packet of seen) {
    expect(RESERVED_EVENTS.has(String(packet[0]))).toBe(false);
    // the ack callback ends the packet when the client asked for one (as in Socket.IO); no other function
    expect(hasFunction(typeof packet[packet.length - 1] === 'function' ? packet.slice(0, -1) : packet)).toBe(false);
  }
  await cleanup();
  guard.restore();
  expect(guard.errors).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

async function expectClosedBy(...frames: Array<string | Uint8Array>): Promise<RawClient> {
  const c = await RawClient.open(srv);
  for (const f of frames) c.send(f);
  await c.whenClosed();
  return c;
}

/** Resolves with the close code, or `'still open'` when the server has not closed within `ms`. */
async function closeWithin(c: RawClient, ms: number): Promise<number | undefined | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  try {
    return await Promise.race([c.whenClosed(), open]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Joins `/` (its socket records its disconnection), sends raw WebSocket messages (each an
 * Engine.IO packet, its type digit first) and expects the server to close the connection as a
 * parse error: close code 1002 with reason `parse error`, and the socket's `disconnect` listener
 * told `parse error` with a ProtocolError of exactly `code`. A different check firing gives a
 * different code; no check firing leaves the connection open.
 */
async function expectParseError(code: string, ...frames: Array<string | Uint8Array>): Promise<void> {
  const c = await RawClient.open(srv);
  for (const f of frames) c.send(f);
  expect(await closeWithin(c, 2000)).toBe(1002);
  expect(c.closeReason).toBe('parse error');
  expect(disconnects).toEqual([['/', 'parse error', 'ProtocolError', code]]);
}

describe('decoder rules (PROTOCOL.md): the connection is closed as a parse error, with the rule broken', () => {
  // each row is one WebSocket message as sent: the Engine.IO type `4` (message), then the Socket.IO packet
  test.each([
    ['packet type outside 0-6', 'EW_PACKET_TYPE', '47["a"]'],
    ['malformed JSON', 'EW_INVALID_JSON', '42["a",'],
    ['CONNECT payload not a plain object (array)', 'EW_INVALID_PAYLOAD', '40/admin,[1]'],
    ['CONNECT payload not a plain object (string)', 'EW_INVALID_PAYLOAD', '40/admin,"x"'],
    ['CONNECT payload not a plain object (null)', 'EW_INVALID_PAYLOAD', '40/admin,null'],
    ['CONNECT payload not a plain object (true)', 'EW_INVALID_PAYLOAD', '40/admin,true'],
    // digits after the type (and namespace) are an ack id, which a CONNECT may not carry
    ['CONNECT payload a number', 'EW_INVALID_ACK_ID', '40/admin,42'],
    ['EVENT data an empty array', 'EW_INVALID_PAYLOAD', '42[]'],
    ['EVENT data an object', 'EW_INVALID_PAYLOAD', '42{}'],
    ['EVENT data a string', 'EW_INVALID_PAYLOAD', '42"x"'],
    ['event name an object (CVE-2023-32695)', 'EW_INVALID_PAYLOAD', '42[{"toString":"foo"}]'],
    ['event name null', 'EW_INVALID_PAYLOAD', '42[null]'],
    ['ACK data not an array', 'EW_INVALID_PAYLOAD', '431{}'],
    ['ACK without id', 'EW_INVALID_ACK_ID', '43[1]'],
    ['ack id not a safe integer', 'EW_INVALID_ACK_ID', '4299999999999999999["echo"]'],
    ['ack id negative / malformed', 'EW_INVALID_ACK_ID', '42-1["echo"]'],
    ['ack id fractional', 'EW_INVALID_ACK_ID', '421.5["echo"]'],
    ['attachment count not an integer', 'EW_INVALID_ATTACHMENTS', '45a-["echo",{"_placeholder":true,"num":0}]'],
    ['too many attachments (CVE-2026-33151)', 'EW_INVALID_ATTACHMENTS', '4511-["echo"]'],
    ['huge attachment count (CVE-2026-33151)', 'EW_INVALID_ATTACHMENTS', '45999999999-["echo"]'],
    ['placeholder num "__proto__" (CVE-2022-2421)', 'EW_INVALID_PLACEHOLDER', '451-["echo",{"_placeholder":true,"num":"__proto__"}]'],
    ['placeholder num "toString" (CVE-2022-2421)', 'EW_INVALID_PLACEHOLDER', '451-["echo",{"_placeholder":true,"num":"toString"}]'],
    ['placeholder num out of range', 'EW_INVALID_PLACEHOLDER', '451-["echo",{"_placeholder":true,"num":1}]'],
    ['placeholder num negative', 'EW_INVALID_PLACEHOLDER', '451-["echo",{"_placeholder":true,"num":-1}]'],
    ['placeholder num fractional', 'EW_INVALID_PLACEHOLDER', '451-["echo",{"_placeholder":true,"num":0.5}]'],
    ['placeholder without attachments', 'EW_INVALID_PLACEHOLDER', '450-["echo",{"_placeholder":true,"num":0}]'],
    // 100 levels: past maxDepth (64), far below maxHttpBufferSize (which would close with 1009 instead)
    ['deep nesting', 'EW_NESTING_TOO_DEEP', '42["echo",' + '['.repeat(100) + ']'.repeat(100) + ']'],
    ['CONNECT_ERROR from a client', 'EW_INVALID_PAYLOAD', '44{"message":"x"}'],
    ['packet for a namespace not joined', 'EW_UNKNOWN_NAMESPACE', '42/admin,["echo"]'],
    ['DISCONNECT for a namespace not joined', 'EW_UNKNOWN_NAMESPACE', '41/nope'],
    ['DISCONNECT with data', 'EW_INVALID_PAYLOAD', '41["x"]'],
  ])('%s → %s', async (_name, code, message) => {
    await expectParseError(code, message);
  });

  test.each([
    ['null', '40null'],
    ['a number', '4042'],
    ['a negative number', '40-1'],
    ['an array', '40[]'],
    ['an array with an object', '40[{"token":"x"}]'],
    ['a string', '40"token"'],
  ])('a first CONNECT (no namespace joined yet) whose payload is %s: closed as a parse error, no socket made', async (_name, message) => {
    let made = 0;
    srv.io.use((_socket, next) => {
      made++;
      next();
    });
    const c = await RawClient.open(srv, false);
    c.send(message);
    expect(await closeWithin(c, 2000)).toBe(1002);
    expect(c.closeReason).toBe('parse error');
    // no CONNECT answer, no CONNECT_ERROR: the open packet was the only frame
    expect(c.frames).toHaveLength(1);
    expect(made).toBe(0);
  });

  test.each([...RESERVED_EVENTS])('reserved event name "%s"', async (name) => {
    await expectParseError('EW_RESERVED_EVENT', `42["${name}"]`);
  });

  test('a text message while attachments are awaited', async () => {
    await expectParseError('EW_UNEXPECTED_TEXT', '451-["echo",{"_placeholder":true,"num":0}]', '42["echo"]');
  });

  test('a binary message when none is awaited', async () => {
    await expectParseError('EW_UNEXPECTED_BINARY', Uint8Array.from([1, 2, 3]));
  });

  test('a message larger than maxPayload (CVE-2020-36049): closed with 1009', async () => {
    const c = await expectClosedBy('42["echo","' + 'x'.repeat(20_000) + '"]');
    expect(c.closeCode).toBe(1009);
  });

  test('an attachment larger than maxPayload', async () => {
    await expectClosedBy('451-["echo",{"_placeholder":true,"num":0}]', new Uint8Array(20_000));
  });

  test.each([
    ['an empty Engine.IO message', '', 'EW_ENGINE_PACKET'],
    ['an unknown Engine.IO type', '9', 'EW_ENGINE_PACKET'],
    ['a client ping (v3 heartbeat)', '2', 'EW_HEARTBEAT'],
    ['an open packet from the client', '0{}', 'EW_HEARTBEAT'],
  ])('Engine.IO: %s', async (_name, message, code) => {
    await expectParseError(code, message);
  });

  test('the same rows that break a rule are served when they keep it (the rows above test the rule, not the frame)', async () => {
    // controls: each differs from a row above only in the broken part
    const c = await RawClient.open(srv);
    c.send('40/admin,{"a":1}');
    expect(String(await c.next())).toMatch(/^40\/admin,\{"sid"/);
    c.send('421["echo","x"]');
    expect(await c.next()).toBe('431["x"]');
    c.send('42/admin,2["echo",' + '['.repeat(10) + ']'.repeat(10) + ']');
    expect(await c.next()).toBe('43/admin,2[' + '['.repeat(10) + ']'.repeat(10) + ']');
    c.send('451-3["echo",{"_placeholder":true,"num":0}]');
    c.send(Uint8Array.from([7]));
    expect(await c.next()).toBe('461-3[{"_placeholder":true,"num":0}]');
    expect(await c.next()).toEqual(Buffer.from([7]));
    c.send('42[1,"x"]');
    c.send('4314["x"]');
    c.send('421["echo","still open"]');
    expect(await c.next()).toBe('431["still open"]');
    expect(c.closed).toBe(false);
    expect(disconnects).toEqual([]);
  });
});

describe('dropped, not closed (PROTOCOL.md)', () => {
  test('an ACK for an id that is not pending is dropped', async () => {
    const c = await RawClient.open(srv);
    c.send('4312345["x"]');
    c.send('421["echo","still here"]');
    expect(await c.next()).toBe('431["still here"]');
    expect(c.closed).toBe(false);
  });

  test('a packet for a namespace the server has just made the client leave is dropped (it crossed the 41), not once the client left itself', async () => {
    const c = await RawClient.open(srv);
    c.send('40/admin,');
    expect(String(await c.next())).toMatch(/^40\/admin,\{"sid"/);
    const [admin] = await srv.io.of('/admin').fetchSockets();
    admin!.disconnect();
    expect(await c.next()).toBe('41/admin,');
    c.send('42/admin,1["echo","late"]');
    c.send('421["echo","still here"]');
    expect(await c.next()).toBe('431["still here"]');
    // joined again, then left by the client: a packet for it breaks the rule again
    c.send('40/admin,');
    expect(String(await c.next())).toMatch(/^40\/admin,\{"sid"/);
    c.send('41/admin,');
    c.send('42/admin,["echo"]');
    expect(await c.whenClosed()).toBe(1002);
  });

  test('a repeated CONNECT is ignored', async () => {
    const c = await RawClient.open(srv);
    c.send('40');
    c.send('421["echo","still here"]');
    expect(await c.next()).toBe('431["still here"]');
  });
});

describe('names and objects that must stay ordinary', () => {
  test('__proto__, constructor, toString are ordinary event names', async () => {
    const got: string[] = [];
    srv.io.on('connection', (socket) => {
      for (const name of ['__proto__', 'constructor', 'toString']) socket.on(name, () => void got.push(name));
    });
    const c = await RawClient.open(srv);
    c.send('42["__proto__",1]');
    c.send('42["constructor",1]');
    c.send('42["toString",1]');
    c.send('42["hasOwnProperty",1]');
    c.send('421["echo","done"]');
    await c.next();
    expect(got).toEqual(['__proto__', 'constructor', 'toString']);
  });

  test('a numeric event name (PROTOCOL.md: a string or number first element) reaches the listeners of its string form', async () => {
    const any: unknown[] = [];
    srv.io.on('connection', (socket) => {
      socket.onAny((...args: unknown[]) => void any.push(args));
      socket.on('1', (x: unknown) => `got ${String(x)}`);
    });
    const c = await RawClient.open(srv);
    c.send('42[1,"a"]');
    c.send('421[1,"b"]');
    expect(await c.next()).toBe('431["got b"]');
    expect(any).toEqual([
      ['1', 'a'],
      ['1', 'b', expect.any(Function)],
    ]);
    expect(c.closed).toBe(false);
  });

  test('an event named "error" crashes nothing, with or without listeners (CVE-2024-38355)', async () => {
    const c = await RawClient.open(srv);
    c.send('42["error","boom"]');
    c.send('421["error","boom"]');
    c.send('422["echo","after"]');
    expect(await c.next()).toBe('432["after"]');
    expect(seen.some((p) => p[0] === 'error')).toBe(true);
  });

  test('a __proto__ key in auth, query and event data pollutes nothing', async () => {
    let auth: Record<string, unknown> = {};
    let query: Record<string, unknown> = {};
    srv.io.of('/admin').on('connection', (socket) => {
      auth = socket.handshake.auth;
      query = socket.handshake.query;
    });
    const c = new RawClient(`${srv.wsUrl}/socket.io/?EIO=4&transport=websocket&__proto__=x&polluted=1`);
    await c.next();
    c.send('40/admin,{"__proto__":{"polluted":1}}');
    await c.next();
    c.send('42/admin,["echo",{"__proto__":{"polluted":1}}]');
    c.send('451-["echo",{"__proto__":{"_placeholder":true,"num":0}}]');
    c.send(Uint8Array.from([1]));
    await delay(20);
    expect(Object.hasOwn(auth, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(auth)).toBe(Object.prototype);
    expect(query.polluted).toBe('1');
  });

  test('handshake.query of a URL repeating one name many times is read in linear time', async () => {
    // a long URL (an http server with a large maxHeaderSize) of `a&a&a…`: reading the handshake
    // (as an auth middleware does) must not cost the server seconds of CPU per connection
    const big = await startServer({}, createServer({ maxHeaderSize: 256 * 1024 }));
    const n = 20_000;
    let count = 0;
    let took = Infinity;
    big.io.use((socket, next) => {
      const started = performance.now();
      count = (socket.handshake.query.a as string[]).length;
      took = performance.now() - started;
      next();
    });
    await RawClient.open(big, true, `?EIO=4&transport=websocket&${'a&'.repeat(n)}`);
    expect(count).toBe(n);
    expect(took).toBeLessThan(500);
  });
});

describe('advisories of the reference stack', () => {
  test('engine.io CVE-2022-21676: an invalid frame (RSV2/RSV3 set) closes only that connection', async () => {
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(up.head).toMatch(/^HTTP\/1.1 101/);
    up.socket.write(frame(0x1, '40', true, 0x30));
    await whenSocketClosed(up.socket);
  });

  test('engine.io CVE-2022-41940: a reset during a refused upgrade throws nothing', async () => {
    for (let i = 0; i < 20; i++) {
      const up = rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=3&transport=websocket'));
      const s = (await Promise.race([up, delay(0).then(() => undefined)])) as Awaited<typeof up> | undefined;
      s?.socket.resetAndDestroy();
    }
    const { connect } = await import('node:net');
    for (let i = 0; i < 20; i++) {
      const sock = connect(srv.port, '127.0.0.1');
      sock.on('error', () => {});
      sock.write(upgradeRequest(i % 2 === 0 ? '/socket.io/?EIO=3&transport=websocket' : '/socket.io/?EIO=4&transport=websocket'));
      sock.resetAndDestroy();
    }
    await delay(50);
  });

  test.each([
    ['transport=websocket&transport=websocket&EIO=4', 'Transport unknown'],
    ['transport=websocket&EIO=4&EIO=4', 'Unsupported protocol version'],
    ['transport[]=websocket&EIO=4', 'Transport unknown'],
  ])('engine.io CVE-2023-31125: repeated/array query params %s → 400', async (query, message) => {
    const up = await rawRequest(srv.port, upgradeRequest(`/socket.io/?${query}`));
    expect(up.head).toMatch(/^HTTP\/1.1 400 Bad Request/);
    expect(await readToEnd(up)).toBe(message);
  });

  test('ws CVE-2021-32640: a pathological Sec-WebSocket-Protocol header is answered at once', async () => {
    const started = Date.now();
    const up = await rawRequest(
      srv.port,
      upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Sec-WebSocket-Protocol: b' + ' '.repeat(12_000) + 'x']),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(up.head).toMatch(/^HTTP\/1.1 (101|400)/);
    up.socket.destroy();
  });

  test('ws CVE-2024-37890: more headers than maxHeadersCount is refused, not a crash', async () => {
    const many: string[] = [];
    for (let i = 0; i < 2100; i++) many.push(`x-h${i}: x`);
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket', many));
    expect(up.head).toMatch(/^HTTP\/1.1 400/);
    up.socket.destroy();
  });

  test('ws CVE-2026-48779: a flood of tiny fragments is cut off (1008), memory stays bounded', async () => {
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(up.head).toMatch(/^HTTP\/1.1 101/);
    const empty = frame(0x0, '', false);
    const parts = [frame(0x1, '4', false)];
    for (let i = 0; i < 20_000; i++) parts.push(empty);
    up.socket.write(Buffer.concat(parts));
    let received = up.rest;
    up.socket.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
    await whenSocketClosed(up.socket);
    // the server's close frame carries 1008 (policy violation): 0x88, length, 0x03 0xf0
    expect(received.includes(Buffer.from([0x03, 0xf0]))).toBe(true);
  });

  test('with perMessageDeflate on, a compressed message that inflates past maxHttpBufferSize is cut off while inflating (1009)', async () => {
    // 20 MB of one letter deflates to about 20 kB: ws must stop inflating at maxPayload, not
    // inflate it all and refuse it afterwards
    const deflating = await startServer({ perMessageDeflate: true, maxHttpBufferSize: 10_000, pingInterval: 60_000 });
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${deflating.wsUrl}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: true });
    ws.on('error', () => {});
    await once(ws, 'open');
    expect(ws.extensions).toContain('permessage-deflate');
    const heapBefore = process.memoryUsage().heapUsed;
    ws.send(`42["x","${'a'.repeat(20_000_000)}"]`);
    const [code] = await once<[number]>(ws, 'close');
    expect(code).toBe(1009);
    // far less than the 20 MB (and its string) the whole message would have cost the server
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(60_000_000);
  });

  test('a WebSocket ping flood from a peer that never reads its pongs is cut off, memory stays bounded', async () => {
    // every ping makes ws queue a pong; a peer that sends pings and reads nothing would grow the
    // server's write buffer without end, outside maxBacklog (which counts our frames). ws ≥ 8.18
    // ends the connection past maxPendingAutoPongs unanswered pongs
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=4&transport=websocket'));
    expect(up.head).toMatch(/^HTTP\/1.1 101/);
    up.socket.pause();
    const pings = Buffer.concat(Array.from({ length: 2_000 }, () => frame(0x9, Buffer.alloc(125, 1))));
    let written = 0;
    let open = true;
    up.socket.once('close', () => (open = false));
    while (open && written < 200 * pings.length) {
      if (!up.socket.write(pings)) await delay(1);
      written += pings.length;
      if (written % (20 * pings.length) === 0) await delay(0);
    }
    // cut off long before the 50 MB of pings could all have been queued as pongs
    expect(written).toBeLessThan(200 * pings.length);
    expect(open).toBe(false);
  });

  test('the ws both packages declare starts at the release with these guards (8.23: pongs; 8.21: fragments)', () => {
    // a user's package manager may pick any version in the range: an older ws would pass our
    // tests here (they run on the lockfile's ws) and leave the user's server open to both floods
    for (const pkg of ['server', 'client']) {
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', pkg, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      const [, major, minor] = /^\^(\d+)\.(\d+)\.\d+$/.exec(manifest.dependencies.ws ?? '') ?? [];
      expect({ pkg, major: Number(major), minorAtLeast23: Number(minor) >= 23 }).toEqual({ pkg, major: 8, minorAtLeast23: true });
    }
  });
});

describe('handshake-level input', () => {
  test.each([
    ['no EIO', '/socket.io/?transport=websocket', 'Unsupported protocol version'],
    ['EIO=3', '/socket.io/?EIO=3&transport=websocket', 'Unsupported protocol version'],
    ['EIO=abc', '/socket.io/?EIO=abc&transport=websocket', 'Unsupported protocol version'],
    ['no transport', '/socket.io/?EIO=4', 'Transport unknown'],
    ['transport=polling', '/socket.io/?EIO=4&transport=polling', 'Transport unknown'],
    ['a sid', '/socket.io/?EIO=4&transport=websocket&sid=abc', 'Session ID unknown'],
  ])('%s → exact 400 body before any 101', async (_name, path, body) => {
    const up = await rawRequest(srv.port, upgradeRequest(path));
    expect(up.head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(await readToEnd(up)).toBe(body);
  });

  test.each(['permessage-deflate; x=;;,,', 'permessage-deflate; client_max_window_bits=100', '"', ',,,;'])(
    'odd Sec-WebSocket-Extensions %p: served or refused, never a crash',
    async (value) => {
      const up = await rawRequest(
        srv.port,
        upgradeRequest('/socket.io/?EIO=4&transport=websocket', [`Sec-WebSocket-Extensions: ${value}`]),
      );
      expect(up.head).toMatch(/^HTTP\/1.1 (101|400)/);
      up.socket.destroy();
    },
  );

  test('odd Sec-WebSocket-Extensions with permessage-deflate enabled: 400', async () => {
    const other = await startServer({ perMessageDeflate: true });
    const up = await rawRequest(
      other.port,
      upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Sec-WebSocket-Extensions: permessage-deflate; x=;;,,']),
    );
    expect(up.head).toMatch(/^HTTP\/1.1 400/);
    up.socket.destroy();
  });

  test('a body after the upgrade request is garbage frames: that connection closes', async () => {
    const up = await rawRequest(
      srv.port,
      upgradeRequest('/socket.io/?EIO=4&transport=websocket', ['Content-Length: 11'], 'hello world'),
    );
    expect(up.head).toMatch(/^HTTP\/1.1 101/);
    await whenSocketClosed(up.socket);
  });

  test('a body after a refused upgrade request', async () => {
    const up = await rawRequest(srv.port, upgradeRequest('/socket.io/?EIO=3&transport=websocket', ['Content-Length: 5'], 'hello'));
    expect(up.head).toMatch(/^HTTP\/1.1 400/);
    await readToEnd(up);
  });

  test('a malformed request line or URL is answered by the http server, nothing else breaks', async () => {
    const up = await rawRequest(srv.port, 'GET /socket.io/%zz?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(up.head).toMatch(/^HTTP\/1.1 (400|404)/);
    up.socket.destroy();
  });
});
