import { diag } from "@opentelemetry/api";
import { HumanloopClient } from "./client.js";
import { DeliveryQueue } from "./delivery-queue.js";
import { resolveExporterOptions, type HumanloopExporterOptions, type ResolvedExporterOptions } from "./options.js";
import { DeliveryReport } from "./report.js";
import { HumanloopRequests } from "./requests.js";

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
  return { options: resolved, queue: new DeliveryQueue(resolved, new HumanloopRequests(client, report), report), report };
}
