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
  // The listeners of one event name sit in two fields; a Map is made only for a second name. Most
  // sockets listen to one or two events, and an empty Map alone costs ~300 bytes (issue 6).
  private firstEvent: string | undefined = undefined;
  private firstList: Listener[] | undefined = undefined;
  private more: Map<string, Listener[]> | undefined = undefined;

  on(event: string, fn: AnyFunction, once = false, prepend = false): void {
    if (typeof fn !== 'function') throw invalidArgument('listener must be a function');
    const listener = once ? new Once(fn) : fn;
    const list = this.list(event);
    if (list !== undefined) {
      if (prepend) list.unshift(listener);
      else list.push(listener);
    } else if (this.firstList === undefined) {
      this.firstEvent = event;
      this.firstList = [listener];
    } else {
      (this.more ??= new Map()).set(event, [listener]);
    }
  }

  /** Removes one registration of `fn`, or every listener of `event` when `fn` is omitted, or all. */
  off(event?: string, fn?: AnyFunction): void {
    if (event === undefined) {
      this.firstEvent = this.firstList = this.more = undefined;
      return;
    }
    if (fn === undefined) {
      this.remove(event);
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
    const list = this.list(event);
    if (list === undefined) return false;
    // one listener (the common case) needs no snapshot
    if (list.length === 1) {
      this.call(event, list[0]!, args, sink, ctx as Ctx);
      return true;
    }
    for (const listener of list.slice()) this.call(event, listener, args, sink, ctx as Ctx);
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

  private list(event: string): Listener[] | undefined {
    return event === this.firstEvent ? this.firstList : this.more?.get(event);
  }

  private remove(event: string): void {
    if (event === this.firstEvent) this.firstEvent = this.firstList = undefined;
    else this.more?.delete(event);
  }
}
