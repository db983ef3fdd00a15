/**
 * Parameter names of a function, read from its source text, so `traced()`
 * can record `inputs` as `{ query: "...", limit: 5 }` instead of positions.
 * Destructured parameters have no name and keep their position (`arg1`).
 */

/** One parameter: its name, or undefined when it is destructured; `rest` for `...name`. */
export interface ParamName {
  name: string | undefined;
  rest: boolean;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const cache = new WeakMap<Function, ParamName[]>();

/** The parameters of `fn` (cached per function); an empty list when the source is unavailable (native, bound functions). */
export function paramNamesOf(fn: Function): ParamName[] {
  let names = cache.get(fn);
  if (!names) {
    try {
      names = parse(Function.prototype.toString.call(fn));
    } catch {
      names = [];
    }
    cache.set(fn, names);
  }
  return names;
}

/**
 * The inputs object for a call: each argument under its parameter name, a
 * rest parameter as an array, and anything unnamed as `arg<position>`.
 */
export function inputsOf(fn: Function, args: readonly unknown[]): Record<string, unknown> {
  const params = paramNamesOf(fn);
  const inputs: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const param = params[i];
    if (param?.rest) {
      inputs[param.name ?? `arg${i}`] = args.slice(i);
      break;
    }
    inputs[param?.name ?? `arg${i}`] = args[i];
  }
  return inputs;
}

function parse(source: string): ParamName[] {
  if (source.includes("[native code]")) return [];
  const text = stripComments(source.slice(0, 4096));
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (arrow) return [{ name: arrow[1], rest: false }];
  const open = text.indexOf("(");
  if (open < 0) return [];
  return splitTopLevel(text, open + 1).map(paramOf);
}

function paramOf(raw: string): ParamName {
  let text = raw.trim();
  const rest = text.startsWith("...");
  if (rest) text = text.slice(3).trim();
  const eq = topLevelEquals(text);
  if (eq >= 0) text = text.slice(0, eq).trim();
  return { name: IDENT.test(text) ? text : undefined, rest };
}

/** The parameter texts between `start` and the matching `)`, split at top-level commas. */
function splitTopLevel(text: string, start: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        const last = text.slice(from, i);
        if (last.trim() !== "") parts.push(last);
        return parts;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return [];
}

function topLevelEquals(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "=" && depth === 0) return i;
  }
  return -1;
}

function skipString(text: string, at: number): number {
  const quote = text[at];
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function stripComments(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '"' || c === "'" || c === "`") {
      const end = skipString(source, i);
      out += source.slice(i, end + 1);
      i = end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 1;
      out += " ";
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i + 2);
      i = end < 0 ? source.length : end;
      out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}
