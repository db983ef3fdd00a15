/**
 * `/logs/{id}`: one log: what it is, the messages as a chat, output,
 * config (or its v5 version's kernel), inputs, metadata, feedback with the
 * form to give some, the PATCH history, parent and children, raw JSON.
 */
import type { HumanloopStore } from "../store.js";
import type { LogSummary } from "../store-queries.js";
import type { StoredFeedback, StoredLog } from "../types.js";
import { chat } from "./chat.js";
import { describer, duration, durationOf, tokens, when } from "./format.js";
import { html, pretty, type Html } from "./html.js";

/** What happened to the last feedback form sent from this page. */
export interface FeedbackNotice {
  ok: boolean;
  message: string;
}

function summaryLink(s: LogSummary): Html {
  return html`<li><span class="tag">${s.kind ?? "log"}</span> <a href="/logs/${encodeURIComponent(s.id)}">${s.name ?? s.id}</a>${
    s.model !== null && s.model !== s.name ? html` <span class="muted">${s.model}</span>` : ""
  }${s.error !== null ? html` <span class="tag error">error</span>` : ""}</li>`;
}

function section(title: string, id: string, value: unknown): Html {
  if (value === undefined || value === null) return html``;
  return html`<h2>${title}</h2><pre id="${id}">${pretty(value)}</pre>`;
}

function fact(label: string, value: unknown): Html {
  if (value === undefined || value === null || value === "") return html``;
  return html`<dt>${label}</dt><dd>${typeof value === "string" || typeof value === "number" ? value : pretty(value)}</dd>`;
}

function feedbackList(stored: StoredFeedback[], inline: unknown): Html {
  const items = [...stored.map((f) => ({ type: f.type, value: f.value, user: f.user, at: f.created_at, id: f.id })),
    ...(Array.isArray(inline) ? inline : inline !== undefined ? [inline] : []).map((f) => ({ ...(f as { type: string; value?: unknown }), user: undefined, at: undefined, id: "sent with the log" }))];
  if (items.length === 0) return html`<p class="muted">No feedback yet.</p>`;
  return html`<div class="scroll"><table id="feedback"><thead><tr><th>Type</th><th>Value</th><th>User</th><th>When</th></tr></thead><tbody>${items.map(
    (f) => html`<tr><td>${f.type}</td><td>${f.value === undefined ? "" : typeof f.value === "string" ? f.value : pretty(f.value)}</td><td>${f.user ?? ""}</td><td>${when(f.at)}</td></tr>`,
  )}</tbody></table></div>`;
}

function feedbackForm(log: StoredLog, notice?: FeedbackNotice): Html {
  return html`${notice ? html`<div class="notice${notice.ok ? "" : " bad"}" role="status">${notice.message}</div>` : ""}
<form class="feedback-form" method="post" action="/logs/${encodeURIComponent(log.id)}/feedback">
<fieldset><legend class="muted">Rating</legend>
<label><input type="radio" name="rating" value="good"> good</label>
<label><input type="radio" name="rating" value="bad"> bad</label></fieldset>
<label>Comment<br><textarea name="comment" rows="2" cols="40"></textarea></label>
<label>Your name<br><input type="text" name="user"></label>
<button type="submit">Send feedback</button>
</form>`;
}

/** The log page of `id`, or undefined when there is no such log. */
export function logPage(store: HumanloopStore, id: string, notice?: FeedbackNotice): { title: string; body: Html } | undefined {
  const detail = store.queries.logDetail(id);
  if (!detail) return undefined;
  const { log } = detail;
  const d = describer(store)(log);
  const version = typeof log.version_id === "string" ? store.files.versionById(log.version_id) : undefined;
  const file = typeof log.file_id === "string" ? store.files.fileById(log.file_id) : undefined;
  const ms = durationOf(log);
  const title = `${d.kind} ${d.name}`;
  const session =
    typeof log.session_id === "string"
      ? html`<dt>Session</dt><dd><a href="/sessions/${encodeURIComponent(log.session_id)}">${log.session_reference_id ?? log.session_id}</a></dd>`
      : "";
  const body = html`<h1><span class="tag">${d.kind}</span> ${d.name}</h1>
<dl class="facts">
${fact("Id", log.id)}${fact("Project", log.project)}${session}${fact("Model", d.model)}${fact("Provider", d.provider)}
${fact("API", log.api_version ?? "v4")}${fact("File", file ? `${file.kind} ${file.path}` : log.file_id)}${fact("Version", log.version_id)}${fact("Status", log.log_status)}
${fact("Reference", log.reference_id)}${fact("Start", when(log.start_time ?? log.created_at))}${fact("End", when(log.end_time))}${fact("Duration", ms !== undefined ? duration(ms) : undefined)}
${fact("Tokens in / out", tokens(log.prompt_tokens, log.output_tokens))}${fact("User", log.user)}${fact("Environment", log.environment)}${fact("Received", when(log.received_at))}
</dl>
${typeof log.error === "string" ? html`<h2>Error</h2><pre class="err" id="error">${log.error}</pre>` : ""}
${log.messages !== undefined || log.output_message !== undefined ? html`<h2>Messages</h2>${chat(log.messages, log.output_message)}` : ""}
${section("Output", "output", log.output)}
${section("Config", "config", log.config ?? log.prompt ?? log.tool ?? log.flow ?? log.evaluator)}
${version ? section("Version kernel", "kernel", version.kernel) : ""}
${section("Inputs", "inputs", log.inputs)}
${section("Metadata", "metadata", log.metadata)}
<h2>Feedback</h2>
${feedbackList(detail.feedback, log.feedback)}
${feedbackForm(log, notice)}
${detail.updates.length > 0 ? section("Updates (PATCH)", "updates", detail.updates) : ""}
<h2>Parent and children</h2>
${detail.parent ? html`<p>Parent:</p><ul>${summaryLink(detail.parent)}</ul>` : html`<p class="muted">No parent${
    typeof log.session_id !== "string" ? html`; <a href="/traces/${encodeURIComponent(log.id)}">this log's trace</a>` : ""
  }.</p>`}
${detail.children.length > 0 ? html`<p>Children:</p><ul id="children">${detail.children.map(summaryLink)}</ul>` : html`<p class="muted">No children.</p>`}
<details><summary>Raw JSON</summary><pre id="raw">${pretty(log)}</pre></details>`;
  return { title, body };
}
