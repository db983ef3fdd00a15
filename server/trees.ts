/**
 * Read-back of stored logs as session trees (pure functions over the store's
 * contents). v4 logs group by session and nest by `parent_id`; v5 logs
 * (no sessions) nest by `trace_parent_id` and group by the `session()` id
 * the exporter keeps in `metadata.session_id`, else one group per trace.
 */
import type { LogNode, SessionTree, StoredLog, StoredSession } from "./types.js";

function treeOf(sessionId: string | null, logs: StoredLog[], reference?: string): SessionTree {
  const nodes = new Map<string, LogNode>();
  for (const log of logs) nodes.set(log.id, { ...structuredClone(log), children: [] });
  const roots: LogNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.parent_id ?? (typeof node.trace_parent_id === "string" ? node.trace_parent_id : undefined);
    const parent = parentId !== undefined ? nodes.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const tree: SessionTree = { session_id: sessionId, roots };
  if (reference !== undefined) tree.session_reference_id = reference;
  return tree;
}

/** The tree of one session. */
export function sessionTree(session: StoredSession, logsById: (id: string) => StoredLog | undefined): SessionTree {
  const logs = session.log_ids.map(logsById).filter((log): log is StoredLog => log !== undefined);
  return treeOf(session.id, logs, session.reference_id);
}

/** The `session()` id a v5 log was made in (the exporter's `metadata.session_id`), if any. */
function v5SessionOf(log: StoredLog): string | undefined {
  const metadata = log.metadata as Record<string, unknown> | undefined;
  return typeof metadata?.session_id === "string" ? metadata.session_id : undefined;
}

/**
 * The v5 logs as trees, in the order their groups first appear: one per
 * `session()` id (`session_reference_id` set), else one per trace (its
 * root log's id as `trace_id`). A log joins its trace root's group.
 */
export function v5Trees(logs: StoredLog[]): SessionTree[] {
  const byId = new Map(logs.map((log) => [log.id, log]));
  const groupOf = (log: StoredLog): string => {
    const seen = new Set<string>();
    let root = log;
    for (let up = byId.get(root.trace_parent_id as string); up && !seen.has(up.id); up = byId.get(up.trace_parent_id as string)) {
      seen.add(root.id);
      root = up;
    }
    const session = v5SessionOf(root) ?? v5SessionOf(log);
    return session !== undefined ? `session:${session}` : `trace:${root.id}`;
  };
  const groups = new Map<string, StoredLog[]>();
  for (const log of logs) {
    const key = groupOf(log);
    const group = groups.get(key);
    if (group) group.push(log);
    else groups.set(key, [log]);
  }
  return [...groups].map(([key, members]) => {
    const tree = treeOf(null, members, key.startsWith("session:") ? key.slice("session:".length) : undefined);
    tree.api_version = "v5";
    if (key.startsWith("trace:")) tree.trace_id = key.slice("trace:".length);
    return tree;
  });
}

/**
 * One tree per session that has logs, oldest session first, then one tree
 * (`session_id: null`) of the v4 logs outside any session, when there are
 * some, then the v5 logs' trees ({@link v5Trees}).
 */
export function allTrees(sessions: StoredSession[], logs: StoredLog[]): SessionTree[] {
  const byId = new Map(logs.map((log) => [log.id, log]));
  const trees = sessions.filter((s) => s.log_ids.length > 0).map((s) => sessionTree(s, (id) => byId.get(id)));
  const loose = logs.filter((log) => log.session_id === undefined && log.api_version !== "v5");
  if (loose.length > 0) trees.push(treeOf(null, loose));
  trees.push(...v5Trees(logs.filter((log) => log.api_version === "v5")));
  return trees;
}
