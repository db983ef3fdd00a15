/**
 * Read-back of stored logs as session trees (pure functions over the store's
 * contents).
 */
import type { LogNode, SessionTree, StoredLog, StoredSession } from "./types.js";

function treeOf(sessionId: string | null, logs: StoredLog[], reference?: string): SessionTree {
  const nodes = new Map<string, LogNode>();
  for (const log of logs) nodes.set(log.id, { ...structuredClone(log), children: [] });
  const roots: LogNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_id !== undefined ? nodes.get(node.parent_id) : undefined;
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

/**
 * One tree per session that has logs, oldest session first, then one tree
 * (`session_id: null`) of the logs outside any session, when there are some.
 */
export function allTrees(sessions: StoredSession[], logs: StoredLog[]): SessionTree[] {
  const byId = new Map(logs.map((log) => [log.id, log]));
  const trees = sessions.filter((s) => s.log_ids.length > 0).map((s) => sessionTree(s, (id) => byId.get(id)));
  const loose = logs.filter((log) => log.session_id === undefined);
  if (loose.length > 0) trees.push(treeOf(null, loose));
  return trees;
}
