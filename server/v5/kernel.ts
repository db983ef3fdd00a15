/**
 * File versions by kernel (HUMANLOOP_V5.md, "The model"): the same kernel
 * is the same version. A kernel is canonicalized (keys sorted at every
 * level, `null`/absent fields dropped, a missing kernel replaced by its
 * kind's default) and hashed; the version id is the hash of the file id and
 * the canonical kernel, so it is stable per file and across restarts.
 */
import { createHash } from "node:crypto";

/** The kinds of v5 files. */
export type FileKind = "prompt" | "tool" | "flow" | "evaluator";

/** Id prefix of each file kind (`pr_`, `tl_`, `fl_`, `ev_`). */
export const FILE_ID_PREFIX: Record<FileKind, string> = { prompt: "pr", tool: "tl", flow: "fl", evaluator: "ev" };

/** Id prefix of each kind's versions. */
export const VERSION_ID_PREFIX: Record<FileKind, string> = { prompt: "prv", tool: "tlv", flow: "flv", evaluator: "evv" };

/** The kernel a new file of `kind` gets when the log names none (a Prompt has none: it is a 422). */
export function defaultKernel(kind: FileKind): Record<string, unknown> | undefined {
  if (kind === "flow") return { attributes: {} };
  if (kind === "tool" || kind === "evaluator") return {};
  return undefined;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonical(item)));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== null && field !== undefined) out[key] = canonical(field);
    }
    return out;
  }
  return value;
}

/** The canonical form of a kernel: sorted keys, no `null`s; `undefined` becomes the kind's default. */
export function canonicalKernel(kind: FileKind, kernel: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const base = kernel ?? defaultKernel(kind);
  if (base === undefined) return undefined;
  const out = canonical(base) as Record<string, unknown>;
  if (kind === "flow" && out.attributes === undefined) out.attributes = {};
  return out;
}

/** The canonical JSON text of a kernel (the string that is hashed). */
export function kernelText(kind: FileKind, kernel: Record<string, unknown> | undefined): string {
  return JSON.stringify(canonicalKernel(kind, kernel) ?? {});
}

/** The version id of `kernel` in the file `fileId`: `<prefix>_` + 24 hex digits of SHA-256(file id, canonical kernel). */
export function versionId(kind: FileKind, fileId: string, kernel: Record<string, unknown> | undefined): string {
  const hash = createHash("sha256").update(fileId).update("\0").update(kernelText(kind, kernel)).digest("hex");
  return `${VERSION_ID_PREFIX[kind]}_${hash.slice(0, 24)}`;
}

/** The file kind an id prefix names, or `undefined`. */
export function kindOfFileId(id: string): FileKind | undefined {
  const prefix = id.split("_", 1)[0];
  return (Object.keys(FILE_ID_PREFIX) as FileKind[]).find((kind) => FILE_ID_PREFIX[kind] === prefix);
}
