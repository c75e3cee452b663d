import type { BinaryData } from './engine-codec.js';
import { ErrorCode, EmitwireError } from './errors.js';
import { hasBinary, replaceBinaries } from './binary.js';
import { PacketType, type Packet } from './packet.js';

/**
 * An encoded Socket.IO packet: one text message, or (with binaries) a text message followed by one
 * binary message per attachment. Send the elements in order, each as its own WebSocket message
 * (text messages prefixed by the Engine.IO `4`).
 */
export type EncodedPacket = string | [string, ...BinaryData[]];

function stringify(data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, `data cannot be encoded as JSON: ${(err as Error).message}`);
  }
  // JSON.stringify yields undefined for a function or symbol: refuse, rather than send "undefined".
  if (json === undefined) throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'data cannot be encoded as JSON');
  return json;
}

function header(type: number, nsp: string | undefined, id: number | undefined, attachments: number): string {
  let s = String(type);
  if (attachments >= 0) s += attachments + '-';
  if (nsp !== undefined && nsp !== '/') s += nsp + ',';
  if (id !== undefined) s += id;
  return s;
}

/**
 * Encodes a Socket.IO packet. Without binaries the result is exactly one string, so a broadcast can
 * encode once and write the same string to every recipient.
 *
 * @example
 * encodePacket({ type: PacketType.EVENT, nsp: '/admin', id: 5, data: ['x'] }) // '2/admin,5["x"]'
 */
export function encodePacket(packet: Packet): EncodedPacket {
  const { type, nsp, id, data } = packet;
  if (id !== undefined && !(Number.isSafeInteger(id) && id >= 0)) {
    throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'ack id must be a safe non-negative integer');
  }
  if (nsp !== undefined && nsp.charCodeAt(0) !== 47 /* / */) {
    throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'namespace must start with "/"');
  }
  // The namespace ends at the first comma on the wire, so a comma inside it cannot round-trip.
  if (nsp !== undefined && nsp.length > 1 && nsp.indexOf(',') !== -1) {
    throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, 'namespace must not contain a comma');
  }
  const isEvent = type === PacketType.EVENT || type === PacketType.BINARY_EVENT;
  const isAck = type === PacketType.ACK || type === PacketType.BINARY_ACK;
  if ((isEvent || isAck) && hasBinary(data)) {
    const attachments: BinaryData[] = [];
    const replaced = replaceBinaries(data, attachments);
    const binaryType = isEvent ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
    return [header(binaryType, nsp, id, attachments.length) + stringify(replaced), ...attachments];
  }
  // A binary type with no binaries is sent as plain EVENT / ACK: socket.io-parser refuses a binary
  // packet that declares zero attachments ("Illegal attachments").
  const plainType = isEvent ? PacketType.EVENT : isAck ? PacketType.ACK : type;
  const head = header(plainType, nsp, id, -1);
  return data === undefined ? head : head + stringify(data);
}
