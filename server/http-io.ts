/**
 * Reading request bodies and writing JSON answers for the local server.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Request bodies over this many bytes get 413 (10 MiB). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The bytes of request bodies the server holds at once (read, or waiting to
 * be stored), shared by every request: what bounds the server's memory
 * under any number of concurrent senders. A body that would pass the limit
 * is not kept (the request is answered 503 with Retry-After, and the sender
 * retries); one body alone is always let in, so a body larger than the
 * limit but within the size limit still gets through when nothing else is held.
 */
export class BodyBudget {
  /** The most bytes held at once. */
  readonly limit: number;
  private used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }

  /** Holds `bytes` more; false (nothing held) when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.used > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** Lets go of `bytes` taken before. */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Request bodies held at once by default: 64 MiB. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

/** A request body as received. */
export interface RawBody {
  /** The bytes, when the body fit within the limit. */
  bytes: Buffer;
  /** True when the body was longer than the limit (its bytes are discarded). */
  tooLarge: boolean;
  /** True when the body did not fit in the server's {@link BodyBudget} now (its bytes are discarded): answer 503 with Retry-After. */
  busy: boolean;
  /** Gives the body's bytes back to the budget; call once the request is answered (again: no effect). */
  release: () => void;
}

/**
 * Reads the whole body, keeping at most `limit` bytes, and holding them in
 * `budget` (when given) until `release()`; a longer body, or one the budget
 * has no room for, is drained and flagged.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES, budget?: BodyBudget): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    let tooLarge = declared > limit;
    let busy = false;
    let taken = 0;
    const release = () => {
      budget?.give(taken);
      taken = 0;
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge || busy) return;
      if (budget && !budget.take(chunk.length)) {
        busy = true;
        chunks.length = 0;
        release();
        return;
      }
      taken += chunk.length;
      chunks.push(chunk);
    });
    req.on("end", () => {
      const kept = !tooLarge && !busy;
      if (!kept) release();
      resolve({ bytes: kept ? Buffer.concat(chunks) : Buffer.alloc(0), tooLarge, busy: busy && !tooLarge, release });
    });
    req.on("error", (error) => {
      release();
      reject(error);
    });
    // A client that goes away mid-body never sends "end".
    req.on("close", () => {
      if (!req.complete) {
        release();
        reject(new Error("request aborted before its body ended"));
      }
    });
  });
}

/** Writes `body` as JSON with `status` and any extra `headers`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes `text` as plain text with status 200. */
export function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** True when the Content-Type header names JSON (`application/json`, any parameters). */
export function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}
