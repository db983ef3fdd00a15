/**
 * The data the local Humanloop v4 server keeps and hands back to tests:
 * stored logs, sessions, feedback, trees and request statistics.
 */
import type { ServerOtlpStats } from "./otlp/server-intake.js";

/** A path to the offending value, FastAPI style, e.g. `["body", 3, "parent_reference_id"]`. */
export type Loc = Array<string | number>;

/** One entry of a 422 answer's `detail` array (the FastAPI shape). */
export interface ValidationIssue {
  /** Where the problem is: `"body"` or `"query"`, then keys and array indices. */
  loc: Loc;
  /** A human-readable explanation. */
  msg: string;
  /** A short code, e.g. `missing`, `extra_forbidden`, `duplicate_reference_id`. */
  type: string;
}

/** One update applied to a log by `PATCH /v4/logs/...`, in the order received. */
export interface LogUpdate {
  /** The new output, when the PATCH carried one. */
  output?: string;
  /** The new error, when the PATCH carried one. */
  error?: string;
  /** The new duration in seconds, when the PATCH carried one. */
  duration?: number;
  /** Server time the update was applied, RFC 3339. */
  applied_at: string;
}

/**
 * A log as the server stored it: every field of the accepted `LogRequest`
 * (`messages`, `config`, `inputs`, `output`, tokens, ...), with the ids the
 * server resolved, and the PATCH updates applied since. `output`, `error`
 * and `duration` hold the latest values (after updates).
 */
export interface StoredLog {
  /** Server id, `data_...` (v4), or the client's `log_id` (v5). */
  id: string;
  /** `"v5"` for a log made through the `/v5` routes; absent for v4. */
  api_version?: "v5";
  /** The project's name (v4 logs; v5 logs have none, their file `path` names a folder instead). */
  project?: string;
  /** The project's id, `pr_...` (v4 logs only). */
  project_id?: string;
  /** The session's id, `sesh_...`, when the log is in a session. */
  session_id?: string;
  /** The caller's session reference, when the session has one. */
  session_reference_id?: string;
  /** The parent log's server id (resolved from `parent_reference_id` too). */
  parent_id?: string;
  /** The `parent_reference_id` the request named, if any. */
  parent_reference_id?: string;
  /** The caller's reference for this log, if any. */
  reference_id?: string;
  /** Updates applied by PATCH, oldest first. */
  updates: LogUpdate[];
  /** Server time the log was stored, RFC 3339. */
  received_at: string;
  /** Every other field exactly as the request sent it. */
  [field: string]: unknown;
}

/** A stored log with its children, for {@link SessionTree}. */
export type LogNode = StoredLog & { children: LogNode[] };

/** A session as stored: created by `POST /v4/sessions` or by a first `session_reference_id`. */
export interface StoredSession {
  /** Server id, `sesh_...`. */
  id: string;
  /** The caller's reference, when the session was made from `session_reference_id`. */
  reference_id?: string;
  /** Ids of the logs in the session, in the order stored. */
  log_ids: string[];
}

/**
 * One session as a tree. Roots are the session's logs without a parent (or
 * whose parent is outside the session); each node lists its children in
 * the order they were stored. Logs outside any session are gathered in one
 * tree whose `session_id` is `null`.
 */
export interface SessionTree {
  /** The session's server id, or `null` for the logs without a session. */
  session_id: string | null;
  /** The session's caller reference, when it has one (for v5 logs: the `session()` id in their `metadata.session_id`). */
  session_reference_id?: string;
  /** `"v5"` for a tree of v5 logs (grouped by `session()` id, else by trace; nested by `trace_parent_id`). */
  api_version?: "v5";
  /** For a v5 tree outside any `session()`: its root log's id. */
  trace_id?: string;
  /** Logs without a parent in this session. */
  roots: LogNode[];
}

/** Feedback stored by `POST /v4/feedback`. */
export interface StoredFeedback {
  /** Server id, `ann_...`. */
  id: string;
  /** The log the feedback is about. */
  data_id: string;
  /** `rating`, `action`, `issue`, `correction`, `comment` or a custom name. */
  type: string;
  /** The value, when given. */
  value?: unknown;
  /** The user, when given. */
  user?: string;
  /** The caller's timestamp, when given. */
  created_at?: string;
  /** Whether the feedback unsets an earlier one, when given. */
  unset?: boolean;
}

/** A request that was answered 422, kept for debugging. */
export interface RejectedRequest {
  /** Normalised route, e.g. `POST /v4/logs`. */
  route: string;
  /** The parsed request body. */
  body: unknown;
  /** The `detail` of the 422 answer. */
  detail: ValidationIssue[];
}

/** What the server has seen since it started (or since `reset()`). */
export interface ServerStats {
  /** Count of requests per normalised route (`POST /v4/logs`, `PATCH /v4/logs/{id}`, ...) and answer status; `"reset"` for connections destroyed by a fault. */
  requests: Record<string, Record<string, number>>;
  /** Total requests received on `/v4` and `/v5` routes. */
  total: number;
  /** Requests answered 422, with their bodies, and spans the v5 OTel import refused, with the operation each stood for (the last 1,000). */
  rejected: RejectedRequest[];
  /** Requests answered 409, by the `type` of the error (`duplicate_reference_id`, v5 `duplicate_log_id`, `already_complete`, `trace_complete`, ...). */
  conflicts: Record<string, number>;
  /** `reference_id`s refused as already used in their project. */
  duplicates: number;
  /** Connections destroyed after storing, by the reset fault. */
  resetsInjected: number;
  /** Answers replaced by an injected status, per status code. */
  faultsInjected: Record<string, number>;
  /** The largest array posted to `POST /v4/logs` (1 for a single object). */
  maxBatchSize: number;
  /** The most requests in progress at the same time. */
  maxConcurrent: number;
  /** Counters of `POST /v1/traces` (received, stored, waiting, unlinked, duplicates, refused, dropped); set by `HumanloopTestServer.stats`. */
  otlp?: ServerOtlpStats;
}
