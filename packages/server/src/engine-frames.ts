/*
 * The WebSocket messages a connection writes: an encoded Socket.IO packet turned into Engine.IO
 * `message` frames (text prefixed with `4`, then its binary attachments), and one frame sent on
 * the WebSocket. No connection state here: the batching per tick is EngineConnection's.
 */
import type { BinaryData, EncodedPacket } from '@emitwire/protocol';
import type { EngineWebSocket } from './engine-websocket.js';

/** UTF-8 bytes to send as one text frame: a broadcast converts its text once for every recipient. */
export class PreparedText {
  constructor(readonly bytes: Buffer) {}
}

/** One outgoing WebSocket message. */
export type OutFrame = string | PreparedText | BinaryData;

/** The WebSocket messages of one Socket.IO packet: a text message, then its attachments. */
export type EngineFrames = string | readonly OutFrame[];

/**
 * Turns an encoded Socket.IO packet into WebSocket messages (text prefixed with the Engine.IO
 * `message` type). With `shared`, text is converted to UTF-8 once, for writing to many connections.
 */
export function toEngineFrames(encoded: EncodedPacket, shared = false): EngineFrames {
  if (typeof encoded === 'string') {
    return shared ? [new PreparedText(Buffer.from('4' + encoded))] : '4' + encoded;
  }
  const [text, ...attachments] = encoded;
  return [shared ? new PreparedText(Buffer.from('4' + text)) : '4' + text, ...attachments];
}

/** What a frame counts for in the write backlog. */
export function frameSize(frame: OutFrame): number {
  if (typeof frame === 'string') return frame.length;
  if (frame instanceof PreparedText) return frame.bytes.length;
  if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) return frame.byteLength;
  return frame.size;
}

// ws compresses unless told not to (its `compress` option defaults to true, and applies only when
// permessage-deflate was negotiated, above its threshold): the usual frame is sent without options
const SEND_TEXT = { binary: false } as const;
const SEND_TEXT_PLAIN = { binary: false, compress: false } as const;
const SEND_BINARY_PLAIN = { binary: true, compress: false } as const;

/**
 * Sends one frame on the WebSocket at once (no batching). `compress: false` (Socket.IO's
 * `compress(false)`) sends it uncompressed even with permessage-deflate on.
 */
export function sendFrame(ws: EngineWebSocket, frame: OutFrame, compress = true): void {
  if (typeof frame === 'string') {
    if (compress) ws.send(frame);
    else ws.send(frame, SEND_TEXT_PLAIN);
  } else if (frame instanceof PreparedText) {
    ws.send(frame.bytes, compress ? SEND_TEXT : SEND_TEXT_PLAIN);
  } else {
    // ws sends Blobs as well as buffers and views
    const data = frame as Buffer;
    if (compress) ws.send(data);
    else ws.send(data, SEND_BINARY_PLAIN);
  }
}
