// The official socket.io-protocol compliance suite's WebSocket cases, run against our server set up
// as that suite's reference server (PROTOCOL.md, last section). Frames are compared exactly.
import { RawClient, cleanup, startServer, type TestServer } from './helpers.js';

let srv: TestServer;

beforeEach(async () => {
  srv = await startServer({ pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 1e6, connectTimeout: 1000, cors: { origin: '*' } });
  srv.io.on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth);
    socket.on('message', (...args: unknown[]) => {
      socket.emit('message-back', ...args);
    });
    socket.on('message-with-ack', (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
  });
  srv.io.of('/custom').on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth);
  });
});

afterEach(cleanup);

function raw(query = '?EIO=4&transport=websocket'): RawClient {
  return new RawClient(`${srv.wsUrl}/socket.io/${query}`);
}

async function initSocketIOConnection(): Promise<RawClient> {
  const c = raw();
  await c.next(); // Engine.IO handshake
  c.send('40');
  await c.next(); // Socket.IO handshake
  await c.next(); // "auth" packet
  return c;
}

describe('Engine.IO protocol', () => {
  test('handshake: opens a session with the exact open packet', async () => {
    const c = raw();
    const data = (await c.next()) as string;
    expect(data.startsWith('0')).toBe(true);
    const value = JSON.parse(data.slice(1));
    expect(Object.keys(value).sort()).toEqual(['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    expect(typeof value.sid).toBe('string');
    expect(value.upgrades).toEqual([]);
    expect(value.pingInterval).toBe(300);
    expect(value.pingTimeout).toBe(200);
    expect(value.maxPayload).toBe(1000000);
  });

  test.each(['?transport=websocket', '?EIO=abc&transport=websocket', '?EIO=4', '?EIO=4&transport=abc'])(
    'handshake: invalid query %s is refused before any 101',
    async (query) => {
      const c = raw(query);
      await c.whenClosed();
      expect(c.frames).toEqual([]);
    },
  );

  test('heartbeat: sends ping packets and accepts pongs', async () => {
    const c = raw();
    await c.next();
    for (let i = 0; i < 3; i++) {
      expect(await c.next(true)).toBe('2');
      c.send('3');
    }
    expect(c.closed).toBe(false);
  });

  test('heartbeat: closes the session upon ping timeout', async () => {
    const c = raw();
    await c.next();
    await c.whenClosed();
    expect(c.frames).toContain('2');
  });

  test('close: a client close packet closes the session', async () => {
    const c = raw();
    await c.next();
    c.send('1');
    await c.whenClosed();
  });

  test('upgrade: a sid (polling upgrade) is refused', async () => {
    const c = raw('?EIO=4&transport=websocket&sid=abc');
    await c.whenClosed();
    expect(c.frames).toEqual([]);
  });
});

describe('Socket.IO protocol', () => {
  test('connects to the main namespace', async () => {
    const c = raw();
    await c.next();
    c.send('40');
    const data = (await c.next()) as string;
    expect(data.startsWith('40')).toBe(true);
    const handshake = JSON.parse(data.slice(2));
    expect(Object.keys(handshake)).toEqual(['sid']);
    expect(typeof handshake.sid).toBe('string');
    expect(await c.next()).toBe('42["auth",{}]');
  });

  test('connects to the main namespace with a payload', async () => {
    const c = raw();
    await c.next();
    c.send('40{"token":"123"}');
    const data = (await c.next()) as string;
    expect(Object.keys(JSON.parse(data.slice(2)))).toEqual(['sid']);
    expect(await c.next()).toBe('42["auth",{"token":"123"}]');
  });

  test('connects to a custom namespace', async () => {
    const c = raw();
    await c.next();
    c.send('40/custom,');
    const data = (await c.next()) as string;
    expect(data.startsWith('40/custom,')).toBe(true);
    expect(Object.keys(JSON.parse(data.slice(10)))).toEqual(['sid']);
    expect(await c.next()).toBe('42/custom,["auth",{}]');
  });

  test('connects to a custom namespace with a payload', async () => {
    const c = raw();
    await c.next();
    c.send('40/custom,{"token":"abc"}');
    const data = (await c.next()) as string;
    expect(data.startsWith('40/custom,')).toBe(true);
    expect(await c.next()).toBe('42/custom,["auth",{"token":"abc"}]');
  });

  test('refuses an unknown namespace', async () => {
    const c = raw();
    await c.next();
    c.send('40/random');
    expect(await c.next()).toBe('44/random,{"message":"Invalid namespace"}');
  });

  test('closes on an invalid handshake packet', async () => {
    const c = raw();
    await c.next();
    c.send('4abc');
    await c.whenClosed();
  });

  test('closes the connection if no namespace handshake is received', async () => {
    const c = raw();
    await c.next();
    await c.whenClosed();
  });

  test('disconnecting from the main namespace keeps the connection (next frame is a ping)', async () => {
    const c = await initSocketIOConnection();
    c.send('41');
    expect(await c.next(true)).toBe('2');
  });

  test('connects then disconnects from a custom namespace', async () => {
    const c = await initSocketIOConnection();
    expect(await c.next(true)).toBe('2'); // ping
    c.send('3');
    c.send('40/custom');
    await c.next(); // Socket.IO handshake
    await c.next(); // auth packet
    c.send('41/custom');
    c.send('42["message","message to main namespace"]');
    expect(await c.next()).toBe('42["message-back","message to main namespace"]');
  });

  test('message: plain text', async () => {
    const c = await initSocketIOConnection();
    c.send('42["message",1,"2",{"3":[true]}]');
    expect(await c.next()).toBe('42["message-back",1,"2",{"3":[true]}]');
  });

  test('message: binary attachments', async () => {
    const c = await initSocketIOConnection();
    c.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    c.send(Uint8Array.from([1, 2, 3]));
    c.send(Uint8Array.from([4, 5, 6]));
    expect(await c.next()).toBe('452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    expect(await c.next()).toEqual(Buffer.from([1, 2, 3]));
    expect(await c.next()).toEqual(Buffer.from([4, 5, 6]));
  });

  test('message: plain text with an ack', async () => {
    const c = await initSocketIOConnection();
    c.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    expect(await c.next()).toBe('43456[1,"2",{"3":[false]}]');
  });

  test('message: binary attachments with an ack', async () => {
    const c = await initSocketIOConnection();
    c.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    c.send(Uint8Array.from([1, 2, 3]));
    c.send(Uint8Array.from([4, 5, 6]));
    expect(await c.next()).toBe('462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    expect(await c.next()).toEqual(Buffer.from([1, 2, 3]));
    expect(await c.next()).toEqual(Buffer.from([4, 5, 6]));
  });

  test.each(['4abc', '42{}', '42abc["message-with-ack",1,"2",{"3":[false]}]'])(
    'closes the connection upon invalid format %s',
    async (frame) => {
      const c = await initSocketIOConnection();
      c.send(frame);
      await c.whenClosed();
    },
  );
});
