import { createNoopMeter, diag, metrics, type Attributes, type Histogram, type MeterProvider, type Span } from "@opentelemetry/api";
import { GenAI, Semconv } from "../../src/core/attributes.js";
import { hrTimeToMilliseconds, type ReadableSpan } from "../../src/core/otel-sdk.js";
import { TRACER_NAME, TRACER_VERSION } from "../../src/core/tracer-name.js";

/**
 * The OpenTelemetry GenAI client metrics of a provider call, recorded to the
 * global `MeterProvider` from the call's span when it ends:
 * `gen_ai.client.token.usage` (one point per `gen_ai.token.type`, input
 * tokens including cached ones), `gen_ai.client.operation.duration` (with
 * `error.type` on failures) and, for streams,
 * `gen_ai.client.operation.time_to_first_chunk`, with the conventions'
 * attributes and bucket boundaries. Without a registered `MeterProvider` this
 * is one global lookup per call: the instruments are made once per provider.
 */

/**
 * The conventions' bucket boundaries, in seconds and tokens. Time to first
 * chunk uses the same boundaries as the operation duration (GenAI metrics
 * conventions, `gen_ai.client.operation.time_to_first_chunk`); the finer
 * 0.001…10 s list belongs to the server-side `gen_ai.server.time_to_first_token`.
 */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
export const TIME_TO_FIRST_CHUNK_BUCKETS = DURATION_BUCKETS;
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The metric names. */
export const GenAIMetric = {
  TOKEN_USAGE: "gen_ai.client.token.usage",
  OPERATION_DURATION: "gen_ai.client.operation.duration",
  TIME_TO_FIRST_CHUNK: "gen_ai.client.operation.time_to_first_chunk",
  TOKEN_TYPE: "gen_ai.token.type",
} as const;

interface Instruments {
  tokens: Histogram;
  duration: Histogram;
  firstChunk: Histogram;
}

// The instruments of the last global provider seen (undefined: it is the no-op one).
let seenProvider: MeterProvider | undefined;
let seenInstruments: Instruments | undefined;

function instruments(): Instruments | undefined {
  const provider = metrics.getMeterProvider();
  if (provider === seenProvider) return seenInstruments;
  seenProvider = provider;
  const meter = provider.getMeter(TRACER_NAME, TRACER_VERSION);
  seenInstruments =
    meter === createNoopMeter()
      ? undefined
      : {
          tokens: meter.createHistogram(GenAIMetric.TOKEN_USAGE, { description: "Number of input and output tokens used.", unit: "{token}", advice: { explicitBucketBoundaries: TOKEN_BUCKETS } }),
          duration: meter.createHistogram(GenAIMetric.OPERATION_DURATION, { description: "GenAI operation duration.", unit: "s", advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
          firstChunk: meter.createHistogram(GenAIMetric.TIME_TO_FIRST_CHUNK, {
            description: "Time to receive the first chunk of a streamed response, from the request.",
            unit: "s",
            advice: { explicitBucketBoundaries: TIME_TO_FIRST_CHUNK_BUCKETS },
          }),
        };
  return seenInstruments;
}

/** Span attributes the metrics carry (the conventions' metric attributes). */
const METRIC_KEYS = [GenAI.OPERATION_NAME, GenAI.PROVIDER_NAME, GenAI.REQUEST_MODEL, GenAI.RESPONSE_MODEL, Semconv.SERVER_ADDRESS, Semconv.SERVER_PORT] as const;

/**
 * Records the metrics of a provider call from its ended span (a span that
 * records nothing, e.g. one dropped by the sampler, gives no metrics).
 * Never throws.
 */
export function recordCallMetrics(span: Span): void {
  const found = instruments();
  if (!found) return;
  try {
    const ended = span as unknown as Partial<Pick<ReadableSpan, "attributes" | "duration">>;
    const attrs = ended.attributes;
    if (!attrs || !ended.duration) return;
    const common: Attributes = {};
    for (const key of METRIC_KEYS) if (attrs[key] !== undefined) common[key] = attrs[key];
    const errorType = attrs[Semconv.ERROR_TYPE];
    found.duration.record(hrTimeToMilliseconds(ended.duration) / 1000, errorType === undefined ? common : { ...common, [Semconv.ERROR_TYPE]: errorType });
    const input = attrs[GenAI.USAGE_INPUT_TOKENS];
    if (typeof input === "number") found.tokens.record(input, { ...common, [GenAIMetric.TOKEN_TYPE]: "input" });
    const output = attrs[GenAI.USAGE_OUTPUT_TOKENS];
    if (typeof output === "number") found.tokens.record(output, { ...common, [GenAIMetric.TOKEN_TYPE]: "output" });
    const firstChunk = attrs[GenAI.RESPONSE_TIME_TO_FIRST_CHUNK];
    if (typeof firstChunk === "number") found.firstChunk.record(firstChunk, common);
  } catch (err) {
    diag.error("humanloop-otel: failed to record the GenAI metrics of a provider call", err);
  }
}
