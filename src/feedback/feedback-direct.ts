import { diag } from "@opentelemetry/api";
import { HumanloopClient, type HttpResult } from "../../exporters/humanloop/client.js";
import { toEvaluatorLog } from "../../exporters/humanloop/mapping/v5-log.js";
import { HumanloopFeedbackError, describeDetail } from "./feedback-error.js";
import type { FeedbackItem, HumanloopConnection } from "../core/feedback-sink.js";

/**
 * Feedback for a log this process has no record of (made by another process,
 * or before a restart). v4: resolve its `data_...` id with
 * `PATCH /logs?reference_id=` and an empty body (which changes nothing and
 * returns the whole log), then `POST /feedback`. v5 (a base URL ending in
 * `/v5`): the reference is the log's id, so one `POST /evaluators/log`. Retries follow the
 * exporter's policy (408, 429, 5xx, connection errors; backoff with jitter;
 * `Retry-After`) within one deadline.
 *
 * @packageDocumentation
 */

/** The default API base URL (as the exporter's). */
const DEFAULT_BASE_URL = "https://api.humanloop.com/v4";
/** Resolved `reference_id -> data id` pairs kept, so repeated feedback on one log asks once. */
const MAX_CACHED_IDS = 1_000;

const dataIds = new Map<string, string>();

/**
 * The connection for direct requests: what the sink offers, else
 * `HUMANLOOP_API_KEY` / `HUMANLOOP_BASE_URL` (its `/v4` or `/v5` suffix
 * following `HUMANLOOP_API_VERSION`, as the exporter's).
 */
export function resolveConnection(offered: Partial<HumanloopConnection> | undefined, env: NodeJS.ProcessEnv = process.env): HumanloopConnection | undefined {
  const apiKey = offered?.apiKey || env.HUMANLOOP_API_KEY?.trim();
  if (!apiKey) return undefined;
  if (offered?.baseUrl) return { apiKey, baseUrl: offered.baseUrl.replace(/\/+$/, "") };
  const version = env.HUMANLOOP_API_VERSION?.trim().toLowerCase() === "v5" ? "v5" : "v4";
  const baseUrl = (env.HUMANLOOP_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v[45]$/, `/${version}`);
  return { apiKey, baseUrl };
}

function clientFor(connection: HumanloopConnection): HumanloopClient {
  return new HumanloopClient({ ...connection, requestTimeoutMillis: 10_000, retryInitialDelayMillis: 200, retryMaxDelayMillis: 5_000 });
}

function failure(what: string, reference: string, result: HttpResult): HumanloopFeedbackError {
  const detail = (result.body as { detail?: unknown } | undefined)?.detail ?? result.body;
  if (result.status === 0) {
    return new HumanloopFeedbackError(`${what} for log ${reference} failed after ${result.attempts} attempt(s): ${result.error ?? "no answer"}`, { reference });
  }
  return new HumanloopFeedbackError(`${what} for log ${reference} was refused with HTTP ${result.status}: ${describeDetail(detail)}`, {
    reference,
    status: result.status,
    detail,
  });
}

async function dataIdOf(client: HumanloopClient, reference: string, deadline: number, signal: AbortSignal): Promise<string> {
  const cached = dataIds.get(reference);
  if (cached !== undefined) return cached;
  const result = await client.request("PATCH", `/logs?reference_id=${encodeURIComponent(reference)}`, "{}", deadline, signal);
  const id = (result.body as { id?: unknown } | undefined)?.id;
  if (result.status === 404) {
    const detail = (result.body as { detail?: unknown } | undefined)?.detail;
    throw new HumanloopFeedbackError(`feedback(): Humanloop has no log with reference ${reference} (it was never delivered, or not yet)`, {
      reference,
      status: 404,
      detail,
    });
  }
  if (result.status < 200 || result.status >= 300 || typeof id !== "string") throw failure("Looking up the log", reference, result);
  dataIds.set(reference, id);
  if (dataIds.size > MAX_CACHED_IDS) dataIds.delete(dataIds.keys().next().value as string);
  return id;
}

/**
 * Sends `item` for the log with `reference` straight to the API. Resolves
 * once the server stored it; rejects with a {@link HumanloopFeedbackError}
 * (reported once through `diag` when the server refused it).
 *
 * A connection reset after the server stored the feedback is retried, so in
 * that rare case the feedback can be stored twice: the API offers no way to
 * recognise it.
 */
export async function sendFeedbackDirect(connection: HumanloopConnection, reference: string, item: FeedbackItem, timeoutMs: number): Promise<void> {
  const client = clientFor(connection);
  const deadline = Date.now() + timeoutMs;
  const signal = new AbortController().signal;
  try {
    if (/\/v5$/.test(connection.baseUrl)) {
      const result = await client.request("POST", "/evaluators/log", JSON.stringify(toEvaluatorLog(reference, item)), deadline, signal);
      if (result.status >= 200 && result.status < 300) return;
      throw failure("Feedback", reference, result);
    }
    const dataId = await dataIdOf(client, reference, deadline, signal);
    const result = await client.request("POST", "/feedback", JSON.stringify({ ...item, data_id: dataId }), deadline, signal);
    if (result.status >= 200 && result.status < 300) return;
    if (result.status === 404) dataIds.delete(reference);
    throw failure("Feedback", reference, result);
  } catch (err) {
    if (err instanceof HumanloopFeedbackError) diag.warn(`humanloop-otel: ${err.message}`);
    else diag.warn(`humanloop-otel: feedback for log ${reference} failed: ${String(err)}`);
    throw err;
  }
}

/** Forgets resolved data ids (tests). */
export function forgetResolvedLogIds(): void {
  dataIds.clear();
}
