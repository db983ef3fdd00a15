/**
 * Chat messages as HTML: roles, text, image parts (thumbnails for `data:`
 * URLs only; any other URL shown as text, never fetched), tool calls with
 * their arguments, and tool results. Every value escaped.
 */
import { html, pretty, type Html } from "./html.js";

const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Arguments JSON pretty-printed when it parses, else as sent. */
function args(text: unknown): string {
  if (typeof text !== "string") return pretty(text);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Only inline raster images may be shown: no remote fetch, no SVG (script in images). */
const DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp);base64,[A-Za-z0-9+/=\s]+$/;

function part(value: unknown): Html {
  const p = rec(value);
  if (p?.type === "text" && typeof p.text === "string") return html`<div class="text">${p.text}</div>`;
  if (p?.type === "image_url") {
    const url = typeof p.image_url === "string" ? p.image_url : rec(p.image_url)?.url;
    if (typeof url === "string" && DATA_IMAGE.test(url)) return html`<img class="thumb" src="${url}" alt="image">`;
    return html`<div class="muted">image: <code>${typeof url === "string" ? url : pretty(p.image_url)}</code> (not fetched)</div>`;
  }
  return html`<pre>${pretty(value)}</pre>`;
}

function content(value: unknown): Html {
  if (typeof value === "string") return html`<div class="text">${value}</div>`;
  if (Array.isArray(value)) return html`${value.map(part)}`;
  if (value === null || value === undefined) return html``;
  return html`<pre>${pretty(value)}</pre>`;
}

function toolCalls(value: unknown): Html {
  if (!Array.isArray(value)) return html``;
  return html`${value.map((call) => {
    const c = rec(call) ?? {};
    const fn = rec(c.function) ?? {};
    return html`<div class="call"><span class="tag">tool call</span> <strong>${typeof fn.name === "string" ? fn.name : "?"}</strong>${
      typeof c.id === "string" ? html` <span class="muted">${c.id}</span>` : ""
    }<pre>${args(fn.arguments)}</pre></div>`;
  })}`;
}

/** One message: its role, content, tool calls, and for a tool result the call it answers. */
export function message(value: unknown): Html {
  const m = rec(value);
  if (!m) return html`<div class="msg"><pre>${pretty(value)}</pre></div>`;
  const role = typeof m.role === "string" ? m.role : "message";
  const roleClass = ["user", "assistant", "system", "tool"].includes(role) ? role : "other";
  const about = typeof m.tool_call_id === "string" ? html` <span class="muted">result of ${m.tool_call_id}</span>` : "";
  const name = typeof m.name === "string" ? html` <span class="muted">${m.name}</span>` : "";
  return html`<div class="msg ${roleClass}"><div class="role">${role}${name}${about}</div>${content(m.content)}${toolCalls(m.tool_calls)}</div>`;
}

/** A list of messages as a chat; `extra` (e.g. the output message) is shown after them. */
export function chat(messages: unknown, extra?: unknown): Html {
  const list: unknown[] = Array.isArray(messages) ? [...(messages as unknown[])] : messages === undefined ? [] : [messages];
  if (extra !== undefined) list.push(extra);
  return html`<div class="chat" id="chat">${list.map(message)}</div>`;
}
