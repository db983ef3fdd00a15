/**
 * The v5 flavour of the shape checks in `../checks.ts`: objects are checked
 * in one of two modes. `lenient` (the default) ignores unknown keys at every
 * level, as the real API does with what Humanloop's SDK strips; `strict`
 * reports each as `extra_forbidden`. Timestamps may omit the offset (UTC).
 */
import { addIssue, isRecord, type Check } from "../checks.js";
import type { Loc, ValidationIssue } from "../types.js";

/** How unknown body fields are treated: ignored (`lenient`) or a 422 `extra_forbidden` (`strict`). */
export type UnknownFieldMode = "lenient" | "strict";

/** A v5 object schema: its fields (a check per mode), and which are required. */
export interface ModeSchema {
  fields: Record<string, ModeCheck>;
  required?: string[];
}

/** A check that depends on the unknown-field mode. */
export type ModeCheck = (mode: UnknownFieldMode) => Check;

/** Lifts a mode-independent check. */
export function plain(check: Check): ModeCheck {
  return () => check;
}

/** Checks an object against `schema` in `mode`: `dict_type`, `missing`, `extra_forbidden` (strict only), then each field. */
export function checkModeObject(value: unknown, loc: Loc, issues: ValidationIssue[], schema: ModeSchema, mode: UnknownFieldMode): void {
  if (!isRecord(value)) return addIssue(issues, loc, "dict_type", "Input should be a valid dictionary or object");
  for (const key of schema.required ?? []) {
    if (value[key] === undefined || value[key] === null) addIssue(issues, loc, "missing", "Field required", key);
  }
  for (const key in value) {
    const field = value[key];
    const check = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
    if (!check) {
      if (mode === "strict") addIssue(issues, loc, "extra_forbidden", "Extra inputs are not permitted", key);
    } else if (field !== null && field !== undefined) {
      loc.push(key);
      check(mode)(field, loc, issues);
      loc.pop();
    }
  }
}

/** A mode check for an object with `schema`. */
export function modeObject(schema: ModeSchema): ModeCheck {
  return (mode) => (value, loc, issues) => checkModeObject(value, loc, issues, schema, mode);
}

/** A mode check for an array whose items pass `item`. */
export function modeList(item: ModeCheck): ModeCheck {
  return (mode) => (value, loc, issues) => {
    if (!Array.isArray(value)) return addIssue(issues, loc, "list_type", "Input should be a valid list");
    const check = item(mode);
    for (let i = 0; i < value.length; i += 1) {
      loc.push(i);
      check(value[i], loc, issues);
      loc.pop();
    }
  };
}

/** RFC 3339 with `T`; the offset may be left out (read as UTC). */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;

/** An ISO 8601 timestamp, with or without an offset. */
export const timestamp: Check = (value, loc, issues) => {
  if (typeof value !== "string") return addIssue(issues, loc, "datetime_type", "Input should be a valid datetime");
  if (normalizeTimestamp(value) === undefined) {
    addIssue(issues, loc, "datetime_parsing", "Input should be a valid ISO 8601 datetime, like 2025-05-01T12:00:00.000Z");
  }
};

/** The timestamp as `…Z` (UTC); one without an offset is UTC. `undefined` when it is not a valid timestamp. */
export function normalizeTimestamp(value: string): string | undefined {
  const match = ISO.exec(value);
  if (!match) return undefined;
  const ms = Date.parse(match[2] ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Only the keys of `value` that `schema` knows (lenient mode stores no unknown top-level field). */
export function knownFields(value: Record<string, unknown>, schema: ModeSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) if (Object.hasOwn(schema.fields, key)) out[key] = value[key];
  return out;
}
