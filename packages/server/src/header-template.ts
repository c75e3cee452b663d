/*
 * What a connection keeps of its upgrade request's headers, for `socket.handshake.headers`.
 *
 * Clients of one server mostly send the same headers (host, upgrade, connection, version, user
 * agent, languages …) and differ only in `sec-websocket-key`, a fresh nonce per connection. The
 * headers object Node builds for each request cost every idle connection ~96 bytes (an object
 * with more properties than it holds in itself, and its property array; issue 6, idle memory).
 * Once a request repeats the previous one (same names in the same order, same values but the key),
 * a HeaderTemplate of it is shared by every connection whose request matches it: such a connection
 * keeps the template and its own key, and gets its own headers object, equal to the one Node built,
 * when it is first read.
 */
import type { IncomingHttpHeaders } from 'node:http';

const KEY = 'sec-websocket-key';

/** How many templates a server keeps (the most recently made first): a few kinds of clients. */
const MAX_TEMPLATES = 4;

/** The header names and values of a repeated upgrade request, except its `sec-websocket-key`. */
export class HeaderTemplate {
  private constructor(
    private readonly names: readonly string[],
    private readonly values: readonly string[],
    /** Where `sec-websocket-key` is among the names, -1 when absent. */
    private readonly keyAt: number,
  ) {}

  /** A template of `headers` if it repeats `last` (the key aside) and holds only string values. */
  static ofRepeat(headers: IncomingHttpHeaders, last: IncomingHttpHeaders): HeaderTemplate | undefined {
    let count = 0;
    for (const name in headers) {
      const value = headers[name];
      if (typeof value !== 'string' || (name !== KEY && last[name] !== value)) return undefined;
      if (name !== KEY) count++;
    }
    for (const name in last) if (name !== KEY) count--;
    if (count !== 0) return undefined;
    const names: string[] = [];
    const values: string[] = [];
    let keyAt = -1;
    for (const name in headers) {
      if (name === KEY) keyAt = names.length;
      names.push(name);
      values.push(headers[name] as string);
    }
    return new HeaderTemplate(names, values, keyAt);
  }

  /** True when `headers` has this template's names, in its order, and its values (the key aside). */
  matches(headers: IncomingHttpHeaders): boolean {
    const { names, values, keyAt } = this;
    let i = 0;
    for (const name in headers) {
      if (i === names.length || names[i] !== name) return false;
      const value = headers[name];
      if (typeof value !== 'string' || (i !== keyAt && values[i] !== value)) return false;
      i++;
    }
    return i === names.length;
  }

  /**
   * The `sec-websocket-key` of `headers` (which this template matches), as the template's own
   * string when equal (a client that repeats its key; see `shareHeaderValues`).
   */
  keyOf(headers: IncomingHttpHeaders): string | undefined {
    const key = headers[KEY];
    const own = this.keyAt === -1 ? undefined : this.values[this.keyAt];
    return key === own ? own : key;
  }

  /** A fresh headers object: the template's names and values, with `key` as `sec-websocket-key`. */
  build(key: string | undefined): IncomingHttpHeaders {
    const { names, values, keyAt } = this;
    const headers: IncomingHttpHeaders = {};
    for (let i = 0; i < names.length; i++) headers[names[i]!] = i === keyAt ? key : values[i];
    return headers;
  }
}

/** The templates of one server's connections and the last request that fitted none of them. */
export interface HeaderTemplates {
  /** Most recently made first, at most MAX_TEMPLATES. */
  templates: HeaderTemplate[];
  /** The last upgrade request's headers that no template matched: a value repeated from them shares their string. */
  lastHeaders: IncomingHttpHeaders;
}

/**
 * Makes the values `headers` repeats from `last` share its strings: the http parser gives every
 * request fresh strings (~110 bytes per connection with the bench's five headers, more with a
 * browser's). Only the identity of equal strings changes.
 */
function shareHeaderValues(headers: IncomingHttpHeaders, last: IncomingHttpHeaders): void {
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== 'string') continue;
    const previous = last[name];
    if (previous === value) headers[name] = previous;
  }
}

/**
 * What a connection keeps of `headers`: a matching template (then the connection keeps the key as
 * well), or the headers object itself.
 */
export function keepHeaders(headers: IncomingHttpHeaders, kept: HeaderTemplates): HeaderTemplate | IncomingHttpHeaders {
  const { templates } = kept;
  for (let i = 0; i < templates.length; i++) {
    const template = templates[i]!;
    if (template.matches(headers)) return template;
  }
  const last = kept.lastHeaders;
  const template = HeaderTemplate.ofRepeat(headers, last);
  if (template !== undefined) {
    templates.unshift(template);
    if (templates.length > MAX_TEMPLATES) templates.pop();
    return template;
  }
  shareHeaderValues(headers, last);
  kept.lastHeaders = headers;
  return headers;
}
