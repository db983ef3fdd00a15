/**
 * Safe capture of application values (function arguments, return values,
 * provider payloads) into span attributes: never throws, never recurses
 * forever, and never produces more than a bounded number of characters.
 */

/** Default limit on one captured attribute, in characters. Overridden by `register({ maxContentLength })`. */
export const DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024;

/** How nested a captured value may be before deeper parts become `"[Object]"`/`"[Array]"`. */
const MAX_DEPTH = 12;
/** Arrays, maps and sets longer than this are cut, with a marker element. */
const MAX_ITEMS = 1000;

/** The marker appended to a string cut by {@link truncate}. */
export function truncationMarker(dropped: number): string {
  return `…[truncated ${dropped} chars]`;
}

/** Cuts `text` to at most `max` characters (marker included) when it is longer. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = truncationMarker(text.length - max);
  const keep = Math.max(0, max - marker.length);
  return text.slice(0, keep) + truncationMarker(text.length - keep);
}

/**
 * Turns any value into plain JSON data: circular references become
 * `"[Circular]"`, BigInt a decimal string, Map an object (or an entry list
 * when its keys are not strings), Set an array, Buffers and typed arrays a
 * short description, Dates ISO strings, Errors `{ name, message }`, functions
 * and symbols a description. A `toJSON()` that throws is ignored.
 */
export function toPlainData(value: unknown): unknown {
  return plain(value, 0, new WeakSet());
}

function plain(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
      return undefined;
    case "symbol":
      return value.toString();
    case "function":
      return `[Function ${(value as { name?: string }).name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  if (depth >= MAX_DEPTH) return Array.isArray(obj) ? "[Array]" : "[Object]";
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  if (obj instanceof ArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
  if (obj instanceof Error) return { name: obj.name, message: obj.message };
  if (obj instanceof RegExp) return obj.toString();
  if (obj instanceof WeakMap || obj instanceof WeakSet || obj instanceof Promise) return `[${obj.constructor.name}]`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return plainList(obj, obj.length, depth, seen);
    if (obj instanceof Set) return plainList(obj, obj.size, depth, seen);
    if (obj instanceof Map) return plainMap(obj, depth, seen);
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      try {
        return plain(toJSON.call(obj), depth + 1, seen);
      } catch {
        // fall through to the object's own properties
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      let item: unknown;
      try {
        item = (obj as Record<string, unknown>)[key];
      } catch {
        item = "[Unreadable]";
      }
      const converted = plain(item, depth + 1, seen);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

function plainList(items: Iterable<unknown>, size: number, depth: number, seen: WeakSet<object>): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (out.length >= MAX_ITEMS) {
      out.push(`…[${size - MAX_ITEMS} more items]`);
      break;
    }
    const converted = plain(item, depth + 1, seen);
    out.push(converted === undefined ? null : converted);
  }
  return out;
}

function plainMap(map: Map<unknown, unknown>, depth: number, seen: WeakSet<object>): unknown {
  const stringKeys = [...map.keys()].every((k) => typeof k === "string");
  if (stringKeys) {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of map) {
      if (n++ >= MAX_ITEMS) break;
      const converted = plain(v, depth + 1, seen);
      if (converted !== undefined) out[k as string] = converted;
    }
    return out;
  }
  return plainList([...map.entries()], map.size, depth, seen);
}

/**
 * JSON text for any value, at most `max` characters. A result that had to be
 * cut is no longer valid JSON; it ends with the truncation marker instead.
 */
export function toJsonText(value: unknown, max = DEFAULT_MAX_CONTENT_LENGTH): string {
  let text: string;
  try {
    text = JSON.stringify(toPlainData(value)) ?? "null";
  } catch {
    text = '"[Unserializable]"';
  }
  return truncate(text, max);
}

/** A string as is (cut to `max`), anything else as JSON text. Used for outputs. */
export function toOutputText(value: unknown, max = DEFAULT_MAX_CONTENT_LENGTH): string {
  return typeof value === "string" ? truncate(value, max) : toJsonText(value, max);
}
