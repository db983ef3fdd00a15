/**
 * Call-site checks shared by the public functions' options: a wrong option
 * is a `TypeError` naming it and saying what was expected.
 *
 * @packageDocumentation
 */

/** Whether `value` is a plain object (`{...}` or `Object.create(null)`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Throws a `TypeError` for the first key of `options` not in `allowed`. */
export function checkKnownKeys(options: object, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`${where}: unknown option "${key}" (expected ${[...allowed].join(", ")})`);
  }
}

/** Throws a `TypeError` unless `options[key]` is undefined or has one of `types` (`"object"` meaning a plain object). */
export function checkOptionType(options: Record<string, unknown>, key: string, types: readonly ("string" | "boolean" | "function" | "object")[], where: string): void {
  const value = options[key];
  if (value === undefined) return;
  if (types.some((t) => (t === "object" ? isPlainObject(value) : typeof value === t))) return;
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  throw new TypeError(`${where}: "${key}" must be ${types.map((t) => (t === "object" ? "a plain object" : `a ${t}`)).join(" or ")}, got ${got}`);
}
