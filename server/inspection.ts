/**
 * `/__test/...`: read-back of the local server's store over HTTP, without an
 * API key, so another process (a demo, a script) can see what was stored.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { formatTrees } from "./format.js";
import { sendJson, sendText } from "./http-io.js";
import type { ServerStats, SessionTree, StoredFeedback, StoredLog, StoredSession } from "./types.js";

/** What the inspection routes read from. */
export interface InspectionSource {
  logs(): StoredLog[];
  trees(): SessionTree[];
  sessions(): StoredSession[];
  feedback(): StoredFeedback[];
  readonly stats: ServerStats;
  reset(): void;
}

/**
 * Answers `GET /__test/logs`, `/__test/trees` (`?format=text` for
 * {@link formatTrees}), `/__test/sessions`, `/__test/feedback`,
 * `/__test/stats`, and `POST /__test/reset`.
 */
export function handleInspection(source: InspectionSource, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const what = url.pathname.slice("/__test/".length);
  req.resume();
  if (req.method === "POST" && what === "reset") {
    source.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (req.method !== "GET") return sendJson(res, 405, { detail: "Method Not Allowed" });
  switch (what) {
    case "logs":
      return sendJson(res, 200, source.logs());
    case "trees":
      return url.searchParams.get("format") === "text" ? sendText(res, formatTrees(source.trees())) : sendJson(res, 200, source.trees());
    case "sessions":
      return sendJson(res, 200, source.sessions());
    case "feedback":
      return sendJson(res, 200, source.feedback());
    case "stats":
      return sendJson(res, 200, source.stats);
    default:
      return sendJson(res, 404, { detail: "Not Found" });
  }
}
