/** The last `capacity` items, oldest first; older ones are dropped. */
export class History<T> {
  private readonly items: T[] = [];

  constructor(readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** A copy, oldest first. */
  list(): T[] {
    return this.items.slice();
  }

  get size(): number {
    return this.items.length;
  }
}
