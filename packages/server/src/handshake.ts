/*
 * Checks an upgrade request before any `101` (PROTOCOL.md, Engine.IO handshake): `EIO=4`,
 * `transport=websocket`, no `sid`, the origin policy, then `allowRequest`. A refused request gets
 * `400` (or `403`) with the Engine.IO error message as its body, and its socket is destroyed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { OriginPolicy, ServerOptions } from './options.js';
import type { QueryParams } from './request-target.js';

/** The Engine.IO handshake error table. */
export const HandshakeError = {
  TRANSPORT_UNKNOWN: { code: 0, message: 'Transport unknown' },
  UNKNOWN_SID: { code: 1, message: 'Session ID unknown' },
  BAD_HANDSHAKE_METHOD: { code: 2, message: 'Bad handshake method' },
  BAD_REQUEST: { code: 3, message: 'Bad request' },
  FORBIDDEN: { code: 4, message: 'Forbidden' },
  UNSUPPORTED_PROTOCOL_VERSION: { code: 5, message: 'Unsupported protocol version' },
} as const;

/**
 * What a refusal adds to its `connection_error` (engine.io gives the same shapes for the refusals it
 * shares): the offending value, or the reason's `name`.
 */
export type RefusalContext =
  | { transport: string | undefined }
  | { sid: string | undefined }
  | { method: string | undefined }
  | { protocol: 3 }
  | { name: 'TRANSPORT_HANDSHAKE_ERROR' }
  | { name: 'ORIGIN_NOT_ALLOWED'; origin: string }
  | { message: string | null | undefined }
  | { name: 'ALLOW_REQUEST_ERROR'; error: unknown };

/** A refused handshake: HTTP status, Engine.IO error code and message, and what `connection_error` tells of it. */
export interface Refusal {
  status: 400 | 403;
  code: number;
  /** The Engine.IO message of `code`. */
  message: string;
  context: RefusalContext;
  /** The response body when it is not `message` (`allowRequest`'s own text). */
  body?: string;
}

/** The checks every request on the path gets, in Engine.IO's order: transport, then sid, then method. */
function checkRequest(req: IncomingMessage, params: QueryParams): Refusal | undefined {
  const transport = params.single('transport');
  if (transport !== 'websocket') return { status: 400, ...HandshakeError.TRANSPORT_UNKNOWN, context: { transport } };
  // a sid belongs to the polling → WebSocket upgrade, which is not served
  if (params.has('sid')) return { status: 400, ...HandshakeError.UNKNOWN_SID, context: { sid: params.single('sid') } };
  if (req.method !== 'GET') return { status: 400, ...HandshakeError.BAD_HANDSHAKE_METHOD, context: { method: req.method } };
  return undefined;
}

/**
 * The protocol checks of an upgrade request, in Engine.IO's order. Parameters are read with
 * `single`: a repeated or missing one is refused (CVE-2023-31125).
 */
export function checkProtocol(req: IncomingMessage, params: QueryParams): Refusal | undefined {
  const refusal = checkRequest(req, params);
  if (refusal !== undefined) return refusal;
  // engine.io counts every EIO other than 4 as revision 3, and reports it so
  if (params.single('EIO') !== '4') return { status: 400, ...HandshakeError.UNSUPPORTED_PROTOCOL_VERSION, context: { protocol: 3 } };
  return undefined;
}

/**
 * The refusal of a plain HTTP request on the path: long-polling is not served, and a WebSocket
 * handshake needs an upgrade (Engine.IO answers a `transport=websocket` request without one so,
 * before it would look at `EIO`).
 */
export function refusePlainRequest(req: IncomingMessage, params: QueryParams): Refusal {
  return checkRequest(req, params) ?? { status: 400, ...HandshakeError.BAD_REQUEST, context: { name: 'TRANSPORT_HANDSHAKE_ERROR' } };
}

/** The refusal of an origin the policy does not allow. */
function originRefusal(req: IncomingMessage): Refusal {
  const origin = req.headers.origin ?? '';
  return { status: 403, ...HandshakeError.FORBIDDEN, context: { name: 'ORIGIN_NOT_ALLOWED', origin } };
}

function matchOrigin(policy: string | RegExp, origin: string): boolean {
  return typeof policy === 'string' ? policy === '*' || policy === origin : policy.test(origin);
}

/** True when the page's origin is the server's own (same scheme, `host` header and port). */
export function isSameOrigin(host: string | undefined, secure: boolean, origin: string): boolean {
  if (typeof host !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  const scheme = secure ? 'https:' : 'http:';
  if (parsed.protocol !== scheme) return false;
  const defaultPort = secure ? '443' : '80';
  const withPort = host.includes(':') && !host.endsWith(']') ? host : `${host}:${defaultPort}`;
  return `${parsed.hostname}:${parsed.port === '' ? defaultPort : parsed.port}` === withPort.toLowerCase();
}

/**
 * The origin policy's verdict when it is known at once: no `Origin` header or the same origin are
 * accepted; other origins only when `cors.origin` allows them. `undefined` when a policy function
 * has to decide.
 */
function originVerdict(req: IncomingMessage, policy: OriginPolicy | undefined): boolean | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  if (isSameOrigin(req.headers.host, (req.socket as { encrypted?: boolean }).encrypted === true, origin)) return true;
  if (policy === undefined || policy === false) return false;
  if (policy === true) return true;
  if (typeof policy === 'function') return undefined;
  if (Array.isArray(policy)) return policy.some((p: string | RegExp) => matchOrigin(p, origin));
  return matchOrigin(policy as string | RegExp, origin);
}

/**
 * The outcome of every check when none needs a callback (the usual case: no Origin or a fixed
 * policy, no `allowRequest`): a refusal, or `null` when the handshake may proceed. `undefined` when
 * a policy function or `allowRequest` has to decide: then `checkHandshakeLater`. The upgrade then
 * makes no closure (issue 6, garbage per connection).
 */
export function handshakeVerdict(
  req: IncomingMessage,
  params: QueryParams,
  options: Pick<ServerOptions, 'cors' | 'allowRequest'>,
): Refusal | null | undefined {
  const refusal = checkProtocol(req, params);
  if (refusal !== undefined) return refusal;
  const verdict = originVerdict(req, options.cors.origin);
  if (verdict === undefined) return undefined;
  if (!verdict) return originRefusal(req);
  return options.allowRequest === undefined ? null : undefined;
}

/**
 * The checks `handshakeVerdict` left open (it returned `undefined`; the protocol checks passed):
 * the origin policy function, then `allowRequest`. Calls `done` with a refusal or `undefined`.
 */
export function checkHandshakeLater(
  req: IncomingMessage,
  options: Pick<ServerOptions, 'cors' | 'allowRequest'>,
  done: (refusal: Refusal | undefined) => void,
): void {
  const policy = options.cors.origin;
  const verdict = originVerdict(req, policy);
  if (verdict !== undefined) return afterOrigin(verdict, req, options, done);
  // a policy function decides, once, and a throw refuses
  const origin = req.headers.origin as string;
  let called = false;
  const decided = (allowed: boolean): void => {
    if (called) return;
    called = true;
    afterOrigin(allowed, req, options, done);
  };
  try {
    (policy as Extract<OriginPolicy, (...args: never[]) => unknown>)(origin, (err, allow) => decided(err === null && allow === true));
  } catch {
    decided(false);
  }
}

/** The checks after the origin policy: `allowRequest`. */
function afterOrigin(
  allowed: boolean,
  req: IncomingMessage,
  options: Pick<ServerOptions, 'allowRequest'>,
  done: (refusal: Refusal | undefined) => void,
): void {
  if (!allowed) return done(originRefusal(req));
  const allowRequest = options.allowRequest;
  if (allowRequest === undefined) return done(undefined);
  let called = false;
  const callback = (err: string | null | undefined, success: boolean): void => {
    if (called) return;
    called = true;
    if (success === true) return done(undefined);
    const refusal: Refusal = { status: 403, ...HandshakeError.FORBIDDEN, context: { message: err } };
    if (typeof err === 'string' && err !== '') refusal.body = err;
    done(refusal);
  };
  try {
    allowRequest(req, callback);
  } catch (error) {
    if (called) return;
    called = true;
    done({ status: 403, ...HandshakeError.FORBIDDEN, context: { name: 'ALLOW_REQUEST_ERROR', error } });
  }
}

/** Answers a refused upgrade on the raw socket and destroys it (no `101` was sent). */
export function refuseUpgrade(socket: Duplex, refusal: Pick<Refusal, 'status' | 'message' | 'body'>): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = refusal.body ?? refusal.message;
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  socket.once('finish', () => socket.destroy());
}

/** Answers a plain HTTP request on the server's path (polling is not served) with the Engine.IO error JSON. */
export function refuseRequest(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ code: refusal.code, message: refusal.body ?? refusal.message });
  res.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
