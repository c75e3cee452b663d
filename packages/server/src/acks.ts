/*
 * The acks a socket waits for (server → client emits). Each entry is settled exactly once: by the
 * client's ACK, by its timeout, or by the socket's disconnection. The socket keeps the table within
 * `maxPendingAcks`, and creates it only with its first pending ack.
 */
import { ClosedError, ErrorCode, TimeoutError } from '@emitwire/protocol';

/** Settles one pending ack: `err` on timeout or disconnect, else the ack's arguments. */
export type AckSettler = (err: Error | null, args: unknown[]) => void;

interface Entry {
  settle: AckSettler;
  timer: NodeJS.Timeout | undefined;
}

/** Pending acks of one socket, by ack id. */
export class PendingAcks {
  private readonly entries = new Map<number, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Registers an ack; with `timeout`, it is settled with a TimeoutError when no answer came in time. */
  add(id: number, settle: AckSettler, timeout?: number): void {
    const entry: Entry = { settle, timer: undefined };
    if (timeout !== undefined) {
      entry.timer = setTimeout(() => {
        if (this.entries.get(id) !== entry) return;
        this.entries.delete(id);
        settle(new TimeoutError(ErrorCode.ACK_TIMEOUT, `operation has timed out after ${timeout} ms`), []);
      }, timeout);
    }
    this.entries.set(id, entry);
  }

  /** Settles an ack with the client's answer. An id that is not pending is dropped (PROTOCOL.md). */
  resolve(id: number, args: unknown[]): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    entry.settle(null, args);
  }

  /** Settles every pending ack with a disconnection error. */
  rejectAll(): void {
    if (this.entries.size === 0) return;
    const entries = [...this.entries.values()];
    this.entries.clear();
    const err = new ClosedError(ErrorCode.DISCONNECTED, 'socket has been disconnected');
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.settle(err, []);
    }
  }
}

/** The error an ack callback gets when the pending-ack table is full. */
export function acksFullError(max: number): ClosedError {
  return new ClosedError(ErrorCode.BUFFER_FULL, `too many pending acks (maxPendingAcks is ${max})`);
}
