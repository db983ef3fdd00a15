import type { StoredLog } from "../testing/index.js";

/** Server-assigned fields (ids, receipt time) differ between servers; everything else must match. */
const SERVER_FIELDS = ["id", "project_id", "session_id", "parent_id", "received_at", "updates"];

/** Logs without their server-assigned fields, sorted by reference id, for comparing two servers' logs. */
export function comparable(logs: StoredLog[]): Record<string, unknown>[] {
  return logs
    .map((log) => Object.fromEntries(Object.entries(log).filter(([k]) => !SERVER_FIELDS.includes(k))))
    .sort((a, b) => String(a.reference_id).localeCompare(String(b.reference_id)));
}
