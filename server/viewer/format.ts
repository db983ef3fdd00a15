/**
 * Small formatters of the viewer: times, durations, tokens, a log's kind
 * and name, and a log's time span. Pure functions.
 */
import type { HumanloopStore } from "../store.js";
import type { StoredFile, StoredVersion } from "../store-files.js";
import { timeOf } from "../store-rows.js";
import type { StoredLog } from "../types.js";

/** An RFC 3339 time as `2026-01-01 12:00:00` (UTC), or "" when missing or unreadable. */
export function when(time: unknown): string {
  const ms = typeof time === "number" ? time : timeOf(time);
  if (ms === undefined || !Number.isFinite(ms)) return "";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "").replace("Z", "");
}

/** Milliseconds as `850 ms`, `1.24 s`, `3 min 2 s`; "" for undefined. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** Prompt/output tokens as `112 / 18`, or "" when the log has none. */
export function tokens(prompt: unknown, output: unknown): string {
  if (typeof prompt !== "number" && typeof output !== "number") return "";
  return `${typeof prompt === "number" ? prompt : "–"} / ${typeof output === "number" ? output : "–"}`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** What a list shows of a log. */
export interface Described {
  kind: string;
  name: string;
  model?: string;
  provider?: string;
}

/** A v5 log's file and version kernel, when the log names them (see {@link describer}). */
export interface FileFacts {
  kind?: string;
  path?: string;
  kernel?: Record<string, unknown>;
}

/**
 * What a log is and is called: v4 `config.type`/`config.name`, a v5 log's
 * inline kernel or its file (kind, last part of the path) and version
 * kernel (model, provider), else the model.
 */
export function describe(log: StoredLog, file: FileFacts = {}): Described {
  const kernelKind = (["prompt", "tool", "flow", "evaluator"] as const).find((k) => rec(log[k]) !== undefined);
  const config = rec(log.config) ?? (kernelKind ? rec(log[kernelKind]) : undefined) ?? file.kernel ?? {};
  const fn = rec(config.function);
  const path = str(log.path) ?? file.path;
  const kind = str(config.type) ?? kernelKind ?? file.kind ?? "log";
  const name = str(config.name) ?? str(fn?.name) ?? (path ? path.split("/").pop() : undefined) ?? str(config.model) ?? log.id;
  const described: Described = { kind, name };
  const model = str(config.model);
  const provider = str(config.provider);
  if (model !== undefined) described.model = model;
  if (provider !== undefined) described.provider = provider;
  return described;
}

/** {@link describe} with the v5 files and versions looked up in `store` (each once). */
export function describer(store: HumanloopStore): (log: StoredLog) => Described {
  const files = new Map<string, StoredFile | undefined>();
  const versions = new Map<string, StoredVersion | undefined>();
  return (log) => {
    const facts: FileFacts = {};
    if (typeof log.file_id === "string") {
      if (!files.has(log.file_id)) files.set(log.file_id, store.files.fileById(log.file_id));
      const file = files.get(log.file_id);
      if (file) Object.assign(facts, { kind: file.kind, path: file.path });
    }
    if (typeof log.version_id === "string") {
      if (!versions.has(log.version_id)) versions.set(log.version_id, store.files.versionById(log.version_id));
      const kernel = versions.get(log.version_id)?.kernel;
      if (kernel) facts.kernel = kernel;
    }
    return describe(log, facts);
  };
}

/** When a log started and ended (ms since the epoch), from its start/end times, else its creation time and duration. */
export function spanOf(log: StoredLog): { start?: number; end?: number } {
  const start = timeOf(log.start_time) ?? timeOf(log.created_at);
  let end = timeOf(log.end_time);
  if (end === undefined && start !== undefined && typeof log.duration === "number") end = start + log.duration * 1_000;
  return { start, end: end !== undefined && start !== undefined && end < start ? start : end };
}

/** A log's duration in ms: end minus start, else its `duration` (seconds). */
export function durationOf(log: StoredLog): number | undefined {
  const { start, end } = spanOf(log);
  if (start !== undefined && end !== undefined) return end - start;
  return typeof log.duration === "number" ? log.duration * 1_000 : undefined;
}
