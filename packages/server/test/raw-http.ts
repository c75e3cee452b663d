// Byte-level HTTP upgrade and WebSocket frames, for inputs no well-behaved client library sends.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawUpgrade {
  socket: Socket;
  /** The response head (status line and headers). */
  head: string;
  /** Bytes after the response head (the first frames). */
  rest: Buffer;
}

/** Opens a TCP connection, writes `request` as is, and resolves with the response head. */
export function rawRequest(port: number, request: string | Buffer): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    socket.on('error', () => {});
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ socket, head: buf.subarray(0, end).toString(), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('close', () => reject(new Error(`closed without a response: ${buf.toString()}`)));
    socket.write(request);
  });
}

/** An upgrade request for `path` with the standard WebSocket headers plus `extra` header lines. */
export function upgradeRequest(path: string, extra: string[] = [], body = ''): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...extra,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    '',
    body,
  ].join('\r\n');
}

/** Reads the rest of an HTTP response body until the server closes (for refusals). */
export function readToEnd(upgrade: RawUpgrade): Promise<string> {
  return new Promise((resolve) => {
    let body = upgrade.rest;
    upgrade.socket.on('data', (c: Buffer) => (body = Buffer.concat([body, c])));
    upgrade.socket.on('close', () => resolve(body.toString()));
  });
}

/** A masked client frame. `rsv` sets RSV bits (0x40 RSV1, 0x20 RSV2, 0x10 RSV3). */
export function frame(opcode: number, payload: Buffer | string, fin = true, rsv = 0): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = data.length;
  const header: number[] = [(fin ? 0x80 : 0) | rsv | opcode];
  if (len < 126) header.push(0x80 | len);
  else if (len < 65536) header.push(0x80 | 126, len >> 8, len & 0xff);
  else throw new Error('payload too large for this helper');
  const mask = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from(header), mask, masked]);
}

/** Resolves when the socket is closed by the peer. */
export function whenSocketClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('close', () => resolve());
    socket.resume();
  });
}
