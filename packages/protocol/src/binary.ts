import type { BinaryData } from './engine-codec.js';
import { invalidArgument } from './errors.js';

/** How deep the binary encoder looks before it calls data circular (encoder side). */
const MAX_ENCODE_DEPTH = 1000;

/** The misuse message of data JSON cannot carry (circular, too deep, BigInt, a bare function). */
export const UNENCODABLE = 'data cannot be encoded as JSON';

/** True for the values sent as binary attachments: ArrayBuffer, any ArrayBufferView (Buffer too), Blob. */
export function isBinary(value: unknown): value is BinaryData {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) || (typeof Blob === 'function' && value instanceof Blob);
}

/** True when a binary value occurs anywhere in `value` (arrays and plain object values). */
export function hasBinary(value: unknown): boolean {
  const attachments: BinaryData[] = [];
  replaceBinaries(value, attachments);
  return attachments.length > 0;
}

/**
 * Replaces each binary in `value` (array elements and own enumerable object values, through
 * `toJSON` like JSON.stringify) with `{ _placeholder: true, num }`, pushing it onto `attachments` in
 * order. Returns `value` itself when it holds no binary (no copy: one walk both detects and
 * replaces), else a copy of what leads to the binaries. The caller's data is never mutated.
 */
export function replaceBinaries(value: unknown, attachments: BinaryData[], depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_ENCODE_DEPTH) invalidArgument(UNENCODABLE);
  if (isBinary(value)) return { _placeholder: true, num: attachments.push(value) - 1 };
  const record = value as Record<string | number, unknown>;
  const array = Array.isArray(value);
  const toJSON = record.toJSON;
  // Objects with toJSON (Date, …, an array of its own) serialise through it; look at what it
  // yields, like JSON.stringify.
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    const out = replaceBinaries(json, attachments, depth + 1);
    return out === json ? value : out;
  }
  let copy: Record<string | number, unknown> | undefined;
  // (an array is its own list of keys: its indices)
  const keys = array ? (value as unknown[]) : Object.keys(value);
  for (let i = 0, n = keys.length; i < n; i++) {
    const key = array ? i : (keys[i] as string);
    const v = record[key];
    const out = replaceBinaries(v, attachments, depth + 1);
    // The copy has every key as an own data property (spread, not assignment), so setting a
    // "__proto__" key sets that property, never the prototype.
    if (out !== v) (copy ??= array ? ([...(value as unknown[])] as unknown as typeof record) : { ...record })[key] = out;
  }
  return copy ?? value;
}
