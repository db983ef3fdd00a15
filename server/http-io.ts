/**
 * Reading request bodies and writing JSON answers for the local server.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Request bodies over this many bytes get 413 (10 MiB). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A request body as received. */
export interface RawBody {
  /** The bytes, when the body fit within the limit. */
  bytes: Buffer;
  /** True when the body was longer than the limit (its bytes are discarded). */
  tooLarge: boolean;
}

/** Reads the whole body, keeping at most `limit` bytes; a longer body is drained and flagged. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    let tooLarge = declared > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => resolve({ bytes: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on("error", reject);
    // A client that goes away mid-body never sends "end".
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted before its body ended"));
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
