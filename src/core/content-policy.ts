import { DEFAULT_MAX_CONTENT_LENGTH, toJsonText, toOutputText, truncate } from "./serialize.js";

/**
 * A function that redacts captured content before it leaves the process. It
 * gets each captured text (JSON for structured values) and the attribute it
 * is destined for, and returns the text to keep.
 */
export type MaskFunction = (text: string, info: { attribute: string }) => string;

/** What content is captured into spans, process-wide. Set by `register()`. */
export interface ContentPolicy {
  /** Capture prompts, completions, inputs and outputs. */
  captureContent: boolean;
  /** Longest captured attribute, in characters. */
  maxContentLength: number;
  mask?: MaskFunction;
}

// Kept on globalThis under a registered symbol so the ESM and CommonJS builds
// of this package, or two installed copies, agree on one policy.
const POLICY_KEY = Symbol.for("humanloop-otel.content-policy");

/** `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` read as a boolean, or undefined when unset. */
export function captureContentFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const raw = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase();
  if (raw === undefined || raw === "") return undefined;
  return !(raw === "false" || raw === "0" || raw === "no" || raw === "off" || raw === "no_content" || raw === "none");
}

function defaultPolicy(): ContentPolicy {
  return { captureContent: captureContentFromEnv() ?? true, maxContentLength: DEFAULT_MAX_CONTENT_LENGTH };
}

/** The process-wide content policy (defaults: capture on unless the env var says off, 64 KiB, no mask). */
export function getContentPolicy(): ContentPolicy {
  const g = globalThis as { [POLICY_KEY]?: ContentPolicy };
  return (g[POLICY_KEY] ??= defaultPolicy());
}

/** Replaces parts of the process-wide content policy. */
export function setContentPolicy(update: Partial<ContentPolicy>): void {
  const current = getContentPolicy();
  const next: ContentPolicy = { ...current };
  for (const [k, v] of Object.entries(update)) if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  if ("mask" in update) next.mask = update.mask;
  (globalThis as { [POLICY_KEY]?: ContentPolicy })[POLICY_KEY] = next;
}

/** Applies the mask (if any) and the length limit to a captured text. A throwing mask yields `"[mask failed]"`: content is never leaked unmasked. */
export function applyPolicy(text: string, attribute: string, policy: ContentPolicy = getContentPolicy()): string {
  let out = text;
  if (policy.mask) {
    try {
      out = String(policy.mask(out, { attribute }));
    } catch {
      out = "[mask failed]";
    }
  }
  return truncate(out, policy.maxContentLength);
}

/** A structured value as masked, bounded JSON text for `attribute`. */
export function captureJson(value: unknown, attribute: string, policy: ContentPolicy = getContentPolicy()): string {
  // Serialize with a generous bound first so the mask sees whole values; the policy cuts after masking.
  return applyPolicy(toJsonText(value, policy.maxContentLength * 4), attribute, policy);
}

/** An output value (a string as is, anything else as JSON) as masked, bounded text for `attribute`. */
export function captureOutput(value: unknown, attribute: string, policy: ContentPolicy = getContentPolicy()): string {
  return applyPolicy(toOutputText(value, policy.maxContentLength * 4), attribute, policy);
}
