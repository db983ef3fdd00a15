/**
 * `/sessions/{id}` and `/traces/{id}`: a session's (or a v5 trace's) logs
 * as an expandable tree (`<details>`, no script needed) and a timeline of
 * their durations, bars placed relative to the whole span.
 */
import type { HumanloopStore } from "../store.js";
import type { StoredLog } from "../types.js";
import { describer, duration, durationOf, spanOf, tokens, when, type Described } from "./format.js";
import { html, type Html } from "./html.js";

interface Node {
  log: StoredLog;
  children: Node[];
  depth: number;
}

const parentOf = (log: StoredLog): string | undefined =>
  typeof log.parent_id === "string" ? log.parent_id : typeof log.trace_parent_id === "string" ? log.trace_parent_id : undefined;

/** The logs as a forest: a log whose parent is not among them is a root. Order kept (the order stored). */
export function forest(logs: StoredLog[]): Node[] {
  const nodes = new Map(logs.map((log) => [log.id, { log, children: [] as Node[], depth: 0 }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parentId = parentOf(node.log);
    const parent = parentId !== undefined && parentId !== node.log.id ? nodes.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const walk = (node: Node, depth: number): void => {
    node.depth = depth;
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return roots;
}

function flatten(roots: Node[]): Node[] {
  const out: Node[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i -= 1) stack.push(node.children[i]!);
  }
  return out;
}

function line(log: StoredLog, d: Described): Html {
  const ms = durationOf(log);
  const tok = tokens(log.prompt_tokens, log.output_tokens);
  return html`<span class="node"><span class="tag">${d.kind}</span> <a href="/logs/${encodeURIComponent(log.id)}">${d.name}</a>${
    d.model !== undefined && d.model !== d.name ? html` <span>${d.model}</span>` : ""
  }${d.provider !== undefined ? html` <span class="muted">(${d.provider})</span>` : ""}${tok ? html` <span class="muted">tokens ${tok}</span>` : ""}${
    ms !== undefined ? html` <span class="muted">${duration(ms)}</span>` : ""
  }${log.log_status === "incomplete" ? html` <span class="tag">incomplete</span>` : ""}${
    typeof log.error === "string" ? html` <span class="err">error: ${log.error}</span>` : ""
  }</span>`;
}

function branch(node: Node, describe: (log: StoredLog) => Described): Html {
  const here = line(node.log, describe(node.log));
  if (node.children.length === 0) return html`<li>${here}</li>`;
  return html`<li><details open><summary>${here}</summary><ul>${node.children.map((child) => branch(child, describe))}</ul></details></li>`;
}

function timeline(nodes: Node[], describe: (log: StoredLog) => Described): Html {
  const spans = nodes.map((node) => ({ node, ...spanOf(node.log) }));
  const starts = spans.map((s) => s.start).filter((v): v is number => v !== undefined);
  const ends = spans.map((s) => s.end ?? s.start).filter((v): v is number => v !== undefined);
  if (starts.length === 0) return html`<p class="muted">No start times recorded, so no timeline.</p>`;
  const t0 = starts.reduce((a, b) => Math.min(a, b));
  const total = Math.max(ends.reduce((a, b) => Math.max(a, b)) - t0, 1);
  const pct = (v: number) => `${((v / total) * 100).toFixed(2)}%`;
  const rows = spans.map(({ node, start, end }) => {
    const d = describe(node.log);
    const bar =
      start === undefined
        ? html`<span class="muted">no time</span>`
        : html`<span class="tl-bar${typeof node.log.error === "string" ? " error" : ""}" style="left:${pct(start - t0)};width:${pct((end ?? start) - start)}" title="${duration((end ?? start) - start)}"></span>`;
    return html`<div class="tl-row"><span class="tl-name" style="padding-left:${Math.min(node.depth, 8) * 0.6}rem" title="${d.name}">${d.name}</span><span class="tl-track">${bar}</span></div>`;
  });
  return html`<div class="timeline" id="timeline"><div class="muted">0 – ${duration(total)} from ${when(t0)} UTC</div>${rows}</div>`;
}

function treePage(store: HumanloopStore, title: string, facts: Html, logs: StoredLog[]): Html {
  const roots = forest(logs);
  const describe = describer(store);
  const errors = logs.filter((log) => typeof log.error === "string").length;
  const sum = (key: string) => logs.reduce((n, log) => n + (typeof log[key] === "number" ? (log[key] as number) : 0), 0);
  return html`<h1>${title}</h1>
<dl class="facts">${facts}<dt>Logs</dt><dd>${logs.length}</dd><dt>Tokens in / out</dt><dd>${sum("prompt_tokens")} / ${sum("output_tokens")}</dd><dt>Errors</dt><dd>${
    errors > 0 ? html`<span class="err">${errors}</span>` : "0"
  }</dd></dl>
<h2>Tree</h2><div class="tree" id="tree"><ul>${roots.map((root) => branch(root, describe))}</ul></div>
<h2>Timeline</h2>${timeline(flatten(roots), describe)}`;
}

/** The page of session `id`, or undefined when there is no such session. */
export function sessionPage(store: HumanloopStore, id: string): { title: string; body: Html } | undefined {
  const session = store.sessionHead(id);
  if (!session) return undefined;
  const logs = store.queries.sessionLogs(id);
  const project = logs.find((log) => typeof log.project === "string")?.project;
  const title = `Session ${session.reference_id ?? session.id}`;
  const facts = html`<dt>Id</dt><dd>${session.id}</dd>${session.reference_id !== undefined ? html`<dt>Reference</dt><dd>${session.reference_id}</dd>` : ""}${
    project !== undefined ? html`<dt>Project</dt><dd>${project}</dd>` : ""
  }`;
  return { title, body: treePage(store, title, facts, logs) };
}

/** The page of the trace rooted at log `id` (a v5 flow and what ran under it, or a loose v4 log tree), or undefined. */
export function tracePage(store: HumanloopStore, id: string): { title: string; body: Html } | undefined {
  const logs = store.queries.traceLogs(id);
  const root = logs.find((log) => log.id === id);
  if (!root) return undefined;
  const d = describer(store)(root);
  const title = `Trace ${d.name}`;
  const facts = html`<dt>Root log</dt><dd><a href="/logs/${encodeURIComponent(root.id)}">${root.id}</a></dd>${
    typeof root.project === "string" ? html`<dt>Project</dt><dd>${root.project}</dd>` : ""
  }${typeof root.log_status === "string" ? html`<dt>Status</dt><dd>${root.log_status}</dd>` : ""}${
    typeof root.session_id === "string" ? html`<dt>Session</dt><dd><a href="/sessions/${encodeURIComponent(root.session_id)}">${root.session_reference_id ?? root.session_id}</a></dd>` : ""
  }`;
  return { title, body: treePage(store, title, facts, logs) };
}
