/*
 * The path and query parameters of a request URL, exactly as the WHATWG URL parser gives them. Every
 * upgrade request needs them, and `new URL` costs more than the rest of the checks together
 * (issue 6, connection rate): a request for the server's own path written in plain characters
 * (what every client sends) is split by hand; anything else goes through `new URL`.
 */

/** Characters the URL parser keeps as they are in a path and whose query decoding it shares with URLSearchParams. */
const PLAIN = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** The query parameters the handshake checks read. */
export interface QueryParams {
  /** The value of `name` when the query has it exactly once, else `undefined`. */
  single(name: string): string | undefined;
  /** True when the query has `name` at least once. */
  has(name: string): boolean;
}

/** A request URL's pathname and query parameters. */
export interface RequestTarget {
  pathname: string;
  params: QueryParams;
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
      if (this.paths.includes(pathname)) {
        const query = q < 0 ? '' : raw.slice(q + 1);
        // nothing to decode: read in place, as URLSearchParams would read it, without building it
        const params = PLAIN_QUERY.test(query) ? new PlainQuery(query) : new DecodedQuery(new URLSearchParams(query));
        return { pathname, params };
      }
    }
    const url = parseUrl(raw);
    return url === undefined ? undefined : { pathname: url.pathname, params: new DecodedQuery(url.searchParams) };
  }
}

/**
 * A query with nothing for the form-urlencoded parser to change: no `%` escape, no `+`, no leading
 * `?` (which URLSearchParams drops). Its names and values are its `&`-separated pieces split at the
 * first `=`, read in place: URLSearchParams and its arrays cost every upgrade several hundred bytes
 * of garbage and a microsecond (issue 6, connection rate).
 */
const PLAIN_QUERY = /^(?!\?)[^%+]*$/;

class PlainQuery implements QueryParams {
  constructor(private readonly query: string) {}

  single(name: string): string | undefined {
    const at = this.find(name, 0);
    if (at < 0) return undefined;
    const end = this.pairEnd(at);
    if (this.find(name, end + 1) >= 0) return undefined;
    return at === end ? '' : this.query.slice(at + 1, end);
  }

  has(name: string): boolean {
    return this.find(name, 0) >= 0;
  }

  /** Where the name of the first `name` pair from `from` ends (at its `=`, or at the pair's end), or -1. */
  private find(name: string, from: number): number {
    // char by char: a handful of String#indexOf calls per lookup cost more than the whole scan
    const q = this.query;
    const n = q.length;
    for (let start = from; start < n; ) {
      let p = start;
      let i = 0;
      while (i < name.length && p < n && q.charCodeAt(p) === name.charCodeAt(i)) {
        p++;
        i++;
      }
      if (i === name.length) {
        const c = p < n ? q.charCodeAt(p) : AMPERSAND;
        // the name ends at its `=`, or at the end of the pair; an empty piece (`&&`) is no pair,
        // `=x` is a pair with an empty name
        if (c === EQUALS || (c === AMPERSAND && p > start)) return p;
      }
      start = this.pairEnd(p) + 1;
    }
    return -1;
  }

  /** The end of the pair `from` is in: its `&`, or the end of the query. */
  private pairEnd(from: number): number {
    const q = this.query;
    let p = from;
    while (p < q.length && q.charCodeAt(p) !== AMPERSAND) p++;
    return p;
  }
}

const AMPERSAND = 0x26;
const EQUALS = 0x3d;

/** Parameters decoded by URLSearchParams. */
class DecodedQuery implements QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  single(name: string): string | undefined {
    const all = this.params.getAll(name);
    return all.length === 1 ? all[0] : undefined;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return undefined;
  }
}
