import { invalidArgument } from '@emitwire/protocol';

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

/**
 * Where `emit` reports what listeners did, with the caller's context: an object with methods rather
 * than two closures per emit (the receive path emits once per incoming event: issue 6).
 */
export interface ListenerSink<Ctx> {
  /** A listener returned `value` (not `undefined`). */
  _listenerResult(event: string, value: unknown, ctx: Ctx): void;
  /** A listener threw `err`; the other listeners still run. */
  _listenerError(event: string, err: unknown, ctx: Ctx): void;
}

/** A listener registered to run once. */
class Once {
  constructor(readonly fn: AnyFunction) {}
}

/** A plain listener is stored as the function itself: no wrapper object per listener. */
type Listener = AnyFunction | Once;

const fnOf = (listener: Listener): AnyFunction => (typeof listener === 'function' ? listener : listener.fn);

/** Event name → listeners, in registration order. */
export class ListenerMap {
  // The listeners of one event name sit in two fields, a lone listener as itself (no array); a Map
  // is made only for a second name. Most sockets listen to one or two events, with one listener
  // each, and an empty Map alone costs ~300 bytes, a one-element array ~56 (issue 6).
  private firstEvent: string | undefined = undefined;
  private first: Listener | Listener[] | undefined = undefined;
  private more: Map<string, Listener[]> | undefined = undefined;

  on(event: string, fn: AnyFunction, once = false, prepend = false): void {
    if (typeof fn !== 'function') invalidArgument('listener must be a function');
    const listener = once ? new Once(fn) : fn;
    if (event === this.firstEvent) {
      const first = this.first!;
      if (!Array.isArray(first)) this.first = prepend ? [listener, first] : [first, listener];
      else if (prepend) first.unshift(listener);
      else first.push(listener);
      return;
    }
    const list = this.more?.get(event);
    if (list !== undefined) {
      if (prepend) list.unshift(listener);
      else list.push(listener);
    } else if (this.first === undefined) {
      this.firstEvent = event;
      this.first = listener;
    } else {
      (this.more ??= new Map()).set(event, [listener]);
    }
  }

  /** Removes one registration of `fn`, or every listener of `event` when `fn` is omitted, or all. */
  off(event?: string, fn?: AnyFunction): void {
    if (event === undefined) {
      this.firstEvent = this.first = this.more = undefined;
      return;
    }
    if (fn === undefined) {
      this.remove(event);
      return;
    }
    if (event === this.firstEvent && !Array.isArray(this.first)) {
      if (fnOf(this.first!) === fn) this.remove(event);
      return;
    }
    const list = this.list(event);
    if (list === undefined) return;
    const i = list.findIndex((l) => fnOf(l) === fn);
    if (i === -1) return;
    if (list.length === 1) this.remove(event);
    else list.splice(i, 1);
  }

  has(event: string): boolean {
    return this.list(event) !== undefined;
  }

  count(event: string): number {
    return this.list(event)?.length ?? 0;
  }

  listeners(event: string): AnyFunction[] {
    return (this.list(event) ?? []).map(fnOf);
  }

  /**
   * Calls every listener of `event` with `args` (over a snapshot, so listeners may add or remove
   * listeners safely) and reports each return value other than `undefined`, and each throw, to
   * `sink` with `ctx`. A throwing listener does not stop the others. Without a sink, a throw
   * propagates.
   */
  emit<Ctx>(event: string, args: readonly unknown[], sink?: ListenerSink<Ctx>, ctx?: Ctx): boolean {
    const entry = event === this.firstEvent ? this.first : this.more?.get(event);
    if (entry === undefined) return false;
    // one listener (the common case) needs no snapshot
    if (!Array.isArray(entry)) {
      this.call(event, entry, args, sink, ctx as Ctx);
      return true;
    }
    for (const listener of entry.slice()) this.call(event, listener, args, sink, ctx as Ctx);
    return true;
  }

  private call<Ctx>(event: string, listener: Listener, args: readonly unknown[], sink: ListenerSink<Ctx> | undefined, ctx: Ctx): void {
    let fn = listener as AnyFunction;
    if (typeof listener !== 'function') {
      fn = listener.fn;
      this.off(event, fn);
    }
    let result: unknown;
    try {
      result = fn(...args);
    } catch (err) {
      if (sink === undefined) throw err;
      sink._listenerError(event, err, ctx);
      return;
    }
    if (sink !== undefined && result !== undefined) sink._listenerResult(event, result, ctx);
  }

  /** The listeners of `event` (a one-element array for a lone first listener), or `undefined`. */
  private list(event: string): Listener[] | undefined {
    if (event !== this.firstEvent) return this.more?.get(event);
    const first = this.first;
    return first === undefined || Array.isArray(first) ? first : [first];
  }

  private remove(event: string): void {
    if (event === this.firstEvent) this.firstEvent = this.first = undefined;
    else this.more?.delete(event);
  }
}
