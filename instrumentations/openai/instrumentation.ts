import { diag, SpanKind, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from "@opentelemetry/instrumentation";
import { getContentPolicy } from "../../src/core/content-policy.js";
import { endPendingCalls, isPatched, markPatched } from "../shared/index.js";
import { chatEndpoint } from "./chat.js";
import { completionsEndpoint } from "./completions.js";
import type { Endpoint } from "./common.js";
import { embeddingsEndpoint } from "./embeddings.js";
import { responsesEndpoint } from "./responses.js";
import { tracedCreate, type CreateTracer } from "./traced-create.js";

/** Options of {@link OpenAIInstrumentation}. */
export interface OpenAIInstrumentationConfig extends InstrumentationConfig {
  /**
   * Capture messages, outputs and tool definitions. Default: the process-wide
   * content policy (`register({ captureContent })`, else
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, else on).
   */
  captureContent?: boolean;
}

/** The `openai` majors this instrumentation supports. */
export const SUPPORTED_VERSIONS = [">=5 <8"];
const NAME = "humanloop-otel/openai";
const VERSION = "0.1.0";

type Prototype = Record<string, unknown> & { create?: Function };

/**
 * Traces the official `openai` client (5.x to 7.x): chat completions (plain,
 * streamed, `stream()`, `parse()`), Responses (plain, streamed, `stream()`,
 * `parse()`), legacy completions and embeddings, for `OpenAI` and
 * `AzureOpenAI` clients. Patches `require("openai")` and, with the
 * import-in-the-middle loader hook, `import "openai"`; for bundled apps call
 * {@link OpenAIInstrumentation.manuallyInstrument}.
 */
export class OpenAIInstrumentation extends InstrumentationBase<OpenAIInstrumentationConfig> implements CreateTracer {
  /** The wrappers this instance installed; unpatching touches only these. */
  private readonly wrappers = new WeakSet<object>();

  /** @param config `enabled` (default true), `captureContent` (default: the content policy). */
  constructor(config: OpenAIInstrumentationConfig = {}) {
    super(NAME, VERSION, config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        "openai",
        SUPPORTED_VERSIONS,
        (exports: unknown) => this.patch(exports),
        (exports: unknown) => this.unpatch(exports),
      ),
    ];
  }

  /**
   * Patches an `openai` module you imported yourself (bundlers, ESM without
   * the loader hook). Accepts `await import("openai")`, `require("openai")`
   * or the default export (the `OpenAI` class). Safe to call more than once.
   */
  manuallyInstrument(module: unknown): void {
    this.patch(module);
  }

  /** True while enabled: patched methods make spans. */
  get active(): boolean {
    return this.isEnabled();
  }

  /** @internal */
  captureContent(): boolean {
    return this.getConfig().captureContent ?? getContentPolicy().captureContent;
  }

  /** @internal */
  startSpan(name: string, attributes: Attributes, ctx: Context): Span {
    return this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx);
  }

  /** Ends the spans of calls still open (streams never read); call before the tracer provider shuts down. */
  endPendingCalls(): number {
    return endPendingCalls();
  }

  private patch(exports: unknown): unknown {
    try {
      for (const [proto, endpoint] of targets(exports)) {
        if (typeof proto.create !== "function" || isPatched(proto.create)) continue;
        this._wrap(proto, "create", (original) => {
          const wrapper = markPatched(tracedCreate(this, endpoint, original as Function));
          this.wrappers.add(wrapper);
          return wrapper as never;
        });
      }
    } catch (err) {
      diag.error("humanloop-otel: could not patch openai", err);
    }
    return exports;
  }

  private unpatch(exports: unknown): void {
    for (const [proto] of targets(exports)) {
      // Only unwrap this instance's own wrapper; one stacked on top of it belongs to someone else.
      if (proto.create && this.wrappers.has(proto.create)) this._unwrap(proto, "create");
    }
  }
}

function targets(exports: unknown): [Prototype, Endpoint][] {
  const client = resolveClientClass(exports);
  if (!client) {
    diag.warn("humanloop-otel: the module given is not the openai package; nothing patched");
    return [];
  }
  const chat = client.Chat as Record<string, { prototype?: Prototype }> | undefined;
  const pairs: [Prototype | undefined, Endpoint][] = [
    [chat?.Completions?.prototype, chatEndpoint],
    [(client.Responses as { prototype?: Prototype } | undefined)?.prototype, responsesEndpoint],
    [(client.Completions as { prototype?: Prototype } | undefined)?.prototype, completionsEndpoint],
    [(client.Embeddings as { prototype?: Prototype } | undefined)?.prototype, embeddingsEndpoint],
  ];
  return pairs.filter((p): p is [Prototype, Endpoint] => p[0] !== undefined);
}

/** The `OpenAI` class from a CJS exports object, an ESM namespace, or the default export itself. */
function resolveClientClass(exports: unknown): Record<string, unknown> | undefined {
  const candidates = [exports, (exports as { OpenAI?: unknown } | null)?.OpenAI, (exports as { default?: unknown } | null)?.default];
  for (const c of candidates) {
    if (typeof c === "function" && (c as unknown as Record<string, unknown>).Chat) return c as unknown as Record<string, unknown>;
  }
  return undefined;
}
