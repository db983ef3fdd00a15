/**
 * A plain-text rendering of session trees, for demos and debugging.
 */
import type { LogNode, SessionTree } from "./types.js";

function seconds(duration: unknown): string | undefined {
  if (typeof duration !== "number") return undefined;
  return duration < 1 ? `${Math.round(duration * 1000)}ms` : `${duration.toFixed(2)}s`;
}

const V5_KINDS = ["prompt", "tool", "flow", "evaluator"] as const;

/** A log's type, name and kernel: the v4 `config`, or a v5 log's file kind, path name and kernel. */
function describe(log: LogNode): { type: string; name: string; config: Record<string, unknown> } {
  const v5Kind = log.api_version === "v5" ? V5_KINDS.find((kind) => typeof log[kind] === "object" && log[kind] !== null) : undefined;
  if (v5Kind) {
    const kernel = log[v5Kind] as Record<string, unknown>;
    const fn = kernel.function as Record<string, unknown> | undefined;
    const path = typeof log.path === "string" ? log.path : log.id;
    const name = v5Kind === "tool" && typeof fn?.name === "string" ? fn.name : path.slice(path.lastIndexOf("/") + 1);
    return { type: v5Kind, name, config: kernel };
  }
  const config = (log.config ?? {}) as Record<string, unknown>;
  const type = typeof config.type === "string" ? config.type : "log";
  return { type, name: String((type === "model" ? config.model : config.name) ?? log.reference_id ?? log.id), config };
}

/** A log's duration in seconds: v4 `duration`, else from `start_time`/`end_time`. */
function durationOf(log: LogNode): number | undefined {
  if (typeof log.duration === "number") return log.duration;
  const [start, end] = [Date.parse(log.start_time as string), Date.parse(log.end_time as string)];
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : (end - start) / 1000;
}

/** One line for a log: type, name or model, provider, tokens in/out, duration, error. */
export function formatLogLine(log: LogNode): string {
  const { type, name, config } = describe(log);
  const parts = [`${type} ${name}`];
  if (typeof config.provider === "string") parts.push(`(${config.provider})`);
  if (log.prompt_tokens !== undefined || log.output_tokens !== undefined) {
    parts.push(`tokens ${String(log.prompt_tokens ?? "?")}/${String(log.output_tokens ?? "?")}`);
  }
  const duration = seconds(durationOf(log));
  if (duration) parts.push(duration);
  if (typeof log.error === "string") {
    const oneLine = log.error.replace(/\s+/g, " ");
    parts.push(`error: ${oneLine.length > 80 ? `${oneLine.slice(0, 79)}…` : oneLine}`);
  }
  return parts.join("  ");
}

function renderNode(node: LogNode, indent: string, last: boolean, lines: string[]): void {
  lines.push(`${indent}${last ? "└─ " : "├─ "}${formatLogLine(node)}`);
  const childIndent = indent + (last ? "   " : "│  ");
  node.children.forEach((child, i) => renderNode(child, childIndent, i === node.children.length - 1, lines));
}

/**
 * Renders each session as a text tree, e.g.
 * ```
 * session conversation-42 (sesh_…)
 * └─ tool answer  1.20s
 *    ├─ tool lookup  12ms
 *    └─ model gpt-4o-mini  (openai)  tokens 12/34  804ms
 * ```
 * Pure: no I/O. Returns `"(no logs)\n"` for an empty list.
 */
export function formatTrees(trees: SessionTree[]): string {
  if (trees.length === 0) return "(no logs)\n";
  const lines: string[] = [];
  for (const tree of trees) {
    const title = tree.api_version === "v5"
      ? tree.session_reference_id !== undefined
        ? `session ${tree.session_reference_id}`
        : `trace ${tree.trace_id ?? ""}`
      : tree.session_id === null
      ? "no session"
      : tree.session_reference_id !== undefined
        ? `session ${tree.session_reference_id} (${tree.session_id})`
        : `session ${tree.session_id}`;
    lines.push(title);
    tree.roots.forEach((root, i) => renderNode(root, "", i === tree.roots.length - 1, lines));
  }
  return `${lines.join("\n")}\n`;
}
