import type { WebSocketLike } from '@emitwire/client';

/**
 * A scripted WebSocket for timer-driven tests (heartbeat, backoff, ack timeouts): the test plays
 * the server by calling `open()`, `receive()`, `drop()` and reads what the client `sent`.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    const ws = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!ws) throw new Error('no FakeWebSocket created');
    return ws;
  }

  binaryType = 'blob';
  readyState = 0;
  /** What the test says is queued unsent (the client reads it before answering a ping). */
  bufferedAmount = 0;
  sent: unknown[] = [];
  closedByClient = false;
  onopen: ((ev: never) => void) | null = null;
  onmessage: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error(`send in readyState ${this.readyState}`);
    this.sent.push(data);
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  /** The WebSocket handshake completed. */
  open(): void {
    this.readyState = 1;
    (this.onopen as ((ev: unknown) => void) | null)?.({});
  }

  /** Delivers one message from the server. */
  receive(data: string | ArrayBuffer | Uint8Array): void {
    (this.onmessage as ((ev: { data: unknown }) => void) | null)?.({ data });
  }

  /** Opens and sends the Engine.IO open packet. */
  handshake(pingInterval = 25000, pingTimeout = 20000, sid = 'engine-sid'): void {
    this.open();
    this.receive('0' + JSON.stringify({ sid, upgrades: [], pingInterval, pingTimeout, maxPayload: 1e6 }));
  }

  /** The connection drops (with an error first when `error`). */
  drop(error = false): void {
    this.readyState = 3;
    if (error) (this.onerror as ((ev: unknown) => void) | null)?.({});
    (this.onclose as ((ev: unknown) => void) | null)?.({ code: 1006, reason: '' });
  }

  /** Text messages sent so far, then forgets them. */
  take(): unknown[] {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}
