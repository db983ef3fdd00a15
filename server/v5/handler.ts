/**
 * The `/v5` routes of the local server, through the same pipeline as `/v4`
 * (faults, API key, body, one store transaction per request: see
 * `../v4-handler.ts`): the log routes, `GET /v5/logs/{id}` and Humanloop's
 * OpenTelemetry import.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RouteAnswer } from "../routes.js";
import type { HumanloopStore } from "../store.js";
import type { ValidationIssue } from "../types.js";
import { decodeId, handleApi, type ApiRoute, type RouteMatch, type V4Context } from "../v4-handler.js";
import type { UnknownFieldMode } from "./checks.js";
import { createLog, logJudgment, updateLog, type LogKind, type LogQuery } from "./log-routes.js";
import { parseOtelImport, type OtelImportOp } from "./otel-import.js";
import { getLog } from "./read-routes.js";

/** What the v5 routes work with: the v4 context and how unknown body fields are treated. */
export interface V5Context extends V4Context {
  /** `strict`: an unknown body field is a 422 `extra_forbidden`; `lenient` (the default): ignored. */
  v5Mode: UnknownFieldMode;
}

const KINDS: Record<string, LogKind> = { prompts: "prompt", tools: "tool", flows: "flow" };
const CREATE = /^\/v5\/(prompts|tools|flows|evaluators)\/log$/;
const UPDATE = /^\/v5\/(prompts|tools)\/([^/]+)\/log\/([^/]+)$/;
const FLOW_UPDATE = /^\/v5\/flows\/logs\/([^/]+)$/;
const GET_LOG = /^\/v5\/logs\/([^/]+)$/;
const OTEL_IMPORT = "/v5/import/otel/v1/traces";

function queryOf(url: URL): LogQuery {
  const query: LogQuery = {};
  const version = url.searchParams.get("version_id");
  const environment = url.searchParams.get("environment");
  if (version) query.version_id = version;
  if (environment) query.environment = environment;
  return query;
}

/**
 * `POST /v5/import/otel/v1/traces`: each span of the payload through the
 * log rules (lenient: the SDK flattens whatever it has), answering `200 {
 * records: [<log id>, ...] }`. A span the rules refuse (an unknown parent, a
 * completed trace, ...) stores nothing, is reported to `refused`, and is
 * counted in OTLP's `partialSuccess` while the others are kept: Humanloop's
 * SDK does not await its export, so any other status than 200 would be an
 * unhandled rejection in the app. A payload that is not OTLP/JSON
 * Humanloop spans is a 422.
 */
export function importOtel(store: HumanloopStore, payload: unknown, refused: (op: OtelImportOp, error: RouteAnswer) => void = () => {}): RouteAnswer {
  const parsed = parseOtelImport(payload);
  if (!parsed.ok) return parsed.error;
  const records: string[] = [];
  const messages: string[] = [];
  for (const op of parsed.ops) {
    store.db.exec("SAVEPOINT otel_span");
    const answer = op.op === "create" ? createLog(store, op.kind, op.body, {}, "lenient") : updateLog(store, "flow", op.logId, undefined, op.body, "lenient");
    if (answer.status < 300) {
      store.db.exec("RELEASE otel_span");
      records.push((answer.body as { id: string }).id);
      continue;
    }
    store.db.exec("ROLLBACK TO otel_span");
    store.db.exec("RELEASE otel_span");
    refused(op, answer);
    const detail = (answer.body as { detail?: { msg?: string }[] }).detail;
    messages.push(`${answer.status}: ${detail?.map((d) => d.msg).join("; ") ?? "refused"}`);
  }
  const body: Record<string, unknown> = { records };
  if (messages.length > 0) body.partialSuccess = { rejectedSpans: messages.length, errorMessage: messages.join(" | ") };
  return { status: 200, body };
}

/** Counts a span the OTel import refused, as the pipeline counts a refused request. */
function countRefused(ctx: V5Context, op: OtelImportOp, answer: RouteAnswer): void {
  const detail = (answer.body as { detail: ValidationIssue[] }).detail;
  if (answer.status === 409) ctx.stats.conflict(detail);
  ctx.stats.rejected(`POST ${OTEL_IMPORT}`, op, detail);
}

function matchV5(method: string, url: URL): RouteMatch<V5Context> {
  const path = url.pathname;
  const route = (name: string, wanted: string, run: ApiRoute<V5Context>["run"], extra: Partial<ApiRoute<V5Context>> = {}): RouteMatch<V5Context> =>
    method === wanted ? { name, bodyRequired: method !== "GET", run, ...extra } : { name: `${method} ${path}`, status: 405 };
  let m: RegExpExecArray | null;
  if ((m = CREATE.exec(path))) {
    const kind = KINDS[m[1]!];
    const query = queryOf(url);
    const name = `POST /v5/${m[1]!}/log`;
    if (!kind) return route(name, "POST", (ctx, body) => logJudgment(ctx.store, body, query, ctx.v5Mode));
    return route(name, "POST", (ctx, body) => createLog(ctx.store, kind, body, query, ctx.v5Mode));
  }
  if ((m = UPDATE.exec(path))) {
    const [kind, fileId, logId] = [KINDS[m[1]!]!, decodeId(m[2]!), decodeId(m[3]!)];
    return route(`PATCH /v5/${m[1]!}/{id}/log/{log_id}`, "PATCH", (ctx, body) => updateLog(ctx.store, kind, logId, fileId, body, ctx.v5Mode));
  }
  if ((m = FLOW_UPDATE.exec(path))) {
    const logId = decodeId(m[1]!);
    return route("PATCH /v5/flows/logs/{log_id}", "PATCH", (ctx, body) => updateLog(ctx.store, "flow", logId, undefined, body, ctx.v5Mode));
  }
  if ((m = GET_LOG.exec(path))) {
    const id = decodeId(m[1]!);
    return route("GET /v5/logs/{id}", "GET", (ctx) => getLog(ctx.store, id));
  }
  if (path === OTEL_IMPORT) return route(`POST ${OTEL_IMPORT}`, "POST", (ctx, body) => importOtel(ctx.store, body, (op, answer) => countRefused(ctx, op, answer)), { anyContentType: true });
  return { name: `${method} ${path}`, status: 404 };
}

/** Answers one request under `/v5`. */
export function handleV5(ctx: V5Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return handleApi(ctx, req, res, url, "/v5", matchV5);
}
