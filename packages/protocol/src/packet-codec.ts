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
  try {
    return JSON.stringify(data);
  } catch (err) {
    throw new EmitwireError(ErrorCode.INVALID_ARGUMENT, `data cannot be encoded as JSON: ${(err as Error).message}`);
  }
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
  const isEvent = type === PacketType.EVENT || type === PacketType.BINARY_EVENT;
  const isAck = type === PacketType.ACK || type === PacketType.BINARY_ACK;
  if ((isEvent || isAck) && hasBinary(data)) {
    const attachments: BinaryData[] = [];
    const replaced = replaceBinaries(data, attachments);
    const binaryType = isEvent ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
    return [header(binaryType, nsp, id, attachments.length) + stringify(replaced), ...attachments];
  }
  // A binary type with no binaries left still declares its (zero) attachments.
  const head = header(type, nsp, id, type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK ? 0 : -1);
  return data === undefined ? head : head + stringify(data);
}
