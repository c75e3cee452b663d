/*
 * `io.engine`: the Engine.IO-level events Socket.IO users reach for (refused handshakes, the `101`'s
 * headers, opened connections) and the connection count.
 *
 * The `101` headers cost a hook on ws's 'headers' event, so it is there only while someone listens
 * to `initial_headers` or `headers`: a connection otherwise pays nothing for this class but one
 * `listenerCount` check. Listeners are called one by one; a throw is reported to `onHandlerError`
 * and the others still run, and the handshake goes on (or is refused) as it would have.
 */
import { EventEmitter } from 'node:events';
import { validateHeaderName, validateHeaderValue, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Server as WsServer } from 'ws';
import type { EngineConnection } from './engine-connection.js';
import type { RefusalContext, Refusal } from './handshake.js';
import type { HandlerErrorContext } from './options.js';

/** A refused handshake, as `connection_error` reports it (Engine.IO's codes and messages, see `HandshakeError`). */
export interface ConnectionError {
  /** The refused request. */
  req: IncomingMessage;
  /** The Engine.IO error code: 0 Transport unknown … 5 Unsupported protocol version. */
  code: number;
  /** The Engine.IO message of `code` (`allowRequest`'s own text is in `context.message`). */
  message: string;
  /** What was refused: the offending value, or the reason's `name`. */
  context: RefusalContext;
}

/** Headers a listener may add to the `101` response: `headers['set-cookie'] = …`. */
export type ResponseHeaders = OutgoingHttpHeaders;

/** The events of {@link Engine}. */
export interface EngineEventMap {
  /** A handshake was refused (before any `101`). */
  connection_error: [err: ConnectionError];
  /** The `101` of a new connection is about to be written (first, then `headers`). */
  initial_headers: [headers: ResponseHeaders, req: IncomingMessage];
  /** The `101` of a new connection is about to be written (after `initial_headers`). */
  headers: [headers: ResponseHeaders, req: IncomingMessage];
  /** A connection opened (the object `socket.conn` is). */
  connection: [conn: EngineConnection];
}

type EngineEvent = keyof EngineEventMap;
type ErrorReporter = (err: unknown, context: HandlerErrorContext) => void;

/**
 * The Engine.IO level of a Server (`io.engine`).
 * @example
 * io.engine.on('connection_error', (err) => console.log(err.code, err.message, err.context));
 * io.engine.on('initial_headers', (headers, req) => { headers['set-cookie'] = 'id=1; HttpOnly'; });
 */
export class Engine extends EventEmitter<EngineEventMap> {
  private readonly server: { readonly clientsCount: number };
  private readonly onHandlerError: ErrorReporter;
  private wss: WsServer | undefined;
  /** Whether the ws 'headers' hook is on. */
  private hooked = false;

  constructor(server: { readonly clientsCount: number }, onHandlerError: ErrorReporter) {
    super();
    this.server = server;
    this.onHandlerError = onHandlerError;
    this.watchListeners();
  }

  /** The number of open connections (as `io.clientsCount`). */
  get clientsCount(): number {
    return this.server.clientsCount;
  }

  override removeAllListeners(event?: EngineEvent | 'newListener' | 'removeListener'): this {
    // Node tells "no argument" (every event) from an `undefined` one
    if (event === undefined) super.removeAllListeners();
    else super.removeAllListeners(event as EngineEvent);
    // without arguments (or for these two events) Node removes our own watchers too
    this.watchListeners();
    this.syncHook();
    return this;
  }

  /** @internal The ws server whose `101`s the header listeners see. */
  _useWebSocketServer(wss: WsServer): void {
    this.wss = wss;
    this.syncHook();
  }

  /** @internal Reports a refused handshake. */
  _refused(req: IncomingMessage, refusal: Refusal): void {
    if (this.listenerCount('connection_error') === 0) return;
    this.deliver('connection_error', [{ req, code: refusal.code, message: refusal.message, context: refusal.context }]);
  }

  /** @internal Reports an opened connection. */
  _connected(conn: EngineConnection): void {
    if (this.listenerCount('connection') === 0) return;
    this.deliver('connection', [conn]);
  }

  private watchListeners(): void {
    const emitter = this as EventEmitter;
    if (!emitter.listeners('newListener').includes(this.engineOnNewListener)) emitter.on('newListener', this.engineOnNewListener);
    if (!emitter.listeners('removeListener').includes(this.engineOnRemoveListener)) emitter.on('removeListener', this.engineOnRemoveListener);
  }

  // 'newListener' comes before the listener is added, 'removeListener' after it is gone
  private readonly engineOnNewListener = (event: string | symbol): void => {
    if (event === 'headers' || event === 'initial_headers') this.setHook(true);
  };

  private readonly engineOnRemoveListener = (event: string | symbol): void => {
    if (event === 'headers' || event === 'initial_headers') this.syncHook();
  };

  private syncHook(): void {
    this.setHook(this.listenerCount('headers') + this.listenerCount('initial_headers') > 0);
  }

  private setHook(on: boolean): void {
    if (this.wss === undefined || on === this.hooked) return;
    this.hooked = on;
    if (on) this.wss.on('headers', this.wssOnHeaders);
    else this.wss.off('headers', this.wssOnHeaders);
  }

  /** ws is about to write a `101` (its lines in `lines`): the listeners add to it. */
  private readonly wssOnHeaders = (lines: string[], req: IncomingMessage): void => {
    const headers: ResponseHeaders = {};
    // every handshake is a new session (WebSocket only, no upgrade from polling)
    this.deliver('initial_headers', [headers, req]);
    this.deliver('headers', [headers, req]);
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      try {
        // a CR or LF from a listener would split the response
        validateHeaderName(name);
        for (const item of values) validateHeaderValue(name, item);
      } catch (err) {
        this.report(err, 'headers');
        continue;
      }
      // one line per value (a list joined by commas would break `set-cookie`)
      for (const item of values) lines.push(`${name}: ${item}`);
    }
  };

  /** Calls each listener of `event`; one that throws is reported and the next still runs. */
  private deliver<K extends EngineEvent>(event: K, args: EngineEventMap[K]): void {
    for (const listener of this.rawListeners(event) as Array<(...a: EngineEventMap[K]) => void>) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.report(err, event);
      }
    }
  }

  private report(err: unknown, event: EngineEvent): void {
    try {
      this.onHandlerError(err, { nsp: '', socketId: '', event });
    } catch {
      // a failing error hook must not reach the event loop either
    }
  }
}
