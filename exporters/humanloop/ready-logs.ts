import type { CreateItem } from "./queue-items.js";

/**
 * Log creations ready to be sent, in order, with their total size, cut
 * into `POST /logs` batches whose body (`[a,b,...]`) never exceeds the byte
 * bound (a single larger log goes alone).
 */
export class ReadyLogs {
  private items: CreateItem[] = [];
  /** UTF-8 bytes of the ready logs' JSON. */
  bytes = 0;

  get length(): number {
    return this.items.length;
  }

  /** Adds a serialized log at the end. */
  push(item: CreateItem): void {
    this.bytes += item.bytes!;
    this.items.push(item);
  }

  /** Puts logs back at the front (to be retried first). */
  unshift(items: CreateItem[]): void {
    for (const item of items) this.bytes += item.bytes!;
    this.items.unshift(...items);
  }

  /** Removes and returns everything. */
  clear(): CreateItem[] {
    const all = this.items;
    this.items = [];
    this.bytes = 0;
    return all;
  }

  /** The next batch: at most `maxSize` logs within `maxBytes`; a log marked solo goes alone. */
  takeBatch(maxSize: number, maxBytes: number): CreateItem[] {
    let count = 0;
    let bytes = 1; // "[" ... "]" and a comma per log after the first
    let taken = 0;
    while (count < this.items.length && count < maxSize) {
      const next = this.items[count]!;
      const size = next.bytes! + 1;
      if (count > 0 && (bytes + size > maxBytes || next.solo)) break;
      bytes += size;
      taken += next.bytes!;
      count++;
      if (next.solo) break;
    }
    this.bytes -= taken;
    return this.items.splice(0, count); // one splice per batch, not a shift per log
  }
}
