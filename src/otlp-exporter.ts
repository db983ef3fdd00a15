import { diag } from "@opentelemetry/api";
import { ExportResultCode, loadOtlpTraceExporter, type ExportResult, type ReadableSpan, type SpanExporter } from "./core/otel-sdk.js";

/**
 * The OTLP/HTTP trace exporter `register()` adds when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set. Its package
 * is loaded in the background from construction, so `register()` does not
 * wait for it and a process without OTLP never loads it; spans exported
 * before it is ready wait for it. It reads the standard `OTEL_EXPORTER_OTLP_*`
 * variables as the OTel exporter does.
 */
export class LazyOtlpTraceExporter implements SpanExporter {
  readonly #exporter: Promise<SpanExporter | undefined>;

  constructor() {
    this.#exporter = loadOtlpTraceExporter().then(
      (OTLPTraceExporter) => new OTLPTraceExporter(),
      (err: unknown) => {
        diag.error("humanloop-otel: could not load the OTLP trace exporter; spans go to Humanloop only", err);
        return undefined;
      },
    );
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    void this.#exporter.then((exporter) => {
      if (exporter) exporter.export(spans, done);
      else done({ code: ExportResultCode.FAILED, error: new Error("the OTLP trace exporter could not be loaded") });
    });
  }

  async forceFlush(): Promise<void> {
    await (await this.#exporter)?.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await (await this.#exporter)?.shutdown();
  }
}
