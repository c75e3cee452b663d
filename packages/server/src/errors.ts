import { EmitwireError, ErrorCode } from '@emitwire/protocol';

/** The error thrown synchronously for misuse of the API (`EW_INVALID_ARGUMENT`). */
export function invalidArgument(message: string): EmitwireError {
  return new EmitwireError(ErrorCode.INVALID_ARGUMENT, message);
}

/** Ignores what nobody is there to handle: an `'error'` a listener must absorb, a rejection already dealt with. */
export function noop(): void {}
