/**
 * Whether the process is ending (register()'s `beforeExit` flush is running).
 * An explicit `forceFlush()` keeps the process alive until it settles, since
 * the app awaits it; the exit flush must not, since it has its own time limit
 * and the process should end when that runs out. Kept on globalThis so both
 * builds of the package agree.
 */
const EXITING_KEY = Symbol.for("humanloop-otel.process-exiting");

/** Marks the process as ending (true) or not (false). */
export function setProcessExiting(exiting: boolean): void {
  (globalThis as { [EXITING_KEY]?: boolean })[EXITING_KEY] = exiting;
}

/** Whether the process is ending (see {@link setProcessExiting}). */
export function isProcessExiting(): boolean {
  return (globalThis as { [EXITING_KEY]?: boolean })[EXITING_KEY] === true;
}

/**
 * Returns `work`, keeping the process alive until it settles, unless the
 * process is ending: the exporter's own timers are unref'd (like the OTel
 * batch processor's), so an awaited flush would otherwise let Node exit with
 * the flush unsettled.
 */
export function keepAliveUntilSettled<T>(work: Promise<T>): Promise<T> {
  if (isProcessExiting()) return work;
  const keepAlive = setInterval(() => {}, 1 << 30);
  return work.finally(() => clearInterval(keepAlive));
}
