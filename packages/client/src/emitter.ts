/*
 * A tiny typed event emitter for the Manager and the Socket (the browser bundle carries no
 * eventemitter3). Listeners live in a Map, so `__proto__` or `constructor` are ordinary names.
 * The local dispatch is `emitReserved`, because `Socket#emit` sends to the server.
 *
 * Every listener list (an event's, and the Socket's `onAny` / `onAnyOutgoing` lists, kept under
 * symbol keys that no event name can equal) goes through the same `on`, `off` and `listeners` (see Lists).
 */

type Stored = ((...args: unknown[]) => void) & { fn?: unknown };

/**
 * @internal Calls user code (a listener, an ack callback). Its exception is reported on its own,
 * thrown from a timer as a DOM event listener's is, so that it never cuts short what the client
 * was doing (telling the other sockets, settling the other acks, reconnecting).
 */
export function call(fn: (...args: never[]) => void, args: unknown[], self?: unknown): void {
  try {
    (fn as Stored).apply(self, args);
  } catch (err) {
    setTimeout(() => {
      throw err;
    });
  }
}

/** A listener list's key: an event name, or a symbol for a subclass's own list (`onAny`). */
type Key = string | symbol;

/** Event names of an emitter: its reserved events, then its user events. */
export type EmitterEvents<R, E> = (keyof R | keyof E) & string;

/** The listener of event `K`: reserved events win over user events of the same name. */
export type EmitterListener<R, E, K> = K extends keyof R ? R[K] : K extends keyof E ? E[K] : never;

/**
 * A minimal typed event emitter: `on`, `once`, `off`, `listeners`. `R` maps reserved (local) events
 * to listener signatures; `E` maps the user events that arrive from the peer.
 */
export class Emitter<R extends object, E extends object = object> {
  #lists = new Map<Key, Stored[]>();

  /** Adds a listener for `event`. */
  on<K extends EmitterEvents<R, E>>(event: K, listener: EmitterListener<R, E, K>): this;
  // (one implementation for every list: a subclass's own lists go through it too, see Lists)
  on(key: Key, fn: unknown, prepend?: boolean): this {
    const lists = this.#lists;
    let list = lists.get(key);
    if (!list) lists.set(key, (list = []));
    list[prepend ? 'unshift' : 'push'](fn as Stored);
    return this;
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends EmitterEvents<R, E>>(event: K, listener: EmitterListener<R, E, K>): this {
    const wrapper: Stored = (...args) => {
      this.off(event, wrapper as EmitterListener<R, E, K>);
      (listener as Stored).apply(this, args);
    };
    wrapper.fn = listener;
    return this.on(event, wrapper as EmitterListener<R, E, K>);
  }

  /**
   * Removes one listener of `event` (also one added with `once`), every listener of `event` when
   * `listener` is omitted, or every listener of every event when both are omitted.
   */
  off<K extends EmitterEvents<R, E>>(event?: K, listener?: EmitterListener<R, E, K>): this;
  off(key?: Key, fn?: unknown): this {
    const lists = this.#lists;
    // every event's list, not a subclass's own lists (`socket.off()` keeps the `onAny` listeners)
    if (key === undefined) {
      for (const k of lists.keys()) if (typeof k === 'string') lists.delete(k);
    }
    else if (fn === undefined) lists.delete(key);
    else {
      const list = lists.get(key) ?? [];
      const i = list.findIndex((f) => f === fn || f.fn === fn);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /** Same as {@link off} with no listener: removes every listener of `event`, or of every event. */
  removeAllListeners<K extends EmitterEvents<R, E>>(event?: K): this {
    return this.off(event);
  }

  /** The listeners of `event` (a copy: listeners may remove themselves (once) or others while it runs). */
  listeners<K extends EmitterEvents<R, E>>(event: K): EmitterListener<R, E, K>[];
  listeners(key: Key): Stored[] {
    return [...(this.#lists.get(key) ?? [])];
  }

  /** True when `event` has at least one listener. */
  hasListeners<K extends EmitterEvents<R, E>>(event: K): boolean {
    return this.listeners(event).length > 0;
  }

  /** Calls the listeners of reserved event `event` (local only, never sent over the wire). */
  emitReserved<K extends keyof R & string>(event: K, ...args: R[K] extends (...a: infer A) => void ? A : never): void {
    this.dispatch(event, args);
  }

  /** Calls the listeners of any event (or list `key`) with `args`. */
  protected dispatch(key: Key, args: unknown[]): void {
    // a copy only when there are listeners (most events of a busy socket have none for onAny / onAnyOutgoing)
    const list = this.#lists.get(key);
    if (list) for (const fn of list.slice()) call(fn, args, this);
  }
}

/**
 * @internal `on`, `off` and `listeners` as they are implemented: for any list key, a subclass's
 * symbol-keyed lists (`onAny`) included, `on` adding last or (`prepend`) first. A subclass reaches
 * them through `this as unknown as Lists<this>`, so that the public signatures stay typed by event.
 */
export interface Lists<T> {
  on(key: Key, fn: unknown, prepend?: boolean): T;
  off(key: Key, fn?: unknown): T;
  listeners(key: Key): Stored[];
}

/**
 * An emitter with Socket.IO's pairs of names for opening and closing, the Manager's and the
 * Socket's (one copy of the aliases in the browser bundle): `connect` is `open`, `disconnect` is
 * `close`. `C` is the type of `open`'s callback (`never`: it takes none).
 */
export abstract class Link<R extends object, E extends object = object, C = never> extends Emitter<R, E> {
  /** Opens (connects). */
  abstract open(callback?: C): this;
  /** Closes (disconnects). */
  abstract close(): this;

  /** Same as `open`. */
  connect(callback?: C): this {
    return this.open(callback);
  }

  /** Same as `close`. */
  disconnect(): this {
    return this.close();
  }
}
