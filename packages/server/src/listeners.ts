import { invalidArgument } from './errors.js';

/**
 * A small listener registry keyed by event name. Names are looked up in a `Map`, so `__proto__`,
 * `constructor` or `toString` are ordinary names (PROTOCOL.md, decoder rules), and an event named
 * `error` is just another event: nothing throws when nobody listens (CVE-2024-38355).
 *
 * Unlike an EventEmitter, `emit` hands back what the listeners returned, which is how an async
 * handler's return value becomes the ack (DESIGN.md, async handlers).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of any shape are stored and called untyped
export type AnyFunction = (...args: any[]) => unknown;

interface Entry {
  fn: AnyFunction;
  once: boolean;
}

/** Event name → listeners, in registration order. */
export class ListenerMap {
  private readonly map = new Map<string, Entry[]>();

  on(event: string, fn: AnyFunction, once = false, prepend = false): void {
    if (typeof fn !== 'function') throw invalidArgument('listener must be a function');
    const entry: Entry = { fn, once };
    const list = this.map.get(event);
    if (list === undefined) this.map.set(event, [entry]);
    else if (prepend) list.unshift(entry);
    else list.push(entry);
  }

  /** Removes one registration of `fn`, or every listener of `event` when `fn` is omitted. */
  off(event?: string, fn?: AnyFunction): void {
    if (event === undefined) {
      this.map.clear();
      return;
    }
    if (fn === undefined) {
      this.map.delete(event);
      return;
    }
    const list = this.map.get(event);
    if (list === undefined) return;
    const i = list.findIndex((e) => e.fn === fn);
    if (i === -1) return;
    if (list.length === 1) this.map.delete(event);
    else list.splice(i, 1);
  }

  has(event: string): boolean {
    return this.map.has(event);
  }

  count(event: string): number {
    return this.map.get(event)?.length ?? 0;
  }

  listeners(event: string): AnyFunction[] {
    return (this.map.get(event) ?? []).map((e) => e.fn);
  }

  /**
   * Calls every listener of `event` with `args` (a snapshot, so listeners may add or remove
   * listeners safely) and reports each return value to `onResult`. A throwing listener does not
   * stop the others: its error goes to `onError`.
   */
  emit(
    event: string,
    args: readonly unknown[],
    onResult?: (value: unknown) => void,
    onError?: (err: unknown) => void,
  ): boolean {
    const list = this.map.get(event);
    if (list === undefined) return false;
    const snapshot = list.length === 1 ? [list[0]!] : list.slice();
    for (const entry of snapshot) {
      if (entry.once) this.off(event, entry.fn);
      let result: unknown;
      try {
        result = entry.fn(...args);
      } catch (err) {
        if (onError === undefined) throw err;
        onError(err);
        continue;
      }
      if (onResult !== undefined && result !== undefined) onResult(result);
    }
    return true;
  }
}
