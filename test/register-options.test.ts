import { describe, it, expect } from "vitest";
import { resolveRegisterOptions } from "../src/options.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "../src/core/serialize.js";
import { InMemorySpanExporter } from "../src/core/otel-sdk.js";

describe("resolveRegisterOptions", () => {
  it("defaults: capture on, 64 KiB, not disabled, flush on exit, no OTLP exporter", () => {
    const r = resolveRegisterOptions({}, {});
    expect(r.content).toEqual({ captureContent: true, maxContentLength: DEFAULT_MAX_CONTENT_LENGTH });
    expect(r.disabled).toBe(false);
    expect(r.flushOnExit).toBe(true);
    expect(r.exitTimeoutMillis).toBe(5000);
    expect(r.otlpEnvVar).toBeUndefined();
    expect(r.humanloop).toEqual({});
  });

  it("reads env vars; options win over them", () => {
    const env = {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "false",
      OTEL_SDK_DISABLED: "TRUE",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    };
    const fromEnv = resolveRegisterOptions({}, env);
    expect(fromEnv.content.captureContent).toBe(false);
    expect(fromEnv.disabled).toBe(true);
    expect(fromEnv.otlpEnvVar).toBe("OTEL_EXPORTER_OTLP_ENDPOINT");
    const explicit = resolveRegisterOptions({ captureContent: true, disabled: false }, env);
    expect(explicit.content.captureContent).toBe(true);
    expect(explicit.disabled).toBe(false);
    expect(resolveRegisterOptions({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c/v1/traces" }).otlpEnvVar).toBe("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    expect(resolveRegisterOptions({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "  " }).otlpEnvVar).toBeUndefined();
  });

  it("passes the Humanloop options through to the processor unchanged, and keeps the rest", () => {
    const mask = (t: string) => t;
    const exporter = new InMemorySpanExporter();
    const r = resolveRegisterOptions(
      { apiKey: "k", baseUrl: "http://x/v4", project: "p", maxBatchSize: 10, retryDeadlineMillis: 1, mask, maxContentLength: 100, exporters: [exporter], instrumentModules: { openai: {} } },
      {},
    );
    expect(r.humanloop).toEqual({ apiKey: "k", baseUrl: "http://x/v4", project: "p", maxBatchSize: 10, retryDeadlineMillis: 1 });
    expect(r.content).toEqual({ captureContent: true, maxContentLength: 100, mask });
    expect(r.exporters).toEqual([exporter]);
    expect(r.instrumentModules).toEqual({ openai: {} });
  });

  it("accepts every HumanloopSpanProcessor option (the exporter's own list is the truth)", () => {
    // Each numeric exporter option, as the processor documents it; a key the exporter adds must not be refused by register().
    const numeric = ["maxQueueSize", "maxBatchSize", "maxBatchBytes", "scheduledDelayMillis", "maxConcurrentRequests", "requestTimeoutMillis",
      "retryDeadlineMillis", "retryInitialDelayMillis", "retryMaxDelayMillis", "shutdownTimeoutMillis", "parentWaitMillis", "earlyLogAfterMillis", "maxRememberedLogs"];
    const options = Object.fromEntries(numeric.map((k) => [k, 5]));
    expect(resolveRegisterOptions(options, {}).humanloop).toEqual(options);
  });

  it("rejects unknown and ill-typed options with messages that say what to do", () => {
    expect(() => resolveRegisterOptions({ projct: "x" } as never, {})).toThrow(TypeError);
    expect(() => resolveRegisterOptions({ projct: "x" } as never, {})).toThrow(/unknown option "projct"\. Known options: .*project/);
    expect(() => resolveRegisterOptions({ captureContent: "no" } as never, {})).toThrow(/"captureContent" must be a boolean/);
    expect(() => resolveRegisterOptions({ instrumentModules: { cohere: {} } } as never, {})).toThrow(/instrumentModules\.cohere is not supported/);
    expect(() => resolveRegisterOptions({ spanProcessors: {} } as never, {})).toThrow(/"spanProcessors" must be an array/);
    expect(() => resolveRegisterOptions({ exitTimeoutMillis: 0 }, {})).toThrow(/exitTimeoutMillis/);
    expect(() => resolveRegisterOptions(null as never, {})).toThrow(/options must be an object/);
  });
});
