/*
 * Retention: once a Manager and its Socket have reached their end (left, closed, refused, given up
 * reconnecting, never used) and the app lets go of them, nothing of the client keeps them alive: no
 * timer, no listener left on a live object, no cache. Checked with WeakRefs and a forced garbage
 * collection, against a real server (the official socket.io), and with the process's timers and
 * TCP sockets counted.
 *
 * Each scenario runs in a function of its own and returns only WeakRefs, so the test holds no strong
 * reference once it has returned.
 */
import { io, type NodeClientOptions, type Socket } from '@emitwire/client/node';
import { survivors } from '../../../test/support/gc.js';
import { startPeer, once, type Peer } from './helpers.js';

type Refs = Record<string, WeakRef<object>>;

/** Weak references to a socket and its manager. */
function weak(socket: Socket, prefix = ''): Refs {
  return { [`${prefix}socket`]: new WeakRef(socket), [`${prefix}manager`]: new WeakRef(socket.io) };
}

/** What keeps the event loop busy and could be the client's: timers, immediates, TCP sockets, by kind. */
function busy(): Record<string, number> {
  const count: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/^(Timeout|Immediate|TCPSocketWrap)$/.test(r)) count[r] = (count[r] ?? 0) + 1;
  return count;
}

/** What is busier than in `before` (connections still closing may take a few ms), after up to 2 s. */
async function busier(before: Record<string, number>): Promise<Record<string, number>> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const more = Object.fromEntries(Object.entries(busy()).filter(([kind, n]) => n > (before[kind] ?? 0)));
    if (Object.keys(more).length === 0 || Date.now() > deadline) return more;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Runs a scenario, then expects its objects collected and the event loop (its timers, the
 * connection's TCP sockets at both ends) no busier than before it.
 */
async function expectReleased(scenario: () => Promise<Refs>): Promise<void> {
  const before = busy();
  const refs = await scenario();
  expect(await survivors(refs)).toEqual([]);
  expect(await busier(before)).toEqual({});
}

/** A socket of its own connection (forceNew), connected. */
async function connected(opts: NodeClientOptions = {}): Promise<Socket> {
  const socket = io(peer.url, { forceNew: true, ...opts });
  await once(socket, 'connect');
  return socket;
}

let peer: Peer;
beforeEach(async () => {
  peer = await startPeer();
});
afterEach(async () => {
  await peer.close();
  // the next test's baseline starts with no connection still closing
  await busier({ ...busy(), TCPSocketWrap: 0 });
});

test('the scenarios can fail: a socket the test still holds is reported alive', async () => {
  const held: Socket[] = [];
  const refs = await (async () => {
    const socket = await connected();
    socket.disconnect();
    held.push(socket);
    return weak(socket);
  })();
  expect(await survivors(refs, 100)).toEqual(['socket', 'manager']);
  held.length = 0;
  expect(await survivors(refs)).toEqual([]);
});

test('socket.disconnect() after a connection', async () => {
  await expectReleased(async () => {
    const socket = await connected();
    socket.on('news', () => {});
    socket.onAny(() => {});
    socket.disconnect();
    return weak(socket);
  });
});

test('manager closed with acks pending (with timeouts) and emits buffered offline', async () => {
  await expectReleased(async () => {
    const socket = await connected();
    const ignored = () => {}; // the server has no handler: these acks stay pending
    const pending = [
      socket.timeout(60_000).emitWithAck('ignored'),
      new Promise((resolve) => socket.timeout(60_000).emit('ignored', resolve)),
      new Promise((resolve) => socket.emit('ignored', resolve)),
    ];
    socket.emit('ignored', ignored);
    socket.io.close();
    // the acks of emits already sent are settled by the close, their 60 s timers cleared
    const settled = await Promise.allSettled(pending.slice(0, 2));
    expect(settled.map((s) => (s.status === 'rejected' ? s.reason : s.value).code)).toEqual(['EW_DISCONNECTED', 'EW_DISCONNECTED']);
    // offline now: buffered, one with an ack and one whose ack times out (its end)
    socket.emit('later', 1);
    socket.emit('later', ignored);
    void socket.emitWithAck('later').catch(() => {});
    await expect(socket.timeout(30).emitWithAck('later')).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    return weak(socket);
  });
});

test('the server goes away: reconnection gives up after reconnectionAttempts (reconnect_failed)', async () => {
  await expectReleased(async () => {
    const socket = await connected({ reconnectionAttempts: 2, reconnectionDelay: 10, reconnectionDelayMax: 20 });
    const failed = once(socket.io, 'reconnect_failed');
    const attempts: number[] = [];
    socket.io.on('reconnect_attempt', (n) => attempts.push(n));
    socket.emit('lost', 1); // buffered while reconnecting
    await peer.close();
    await failed;
    expect(attempts).toEqual([1, 2]);
    return weak(socket);
  });
});

test('a refused CONNECT (server middleware next(err))', async () => {
  peer.io.use((_socket, next) => next(new Error('not you')));
  await expectReleased(async () => {
    const socket = io(peer.url, { forceNew: true });
    const [err] = await once<[Error & { code: string }]>(socket, 'connect_error');
    expect([err.code, err.message, socket.active]).toEqual(['EW_CONNECT_REFUSED', 'not you', false]);
    return weak(socket);
  });
});

test('a socket never connected (autoConnect: false), then dropped', async () => {
  await expectReleased(async () => {
    const socket = io(peer.url, { forceNew: true, autoConnect: false });
    socket.on('news', () => {});
    socket.emit('buffered', 1, () => {});
    return weak(socket);
  });
});

test('emitWithAck with retries: tries used up, then one left pending by a disconnect()', async () => {
  await expectReleased(async () => {
    const socket = await connected({ retries: 2, ackTimeout: 20 });
    const tries: unknown[] = [];
    socket.onAnyOutgoing((event) => tries.push(event));
    // the server never answers: each emit is tried 3 times, one after the other
    const first = socket.emitWithAck('ignored');
    const second = socket.emitWithAck('ignored');
    await expect(first).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    await expect(second).rejects.toMatchObject({ code: 'EW_ACK_TIMEOUT' });
    expect(tries).toHaveLength(6);
    // a try in flight when the socket leaves waits, offline, for a connect() that never comes
    void socket.timeout(60_000).emitWithAck('ignored').catch(() => {});
    socket.disconnect();
    return weak(socket);
  });
});

/*
 * io()'s manager cache (src/io.ts) held every manager it shared strongly and forever, closed or not,
 * with its sockets, their listeners and buffered emits: one per origin and path ever used
 * (socket.io-client's cache does the same). It holds them weakly now; these two caught it.
 */
test("a socket from io()'s shared manager (no forceNew): the closed manager leaves the cache", async () => {
  await expectReleased(async () => {
    const socket = io(peer.url);
    await once(socket, 'connect');
    socket.disconnect();
    return weak(socket);
  });
});

test("many origins through io()'s cache: none is kept once closed", async () => {
  await expectReleased(async () => {
    const refs: Refs = {};
    // many origins that refuse the connection (the port on other loopback addresses): each attempt fails, no reconnection
    for (let i = 0; i < 20; i++) {
      const socket = io(`http://127.0.0.${i + 2}:${peer.port}`, { reconnection: false });
      const [err] = await once<[Error & { code: string }]>(socket, 'connect_error');
      expect(err.code).toBe('EW_DISCONNECTED');
      Object.assign(refs, weak(socket, `${i}:`));
    }
    return refs;
  });
});
