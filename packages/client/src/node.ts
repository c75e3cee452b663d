/**
 * @emitwire/client for Node.js (the exports map's `node` condition): the same API, with the global
 * `WebSocket` where Node has one (22+) and the `ws` package otherwise. `extraHeaders` (handshake
 * headers, e.g. a cookie) always uses `ws`, since the WHATWG WebSocket cannot set headers.
 */
import type { Socket as TcpSocket } from 'node:net';
import { DEFAULT_DECODER_OPTIONS } from '@emitwire/protocol';
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

/**
 * `ws` with the messages sent in one tick corked into one TCP write, as the server does: a burst
 * of emits (say, one per ack that arrived in the same TCP read) costs one writev, not one per
 * message (profiled: the separate writes were 37% of a pipelining client's CPU).
 */
export class NodeWebSocket extends WS {
  #corked = false;

  /**
   * `maxPayload`: the largest message ws reads before closing with 1009 (its own default is 100 MiB,
   * which a hostile server could make it buffer, or inflate from a few kB with permessage-deflate,
   * for every message). The Manager passes 3 × the decoder's `maxPayload` + 1: the decoder counts
   * UTF-16 units, ws bytes (up to 3 per unit), so ws stops only what the decoder would refuse anyway.
   */
  constructor(url: string, headers?: Record<string, string>, maxPayload = wsMaxPayload(undefined)) {
    super(url, headers === undefined ? { maxPayload } : { headers, maxPayload });
  }

  // (one signature for ws's two overloads: options and callback pass through as given)
  override send(data: unknown, options?: unknown, cb?: unknown): void {
    // ws keeps its TCP socket on a private field; without it (a future ws), sends are not batched
    const raw = (this as unknown as { _socket?: TcpSocket })._socket;
    if (!this.#corked && raw !== undefined && this.readyState === WS.OPEN) {
      this.#corked = true;
      raw.cork();
      process.nextTick(() => {
        this.#corked = false;
        raw.uncork();
      });
    }
    (super.send as (...args: unknown[]) => void).call(this, data, options, cb);
  }
}

/** ws's limit for a decoder limit: an engine message of `maxPayload` UTF-16 units, 3 bytes each at most, plus its type. */
function wsMaxPayload(decoderMaxPayload: number | undefined): number {
  // ws keeps it as an int32, where 0 (or an overflow) means no limit
  return Math.min(3 * (decoderMaxPayload ?? DEFAULT_DECODER_OPTIONS.maxPayload) + 1, 2 ** 31 - 1);
}

function withWebSocket<T extends Partial<ManagerOptions> & NodeOptions>(opts: T = {} as T): T {
  if (opts.WebSocket !== undefined) return opts;
  const headers = opts.extraHeaders;
  const maxPayload = wsMaxPayload(opts.decoder?.maxPayload);
  const WebSocket: WebSocketConstructor =
    headers === undefined && globalWebSocket !== undefined
      ? globalWebSocket
      : class extends NodeWebSocket {
          constructor(url: string) {
            super(url, headers, maxPayload);
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
