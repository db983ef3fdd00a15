/**
 * OTLP `AnyValue` and `KeyValue` lists -> OTel attribute values, for both
 * decoded protobuf messages and OTLP/JSON objects (where 64-bit integers may
 * be strings or numbers, doubles may be "NaN"/"Infinity", bytes are base64).
 * A value OTel attributes cannot hold as such (a key-value list, an array of
 * mixed or nested values, bytes) becomes JSON text or base64, which is how the
 * mapping reads structured GenAI attributes anyway.
 */
import type { AttributeValue, Attributes } from "@opentelemetry/api";

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

const own = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** A protobufjs `Long` (or anything with `low`/`high`). */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === "object" && v !== null && typeof (v as LongLike).low === "number" && typeof (v as LongLike).high === "number";
}

/** A 64-bit integer (number, decimal string, bigint or Long) as a `bigint`; undefined when it is none. */
export function toBigInt(v: unknown, unsigned: boolean): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "string") return /^-?\d+$/.test(v.trim()) ? BigInt(v.trim()) : undefined;
  if (isLongLike(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return unsigned || v.unsigned ? bits : BigInt.asIntN(64, bits);
  }
  return undefined;
}

/** An int64 attribute value: a number when exact, else its decimal text. */
function intValue(v: unknown): number | string | undefined {
  const big = toBigInt(v, false);
  if (big === undefined) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big.toString();
}

function doubleValue(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    const n = Number(v);
    return v.trim() !== "" && !Number.isNaN(n) ? n : undefined;
  }
  return undefined;
}

function bytesText(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  return typeof v === "string" ? v : undefined;
}

function listOf(container: unknown): unknown[] {
  const values = (container as { values?: unknown } | null | undefined)?.values;
  return Array.isArray(values) ? values : [];
}

const SNAKE: Record<string, string> = {
  string_value: "stringValue",
  bool_value: "boolValue",
  int_value: "intValue",
  double_value: "doubleValue",
  bytes_value: "bytesValue",
  array_value: "arrayValue",
  kvlist_value: "kvlistValue",
};

/** The value with its proto (snake_case) field name read as the lowerCamelCase one. */
function camel(value: object): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  for (const key in v) {
    const name = SNAKE[key];
    if (name !== undefined) return { [name]: v[key] };
  }
  return v;
}

/** Any `AnyValue` as plain JSON data (undefined for an empty value). */
function plainOf(value: unknown): Plain | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = camel(value);
  if (own(v, "stringValue")) return typeof v.stringValue === "string" ? v.stringValue : String(v.stringValue);
  if (own(v, "boolValue")) return v.boolValue === true || v.boolValue === "true";
  if (own(v, "intValue")) return intValue(v.intValue) ?? null;
  if (own(v, "doubleValue")) {
    const d = doubleValue(v.doubleValue);
    return d === undefined || !Number.isFinite(d) ? (d === undefined ? null : String(d)) : d;
  }
  if (own(v, "bytesValue")) return bytesText(v.bytesValue) ?? null;
  if (own(v, "arrayValue")) return listOf(v.arrayValue).map((item) => plainOf(item) ?? null);
  if (own(v, "kvlistValue")) {
    const out: { [key: string]: Plain } = {};
    for (const kv of listOf(v.kvlistValue)) {
      const key = (kv as { key?: unknown } | null)?.key;
      if (typeof key === "string") out[key] = plainOf((kv as { value?: unknown }).value) ?? null;
    }
    return out;
  }
  return undefined;
}

/** An `AnyValue` as an OTel attribute value; undefined for an empty value (the attribute is left out). */
export function attributeValueOf(value: unknown): AttributeValue | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const fast = (value as { stringValue?: unknown }).stringValue;
  if (typeof fast === "string" && own(value, "stringValue")) return fast; // the common case, without a key scan
  const v = camel(value);
  if (own(v, "doubleValue")) {
    const d = doubleValue(v.doubleValue);
    return d;
  }
  if (own(v, "arrayValue")) {
    const items = listOf(v.arrayValue).map(plainOf);
    const kinds = new Set(items.map((i) => (i === null || i === undefined ? "null" : typeof i)));
    // OTel attributes hold homogeneous arrays of primitives; anything else travels as JSON text
    if (kinds.size <= 1 && !kinds.has("object") && !kinds.has("null")) return items as AttributeValue;
    return JSON.stringify(items);
  }
  const plain = plainOf(v);
  if (plain === undefined || plain === null) return undefined;
  return typeof plain === "object" ? JSON.stringify(plain) : plain;
}

/** A `KeyValue` list as OTel attributes (later duplicates of a key win, as in the SDK). */
export function attributesOf(list: unknown): Attributes {
  const attributes: Attributes = {};
  if (!Array.isArray(list)) return attributes;
  for (const kv of list) {
    const key = (kv as { key?: unknown } | null)?.key;
    if (typeof key !== "string") continue;
    const value = attributeValueOf((kv as { value?: unknown }).value);
    if (value !== undefined) attributes[key] = value;
  }
  return attributes;
}
