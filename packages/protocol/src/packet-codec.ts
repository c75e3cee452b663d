import type { BinaryData } from './engine-codec.js';
import { invalidArgument } from './errors.js';
import { UNENCODABLE, replaceBinaries } from './binary.js';
import { ACK, BINARY_ACK, BINARY_EVENT, EVENT, MAX_ATTACHMENTS, type Packet } from './packet.js';

/**
 * An encoded Socket.IO packet: one text message, or (with binaries) a text message followed by one
 * binary message per attachment. Send the elements in order, each as its own WebSocket message
 * (text messages prefixed by the Engine.IO `4`).
 */
export type EncodedPacket = string | [string, ...BinaryData[]];

/** JSON.stringify, refusing what it cannot encode (circular data, BigInt) or yields undefined for (a function, a symbol). */
function stringify(data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    // json stays undefined
  }
  return json ?? invalidArgument(UNENCODABLE);
}

/**
 * Encodes a Socket.IO packet. Without binaries the result is exactly one string, so a broadcast can
 * encode once and write the same string to every recipient.
 *
 * @param maxAttachments most binaries the packet may carry: a peer's decoder refuses a packet with
 *   more and closes the connection (`parse error`), so more is refused here, before anything is sent
 * @throws {EmitwireError} `EW_INVALID_ARGUMENT` for an invalid ack id or namespace, data that cannot
 *   be encoded as JSON, or more than `maxAttachments` binaries.
 *
 * @example
 * encodePacket({ type: PacketType.EVENT, nsp: '/admin', id: 5, data: ['x'] }) // '2/admin,5["x"]'
 */
export function encodePacket({ type, nsp = '/', id, data }: Packet, maxAttachments = MAX_ATTACHMENTS): EncodedPacket {
  if (id !== undefined && !(Number.isSafeInteger(id) && id >= 0)) invalidArgument('invalid ack id');
  // The namespace ends at the first comma on the wire, so a comma inside it cannot round-trip.
  if (nsp[0] !== '/' || nsp.includes(',')) invalidArgument('invalid namespace');
  // the binary type of EVENT / ACK packets (of either form), 0 for the other types
  const binaryType = type === EVENT || type === BINARY_EVENT ? BINARY_EVENT : type === ACK || type === BINARY_ACK ? BINARY_ACK : 0;
  const attachments: BinaryData[] = [];
  if (binaryType) data = replaceBinaries(data, attachments);
  const n = attachments.length;
  if (n > maxAttachments) invalidArgument('too many binary attachments');
  // A binary type with no binaries is sent as plain EVENT / ACK (BINARY_x - 3): socket.io-parser
  // refuses a binary packet that declares zero attachments ("Illegal attachments").
  let text = n ? `${binaryType}${n}-` : String(binaryType ? binaryType - 3 : type);
  if (nsp !== '/') text += nsp + ',';
  if (id !== undefined) text += id;
  if (data !== undefined) text += stringify(data);
  return n ? [text, ...attachments] : text;
}
