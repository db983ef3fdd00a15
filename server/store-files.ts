/**
 * v5 files (Prompt, Tool, Flow, Evaluator, addressed by path) and their
 * versions (one per distinct kernel, identified by a hash of the canonical
 * kernel), over the store's database. See HUMANLOOP_V5.md, "The model".
 */
import { createHash } from "node:crypto";
import { newId } from "./ids.js";
import type { Sql } from "./store.js";

/** The kinds of v5 file. */
export type FileKind = "prompt" | "tool" | "flow" | "evaluator";

/** The id prefix of each kind of file (`pr_`, `tl_`, `fl_`, `ev_`). */
export const FILE_ID_PREFIX: Record<FileKind, string> = { prompt: "pr", tool: "tl", flow: "fl", evaluator: "ev" };

/** A stored v5 file. */
export interface StoredFile {
  /** Server id with its kind's prefix, e.g. `pr_...`. */
  id: string;
  kind: FileKind;
  /** Unique across kinds, e.g. `"support/answer"`. */
  path: string;
  /** Server time it was made, ms since the epoch. */
  created_at: number;
}

/** A stored version of a file: its kernel. */
export interface StoredVersion {
  /** Server id, e.g. `prv_...`: derived from the file and the kernel hash, so the same kernel always gets the same id. */
  id: string;
  file_id: string;
  /** The kernel as first stored. */
  kernel: Record<string, unknown>;
  /** SHA-256 (hex) of {@link canonicalJson} of the kernel. */
  hash: string;
  /** Server time it was made, ms since the epoch. */
  created_at: number;
}

/** `value` as JSON with object keys sorted at every level and `undefined` members dropped: equal kernels give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function fileOf(row: Record<string, unknown> | undefined): StoredFile | undefined {
  return row ? { id: row.id as string, kind: row.kind as FileKind, path: row.path as string, created_at: Number(row.created_at) } : undefined;
}

function versionOf(row: Record<string, unknown> | undefined): StoredVersion | undefined {
  if (!row) return undefined;
  const { id, file_id, hash, created_at } = row as { id: string; file_id: string; hash: string; created_at: number };
  return { id, file_id, hash, created_at: Number(created_at), kernel: JSON.parse(row.kernel as string) as Record<string, unknown> };
}

/** Files and versions (reach it as `store.files`; write inside `store.transaction`). */
export class FileStore {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** The file at `path` (any kind), or undefined. */
  fileByPath(path: string): StoredFile | undefined {
    return fileOf(this.sql("SELECT * FROM files WHERE path = ?").get(path));
  }

  /** The file with server id `id`, or undefined. */
  fileById(id: string): StoredFile | undefined {
    return fileOf(this.sql("SELECT * FROM files WHERE id = ?").get(id));
  }

  /**
   * The file at `path`, made as a `kind` file when new. When the path
   * already holds a file of another kind, returns that file with
   * `conflict: true` and changes nothing (the v5 `409 path_conflict`).
   */
  ensureFile(path: string, kind: FileKind): { file: StoredFile; created: boolean; conflict: boolean } {
    const known = this.fileByPath(path);
    if (known) return { file: known, created: false, conflict: known.kind !== kind };
    const file: StoredFile = { id: newId(FILE_ID_PREFIX[kind]), kind, path, created_at: Date.now() };
    this.sql("INSERT INTO files (id, kind, path, created_at) VALUES (?, ?, ?, ?)").run(file.id, kind, path, file.created_at);
    return { file, created: true, conflict: false };
  }

  /** Every file, oldest first. */
  allFiles(): StoredFile[] {
    return this.sql("SELECT * FROM files ORDER BY rowid")
      .all()
      .map((row) => fileOf(row)!);
  }

  /** The version with server id `id`, or undefined. */
  versionById(id: string): StoredVersion | undefined {
    return versionOf(this.sql("SELECT * FROM versions WHERE id = ?").get(id));
  }

  /** The version of file `fileId` whose kernel equals `kernel` (canonically), or undefined. */
  versionByKernel(fileId: string, kernel: Record<string, unknown>): StoredVersion | undefined {
    return versionOf(this.sql("SELECT * FROM versions WHERE file_id = ? AND hash = ?").get(fileId, sha256(canonicalJson(kernel))));
  }

  /** The version of file `fileId` for `kernel`: the stored one when the kernel is known, else a new one. */
  ensureVersion(fileId: string, kernel: Record<string, unknown>): { version: StoredVersion; created: boolean } {
    const known = this.versionByKernel(fileId, kernel);
    if (known) return { version: known, created: false };
    const file = this.fileById(fileId);
    if (!file) throw new Error(`ensureVersion: no file ${fileId}`);
    const hash = sha256(canonicalJson(kernel));
    const id = `${FILE_ID_PREFIX[file.kind]}v_${sha256(`${fileId}\0${hash}`).slice(0, 24)}`;
    const version: StoredVersion = { id, file_id: fileId, kernel: structuredClone(kernel), hash, created_at: Date.now() };
    this.sql("INSERT INTO versions (id, file_id, kernel, hash, created_at) VALUES (?, ?, ?, ?, ?)").run(id, fileId, canonicalJson(kernel), hash, version.created_at);
    return { version, created: true };
  }

  /** The newest version of file `fileId`, or undefined when it has none. */
  latestVersion(fileId: string): StoredVersion | undefined {
    return versionOf(this.sql("SELECT * FROM versions WHERE file_id = ? ORDER BY rowid DESC LIMIT 1").get(fileId));
  }

  /** Every version of file `fileId`, oldest first. */
  versionsOf(fileId: string): StoredVersion[] {
    return this.sql("SELECT * FROM versions WHERE file_id = ? ORDER BY rowid")
      .all(fileId)
      .map((row) => versionOf(row)!);
  }
}
