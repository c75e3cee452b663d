import { invalidArgument } from '@emitwire/protocol';

const location = (globalThis as { location?: { protocol: string; host: string; href: string } }).location;

/** The page's protocol in a browser, `fallback` elsewhere. */
export function pageProtocol(fallback: string): string {
  return location?.protocol ?? fallback;
}

/**
 * Resolves what `io(uri)` was given to an absolute URL, as socket.io-client does: no uri is the
 * page's origin; `/admin` is a namespace on the page's origin; `//host` and `host:port` take the
 * page's protocol (`https:` outside a browser).
 * @throws {EmitwireError} `EW_INVALID_ARGUMENT` when it cannot be parsed.
 */
export function parseUrl(uri?: string): URL {
  let u = uri ?? (location ? location.protocol + '//' + location.host : '');
  // a path on the page's origin, or a URL with a scheme, as it is; else `//host` or `host`
  if (!/^\/(?!\/)|^[a-z][a-z\d+.-]*:\/\//i.test(u)) u = pageProtocol('https:') + '//' + u.replace(/^\/\//, '');
  try {
    return new URL(u, location?.href);
  } catch {
    return invalidArgument(`invalid URL "${uri}"`);
  }
}
