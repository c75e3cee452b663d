import { ErrorCode, ProtocolError } from './errors.js';

/** Engine.IO v4 packet types (PROTOCOL.md). */
export const EnginePacketType = {
  OPEN: 0,
  CLOSE: 1,
  PING: 2,
  PONG: 3,
  MESSAGE: 4,
  UPGRADE: 5,
  NOOP: 6,
} as const;

/** One of the values of {@link EnginePacketType}. */
export type EnginePacketTypeValue = (typeof EnginePacketType)[keyof typeof EnginePacketType];

/** The Engine.IO protocol revision this codec speaks (the `EIO` query parameter). */
export const ENGINE_PROTOCOL = 4;

/** A binary payload as it travels: raw bytes. */
export type BinaryData = ArrayBuffer | ArrayBufferView | Blob;

/** A decoded Engine.IO packet. Binary WebSocket messages are `message` packets with byte data. */
export type EnginePacket =
  | { type: typeof EnginePacketType.MESSAGE; data: string | Uint8Array }
  | { type: Exclude<EnginePacketTypeValue, typeof EnginePacketType.MESSAGE>; data: string };

/** The data of the server's open packet. */
export interface OpenPacketData {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** Prebuilt frames for the packets that carry no data. */
export const ENGINE_PING = '2';
export const ENGINE_PONG = '3';
export const ENGINE_CLOSE = '1';
export const ENGINE_NOOP = '6';

/** Encodes a text Engine.IO packet: the type digit then the data. */
export function encodeEnginePacket(type: EnginePacketTypeValue, data = ''): string {
  return String(type) + data;
}

/** Encodes the open packet the server sends first. */
export function encodeOpenPacket(data: OpenPacketData): string {
  return '0' + JSON.stringify(data);
}

/**
 * Decodes one WebSocket message into an Engine.IO packet. A binary message is a `message` packet
 * holding the bytes; a text message is a type digit then data. The polling form `b<base64>` is
 * accepted as binary.
 */
export function decodeEnginePacket(message: string | ArrayBufferView | ArrayBuffer): EnginePacket {
  if (typeof message !== 'string') return { type: EnginePacketType.MESSAGE, data: toBytes(message) };
  if (message.length === 0) throw new ProtocolError(ErrorCode.ENGINE_PACKET, 'empty Engine.IO packet');
  const code = message.charCodeAt(0);
  if (code === 98 /* b */) return { type: EnginePacketType.MESSAGE, data: base64ToBytes(message.slice(1)) };
  const type = code - 48;
  if (type < 0 || type > 6) throw new ProtocolError(ErrorCode.ENGINE_PACKET, 'unknown Engine.IO packet type');
  return { type: type as EnginePacketTypeValue, data: message.slice(1) } as EnginePacket;
}

/** A view of binary message bytes, without copying (Buffer and Uint8Array pass through unchanged). */
function toBytes(message: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (message instanceof Uint8Array) return message;
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  return new Uint8Array(message);
}

/** Parses and validates the open packet's data (client side). */
export function decodeOpenPacket(data: string): OpenPacketData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_JSON, 'open packet is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError(ErrorCode.INVALID_PAYLOAD, 'open packet must be an object');
  }
  const o = parsed as Record<string, unknown>;
  const num = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ProtocolError(ErrorCode.INVALID_PAYLOAD, `open packet field ${name} must be a non-negative number`);
    }
    return v;
  };
  if (typeof o.sid !== 'string' || o.sid.length === 0) {
    throw new ProtocolError(ErrorCode.INVALID_PAYLOAD, 'open packet field sid must be a non-empty string');
  }
  return {
    sid: o.sid,
    upgrades: Array.isArray(o.upgrades) ? o.upgrades.filter((u): u is string => typeof u === 'string') : [],
    pingInterval: num(o.pingInterval, 'pingInterval'),
    pingTimeout: num(o.pingTimeout, 'pingTimeout'),
    maxPayload: o.maxPayload === undefined ? 1e6 : num(o.maxPayload, 'maxPayload'),
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let base64Lookup: Uint8Array | undefined;

/** Decodes standard base64 (the polling `b` form); invalid input is a protocol error. */
export function base64ToBytes(text: string): Uint8Array {
  if (base64Lookup === undefined) {
    base64Lookup = new Uint8Array(128).fill(255);
    for (let i = 0; i < BASE64.length; i++) base64Lookup[BASE64.charCodeAt(i)] = i;
  }
  const lookup = base64Lookup;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (text.length % 4 !== 0 || text.length - end > 2) {
    throw new ProtocolError(ErrorCode.ENGINE_PACKET, 'invalid base64 binary packet');
  }
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? lookup[c]! : 255;
    if (v === 255) throw new ProtocolError(ErrorCode.ENGINE_PACKET, 'invalid base64 binary packet');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
