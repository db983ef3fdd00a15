import type { AttributeValue, Attributes } from "@opentelemetry/api";

/** Small, total readers for span attributes: wrong types read as undefined, never throw. */

/** The attribute parsed as JSON, or undefined when absent or not valid JSON. */
export function jsonAttr(attributes: Attributes, key: string): unknown {
  const raw = attributes[key];
  if (typeof raw !== "string") return raw === undefined ? undefined : raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A JSON-object attribute (after parsing), or undefined. */
export function objectAttr(attributes: Attributes, key: string): Record<string, unknown> | undefined {
  const value = jsonAttr(attributes, key);
  return isRecord(value) ? value : undefined;
}

/** A string attribute, or undefined. */
export function stringAttr(attributes: Attributes, key: string): string | undefined {
  const raw = attributes[key];
  return typeof raw === "string" ? raw : undefined;
}

/** A finite number attribute (numeric strings accepted), or undefined. */
export function numberAttr(attributes: Attributes, key: string): number | undefined {
  return toNumber(attributes[key]);
}

/** A non-negative integer attribute (token counts), or undefined. */
export function countAttr(attributes: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const n = toNumber(attributes[key]);
    if (n !== undefined && n >= 0) return Math.round(n);
  }
  return undefined;
}

function toNumber(raw: AttributeValue | undefined | unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "string" && raw.trim() !== "") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as text: strings as is, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}
