import { diag } from "@opentelemetry/api";
import type { FeedbackItem, HumanloopConnection } from "../../src/core/feedback-sink.js";
import { HumanloopClient } from "./client.js";
import { DeliveryQueue } from "./delivery-queue.js";
import { resolveExporterOptions, type HumanloopExporterOptions, type ResolvedExporterOptions } from "./options.js";
import { DeliveryReport } from "./report.js";
import { HumanloopRequests } from "./requests.js";
import { HumanloopV5Requests } from "./v5/requests.js";

/** What the processor and the exporter share: resolved options and, unless disabled, the delivery queue. */
export interface Delivery {
  options: ResolvedExporterOptions;
  /** Undefined when there is no API key: the exporter is disabled. */
  queue: DeliveryQueue | undefined;
  report: DeliveryReport;
}

/**
 * Resolves options (throwing on invalid ones) and builds the delivery path.
 * A missing API key gives one diag warning and a disabled delivery.
 */
export function createDelivery(options: HumanloopExporterOptions | undefined, fetchImpl?: typeof fetch): Delivery {
  const resolved = resolveExporterOptions(options);
  const report = new DeliveryReport();
  if (!resolved.apiKey) {
    diag.warn("humanloop-otel: no Humanloop API key (option apiKey or env HUMANLOOP_API_KEY); spans will not be sent to Humanloop");
    return { options: resolved, queue: undefined, report };
  }
  const client = new HumanloopClient({
    baseUrl: resolved.baseUrl,
    apiKey: resolved.apiKey,
    requestTimeoutMillis: resolved.requestTimeoutMillis,
    retryInitialDelayMillis: resolved.retryInitialDelayMillis,
    retryMaxDelayMillis: resolved.retryMaxDelayMillis,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const requests = resolved.apiVersion === "v5" ? new HumanloopV5Requests(client, report, resolved.maxRememberedLogs) : new HumanloopRequests(client, report);
  return { options: resolved, queue: new DeliveryQueue(resolved, requests, report), report };
}

const DISABLED = "humanloop-otel: the Humanloop exporter is disabled (no API key)";

/** The server id of the log with this reference, once confirmed; rejects when the delivery is disabled. */
export function logIdVia(delivery: Delivery, referenceId: string, timeoutMs: number): Promise<string> {
  if (!delivery.queue) return Promise.reject(new Error(DISABLED));
  return delivery.queue.logIdOf(referenceId, timeoutMs);
}

/** Feedback for the log with this reference, sent once the log exists; rejects when the delivery is disabled. */
export function feedbackVia(delivery: Delivery, referenceId: string, body: FeedbackItem): Promise<void> {
  if (!delivery.queue) return Promise.reject(new Error(DISABLED));
  return delivery.queue.enqueueFeedback(referenceId, body);
}

/** The API key and base URL in use (undefined when there is no key). */
export function connectionOf(delivery: Delivery): Partial<HumanloopConnection> | undefined {
  const { apiKey, baseUrl } = delivery.options;
  return apiKey ? { apiKey, baseUrl } : undefined;
}
