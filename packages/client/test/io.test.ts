import { io, SocketIO, Manager } from '@emitwire/client/node';
import { FakeWebSocket } from './fake-websocket.js';

const opts = { WebSocket: FakeWebSocket, autoConnect: false };

beforeEach(() => FakeWebSocket.reset());

test('sockets to one origin share a manager; the namespace comes from the path', () => {
  const a = io('http://cache.test', opts);
  const b = io('http://cache.test/admin', opts);
  expect(a.io).toBe(b.io);
  expect(a.io).toBeInstanceOf(Manager);
  expect([a.nsp, b.nsp]).toEqual(['/', '/admin']);
});

test('the namespace is sent as written, as socket.io-client sends it (not percent-encoded)', () => {
  const nsp = (uri: string): string => io(uri, { ...opts, forceNew: true }).nsp;
  expect(nsp('http://127.0.0.1:3000/café')).toBe('/café');
  expect(nsp('http://127.0.0.1:3000/my room')).toBe('/my room');
  expect(nsp('http://127.0.0.1:3000/聊天')).toBe('/聊天');
  // a malformed escape is kept
  expect(nsp('http://127.0.0.1:3000/%E0%A4%A')).toBe('/%E0%A4%A');
});

test('the same namespace again, forceNew or multiplex: false get a new manager', () => {
  const a = io('http://cache2.test/x', opts);
  expect(io('http://cache2.test/x', opts).io).not.toBe(a.io);
  expect(io('http://cache2.test/y', { ...opts, forceNew: true }).io).not.toBe(a.io);
  expect(io('http://cache2.test/z', { ...opts, multiplex: false }).io).not.toBe(a.io);
  expect(io('http://cache2.test/w', opts).io).toBe(a.io);
});

test('a different path option is a different connection', () => {
  const a = io('http://cache3.test', opts);
  const b = io('http://cache3.test/b', { ...opts, path: '/other' });
  expect(b.io).not.toBe(a.io);
});

test('the default path, written or not, with or without its trailing slash, is one connection', () => {
  const a = io('http://cache4.test', opts);
  expect(io('http://cache4.test/b', { ...opts, path: '/socket.io' }).io).toBe(a.io);
  expect(io('http://cache4.test/c', { ...opts, path: '/socket.io/' }).io).toBe(a.io);
  const d = io('http://cache4.test/d', { ...opts, path: '/custom/' });
  expect(io('http://cache4.test/e', { ...opts, path: '/custom' }).io).toBe(d.io);
  expect(d.io).not.toBe(a.io);
});

test('io(opts) without a URL needs a page (browser) origin', () => {
  expect(() => io(opts)).toThrow('invalid URL "undefined"');
});

test('new SocketIO(host, port) is io("http://host:port"); a URL host is used as is', () => {
  const s = new SocketIO('127.0.0.1', 8000, { ...opts, forceNew: true });
  expect(s.io.uri).toBe('http://127.0.0.1:8000/');
  const t = SocketIO('https://example.com/ns', undefined, { ...opts, forceNew: true });
  expect(t.io.uri).toBe('https://example.com/ns');
  expect(t.nsp).toBe('/ns');
  // an IPv6 address, bare or in brackets
  for (const host of ['::1', '[::1]']) expect(new SocketIO(host, 8000, { ...opts, forceNew: true }).io.uri).toBe('http://[::1]:8000/');
});
