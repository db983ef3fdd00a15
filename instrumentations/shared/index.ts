/**
 * Provider-neutral helpers shared by the OpenAI and Anthropic
 * instrumentations: a span that ends exactly once ({@link CallSpan}), a
 * transparent wrapper for the SDKs' `APIPromise` ({@link traceApiPromise}),
 * a reader-driven follower for their `Stream` ({@link traceStream}), and the
 * global patched marker.
 *
 * Typical use inside a patched `create`:
 *
 * ```ts
 * const call = new CallSpan(span, (ending) => setResponseAttributes(span, acc));
 * return traceApiPromise(original.apply(this, args), call, (value, call) => {
 *   if (!traceStream(value, call, acc)) { setResult(span, value); call.finish(); }
 * });
 * ```
 *
 * @packageDocumentation
 */
export { CallSpan, endPendingCalls, errorType, type CallEnding, type Claimable } from "./call-span.js";
export { traceApiPromise, type ValueObserver, type RawResponseObserver } from "./api-promise.js";
export { traceStream, type ChunkObserver } from "./stream.js";
export { contentJson, snapshotRequest } from "./request-content.js";
export { PATCHED, isPatched, markPatched, isForeignWrapper } from "./patch-marker.js";
