/*
 * Garbage collection for the retention tests: Jest runs without --expose-gc, so the flag is set at
 * run time and `gc` taken from a context made after it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** A full garbage collection. */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * Collects garbage until none of `refs` is alive, for at most `ms`; returns the names of those still
 * alive. Some releases wait for a macrotask (a TCP socket's close lets go of its handlers a tick or
 * two later), so each try waits a few ms first, in a new job: a WeakRef read keeps its target alive
 * until its job ends.
 */
export async function survivors(refs: Readonly<Record<string, WeakRef<object>>>, ms = 2000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    collectGarbage();
    const alive = Object.keys(refs).filter((name) => refs[name]!.deref() !== undefined);
    if (alive.length === 0 || Date.now() >= until) return alive;
  }
}
