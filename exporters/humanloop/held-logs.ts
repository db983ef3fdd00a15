import type { LogRequest } from "./types.js";

/** A still-open span that ended descendants' logs wait for. */
export interface Holder {
  /** Logs waiting for this span's log, in the order they may be sent (parents before children). */
  held?: LogRequest[];
  /** When the first of them started waiting (epoch ms). */
  heldSince?: number;
}

/**
 * Logs of ended spans waiting for their open logged ancestor, so that an
 * ancestor that ends soon is logged once, complete, instead of early and
 * then patched. One timer for all of them: when a holder has waited
 * `afterMillis`, `due` is called for it (the processor then logs it early).
 */
export class HeldLogs<N extends Holder> {
  private order: { node: N; since: number }[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Logs held in all. */
  count = 0;

  constructor(
    private readonly afterMillis: number,
    private readonly due: (node: N) => void,
  ) {}

  /** Makes `logs` wait for `node`. */
  hold(node: N, logs: LogRequest[]): void {
    if (!node.held) {
      node.held = [];
      node.heldSince = Date.now();
      this.order.push({ node, since: node.heldSince });
      this.arm();
    }
    for (const log of logs) node.held.push(log);
    this.count += logs.length;
  }

  /** Removes and returns the logs waiting for `node` (none: an empty array). */
  take(node: N): LogRequest[] {
    const held = node.held;
    if (!held) return [];
    node.held = undefined;
    node.heldSince = undefined;
    this.count -= held.length;
    return held;
  }

  /** Every node holding logs, oldest first; the holders are forgotten (their logs stay on them until taken). */
  drain(): N[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const nodes: N[] = [];
    for (let i = this.head; i < this.order.length; i++) {
      const { node, since } = this.order[i]!;
      if (node.held && node.heldSince === since) nodes.push(node);
    }
    this.order = [];
    this.head = 0;
    return nodes;
  }

  private arm(): void {
    if (this.timer || this.head >= this.order.length) return;
    const wait = Math.max(0, this.order[this.head]!.since + this.afterMillis - Date.now());
    this.timer = setTimeout(() => this.sweep(), wait);
    this.timer.unref?.();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.order.length) {
      const { node, since } = this.order[this.head]!;
      const live = node.held !== undefined && node.heldSince === since;
      if (live && since + this.afterMillis > now) break;
      this.head++;
      if (live) this.due(node);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }
}
