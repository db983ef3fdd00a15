/**
 * A process-wide marker for methods this package has wrapped. It is a
 * registered symbol, so a second registration, or a second copy of the
 * package (ESM and CJS builds, two installed versions), sees the wrap and
 * does not wrap again.
 */
export const PATCHED = Symbol.for("humanloop-otel.patched");

interface Wrapped {
  [PATCHED]?: true;
  __original?: unknown;
  __wrapped?: boolean;
}

/** True when `fn`, or a function it wraps (shimmer's `__original` chain), was wrapped by this package. */
export function isPatched(fn: unknown): boolean {
  let current: unknown = fn;
  for (let depth = 0; depth < 8 && typeof current === "function"; depth++) {
    if ((current as Wrapped)[PATCHED]) return true;
    current = (current as Wrapped).__original;
  }
  return false;
}

/** Marks `fn` as wrapped by this package; returns it. */
export function markPatched<F extends Function>(fn: F): F {
  Object.defineProperty(fn, PATCHED, { value: true, enumerable: false });
  return fn;
}

/** True when `fn` is another instrumentation's wrapper (shimmer sets `__wrapped`). */
export function isForeignWrapper(fn: unknown): boolean {
  return typeof fn === "function" && (fn as Wrapped).__wrapped === true && !(fn as Wrapped)[PATCHED];
}
