/**
 * A plain-text rendering of session trees, for demos and debugging.
 */
import type { LogNode, SessionTree } from "./types.js";

function seconds(duration: unknown): string | undefined {
  if (typeof duration !== "number") return undefined;
  return duration < 1 ? `${Math.round(duration * 1000)}ms` : `${duration.toFixed(2)}s`;
}

/** One line for a log: type, name or model, provider, tokens in/out, duration, error. */
export function formatLogLine(log: LogNode): string {
  const config = (log.config ?? {}) as Record<string, unknown>;
  const type = typeof config.type === "string" ? config.type : "log";
  const name = String((type === "model" ? config.model : config.name) ?? log.reference_id ?? log.id);
  const parts = [`${type} ${name}`];
  if (typeof config.provider === "string") parts.push(`(${config.provider})`);
  if (log.prompt_tokens !== undefined || log.output_tokens !== undefined) {
    parts.push(`tokens ${String(log.prompt_tokens ?? "?")}/${String(log.output_tokens ?? "?")}`);
  }
  const duration = seconds(log.duration);
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
    const title = tree.session_id === null
      ? "no session"
      : tree.session_reference_id !== undefined
        ? `session ${tree.session_reference_id} (${tree.session_id})`
        : `session ${tree.session_id}`;
    lines.push(title);
    tree.roots.forEach((root, i) => renderNode(root, "", i === tree.roots.length - 1, lines));
  }
  return `${lines.join("\n")}\n`;
}
