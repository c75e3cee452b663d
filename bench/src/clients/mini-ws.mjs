// A deliberately minimal WebSocket client for the load generator (RFC 6455, client side only):
// a prebuilt upgrade request, the status line checked (the accept hash is not: the server is
// ours to trust), unmasked server frames parsed in place, and client frames masked with an
// all-zero key so masking costs nothing here. It exists so that the load generator costs far less
// per connection and per message than any server it drives — the `ws` client's handshake alone
// (random key, SHA-1 check, http.request) made the load generator, not the server, the bottleneck
// of the connection-rate scenario. The same client drives all three servers.
//
// Writes are batched per tick like the servers' (cork on the first write in a tick, uncork on the
// next), so many messages to one server leave in one TCP write.
import { Buffer } from 'node:buffer';
import { connect as tcpConnect } from 'node:net';
import process from 'node:process';

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const CRLFCRLF = Buffer.from('\r\n\r\n');

let pending = [];
let scheduled = false;
function flush() {
  const list = pending;
  pending = [];
  scheduled = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    c.corked = false;
    if (!c.socket.destroyed) c.socket.uncork();
  }
}

/** One client connection. `onMessage(buf, isBinary)` gets each complete message as a Buffer view. */
export class MiniWebSocket {
  constructor(port, path, { onOpen, onMessage, onClose }) {
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.onOpen = onOpen;
    this.open = false;
    this.corked = false;
    this.buf = null;
    this.fragments = null;
    this.socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    this.socket.on('data', (chunk) => this.socketOnData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  fail(err) {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.socket.destroy();
    this.onClose?.(err);
  }

  socketOnData(chunk) {
    let data = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = null;
    if (!this.open) {
      const end = data.indexOf(CRLFCRLF);
      if (end < 0) {
        this.buf = data;
        return;
      }
      // "HTTP/1.1 101 Switching Protocols"
      if (data[9] !== 0x31 || data[10] !== 0x30 || data[11] !== 0x31) {
        this.fail(new Error(`upgrade refused: ${data.subarray(0, Math.min(end, 200)).toString()}`));
        return;
      }
      this.open = true;
      this.onOpen?.();
      data = data.subarray(end + 4);
    }
    let off = 0;
    const len = data.length;
    while (off + 2 <= len) {
      const b0 = data[off];
      const b1 = data[off + 1];
      let size = b1 & 0x7f;
      let hdr = 2;
      if (size === 126) {
        if (off + 4 > len) break;
        size = data.readUInt16BE(off + 2);
        hdr = 4;
      } else if (size === 127) {
        if (off + 10 > len) break;
        size = data.readUInt32BE(off + 2) * 0x100000000 + data.readUInt32BE(off + 6);
        hdr = 10;
      }
      if (off + hdr + size > len) break;
      const payload = data.subarray(off + hdr, off + hdr + size);
      off += hdr + size;
      const fin = (b0 & 0x80) !== 0;
      const op = b0 & 0x0f;
      if (op === OP_TEXT || op === OP_BINARY) {
        if (fin) this.onMessage(payload, op === OP_BINARY);
        else this.fragments = { op, parts: [Buffer.from(payload)] };
      } else if (op === OP_CONT && this.fragments) {
        this.fragments.parts.push(Buffer.from(payload));
        if (fin) {
          const { op: first, parts } = this.fragments;
          this.fragments = null;
          this.onMessage(Buffer.concat(parts), first === OP_BINARY);
        }
      } else if (op === OP_PING) {
        this.frame(0x8a, Buffer.from(payload));
      } else if (op === OP_CLOSE) {
        this.fail(new Error('closed by the server'));
        return;
      }
    }
    if (off < len) this.buf = Buffer.from(data.subarray(off));
  }

  /** Sends one text message. */
  send(text) {
    if (!this.open) return;
    const size = Buffer.byteLength(text);
    const hdr = size < 126 ? 6 : size < 65536 ? 8 : 14;
    const out = Buffer.allocUnsafe(hdr + size);
    out[0] = 0x81; // FIN + text
    if (size < 126) {
      out[1] = 0x80 | size;
    } else if (size < 65536) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(size, 2);
    } else {
      out[1] = 0x80 | 127;
      out.writeUInt32BE(Math.floor(size / 0x100000000), 2);
      out.writeUInt32BE(size >>> 0, 6);
    }
    out.writeUInt32BE(0, hdr - 4); // masking key 0: XOR with zero leaves the payload as is
    out.write(text, hdr);
    this.write(out);
  }

  frame(firstByte, payload) {
    const out = Buffer.alloc(6 + payload.length);
    out[0] = firstByte;
    out[1] = 0x80 | payload.length;
    payload.copy(out, 6);
    this.write(out);
  }

  write(buf) {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      pending.push(this);
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    }
    this.socket.write(buf);
  }

  terminate() {
    this.closed = true;
    this.socket.destroy();
  }
}
