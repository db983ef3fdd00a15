import { diag } from "@opentelemetry/api";
import type { ReadableSpan, SdkSpan, SpanProcessor } from "./core/otel-sdk.js";
import { setProcessExiting } from "./core/process-exit.js";

/**
 * Delivers queued spans when the process ends: on `beforeExit` (the event
 * loop ran dry; span queues use unref'd timers, so without this they would be
 * lost) and on SIGTERM. A SIGTERM is not swallowed: when the app has no
 * SIGTERM listener of its own, the signal is raised again after the flush, so
 * the process ends as it would have. On `beforeExit` nothing can read a
 * stream any more, so calls still open (a stream never read) are ended first
 * and their logs delivered too.
 */
export class ExitFlush implements SpanProcessor {
  /** A span ended since the last flush; `beforeExit` fires again after each flush, so this stops the loop. */
  private dirty = false;
  private flushing = false;
  private readonly onBeforeExit = (): void => this.beforeExit();
  private readonly onSigterm = (): void => void this.sigterm();

  constructor(
    private readonly flushTracing: () => Promise<void>,
    private readonly shutdownTracing: () => Promise<void>,
    private readonly timeoutMillis: number,
    private readonly endOpenCalls: () => void,
  ) {}

  /** Starts listening to `beforeExit` and SIGTERM. */
  install(): void {
    process.on("beforeExit", this.onBeforeExit);
    process.on("SIGTERM", this.onSigterm);
  }

  /** Stops listening. */
  uninstall(): void {
    process.removeListener("beforeExit", this.onBeforeExit);
    process.removeListener("SIGTERM", this.onSigterm);
  }

  onStart(_span: SdkSpan): void {}

  onEnd(_span: ReadableSpan): void {
    this.dirty = true;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private beforeExit(): void {
    if (this.flushing) return;
    try {
      // Ends their spans, which marks this processor dirty when there are any.
      this.endOpenCalls();
    } catch (err) {
      diag.error("humanloop-otel: ending open calls on beforeExit failed", err);
    }
    if (!this.dirty) return;
    this.dirty = false;
    this.flushing = true;
    // The exit flush is bounded by its own timer: the exporter must not keep the process alive past it.
    setProcessExiting(true);
    void withTimeout(this.flushTracing(), this.timeoutMillis, "beforeExit").finally(() => {
      this.flushing = false;
      setProcessExiting(false);
    });
  }

  private async sigterm(): Promise<void> {
    this.uninstall();
    const appHandlesSigterm = process.listenerCount("SIGTERM") > 0;
    // When the app has its own handler it decides when to exit, and may keep working: flush, don't shut down.
    await withTimeout(appHandlesSigterm ? this.flushTracing() : this.shutdownTracing(), this.timeoutMillis, "SIGTERM");
    if (!appHandlesSigterm && process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
  }
}

async function withTimeout(work: Promise<void>, ms: number, when: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    const outcome = await Promise.race([work.then(() => "done" as const), timeout]);
    if (outcome === "timeout") diag.warn(`humanloop-otel: flushing spans on ${when} took longer than ${ms} ms; some may be lost`);
  } catch (err) {
    diag.error(`humanloop-otel: flushing spans on ${when} failed`, err);
  } finally {
    clearTimeout(timer);
  }
}
