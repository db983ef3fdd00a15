/**
 * Request content (messages, tools, system prompt) is captured lazily: the
 * request body is copied shallowly at the start of a call, and serialized
 * when the span ends, only for spans that record.
 */
import { applyPolicy, captureJson, type ContentPolicy } from "../../src/core/content-policy.js";

type Json = Record<string, unknown>;

/**
 * A copy of a request body that later changes to it, or to its arrays
 * (`messages.push(reply)` while streaming), do not reach. A message object
 * changed in place before the span ends shows its new content.
 */
export function snapshotRequest(body: Json): Json {
  const copy: Json = {};
  for (const key in body) {
    const v = body[key];
    copy[key] = Array.isArray(v) ? v.slice() : v;
  }
  return copy;
}

/**
 * A value built by an instrumentation from a request or response, as masked,
 * bounded JSON text for `attribute`. Plain `JSON.stringify` first; the safe
 * (copying) serializer only for what it cannot handle (cycles, BigInt).
 */
export function contentJson(value: unknown, attribute: string, policy?: ContentPolicy): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return text === undefined ? captureJson(value, attribute, policy) : applyPolicy(text, attribute, policy);
}
