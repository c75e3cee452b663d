import type { EventContract } from '@emitwire/protocol';
import { Manager } from './manager.js';
import { DEFAULT_MANAGER_OPTIONS, type ClientOptions } from './options.js';
import type { Socket } from './socket.js';
import { pageProtocol, parseUrl } from './url.js';

/** `io()`'s signature: a URL (namespace in its path) and options, or options alone (same origin). */
export interface IoFunction<O = Partial<ClientOptions>> {
  <C extends EventContract = EventContract>(opts?: O): Socket<C>;
  <C extends EventContract = EventContract>(uri: string, opts?: O): Socket<C>;
}

/** The seed page's `new SocketIO(host, port)`, an alias of `io('http://host:port')`. */
export interface SocketIOConstructor<O = Partial<ClientOptions>> {
  new <C extends EventContract = EventContract>(host: string, port?: number, opts?: O): Socket<C>;
  <C extends EventContract = EventContract>(host: string, port?: number, opts?: O): Socket<C>;
}

/**
 * Builds an `io` function over a Manager class, with its own manager cache: one shared Manager per
 * origin and path (multiplexing). The cache holds its managers weakly: one stays shared while
 * something holds it (a socket of the application, an open connection, a reconnection timer), and
 * a manager nobody holds any more is collected rather than kept for good with its sockets and their
 * listeners (an application that meets many origins, or drops its sockets, would grow without
 * bound). A collected manager leaves only its key behind.
 */
export function ioFor<O extends Partial<ClientOptions>>(M: new (uri: string, opts: O) => Manager): IoFunction<O> {
  const managers = new Map<string, WeakRef<Manager>>();
  return <C extends EventContract>(uri?: string | O, opts = {} as O): Socket<C> => {
    if (typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    const url = parseUrl(uri);
    // one key for one server path: the default written or not, with or without the trailing slash
    const key = url.origin + (opts.path ?? DEFAULT_MANAGER_OPTIONS.path).replace(/\/?$/, '/');
    // the namespace as written (`/café`, `/my room`), as socket.io-client sends it; URL encodes it
    let nsp = url.pathname;
    try {
      nsp = decodeURI(nsp);
    } catch {
      // a malformed escape stays as it is
    }
    let manager = managers.get(key)?.deref();
    // the same namespace twice gets its own connection, as in socket.io-client
    if (opts.forceNew || opts.multiplex === false || manager?.nsps.has(nsp)) manager = new M(url.href, opts);
    else managers.set(key, new WeakRef((manager ??= new M(url.href, opts))));
    return manager.socket(nsp, opts) as unknown as Socket<C>;
  };
}

/**
 * Connects to a namespace: `io('http://host:8000/admin', opts)`. Sockets to the same origin share
 * one connection unless `forceNew` or `multiplex: false` is given (or the namespace is already
 * open on it, as in socket.io-client).
 *
 * @example
 * const socket = io<ChatEvents>('http://localhost:8000', { auth: { token } });
 */
export const io: IoFunction = /* @__PURE__ */ ioFor(Manager);

/** Builds the seed's `SocketIO` alias over an `io` function. */
export function socketIOFor<O>(connect: IoFunction<O>): SocketIOConstructor<O> {
  // a plain function: called with `new`, it returns the socket it built
  return function (host: string, port?: number, opts?: O) {
    // an IPv6 address goes in brackets (`::1` → `[::1]`)
    const name = /:/.test(host) && host[0] !== '[' ? `[${host}]` : host;
    return connect(port === undefined ? host : `${pageProtocol('http:') === 'https:' ? 'https' : 'http'}://${name}:${port}`, opts);
  } as unknown as SocketIOConstructor<O>;
}

/**
 * The seed page's style: `const io = new SocketIO('127.0.0.1', 8000)` is `io('http://127.0.0.1:8000')`.
 * A host with a scheme (`new SocketIO('https://example.com')`) is used as the URL.
 */
export const SocketIO: SocketIOConstructor = /* @__PURE__ */ socketIOFor(io);
