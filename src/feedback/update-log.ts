import { diag, trace, type Span } from "@opentelemetry/api";
import { Humanloop } from "../core/attributes.js";
import { captureJson, getContentPolicy } from "../core/content-policy.js";
import { toLogFeedback, type LogFeedbackOptions } from "./feedback-options.js";
import { isLoggedSpan } from "./log-ref.js";
import { checkKnownKeys, isPlainObject } from "../core/option-checks.js";

/**
 * `updateCurrentLog()`: the application enriches the log of the active span
 * (inside a `traced()` function, that function's log) with its own data.
 *
 * @packageDocumentation
 */

/** What `updateCurrentLog()` can add to the current log. */
export interface UpdateLogOptions {
  /** Merged into the log's `metadata` (later keys win). Masked and bounded like all captured content. */
  metadata?: Record<string, unknown>;
  /**
   * Merged into the log's `inputs` (later keys win). Content: left out when
   * content capture is off (`captureContent: false`,
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false`).
   */
  inputs?: Record<string, unknown>;
  /** The log's `source` (overrides `register({ source })`). */
  source?: string;
  /** The log's `environment`, e.g. `"production"` (overrides `register({ environment })`). */
  environment?: string;
  /** Feedback recorded with the log itself (the LogRequest's `feedback` field); added to any given earlier. */
  feedback?: LogFeedbackOptions | LogFeedbackOptions[];
}

const WHERE = "humanloop-otel updateCurrentLog(options)";
const KEYS = new Set(["metadata", "inputs", "source", "environment", "feedback"]);

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

function validate(options: unknown): { options: UpdateLogOptions; feedback?: ReturnType<typeof toLogFeedback> } {
  if (!isPlainObject(options)) throw new TypeError(`${WHERE}: options must be an object like { metadata: { plan: "pro" } }, got ${kindOf(options)}`);
  checkKnownKeys(options, KEYS, WHERE);
  for (const key of ["metadata", "inputs"] as const) {
    const value = options[key];
    if (value !== undefined && !isPlainObject(value)) throw new TypeError(`${WHERE}: "${key}" must be a plain object, got ${kindOf(value)}`);
  }
  for (const key of ["source", "environment"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(`${WHERE}: "${key}" must be a non-empty string, got ${kindOf(value)}`);
    }
  }
  const feedback = options.feedback === undefined ? undefined : toLogFeedback(options.feedback, `${WHERE} feedback`);
  return feedback === undefined ? { options } : { options, feedback };
}

/** The JSON value of `key` already on the span (SDK spans are readable), or undefined. */
function existing(span: Span, key: string): unknown {
  const raw = (span as Partial<{ attributes: Record<string, unknown> }>).attributes?.[key];
  if (typeof raw !== "string") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    diag.debug(`humanloop-otel: updateCurrentLog(): ${key} on the span is not whole JSON (truncated?); it is replaced`);
    return undefined;
  }
}

function merged(span: Span, key: string, update: Record<string, unknown>): Record<string, unknown> {
  const before = existing(span, key);
  return isPlainObject(before) ? { ...before, ...update } : { ...update };
}

/**
 * Adds metadata, inputs, a source, an environment or feedback to the log of
 * the active span, by setting its `humanloop.*` attributes (so other
 * backends see them too). Metadata and inputs are merged with what the span
 * already carries (e.g. a `traced()` function's arguments); the span's
 * parent and children are not touched.
 *
 * Outside any span, or on a span that has ended, nothing is recorded and the
 * OTel diag logger says so; it never throws for that. A value set after the
 * log was already sent early (because a child needed it) cannot follow it:
 * the exporter reports that through `diag`.
 *
 * @example
 * ```ts
 * const answer = traced(async (q: string) => {
 *   updateCurrentLog({ metadata: { plan: "pro" }, inputs: { locale: "de" } });
 *   ...
 * });
 * ```
 * @throws TypeError for an unknown option or a value of the wrong type.
 */
export function updateCurrentLog(options: UpdateLogOptions): void {
  const checked = validate(options);
  const span = trace.getActiveSpan();
  if (span === undefined) {
    diag.warn("humanloop-otel: updateCurrentLog() was called outside any span; nothing was recorded (call it inside a traced() function)");
    return;
  }
  if (!span.isRecording()) {
    diag.warn("humanloop-otel: updateCurrentLog(): the active span has ended or is not sampled; nothing was recorded");
    return;
  }
  if (!isLoggedSpan(span)) {
    const name = (span as Partial<{ name: string }>).name ?? "";
    diag.warn(`humanloop-otel: updateCurrentLog(): the active span "${name}" does not become a Humanloop log; its attributes are set, but no log carries them`);
  }
  try {
    apply(span, checked.options, checked.feedback);
  } catch (err) {
    diag.error(`humanloop-otel: updateCurrentLog() failed: ${String(err)}`);
  }
}

function apply(span: Span, options: UpdateLogOptions, feedback: ReturnType<typeof toLogFeedback> | undefined): void {
  const policy = getContentPolicy();
  if (options.metadata !== undefined) {
    span.setAttribute(Humanloop.METADATA, captureJson(merged(span, Humanloop.METADATA, options.metadata), Humanloop.METADATA, policy));
  }
  if (options.inputs !== undefined) {
    if (policy.captureContent) span.setAttribute(Humanloop.INPUTS, captureJson(merged(span, Humanloop.INPUTS, options.inputs), Humanloop.INPUTS, policy));
    else diag.debug("humanloop-otel: updateCurrentLog(): inputs left out because content capture is off");
  }
  if (options.source !== undefined) span.setAttribute(Humanloop.SOURCE, options.source);
  if (options.environment !== undefined) span.setAttribute(Humanloop.ENVIRONMENT, options.environment);
  if (feedback !== undefined) {
    const before = existing(span, Humanloop.FEEDBACK);
    const all = [...(Array.isArray(before) ? before : []), ...feedback];
    span.setAttribute(Humanloop.FEEDBACK, captureJson(all, Humanloop.FEEDBACK, policy));
  }
}
