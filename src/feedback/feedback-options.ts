import type { FeedbackItem } from "../core/feedback-sink.js";
import { checkKnownKeys, isPlainObject } from "../core/option-checks.js";
import { parseReferenceId } from "../core/reference.js";

/**
 * The options of `feedback()` and `updateCurrentLog({ feedback })`, and their
 * validation: wrong input is a `TypeError` at the call site, naming the
 * option and what was expected.
 *
 * @packageDocumentation
 */

/** Humanloop's built-in feedback types; any other non-empty string is a custom feedback name. */
export type BuiltInFeedbackType = "rating" | "action" | "issue" | "correction" | "comment";

/** A feedback value: a label (`"good"`, `"bad"`, `"copy"`, a correction text…), a number or a boolean. */
export type FeedbackValue = string | number | boolean;

/** What `feedback(ref, options)` sends. */
export interface FeedbackOptions {
  /** `rating`, `action`, `issue`, `correction`, `comment`, or the name of a custom feedback type. */
  type: BuiltInFeedbackType | (string & {});
  /**
   * The value. `rating`: a label such as `"good"`/`"bad"` (or a number);
   * `action`, `issue`, `correction`, `comment`: a string; custom types: a
   * string, finite number or boolean. Required unless `unset` is
   * true; with `unset`, leave it out for `rating`, `correction` and `comment`.
   */
  value?: FeedbackValue;
  /** Who gave the feedback (your end user's id or name). */
  user?: string;
  /** When it was given: a `Date` or an RFC 3339 string. Default: when `feedback()` was called. */
  createdAt?: Date | string;
  /** Removes feedback of this type (or, for `action`/`issue`, this value) instead of adding it. */
  unset?: boolean;
}

/** Feedback recorded with the log itself (the `feedback` field of the LogRequest). */
export interface LogFeedbackOptions {
  type: BuiltInFeedbackType | (string & {});
  value: FeedbackValue;
}

const FEEDBACK_KEYS = new Set(["type", "value", "user", "createdAt", "unset"]);
const LOG_FEEDBACK_KEYS = new Set(["type", "value"]);
const STRING_VALUED = new Set(["action", "issue", "correction", "comment"]);
const VALUE_LESS_UNSET = new Set(["rating", "correction", "comment"]);
// RFC 3339 date-time with `T` and an offset (the API refuses a time without a zone).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value === "string" ? JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value) : typeof value;
}

/** Throws unless `ref` is a reference made by this library (`<32 hex trace id>-<16 hex span id>`, not all zeros). */
export function checkLogRef(ref: unknown, where: string): string {
  const parsed = typeof ref === "string" ? parseReferenceId(ref) : undefined;
  if (parsed === undefined || /^0+$/.test(parsed.traceId) || /^0+$/.test(parsed.spanId)) {
    throw new TypeError(
      `${where}: ${describe(ref)} names no log made by humanloop-otel; pass the string returned by currentLogRef(), logRefOf() or logRefOfSpanContext()`,
    );
  }
  return ref as string;
}

function checkType(type: unknown, where: string): string {
  if (typeof type !== "string" || type.trim() === "") {
    throw new TypeError(`${where}: "type" must be a non-empty string ("rating", "action", "issue", "correction", "comment" or a custom name), got ${describe(type)}`);
  }
  return type;
}

function checkValue(type: string, value: unknown, where: string): FeedbackValue {
  const ok = STRING_VALUED.has(type)
    ? typeof value === "string"
    : typeof value === "string" ||
      (typeof value === "number" && Number.isFinite(value)) ||
      (type !== "rating" && typeof value === "boolean");
  if (!ok) {
    const expected = STRING_VALUED.has(type)
      ? "a string"
      : type === "rating"
        ? 'a string such as "good" or "bad", or a finite number'
        : "a string, a finite number or a boolean";
    throw new TypeError(`${where}: "value" of ${type} feedback must be ${expected}, got ${describe(value)}`);
  }
  return value as FeedbackValue;
}

function checkCreatedAt(createdAt: unknown, where: string): string {
  if (createdAt instanceof Date) {
    if (Number.isNaN(createdAt.getTime())) throw new TypeError(`${where}: "createdAt" is an invalid Date`);
    return createdAt.toISOString();
  }
  if (typeof createdAt === "string" && RFC3339.test(createdAt) && !Number.isNaN(Date.parse(createdAt))) return createdAt;
  throw new TypeError(`${where}: "createdAt" must be a Date or an RFC 3339 string such as "2025-01-31T12:00:00Z", got ${describe(createdAt)}`);
}

/**
 * Checks `feedback()`'s options and turns them into a `POST /feedback` item
 * (without `data_id`). `created_at` defaults to `now`, so every item is
 * recognisable on the server (see the retry logic of the direct path).
 */
export function toFeedbackItem(options: unknown, where: string, now: Date = new Date()): FeedbackItem {
  if (!isPlainObject(options)) throw new TypeError(`${where}: options must be an object like { type: "rating", value: "good" }, got ${describe(options)}`);
  checkKnownKeys(options, FEEDBACK_KEYS, where);
  const type = checkType(options.type, where);
  const item: FeedbackItem = { type };
  if (options.unset !== undefined && typeof options.unset !== "boolean") throw new TypeError(`${where}: "unset" must be a boolean, got ${describe(options.unset)}`);
  const unset = options.unset === true;
  if (options.value === undefined) {
    if (!unset) throw new TypeError(`${where}: "value" is required for ${type} feedback (leave it out only with unset: true)`);
  } else {
    if (unset && VALUE_LESS_UNSET.has(type)) throw new TypeError(`${where}: leave "value" out when unsetting ${type} feedback`);
    item.value = checkValue(type, options.value, where);
  }
  if (options.user !== undefined) {
    if (typeof options.user !== "string") throw new TypeError(`${where}: "user" must be a string, got ${describe(options.user)}`);
    item.user = options.user;
  }
  item.created_at = options.createdAt === undefined ? now.toISOString() : checkCreatedAt(options.createdAt, where);
  if (unset) item.unset = true;
  return item;
}

/** Checks one `{ type, value }` or an array of them, for the LogRequest's `feedback` field. */
export function toLogFeedback(feedback: unknown, where: string): Array<{ type: string; value: FeedbackValue }> {
  const list = Array.isArray(feedback) ? feedback : [feedback];
  return list.map((entry, i) => {
    const at = Array.isArray(feedback) ? `${where}[${i}]` : where;
    if (!isPlainObject(entry)) throw new TypeError(`${at}: expected { type, value }, got ${describe(entry)}`);
    checkKnownKeys(entry, LOG_FEEDBACK_KEYS, at);
    const type = checkType(entry.type, at);
    if (entry.value === undefined) throw new TypeError(`${at}: "value" is required`);
    return { type, value: checkValue(type, entry.value, at) };
  });
}
