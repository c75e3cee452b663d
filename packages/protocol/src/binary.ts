import type { BinaryData } from './engine-codec.js';
import { EmitwireError, type ErrorCodeValue } from './errors.js';

/** How deep `hasBinary` and the binary encoder look before they call data circular (encoder side). */
const MAX_ENCODE_DEPTH = 1000;

const hasBlob = typeof Blob === 'function';

/** True for the values sent as binary attachments: ArrayBuffer, any ArrayBufferView (Buffer too), Blob. */
export function isBinary(value: unknown): value is BinaryData {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (hasBlob && value instanceof Blob)
  );
}

function tooDeep(): EmitwireError {
  return new EmitwireError('EW_INVALID_ARGUMENT' satisfies ErrorCodeValue, 'data is circular or nested too deeply to encode');
}

/** True when a binary value occurs anywhere in `value` (arrays and plain object values). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > MAX_ENCODE_DEPTH) throw tooDeep();
  if (isBinary(value)) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinary(value[i], depth + 1)) return true;
    return false;
  }
  // Objects with toJSON (Date, …) serialise through it; look at what it yields, like JSON.stringify.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return hasBinary(toJSON.call(value), depth + 1);
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinary((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * Copies `value`, replacing each binary with `{ _placeholder: true, num }` and pushing it onto
 * `attachments` in order. The caller's data is never mutated.
 */
export function replaceBinaries(value: unknown, attachments: BinaryData[], depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_ENCODE_DEPTH) throw tooDeep();
  if (isBinary(value)) {
    attachments.push(value);
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = replaceBinaries(value[i], attachments, depth + 1);
    return out;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return replaceBinaries(toJSON.call(value), attachments, depth + 1);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = replaceBinaries((value as Record<string, unknown>)[key], attachments, depth + 1);
    // defineProperty, not assignment: a "__proto__" key stays an ordinary own property.
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
