import type { ChatMessage } from "../types.js";

/**
 * A cheap path for the most common GenAI message encoding: text-only
 * messages exactly as `JSON.stringify` writes them (one text part each,
 * optionally a `finish_reason`), e.g.
 * `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`. It reads
 * the text straight out of the JSON without building the parsed object
 * graph; anything else (whitespace, other parts or keys, invalid JSON)
 * answers undefined and the caller takes the general path, so the result is
 * always what `fromGenAIMessages(JSON.parse(raw))` gives.
 */

const ROLE = '{"role":"';
const PARTS = '","parts":[{"type":"text","content":"';
const PARTS_END = '"}]';
const FINISH = ',"finish_reason":"';

/** Control characters are invalid inside a JSON string: such input must fail as `JSON.parse` fails. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f]/;

/** GenAI roles that are not `user` in Humanloop (as `roleOf` in messages.ts maps them). */
const ROLES = new Map<string, ChatMessage["role"]>([
  ["system", "system"],
  ["developer", "system"],
  ["assistant", "assistant"],
  ["model", "assistant"],
  ["tool", "tool"],
  ["function", "tool"],
]);

/** The index of the quote closing the JSON string whose text starts at `from`, or -1. */
function closingQuote(raw: string, from: number): number {
  let end = raw.indexOf('"', from);
  while (end > 0) {
    let slashes = 0;
    for (let i = end - 1; i >= from && raw.charCodeAt(i) === 92; i--) slashes++;
    if (slashes % 2 === 0) return end;
    end = raw.indexOf('"', end + 1);
  }
  return -1;
}

/** The text of the JSON string between `from` and the closing quote `end`, unescaped; undefined when invalid. */
function stringAt(raw: string, from: number, end: number): string | undefined {
  const text = raw.slice(from, end);
  if (CONTROL.test(text)) return undefined;
  if (!text.includes("\\")) return text;
  try {
    return JSON.parse(raw.slice(from - 1, end + 1)) as string;
  } catch {
    return undefined;
  }
}

/** Text-only GenAI messages read without parsing the whole JSON, or undefined when `raw` is not in that exact shape. */
export function fastTextMessages(raw: string): ChatMessage[] | undefined {
  if (raw.charCodeAt(0) !== 91 /* [ */ || raw.charCodeAt(raw.length - 1) !== 93 /* ] */) return undefined;
  const out: ChatMessage[] = [];
  let at = 1;
  if (raw.length === 2) return out;
  for (;;) {
    if (!raw.startsWith(ROLE, at)) return undefined;
    const roleStart = at + ROLE.length;
    const roleEnd = closingQuote(raw, roleStart);
    if (roleEnd < 0) return undefined;
    const role = stringAt(raw, roleStart, roleEnd);
    if (role === undefined || !raw.startsWith(PARTS, roleEnd)) return undefined;
    const textStart = roleEnd + PARTS.length;
    const textEnd = closingQuote(raw, textStart);
    if (textEnd < 0) return undefined;
    const content = stringAt(raw, textStart, textEnd);
    if (content === undefined || !raw.startsWith(PARTS_END, textEnd)) return undefined;
    at = textEnd + PARTS_END.length;
    if (raw.startsWith(FINISH, at)) {
      const reasonEnd = closingQuote(raw, at + FINISH.length);
      if (reasonEnd < 0 || stringAt(raw, at + FINISH.length, reasonEnd) === undefined) return undefined;
      at = reasonEnd + 1;
    }
    if (raw.charCodeAt(at) !== 125 /* } */) return undefined;
    out.push({ role: ROLES.get(role) ?? "user", content });
    at++;
    if (at === raw.length - 1) return out;
    if (raw.charCodeAt(at) !== 44 /* , */) return undefined;
    at++;
  }
}
