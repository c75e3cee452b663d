/*
 * The path and query parameters of a request URL, exactly as the WHATWG URL parser gives them. Every
 * upgrade request needs them, and `new URL` costs more than the rest of the checks together
 * (issue 6, connection rate): a request for the server's own path written in plain characters
 * (what every client sends) is split by hand; anything else goes through `new URL`.
 */

/** Characters the URL parser keeps as they are in a path and whose query decoding it shares with URLSearchParams. */
const PLAIN = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** A request URL's pathname and query parameters. */
export interface RequestTarget {
  pathname: string;
  params: URLSearchParams;
}

/** Parses request URLs for one server path. */
export class RequestTargetParser {
  private readonly paths: readonly string[];

  constructor(basePath: string) {
    const paths = [basePath, basePath.endsWith('/') ? basePath : basePath + '/'];
    // the shortcut holds only for paths the URL parser leaves unchanged (no dot segments, no escapes)
    this.paths = paths.every((p) => parseUrl(p)?.pathname === p) ? paths : [];
  }

  /** The pathname and parameters of `raw` (a request's `url`), or `undefined` when it does not parse. */
  parse(raw: string): RequestTarget | undefined {
    if (PLAIN.test(raw)) {
      const q = raw.indexOf('?');
      const pathname = q < 0 ? raw : raw.slice(0, q);
      if (this.paths.includes(pathname)) return { pathname, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
    }
    const url = parseUrl(raw);
    return url === undefined ? undefined : { pathname: url.pathname, params: url.searchParams };
  }
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return undefined;
  }
}
