/*
 * Incremental Socket.IO packet decoder. Feed it the Engine.IO message payloads of one connection in
 * arrival order; it returns each packet once it is complete.
 *
 *            text packet, no attachments
 *   IDLE ───────────────────────────────────────► packet returned, IDLE
 *    │  text BINARY_EVENT/BINARY_ACK with N > 0
 *    ▼
 *   AWAITING (N attachments) ── binary message ──► N-1 … 0 ─► packet returned, IDLE
 *    │ text message                  IDLE ── binary message ──► ProtocolError
 *    ▼
 *   ProtocolError
 *
 * Every violation of PROTOCOL.md's decoder rules throws a ProtocolError with a stable code; the
 * decoder never throws anything else, never recurses, and every loop is bounded by the input size.
 */
import { ErrorCode, ProtocolError } from './errors.js';
import { PacketType, RESERVED_EVENTS, type DecodedPacket, type WireEventName } from './packet.js';

/** Limits of the {@link Decoder}. All finite by default. */
export interface DecoderOptions {
  /**
   * Most binary attachments one packet may declare.
   * @default 10
   */
  maxAttachments?: number;
  /**
   * Deepest nesting of arrays and objects in packet data.
   * @default 64
   */
  maxDepth?: number;
  /**
   * Largest message, in UTF-16 code units for text and bytes for binary.
   * @default 1_000_000
   */
  maxPayload?: number;
  /**
   * Longest namespace name.
   * @default 256
   */
  maxNamespaceLength?: number;
  /**
   * Reject reserved event names (`connect`, `disconnect`, …) in EVENT packets. A server must;
   * a client talking to a trusted server may relax it.
   * @default true
   */
  rejectReservedEvents?: boolean;
}

/** The decoder's defaults. */
export const DEFAULT_DECODER_OPTIONS: Readonly<Required<DecoderOptions>> = {
  maxAttachments: 10,
  maxDepth: 64,
  maxPayload: 1_000_000,
  maxNamespaceLength: 256,
  rejectReservedEvents: true,
};

type Attachment = Uint8Array | ArrayBuffer;

interface PlaceholderSlot {
  container: Record<string, unknown> | unknown[];
  key: string | number;
  num: number;
}

interface PendingPacket {
  packet: DecodedPacket;
  expected: number;
  buffers: Attachment[];
  slots: PlaceholderSlot[];
}

function fail(code: string, message: string): never {
  throw new ProtocolError(code, message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArrayBufferTag(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Incremental decoder for one connection (see the state diagram at the top of this file). */
export class Decoder {
  private readonly options: Readonly<Required<DecoderOptions>>;
  private pending: PendingPacket | undefined;

  constructor(options: DecoderOptions = {}) {
    this.options = { ...DEFAULT_DECODER_OPTIONS, ...options };
  }

  /** True while a binary packet waits for attachments. */
  get awaitingAttachments(): boolean {
    return this.pending !== undefined;
  }

  /** Forgets a half-received binary packet (on disconnect). */
  reset(): void {
    this.pending = undefined;
  }

  /**
   * Adds one message (an Engine.IO `message` payload: text, or raw bytes for an attachment).
   * Returns the packet it completes, or `undefined` while attachments are still awaited.
   * @throws {ProtocolError} on any violation of the decoder rules.
   */
  add(message: string | Uint8Array | ArrayBuffer): DecodedPacket | undefined {
    if (typeof message === 'string') return this.addText(message);
    // Brand checks, not instanceof alone: buffers may come from another realm (vm, worker, iframe).
    if (ArrayBuffer.isView(message) || message instanceof ArrayBuffer || isArrayBufferTag(message)) {
      return this.addBinary(message);
    }
    fail(ErrorCode.INVALID_PAYLOAD, 'message must be a string or binary data');
  }

  private addBinary(buffer: Attachment): DecodedPacket | undefined {
    const pending = this.pending;
    // a binary message when none is awaited (PROTOCOL.md)
    if (pending === undefined) fail(ErrorCode.UNEXPECTED_BINARY, 'binary message when no attachment is awaited');
    if (buffer.byteLength > this.options.maxPayload) {
      this.pending = undefined;
      fail(ErrorCode.PAYLOAD_TOO_LARGE, 'attachment larger than maxPayload');
    }
    pending.buffers.push(buffer);
    if (pending.buffers.length < pending.expected) return undefined;
    this.pending = undefined;
    for (const slot of pending.slots) {
      if (Array.isArray(slot.container)) slot.container[slot.key as number] = pending.buffers[slot.num];
      // defineProperty: a "__proto__" key must stay an own property, never reach the prototype setter
      else Object.defineProperty(slot.container, slot.key, { value: pending.buffers[slot.num], enumerable: true, writable: true, configurable: true });
    }
    return pending.packet;
  }

  private addText(str: string): DecodedPacket | undefined {
    const opts = this.options;
    // a text message while attachments are awaited (PROTOCOL.md)
    if (this.pending !== undefined) {
      this.pending = undefined;
      fail(ErrorCode.UNEXPECTED_TEXT, 'text message while attachments are awaited');
    }
    const len = str.length;
    if (len > opts.maxPayload) fail(ErrorCode.PAYLOAD_TOO_LARGE, 'message larger than maxPayload');
    const type = str.charCodeAt(0) - 48;
    // packet type within 0–6 (PROTOCOL.md)
    if (!(type >= 0 && type <= 6)) fail(ErrorCode.PACKET_TYPE, 'unknown Socket.IO packet type');
    let i = 1;

    let attachments = -1;
    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      // attachment count: an integer in 0..maxAttachments, then '-'
      const start = i;
      while (i < len && i - start <= 6 && isDigit(str.charCodeAt(i))) i++;
      if (i === start || str.charCodeAt(i) !== 45 /* - */) fail(ErrorCode.INVALID_ATTACHMENTS, 'malformed attachment count');
      attachments = Number(str.slice(start, i));
      if (attachments > opts.maxAttachments) fail(ErrorCode.INVALID_ATTACHMENTS, 'too many attachments');
      i++;
    }

    let nsp = '/';
    if (str.charCodeAt(i) === 47 /* / */) {
      const comma = str.indexOf(',', i);
      const end = comma === -1 ? len : comma;
      if (end - i > opts.maxNamespaceLength) fail(ErrorCode.INVALID_NAMESPACE, 'namespace too long');
      nsp = str.slice(i, end);
      i = comma === -1 ? len : comma + 1;
    }

    // ack id: a safe non-negative integer (PROTOCOL.md)
    let id: number | undefined;
    let c = str.charCodeAt(i);
    if (isDigit(c)) {
      const start = i;
      while (isDigit(str.charCodeAt(i))) {
        // a safe integer has at most 16 digits; stop before scanning an endless run
        if (i - start >= 16) fail(ErrorCode.INVALID_ACK_ID, 'ack id too large');
        i++;
      }
      id = Number(str.slice(start, i));
      if (!Number.isSafeInteger(id)) fail(ErrorCode.INVALID_ACK_ID, 'ack id is not a safe integer');
      c = str.charCodeAt(i);
      // a fraction or an exponent: no packet data starts with '.', 'e' or 'E'
      if (c === 46 /* . */ || c === 101 /* e */ || c === 69 /* E */) fail(ErrorCode.INVALID_ACK_ID, 'ack id is not an integer');
    } else if (c === 45 /* - */) {
      // no packet data starts with '-' (it is never a bare number): a negative ack id
      fail(ErrorCode.INVALID_ACK_ID, 'ack id is negative');
    }

    let data: unknown;
    const hasData = i < len;
    if (hasData) {
      try {
        data = JSON.parse(str.slice(i));
      } catch {
        fail(ErrorCode.INVALID_JSON, 'packet data is not valid JSON');
      }
    }

    // The walk enforces maxDepth and collects placeholders. Nesting deeper than maxDepth needs
    // more than 2 × maxDepth characters, so short data skips the walk.
    const slots: PlaceholderSlot[] | undefined = attachments >= 0 ? [] : undefined;
    if (hasData && (slots !== undefined || len - i > 2 * opts.maxDepth)) {
      this.walk(data, slots, attachments);
    }

    const packet = this.validate(type, nsp, id, hasData, data);
    if (slots === undefined || attachments === 0) {
      if (slots !== undefined) this.fillPlaceholdersNow(slots);
      return packet;
    }
    this.pending = { packet, expected: attachments, buffers: [], slots };
    return undefined;
  }

  private fillPlaceholdersNow(slots: PlaceholderSlot[]): void {
    // With zero attachments any placeholder is out of range; walk() already rejected it.
    if (slots.length > 0) fail(ErrorCode.INVALID_PLACEHOLDER, 'placeholder without attachments');
  }

  private validate(type: number, nsp: string, id: number | undefined, hasData: boolean, data: unknown): DecodedPacket {
    switch (type) {
      case PacketType.CONNECT:
        if (id !== undefined) fail(ErrorCode.INVALID_ACK_ID, 'CONNECT carries no ack id');
        // CONNECT payload: absent or a plain object (PROTOCOL.md)
        if (hasData && !isPlainObject(data)) fail(ErrorCode.INVALID_PAYLOAD, 'CONNECT payload must be an object');
        return { type: PacketType.CONNECT, nsp, data: hasData ? (data as Record<string, unknown>) : undefined };
      case PacketType.DISCONNECT:
        if (id !== undefined || hasData) fail(ErrorCode.INVALID_PAYLOAD, 'DISCONNECT carries no data');
        return { type: PacketType.DISCONNECT, nsp };
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT: {
        // EVENT data must be a non-empty array with a string (or number) first element (PROTOCOL.md)
        if (!Array.isArray(data) || data.length === 0) fail(ErrorCode.INVALID_PAYLOAD, 'EVENT data must be a non-empty array');
        const name: unknown = data[0];
        if (typeof name === 'string') {
          if (this.options.rejectReservedEvents && RESERVED_EVENTS.has(name)) {
            fail(ErrorCode.RESERVED_EVENT, `reserved event name "${name}"`);
          }
        } else if (typeof name !== 'number' || !Number.isFinite(name)) {
          fail(ErrorCode.INVALID_PAYLOAD, 'event name must be a string or a number');
        }
        return { type: PacketType.EVENT, nsp, id, data: data as [WireEventName, ...unknown[]] };
      }
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        // ACK data must be an array, answering an ack id
        if (id === undefined) fail(ErrorCode.INVALID_ACK_ID, 'ACK without an ack id');
        if (!Array.isArray(data)) fail(ErrorCode.INVALID_PAYLOAD, 'ACK data must be an array');
        return { type: PacketType.ACK, nsp, id, data };
      default: {
        // CONNECT_ERROR: {message, data?}, or a bare string from older peers
        if (id !== undefined) fail(ErrorCode.INVALID_ACK_ID, 'CONNECT_ERROR carries no ack id');
        if (typeof data === 'string') return { type: PacketType.CONNECT_ERROR, nsp, data: { message: data } };
        if (!isPlainObject(data) || typeof data.message !== 'string') {
          fail(ErrorCode.INVALID_PAYLOAD, 'CONNECT_ERROR data must be {message, data}');
        }
        const err: { message: string; data?: unknown } = { message: data.message };
        if (Object.hasOwn(data, 'data')) err.data = data.data;
        return { type: PacketType.CONNECT_ERROR, nsp, data: err };
      }
    }
  }

  /**
   * Iterative walk: enforces maxDepth and records placeholders (binary packets only). One explicit
   * stack of (container, depth) pairs, no closure or record per container.
   */
  private walk(root: unknown, slots: PlaceholderSlot[] | undefined, attachments: number): void {
    if (typeof root !== 'object' || root === null) return;
    const maxDepth = this.options.maxDepth;
    if (maxDepth < 1) fail(ErrorCode.NESTING_TOO_DEEP, 'packet data nested too deeply');
    // Interleaved: container, then its depth.
    const stack: Array<object | number> = [root, 1];
    while (stack.length > 0) {
      const depth = stack.pop() as number;
      const value = stack.pop() as object;
      if (Array.isArray(value)) {
        for (let k = 0; k < value.length; k++) {
          const child: unknown = value[k];
          if (typeof child === 'object' && child !== null) visitChild(child, value, k, depth, maxDepth, stack, slots, attachments);
        }
      } else {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k]!;
          const child = record[key];
          if (typeof child === 'object' && child !== null) visitChild(child, record, key, depth, maxDepth, stack, slots, attachments);
        }
      }
    }
  }
}

/** One non-null object child found by {@link Decoder.walk}: a placeholder slot, or a container to descend into. */
function visitChild(
  child: object,
  container: Record<string, unknown> | unknown[],
  key: string | number,
  depth: number,
  maxDepth: number,
  stack: Array<object | number>,
  slots: PlaceholderSlot[] | undefined,
  attachments: number,
): void {
  if (slots !== undefined && !Array.isArray(child) && (child as Record<string, unknown>)._placeholder === true) {
    const num = (child as Record<string, unknown>).num;
    // placeholder num: an integer within the attachments (PROTOCOL.md, CVE-2022-2421)
    if (typeof num !== 'number' || !Number.isInteger(num) || num < 0 || num >= attachments) {
      fail(ErrorCode.INVALID_PLACEHOLDER, 'placeholder refers to no attachment');
    }
    slots.push({ container, key, num });
    return;
  }
  // nesting deeper than maxDepth (PROTOCOL.md): fail before descending
  if (depth >= maxDepth) fail(ErrorCode.NESTING_TOO_DEEP, 'packet data nested too deeply');
  stack.push(child, depth + 1);
}
