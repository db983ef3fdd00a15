/**
 * Small building blocks for strict, pydantic-like shape validation: each
 * check appends FastAPI-style issues for one value at one location.
 * `null` counts as absent for optional fields, as `Optional[...]` does.
 */
import type { Loc, ValidationIssue } from "./types.js";

/**
 * Validates `value` at `loc`, appending issues. `loc` is a shared stack the
 * caller pushes keys onto and pops: a check copies it only when it reports,
 * so valid input allocates no paths.
 */
export type Check = (value: unknown, loc: Loc, issues: ValidationIssue[]) => void;

/** A strict object schema: its fields, and which of them are required. */
export interface ObjectSchema {
  fields: Record<string, Check>;
  required?: string[];
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Appends an issue at (a copy of) `loc`, plus `key` when given. */
export function addIssue(issues: ValidationIssue[], loc: Loc, type: string, msg: string, key?: string | number): void {
  const at = loc.slice();
  if (key !== undefined) at.push(key);
  issues.push({ loc: at, msg, type });
}

const issue = addIssue;

/** Checks an object against `schema`: `dict_type`, `missing`, `extra_forbidden`, then each field. */
export function checkObject(value: unknown, loc: Loc, issues: ValidationIssue[], schema: ObjectSchema): void {
  if (!isRecord(value)) return issue(issues, loc, "dict_type", "Input should be a valid dictionary or object");
  for (const key of schema.required ?? []) {
    if (value[key] === undefined || value[key] === null) issue(issues, loc, "missing", "Field required", key);
  }
  for (const key in value) {
    const field = value[key];
    const check = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
    if (!check) issue(issues, loc, "extra_forbidden", "Extra inputs are not permitted", key);
    else if (field !== null && field !== undefined) {
      loc.push(key);
      check(field, loc, issues);
      loc.pop();
    }
  }
}

/** A check for an object with `schema`. */
export function object(schema: ObjectSchema): Check {
  return (value, loc, issues) => checkObject(value, loc, issues, schema);
}

/** A string. */
export const str: Check = (value, loc, issues) => {
  if (typeof value !== "string") issue(issues, loc, "string_type", "Input should be a valid string");
};

/** A boolean. */
export const bool: Check = (value, loc, issues) => {
  if (typeof value !== "boolean") issue(issues, loc, "bool_type", "Input should be a valid boolean");
};

/** Any finite number. */
export const num: Check = (value, loc, issues) => {
  if (typeof value !== "number" || !Number.isFinite(value)) issue(issues, loc, "float_type", "Input should be a valid number");
};

/** A number >= 0. */
export const nonNegativeNumber: Check = (value, loc, issues) => {
  if (typeof value !== "number" || !Number.isFinite(value)) return issue(issues, loc, "float_type", "Input should be a valid number");
  if (value < 0) issue(issues, loc, "greater_than_equal", "Input should be greater than or equal to 0");
};

/** Any integer. */
export const int: Check = (value, loc, issues) => {
  if (typeof value !== "number" || !Number.isFinite(value)) return issue(issues, loc, "int_type", "Input should be a valid integer");
  if (!Number.isInteger(value)) issue(issues, loc, "int_from_float", "Input should be a valid integer, got a number with a fractional part");
};

/** An integer >= 0. */
export const nonNegativeInt: Check = (value, loc, issues) => {
  const before = issues.length;
  int(value, loc, issues);
  if (issues.length === before && (value as number) < 0) {
    issue(issues, loc, "greater_than_equal", "Input should be greater than or equal to 0");
  }
};

/** Any JSON object. */
export const dict: Check = (value, loc, issues) => {
  if (!isRecord(value)) issue(issues, loc, "dict_type", "Input should be a valid dictionary or object");
};

/** One of `values` exactly (`literal_error`). */
export function literal(...values: string[]): Check {
  return (value, loc, issues) => {
    if (typeof value !== "string" || !values.includes(value)) {
      issue(issues, loc, "literal_error", `Input should be ${values.map((v) => `'${v}'`).join(" or ")}`);
    }
  };
}

/** One member of an enumeration (`enum`). */
export function enumOf(...values: string[]): Check {
  return (value, loc, issues) => {
    if (typeof value !== "string" || !values.includes(value)) {
      issue(issues, loc, "enum", `Input should be ${values.map((v) => `'${v}'`).join(", ")}`);
    }
  };
}

/** An array whose items all pass `item`. */
export function list(item: Check): Check {
  return (value, loc, issues) => {
    if (!Array.isArray(value)) return issue(issues, loc, "list_type", "Input should be a valid list");
    for (let i = 0; i < value.length; i += 1) {
      loc.push(i);
      item(value[i], loc, issues);
      loc.pop();
    }
  };
}

/** A string, or an array of strings. */
export const stringOrStrings: Check = (value, loc, issues) => {
  if (typeof value === "string") return;
  if (Array.isArray(value)) return list(str)(value, loc, issues);
  issue(issues, loc, "string_type", "Input should be a valid string or list of strings");
};

/** Full RFC 3339 with `T` and no missing offset; a naive timestamp is `timezone_aware`. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;

/** An RFC 3339 timestamp with `T` and an offset (`Z` or `±hh:mm`). */
export const datetime: Check = (value, loc, issues) => {
  if (typeof value !== "string") return issue(issues, loc, "datetime_type", "Input should be a valid datetime");
  const match = RFC3339.exec(value);
  if (!match || Number.isNaN(Date.parse(match[2] ? value : `${value}Z`))) {
    return issue(issues, loc, "datetime_parsing", "Input should be a valid RFC 3339 datetime, like 2024-05-01T12:00:00.000Z");
  }
  if (!match[2]) issue(issues, loc, "timezone_aware", "Input should have timezone info");
};
