/**
 * @emitwire/client for Node.js (the exports map's `node` condition): the same API, with the global
 * `WebSocket` where Node has one (22+) and the `ws` package otherwise. `extraHeaders` (handshake
 * headers, e.g. a cookie) always uses `ws`, since the WHATWG WebSocket cannot set headers.
 */
import WS from 'ws';
import { ioFor, socketIOFor, type IoFunction, type SocketIOConstructor } from './io.js';
import { Manager as BaseManager } from './manager.js';
import type { ClientOptions, ManagerOptions, WebSocketConstructor } from './options.js';

export * from './index.js';

/** Node-only options. */
export interface NodeOptions {
  /** Extra HTTP headers of the WebSocket handshake (uses `ws`). */
  extraHeaders?: Record<string, string>;
}

/** `io()` options in Node: the client options plus {@link NodeOptions}. */
export type NodeClientOptions = Partial<ClientOptions> & NodeOptions;

const globalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

function withWebSocket<T extends Partial<ManagerOptions> & NodeOptions>(opts: T = {} as T): T {
  if (opts.WebSocket !== undefined) return opts;
  const headers = opts.extraHeaders;
  const WebSocket: WebSocketConstructor =
    headers === undefined && globalWebSocket !== undefined
      ? globalWebSocket
      : class extends WS {
          constructor(url: string) {
            super(url, { headers });
          }
        };
  return { ...opts, WebSocket };
}

/** The Manager with Node's WebSocket (the global one, or `ws`). */
export class Manager extends BaseManager {
  constructor(uri: string, opts?: Partial<ManagerOptions> & NodeOptions) {
    super(uri, withWebSocket(opts));
  }
}

/** `io()` with Node's WebSocket; see the browser entry's `io`. */
export const io: IoFunction<NodeClientOptions> = ioFor(Manager);

/** The seed's `new SocketIO(host, port)` with Node's WebSocket. */
export const SocketIO: SocketIOConstructor<NodeClientOptions> = socketIOFor(io);
