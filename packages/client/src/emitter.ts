/*
 * A tiny typed event emitter for the Manager and the Socket (the browser bundle carries no
 * eventemitter3). Listeners live in a Map, so `__proto__` or `constructor` are ordinary names.
 * The local dispatch is `emitReserved`, because `Socket#emit` sends to the server.
 */

type Stored = ((...args: unknown[]) => void) & { fn?: unknown };

/** Event names of an emitter: its reserved events, then its user events. */
export type EmitterEvents<R, E> = (keyof R | keyof E) & string;

/** The listener of event `K`: reserved events win over user events of the same name. */
export type EmitterListener<R, E, K> = K extends keyof R ? R[K] : K extends keyof E ? E[K] : never;

/**
 * A minimal typed event emitter: `on`, `once`, `off`, `listeners`. `R` maps reserved (local) events
 * to listener signatures; `E` maps the user events that arrive from the peer.
 */
export class Emitter<R extends object, E extends object = object> {
  #listeners = new Map<string, Stored[]>();

  /** Adds a listener for `event`. */
  on<K extends EmitterEvents<R, E>>(event: K, listener: EmitterListener<R, E, K>): this {
    let list = this.#listeners.get(event);
    if (list === undefined) this.#listeners.set(event, (list = []));
    list.push(listener as Stored);
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
  off<K extends EmitterEvents<R, E>>(event?: K, listener?: EmitterListener<R, E, K>): this {
    if (event === undefined) this.#listeners.clear();
    else if (listener === undefined) this.#listeners.delete(event);
    else {
      const list = this.#listeners.get(event) ?? [];
      const i = list.findIndex((f) => f === listener || f.fn === listener);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /** Same as {@link off} with no listener: removes every listener of `event`, or of every event. */
  removeAllListeners<K extends EmitterEvents<R, E>>(event?: K): this {
    return this.off(event);
  }

  /** The listeners of `event` (a copy). */
  listeners<K extends EmitterEvents<R, E>>(event: K): EmitterListener<R, E, K>[] {
    return (this.#listeners.get(event) ?? []).slice() as EmitterListener<R, E, K>[];
  }

  /** True when `event` has at least one listener. */
  hasListeners<K extends EmitterEvents<R, E>>(event: K): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  /** Calls the listeners of reserved event `event` (local only, never sent over the wire). */
  emitReserved<K extends keyof R & string>(event: K, ...args: R[K] extends (...a: infer A) => void ? A : never): void {
    this.dispatch(event, args);
  }

  /** Calls the listeners of any event with `args`. */
  protected dispatch(event: string, args: unknown[]): void {
    // a copy: a listener may remove itself (once) or others while we iterate
    for (const fn of this.#listeners.get(event)?.slice() ?? []) fn.apply(this, args);
  }
}
