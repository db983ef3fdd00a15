/**
 * Which queued items a `forceFlush()` waits for: every item is stamped with
 * the epoch it was queued in, and a flush started in epoch `e` resolves once
 * no item of an epoch `<= e` is outstanding. O(1) per item, no polling.
 */
export class FlushTracker {
  private epoch = 0;
  /** epoch -> items of it still outstanding, oldest epoch first (Map keeps insertion order). */
  private readonly outstanding = new Map<number, number>();
  private waiters: { epoch: number; resolve: () => void }[] = [];

  /** Counts one more item in the current epoch and returns that epoch. */
  track(): number {
    this.outstanding.set(this.epoch, (this.outstanding.get(this.epoch) ?? 0) + 1);
    return this.epoch;
  }

  /** Counts one more item in `epoch`, which still has an item outstanding (a follow-up of that item: the same flushes wait for it). */
  trackIn(epoch: number): number {
    this.outstanding.set(epoch, (this.outstanding.get(epoch) ?? 0) + 1);
    return epoch;
  }

  /** An item of `epoch` is settled. */
  done(epoch: number): void {
    const left = (this.outstanding.get(epoch) ?? 1) - 1;
    if (left > 0) this.outstanding.set(epoch, left);
    else {
      this.outstanding.delete(epoch);
      this.check();
    }
  }

  /** Whether a flush is waiting (batches then go out without their delay). */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Resolves once everything tracked so far is settled. */
  flush(): Promise<void> {
    const epoch = this.epoch++;
    return new Promise((resolve) => {
      this.waiters.push({ epoch, resolve });
      this.check();
    });
  }

  /** Resolves every waiter (at shutdown). */
  releaseAll(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private check(): void {
    if (this.waiters.length === 0) return;
    const oldest = this.outstanding.keys().next().value;
    this.waiters = this.waiters.filter((w) => {
      if (oldest !== undefined && oldest <= w.epoch) return true;
      w.resolve();
      return false;
    });
  }
}
