/**
 * The `/v4` request pipeline of the local server, in order: read the body,
 * latency, injected status (nothing stored), API key (401), size (413),
 * encoding and content type (415), JSON (400), the route itself (in its
 * own savepoint of a group commit, see group-commit.ts: a 4xx keeps nothing; a full disk or I/O error is a 503
 * with Retry-After), then the store-then-reset fault.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultPlan } from "./faults.js";
import type { GroupCommit } from "./group-commit.js";
import { isJsonContentType, readBody, sendJson, type BodyBudget } from "./http-io.js";
import { acceptLogs } from "./log-rules.js";
import { createSession, patchLog, postFeedback, type RouteAnswer } from "./routes.js";
import type { StatsRecorder } from "./stats.js";
import type { HumanloopStore } from "./store.js";
import type { ValidationIssue } from "./types.js";
import { getSession, listLogs, listSessions } from "./v4-reads.js";
import { WalSyncError } from "./wal-sync.js";

/** What the pipeline works with. */
export interface V4Context {
  store: HumanloopStore;
  faults: FaultPlan;
  stats: StatsRecorder;
  apiKey: string;
  /** Where the write requests run: concurrent requests share one durable commit. */
  commits: GroupCommit;
  /** The request bodies held at once (see {@link BodyBudget}). */
  bodies: BodyBudget;
}

/** A matched route: its normalised name and how to answer it. */
export interface ApiRoute<C extends V4Context = V4Context> {
  name: string;
  bodyRequired: boolean;
  /** Parse the body as JSON whatever its Content-Type (Humanloop's OTel export sends `text/plain`); default false: 415 unless JSON. */
  anyContentType?: boolean;
  run: (ctx: C, body: unknown) => RouteAnswer;
}

/** What a route matcher finds: a route, or a 404/405. */
export type RouteMatch<C extends V4Context = V4Context> = ApiRoute<C> | { name: string; status: 404 | 405 };

type Route = ApiRoute;

const PATCH_BY_ID = /^\/v4\/logs\/([^/]+)$/;
const SESSION_BY_ID = /^\/v4\/sessions\/([^/]+)$/;

function matchRoute(method: string, url: URL): RouteMatch {
  const path = url.pathname;
  const known = (name: string, wanted: string, route: Omit<Route, "name">): Route | { name: string; status: 405 } =>
    method === wanted ? { name, ...route } : { name: `${method} ${path}`, status: 405 };
  if (path === "/v4/logs" && method === "PATCH") {
    const referenceId = url.searchParams.get("reference_id") ?? undefined;
    return { name: "PATCH /v4/logs", bodyRequired: true, run: (ctx, body) => patchLog(ctx.store, { referenceId }, body) };
  }
  if (path === "/v4/logs" && method === "GET") {
    return { name: "GET /v4/logs", bodyRequired: false, run: (ctx) => listLogs(ctx.store, url.searchParams) };
  }
  if (path === "/v4/logs") {
    return known("POST /v4/logs", "POST", { bodyRequired: true, run: (ctx, body) => runLogs(ctx, body) });
  }
  const byId = PATCH_BY_ID.exec(path);
  if (byId) {
    const id = decodeId(byId[1]!);
    return known("PATCH /v4/logs/{id}", "PATCH", { bodyRequired: true, run: (ctx, body) => patchLog(ctx.store, { id }, body) });
  }
  const session = SESSION_BY_ID.exec(path);
  if (session) {
    const id = decodeId(session[1]!);
    return known("GET /v4/sessions/{id}", "GET", { bodyRequired: false, run: (ctx) => getSession(ctx.store, id) });
  }
  if (path === "/v4/sessions" && method === "GET") {
    return { name: "GET /v4/sessions", bodyRequired: false, run: (ctx) => listSessions(ctx.store, url.searchParams) };
  }
  if (path === "/v4/sessions") {
    return known("POST /v4/sessions", "POST", { bodyRequired: false, run: (ctx, body) => createSession(ctx.store, body) });
  }
  if (path === "/v4/feedback") {
    return known("POST /v4/feedback", "POST", { bodyRequired: true, run: (ctx, body) => postFeedback(ctx.store, body) });
  }
  return { name: `${method} ${path}`, status: 404 };
}

/** `POST /v4/logs` without HTTP: validates `body` (one log or an array) and stores it all or nothing, counting it in the statistics. */
export function runLogs(ctx: V4Context, body: unknown): RouteAnswer {
  const outcome = acceptLogs(ctx.store, body);
  ctx.stats.logBatch(outcome.size, outcome.duplicates);
  return outcome;
}

/** The body of an injected answer: the usual shape for its status. */
function injectedBody(status: number): unknown {
  if (status === 429) return { detail: "Rate limit reached" };
  if (status === 422) return { detail: [{ loc: ["body"], msg: "Injected validation error", type: "injected" }] };
  return { detail: status >= 500 ? `Injected server error (${status})` : `Injected error (${status})` };
}

/** A path segment, URL-decoded (left as sent when it is not valid percent-encoding). */
export function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Parsed = { ok: true; body: unknown } | { ok: false; answer: RouteAnswer };

function parseBody(req: IncomingMessage, bytes: Buffer, required: boolean, anyContentType: boolean): Parsed {
  const encoding = req.headers["content-encoding"]?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return { ok: false, answer: { status: 415, body: { detail: `Content-Encoding ${encoding} is not supported; send identity` } } };
  }
  if (bytes.length === 0) {
    if (!required) return { ok: true, body: undefined };
    return { ok: false, answer: { status: 422, body: { detail: [{ loc: ["body"], msg: "Field required", type: "missing" }] } } };
  }
  if (!anyContentType && !isJsonContentType(req.headers["content-type"])) {
    return { ok: false, answer: { status: 415, body: { detail: "Content-Type must be application/json" } } };
  }
  try {
    return { ok: true, body: JSON.parse(bytes.toString("utf8")) };
  } catch (error) {
    const msg = `JSON decode error: ${(error as Error).message}`;
    return { ok: false, answer: { status: 400, body: { detail: [{ loc: ["body"], msg, type: "json_invalid" }] } } };
  }
}

/** Answers one request under `/v4`. */
export function handleV4(ctx: V4Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return handleApi(ctx, req, res, url, "/v4", matchRoute);
}

/**
 * The request pipeline (see the module comment) for the routes `match`
 * finds under `prefix` (`/v4`, `/v5`); faults see the path after `prefix`.
 */
export async function handleApi<C extends V4Context>(ctx: C, req: IncomingMessage, res: ServerResponse, url: URL, prefix: string, match: (method: string, url: URL) => RouteMatch<C>): Promise<void> {
  const done = ctx.stats.begin();
  res.on("close", done);
  try {
    const raw = await readBody(req, undefined, ctx.bodies);
    res.on("close", raw.release);
    const route = match(req.method ?? "GET", url);
    const reply = (answer: RouteAnswer, headers?: Record<string, string>) => {
      ctx.stats.answered(route.name, answer.status);
      sendJson(res, answer.status, answer.body, headers);
    };
    if ("status" in route) return reply({ status: route.status, body: { detail: route.status === 404 ? "Not Found" : "Method Not Allowed" } });
    const decision = ctx.faults.decide(url.pathname.slice(prefix.length));
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.status !== undefined) {
      ctx.stats.injected(decision.status);
      const headers: Record<string, string> = decision.retryAfter !== undefined ? { "retry-after": String(decision.retryAfter) } : {};
      return reply({ status: decision.status, body: injectedBody(decision.status) }, headers);
    }
    if (req.headers["x-api-key"] !== ctx.apiKey) return reply({ status: 401, body: { detail: "Invalid or missing X-API-KEY" } });
    if (raw.tooLarge) return reply({ status: 413, body: { detail: "Request body over 10 MiB" } });
    if (raw.busy) {
      const detail = `Server busy: ${ctx.bodies.limit} bytes of request bodies are held; nothing was stored, retry later`;
      return reply({ status: 503, body: { detail } }, { "retry-after": "1" });
    }
    const parsed = parseBody(req, raw.bytes, route.bodyRequired, route.anyContentType ?? false);
    // Each request in its own savepoint of a group transaction, committed (fsynced) before the answer; a non-2xx answer keeps nothing.
    const answer = parsed.ok ? await ctx.commits.run(() => route.run(ctx, parsed.body), (a) => a.status < 300) : parsed.answer;
    if (answer.status === 409) ctx.stats.conflict((answer.body as { detail?: ValidationIssue[] }).detail);
    if (answer.status === 422) {
      ctx.stats.rejected(route.name, parsed.ok ? parsed.body : undefined, (answer.body as { detail: ValidationIssue[] }).detail);
    }
    if (decision.reset) {
      ctx.stats.answered(route.name, "reset");
      req.socket.destroy();
      return;
    }
    reply(answer);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (isStorageError(error)) {
      ctx.stats.answered("storage", 503);
      return sendJson(res, 503, { detail: `Storage unavailable, nothing was stored: ${(error as Error).message}; retry later` }, { "retry-after": "5" });
    }
    sendJson(res, 500, { detail: `Test server error: ${(error as Error).message}` });
  }
}

/** SQLite primary result codes that mean "the storage cannot take this now": BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN. */
const STORAGE_CODES = new Set([5, 6, 8, 10, 13, 14]);

/** True for a SQLite error from a full disk, an I/O failure or a locked database, or a failed fsync of the WAL (answered 503, retryable). */
export function isStorageError(error: unknown): boolean {
  if (error instanceof WalSyncError) return true;
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  return code === "ERR_SQLITE_ERROR" && typeof errcode === "number" && STORAGE_CODES.has(errcode & 0xff);
}
