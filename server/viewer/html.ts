/**
 * HTML built from templates where every interpolated value is escaped (by
 * the `escape-html` library) unless it is already {@link Html}. The only
 * way a log's value reaches a page.
 */
import escapeHtml from "escape-html";

/** A piece of HTML that is safe to insert as is (built by {@link html}). */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** What a template accepts: HTML, text (escaped), numbers, nothing, or lists of them. */
export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

/** `value` as HTML: {@link Html} as is, lists joined, `null`/`undefined`/`false` as nothing, anything else escaped text. */
export function render(value: Part): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value as string | number | boolean));
}

/** Tagged template: `` html`<td>${name}</td>` `` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Any value as readable text: strings as they are, everything else as indented JSON. */
export function pretty(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A query string from `params` (empty and undefined values left out), with its `?`, or "". */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "" && value !== false) search.set(key, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
