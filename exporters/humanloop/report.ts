import { diag } from "@opentelemetry/api";

/**
 * Reports delivery problems through the OTel diag logger without flooding
 * it: each kind of error once, and drop counts at most once per interval.
 */
export class DeliveryReport {
  private readonly reported = new Set<string>();
  private readonly drops = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSummary = 0;

  constructor(private readonly intervalMillis = 10_000) {}

  /** `message` through `diag.error`, only the first time `key` is seen. */
  once(key: string, message: string, level: "error" | "warn" = "error"): void {
    if (this.reported.has(key)) return;
    if (this.reported.size > 1000) this.reported.clear();
    this.reported.add(key);
    diag[level](`humanloop-otel: ${message}`);
  }

  /** Counts `n` items given up for `reason`; the totals go out rate-limited. */
  drop(reason: string, n = 1): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + n);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSummary + this.intervalMillis - Date.now());
    this.timer = setTimeout(() => this.summarize(), wait);
    this.timer.unref?.();
  }

  /** Writes the pending drop counts now. */
  summarize(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.drops.size === 0) return;
    this.lastSummary = Date.now();
    const parts = [...this.drops].map(([reason, n]) => `${n} ${reason}`);
    this.drops.clear();
    diag.warn(`humanloop-otel: items not delivered to Humanloop: ${parts.join(", ")}`);
  }
}
