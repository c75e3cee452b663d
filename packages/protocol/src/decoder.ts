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
 *   ProtocolError, IDLE
 *
 * Every violation of PROTOCOL.md's decoder rules throws a ProtocolError with a stable code (the
 * messages are short: the code is the contract); any error leaves the decoder IDLE. The decoder
 * never throws anything else, never recurses, and every loop is bounded by the input size.
 * The code is written to stay small, since it ships in the browser bundle of the client.
 */
import { ProtocolError, invalidArgument, type ErrorCodeValue } from './errors.js';
import { ACK, BINARY_EVENT, CONNECT, CONNECT_ERROR, DISCONNECT, EVENT, MAX_ATTACHMENTS, RESERVED_EVENTS, type DecodedPacket } from './packet.js';

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
  maxAttachments: MAX_ATTACHMENTS,
  maxDepth: 64,
  maxPayload: 1_000_000,
  maxNamespaceLength: 256,
  rejectReservedEvents: true,
};

type Attachment = Uint8Array | ArrayBuffer;
type Container = Record<string | number, unknown>;
/** Where a placeholder sits, and the attachment it stands for. */
type Slot = [container: Container, key: string | number, num: number];
/** A binary packet waiting for its attachments. */
type Pending = [packet: DecodedPacket, expected: number, buffers: Attachment[], slots: Slot[]];

/** Throws the ProtocolError of `code`, whose message is the code in words (the code is the contract). */
const fail = (code: ErrorCodeValue): never => {
  throw new ProtocolError(code);
};

const isObject = (value: unknown): value is Container => typeof value === 'object' && value !== null;
const isPlainObject = (value: unknown): value is Container => isObject(value) && !Array.isArray(value);

/** The end of the run of at most `max` ASCII digits starting at `i`. */
const digits = (str: string, i: number, max: number): number => {
  let j = i;
  for (let c = str.charCodeAt(j); j - i < max && c >= 48 && c <= 57; c = str.charCodeAt(++j));
  return j;
};

/** Incremental decoder for one connection (see the state diagram at the top of this file). */
export class Decoder {
  readonly #opts: Readonly<Required<DecoderOptions>>;
  #pending: Pending | undefined;

  /**
   * @throws {EmitwireError} `EW_INVALID_ARGUMENT` for a limit that is not a number ≥ 0 (NaN or a
   *   string would switch its check off) or a `rejectReservedEvents` that is not a boolean.
   *   An option left `undefined` takes its default.
   */
  constructor(options: DecoderOptions = {}) {
    const opts = { ...DEFAULT_DECODER_OPTIONS } as Record<string, number | boolean>;
    for (const key in opts) {
      const value = options[key as keyof DecoderOptions] ?? opts[key]!;
      // (a boolean passes `>= 0`: the type check is what holds it)
      if (typeof value !== typeof opts[key] || !((value as number) >= 0)) invalidArgument(`invalid decoder option ${key}`);
      opts[key] = value;
    }
    this.#opts = opts as Required<DecoderOptions>;
  }

  /** True while a binary packet waits for attachments. */
  get awaitingAttachments(): boolean {
    return this.#pending !== undefined;
  }

  /** Forgets a half-received binary packet (on disconnect). */
  reset(): void {
    this.#pending = undefined;
  }

  /**
   * Adds one message (an Engine.IO `message` payload: text, or raw bytes for an attachment).
   * Returns the packet it completes, or `undefined` while attachments are still awaited.
   * @throws {ProtocolError} on any violation of the decoder rules.
   */
  add(message: string | Uint8Array | ArrayBuffer): DecodedPacket | undefined {
    const pending = this.#pending;
    const text = typeof message === 'string';
    this.#pending = undefined;
    // Brand checks, not instanceof alone: buffers may come from another realm (vm, worker, iframe).
    if (!(text || ArrayBuffer.isView(message) || Object.prototype.toString.call(message) === '[object ArrayBuffer]')) {
      fail('EW_INVALID_PAYLOAD');
    }
    // a text message while attachments are awaited, a binary message when none is (PROTOCOL.md)
    if (text === !!pending) fail(text ? 'EW_UNEXPECTED_TEXT' : 'EW_UNEXPECTED_BINARY');
    if ((text ? message.length : message.byteLength) > this.#opts.maxPayload) fail('EW_PAYLOAD_TOO_LARGE');
    if (text) return this.#text(message);
    const [packet, expected, buffers, slots] = pending!;
    if (buffers.push(message) < expected) {
      this.#pending = pending;
      return undefined;
    }
    // defineProperty: a "__proto__" key must stay an own property, never reach the prototype setter.
    // The placeholder is an own data property from JSON.parse (enumerable, writable, configurable):
    // redefining only its value keeps those attributes.
    for (const [container, key, num] of slots) Object.defineProperty(container, key, { value: buffers[num] });
    return packet;
  }

  #text(str: string): DecodedPacket | undefined {
    const { maxAttachments, maxDepth, maxNamespaceLength, rejectReservedEvents } = this.#opts;
    const len = str.length;
    let type = str.charCodeAt(0) - 48;
    // packet type within 0–6 (PROTOCOL.md)
    if (!(type >= 0 && type <= 6)) fail('EW_PACKET_TYPE');
    let i = 1;
    let j: number;
    let attachments = -1;
    if (type >= BINARY_EVENT) {
      // BINARY_EVENT / BINARY_ACK: an attachment count, an integer in 0..maxAttachments, then '-';
      // from here on the packet is an EVENT / ACK with attachments
      j = digits(str, 1, 7);
      attachments = Number(str.slice(1, j));
      if (j === 1 || str.charCodeAt(j) !== 45 /* - */ || attachments > maxAttachments) fail('EW_INVALID_ATTACHMENTS');
      i = j + 1;
      type -= BINARY_EVENT - EVENT;
    }

    let nsp = '/';
    if (str.charCodeAt(i) === 47 /* / */) {
      j = str.indexOf(',', i);
      if (j < 0) j = len;
      if (j - i > maxNamespaceLength) fail('EW_INVALID_NAMESPACE');
      nsp = str.slice(i, j);
      i = j + 1;
    }

    // ack id: a safe non-negative integer (PROTOCOL.md); a safe integer has at most 16 digits, so
    // the scan stops at 17. No packet data starts with '.', 'e' or 'E' (a fraction or an exponent
    // of the id: 46, 101, 69), nor with '-' (45; data is never a bare number: a negative id).
    j = digits(str, i, 17);
    const id = j > i ? Number(str.slice(i, j)) : undefined;
    const c = str.charCodeAt(j);
    if (j - i > 16 || !Number.isSafeInteger(id ?? 0) || (j > i ? c === 46 || c === 101 || c === 69 : c === 45)) {
      fail('EW_INVALID_ACK_ID');
    }

    let data: unknown;
    const hasData = j < len;
    if (hasData) {
      try {
        data = JSON.parse(str.slice(j));
      } catch {
        fail('EW_INVALID_JSON');
      }
    }

    // The walk enforces maxDepth and collects placeholders. Nesting deeper than maxDepth needs
    // more than 2 × maxDepth characters, so short data skips the walk.
    // (the slot list is made only for a walk: most packets allocate nothing here)
    let slots: Slot[] | undefined;
    if (isObject(data) && (attachments >= 0 || len - j > 2 * maxDepth)) walk(data, maxDepth, attachments, (slots = []));

    // an ack id only on EVENT (asking) and ACK (answering); always on ACK
    if (id === undefined ? type === ACK : type !== EVENT && type !== ACK) fail(type === DISCONNECT ? 'EW_INVALID_PAYLOAD' : 'EW_INVALID_ACK_ID');
    // the data rule of each packet type, BINARY_EVENT / BINARY_ACK as EVENT / ACK (PROTOCOL.md):
    // CONNECT nothing or a plain object, DISCONNECT nothing, CONNECT_ERROR `{message, data?}` (or
    // a bare string from older peers), ACK an array, EVENT a non-empty array with a string (or
    // number) first element
    const d = data as Container;
    if (
      !(type === CONNECT
        ? !hasData || isPlainObject(d)
        : type === DISCONNECT
          ? !hasData
          : type === CONNECT_ERROR
            ? typeof d === 'string' || (isPlainObject(d) && typeof d.message === 'string')
            : Array.isArray(d) && (type === ACK || typeof d[0] === 'string' || Number.isFinite(d[0])))
    ) {
      fail('EW_INVALID_PAYLOAD');
    }
    if (type === EVENT && rejectReservedEvents && RESERVED_EVENTS.has(d[0] as string)) fail('EW_RESERVED_EVENT');
    // CONNECT_ERROR keeps only `message` and `data` (a string has neither: it is the message)
    if (type === CONNECT_ERROR) {
      data = { message: typeof d === 'string' ? d : d.message };
      if (Object.hasOwn(d, 'data')) (data as Container).data = d.data;
    }
    const packet = (type === DISCONNECT ? { type, nsp } : type < EVENT || type > ACK ? { type, nsp, data } : { type, nsp, id, data }) as DecodedPacket;
    // a binary packet's data is an array (VALID_DATA), so the walk ran and made `slots`
    if (attachments > 0) this.#pending = [packet, attachments, [], slots!];
    else return packet;
  }
}

/**
 * Iterative walk of parsed data: enforces maxDepth and records placeholders (binary packets only,
 * `attachments` ≥ 0). One explicit stack of (container, depth) pairs, no recursion.
 */
function walk(root: Container, maxDepth: number, attachments: number, slots: Slot[]): void {
  // Interleaved: container, then its level (the root is level 1).
  const stack: Array<Container | number> = [root, 1];
  let level = 0;
  let value: Container;
  const visit = (key: string | number): void => {
    const child = value[key];
    if (!isObject(child)) return;
    if (attachments >= 0 && child._placeholder === true && !Array.isArray(child)) {
      // placeholder num: an integer within the attachments (PROTOCOL.md, CVE-2022-2421)
      const num = child.num;
      if (!(Number.isInteger(num) && (num as number) >= 0 && (num as number) < attachments)) {
        fail('EW_INVALID_PLACEHOLDER');
      }
      slots.push([value, key, num as number]);
    } else {
      // nesting deeper than maxDepth (PROTOCOL.md): fail before descending
      if (level >= maxDepth) fail('EW_NESTING_TOO_DEEP');
      stack.push(child, level + 1);
    }
  };
  if (maxDepth < 1) fail('EW_NESTING_TOO_DEEP');
  while (stack.length > 0) {
    level = stack.pop() as number;
    value = stack.pop() as Container;
    // index loops, not iterators: this runs on every long packet a server receives
    if (Array.isArray(value)) for (let k = 0; k < value.length; k++) visit(k);
    else for (const key of Object.keys(value)) visit(key);
  }
}
