/*
 * `socket.handshake`, built on first use from what the connection kept of its upgrade request
 * (headers, url, address, …) and the socket's CONNECT payload. Most applications never read it, or
 * read it once in a middleware; building it eagerly cost every idle socket an object with its own
 * hidden class and a parsed query (issue 6, idle memory).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { EngineConnection } from './engine-connection.js';
import { isSameOrigin } from './handshake.js';

/** The handshake details of a socket (Socket.IO's `socket.handshake`). */
export interface Handshake {
  /** The upgrade request's headers. */
  headers: IncomingHttpHeaders;
  /** When the connection opened, as `Date#toString()`. */
  time: string;
  /** The client's IP address. */
  address: string;
  /** True when the request carried an `Origin` header other than the server's own. */
  xdomain: boolean;
  /** True over TLS. */
  secure: boolean;
  /** When the connection opened, in ms since the epoch. */
  issued: number;
  /** The request URL. */
  url: string;
  /** The query parameters (repeated names give arrays). */
  query: Record<string, string | string[]>;
  /** The CONNECT payload (`auth` option of the client), `{}` when absent. */
  auth: Record<string, unknown>;
}

function parseQuery(url: string): Record<string, string | string[]> {
  // prototype-less: a "__proto__" parameter is an ordinary key
  const query = Object.create(null) as Record<string, string | string[]>;
  let params: URLSearchParams;
  try {
    params = new URL(url === '' ? '/' : url, 'http://localhost').searchParams;
  } catch {
    return query;
  }
  for (const [key, value] of params) {
    const prev = query[key];
    // a repeated name grows its own array in place: copying it for each repeat was quadratic, and a
    // URL of `a&a&a…` then cost seconds of CPU on first read of the handshake
    if (prev === undefined) query[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else query[key] = [prev, value];
  }
  return query;
}

/**
 * The parsed query of each connection whose handshake was read, shared by its sockets (as Socket.IO
 * shares `request._query`): parsed per socket, a URL of a few thousand parameters (16 kB, within
 * Node's header limit) cost ~100 kB of heap for each of the connection's up to
 * `maxNamespacesPerConnection` sockets, 10 MB per connection. A WeakMap, not a field: an idle
 * connection whose handshake nobody reads pays nothing (issue 6, idle memory).
 */
const queries = new WeakMap<EngineConnection, Record<string, string | string[]>>();

function queryOf(conn: EngineConnection): Record<string, string | string[]> {
  let query = queries.get(conn);
  if (query === undefined) {
    query = parseQuery(conn.url);
    queries.set(conn, query);
  }
  return query;
}

/** The handshake details of one socket of `conn`. */
export function buildHandshake(conn: EngineConnection, auth: Record<string, unknown>): Handshake {
  const { headers } = conn;
  return {
    headers,
    time: new Date(conn.issued).toString(),
    address: conn.remoteAddress,
    // documented as cross-origin only: a browser sends Origin on every WebSocket handshake, same origin included
    xdomain: typeof headers.origin === 'string' && !isSameOrigin(headers.host, conn.secure, headers.origin),
    secure: conn.secure,
    issued: conn.issued,
    url: conn.url,
    query: queryOf(conn),
    auth,
  };
}
