/**
 * `/`: the sessions, newest first, filtered and paged, then the traces
 * outside any session (v5 traces, loose v4 logs), so nothing stored is
 * out of sight.
 */
import type { HumanloopStore } from "../store.js";
import type { LogSummary, SessionFilter } from "../store-queries.js";
import { duration, tokens, when } from "./format.js";
import { html, query, type Html } from "./html.js";

const PAGE = 50;

/** The filters as read from the query string. */
interface ListParams {
  project: string;
  user: string;
  text: string;
  errors: boolean;
  offset: number;
  roots: number;
}

function intParam(url: URL, name: string): number {
  const n = Number(url.searchParams.get(name) ?? "0");
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function paramsOf(url: URL): ListParams {
  const get = (name: string) => (url.searchParams.get(name) ?? "").trim();
  return { project: get("project"), user: get("user"), text: get("text"), errors: get("errors") !== "", offset: intParam(url, "offset"), roots: intParam(url, "roots") };
}

function link(params: ListParams, change: Partial<ListParams>): string {
  const p = { ...params, ...change };
  return `/${query({ project: p.project, user: p.user, text: p.text, errors: p.errors ? "1" : undefined, offset: p.offset || undefined, roots: p.roots || undefined })}`;
}

function pager(params: ListParams, key: "offset" | "roots", total: number, shown: number, noun: string): Html {
  const at = params[key];
  const prev = at > 0 ? html`<a href="${link(params, { [key]: Math.max(at - PAGE, 0) })}" rel="prev">← newer</a>` : "";
  const next = at + PAGE < total ? html`<a href="${link(params, { [key]: at + PAGE })}" rel="next">older →</a>` : "";
  const range = shown === 0 ? `0 of ${total}` : `${at + 1}–${at + shown} of ${total}`;
  return html`<div class="pager">${prev}<span class="muted">${noun} ${range}</span>${next}</div>`;
}

function rootRow(log: LogSummary): Html {
  return html`<tr>
<td><a href="/traces/${encodeURIComponent(log.id)}">${log.name ?? log.id}</a></td>
<td><span class="tag">${log.kind ?? "log"}</span>${log.log_status === "incomplete" ? html` <span class="tag">incomplete</span>` : ""}</td>
<td class="hide-narrow">${log.model ?? ""}</td>
<td>${when(log.time)}</td>
<td class="num">${duration(log.duration === null ? undefined : log.duration * 1_000)}</td>
<td class="num">${tokens(log.prompt_tokens, log.output_tokens)}</td>
<td>${log.error !== null ? html`<span class="tag error">error</span>` : ""}</td>
</tr>`;
}

/** The body of `/` for `url`'s filters. */
export function listPage(store: HumanloopStore, url: URL): { title: string; body: Html } {
  const params = paramsOf(url);
  const filter: SessionFilter = { limit: PAGE, offset: params.offset };
  if (params.project) filter.project = params.project;
  if (params.user) filter.user = params.user;
  if (params.text) filter.text = params.text;
  if (params.errors) filter.errorsOnly = true;
  const page = store.queries.listSessions(filter);
  const roots = store.queries.rootLogs({ limit: PAGE, offset: params.roots });
  const projects = store.allProjects();
  const filtered = Boolean(params.project || params.user || params.text || params.errors);
  const sessions = page.sessions.map(
    (s) => html`<tr>
<td><a href="/sessions/${encodeURIComponent(s.id)}">${s.reference_id ?? s.id}</a>${s.user !== null ? html`<div class="muted">user ${s.user}</div>` : ""}</td>
<td>${s.project ?? ""}</td>
<td class="hide-narrow">${when(s.first_at)}</td>
<td>${when(s.last_at)}</td>
<td class="num">${s.log_count}</td>
<td class="num">${tokens(s.prompt_tokens, s.output_tokens)}</td>
<td class="num">${s.error_count > 0 ? html`<span class="tag error">${s.error_count}</span>` : "0"}</td>
</tr>`,
  );
  const body = html`<h1>Sessions</h1>
<form class="filters" method="get" action="/">
<label>Project <input type="text" name="project" value="${params.project}" list="projects"></label>
<datalist id="projects">${projects.map((p) => html`<option value="${p.name}">`)}</datalist>
<label>User <input type="text" name="user" value="${params.user}"></label>
<label>Text <input type="text" name="text" value="${params.text}"></label>
<label class="check"><span>Errors only</span><input type="checkbox" name="errors" value="1"${params.errors ? html` checked` : ""}></label>
<button type="submit">Filter</button>${filtered ? html` <a href="/">clear</a>` : ""}
</form>
${
  page.sessions.length === 0
    ? html`<p class="muted">${filtered ? "No session matches these filters." : "No sessions yet. Point an app at this server (HUMANLOOP_BASE_URL) and they appear here."}</p>`
    : html`<div class="scroll"><table id="sessions"><thead><tr><th>Session</th><th>Project</th><th class="hide-narrow">First</th><th>Last</th><th class="num">Logs</th><th class="num">Tokens in / out</th><th class="num">Errors</th></tr></thead>
<tbody>${sessions}</tbody></table></div>`
}
${pager(params, "offset", page.total, page.sessions.length, "sessions")}
<h2>Traces outside sessions</h2>
<p class="muted">Logs sent without a session and with no parent: v5 traces (a flow and what it called) and loose v4 logs.</p>
${
  roots.logs.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<div class="scroll"><table id="traces"><thead><tr><th>Name</th><th>Kind</th><th class="hide-narrow">Model</th><th>Time</th><th class="num">Duration</th><th class="num">Tokens in / out</th><th>Error</th></tr></thead>
<tbody>${roots.logs.map(rootRow)}</tbody></table></div>`
}
${pager(params, "roots", roots.total, roots.logs.length, "traces")}`;
  return { title: "Sessions", body };
}
