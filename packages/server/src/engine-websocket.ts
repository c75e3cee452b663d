/*
 * The `ws` WebSocket class the server's WebSocketServer builds (its documented `WebSocket` option).
 * `message`, `close` and `error` go straight to the connection that owns the socket, instead of
 * through three listener closures per connection: nothing per connection but one field, and no
 * EventEmitter lookup on each message. Other events keep the EventEmitter path.
 */
import { WebSocket } from 'ws';

/** What the socket reports to its connection. */
export interface WebSocketOwner {
  _wsOnMessage(data: Buffer, isBinary: boolean): void;
  _wsOnClose(): void;
  _wsOnError(err: Error): void;
}

/** A `ws` WebSocket that reports to its owner. */
export class EngineWebSocket extends WebSocket {
  /** @internal Set by the connection right after the upgrade, before any event can fire. */
  _owner: WebSocketOwner | undefined = undefined;

  // ws emits at most two arguments on a server socket ('close': code, reason; 'ping': data …)
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const owner = this._owner;
    if (owner !== undefined) {
      if (event === 'message') {
        owner._wsOnMessage(a as Buffer, b as boolean);
        return true;
      }
      if (event === 'close') {
        owner._wsOnClose();
        return true;
      }
      if (event === 'error') {
        owner._wsOnError(a as Error);
        return true;
      }
    }
    return super.emit(event, a, b);
  }
}
