/** Ignores what nobody is there to handle: an `'error'` a listener must absorb, a rejection already dealt with. */
export function noop(): void {}
