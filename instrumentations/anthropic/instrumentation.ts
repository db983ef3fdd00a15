import { diag } from "@opentelemetry/api";
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from "@opentelemetry/instrumentation";
import { isForeignWrapper, isPatched, markPatched } from "../shared/index.js";
import { tracedCreate, tracedStream, type MessagesTracing } from "./messages-call.js";

/** Options of {@link AnthropicInstrumentation}. */
export interface AnthropicInstrumentationConfig extends InstrumentationConfig {
  /**
   * Whose span a `messages` call gets when the Anthropic client has its own
   * OpenTelemetry tracing on (1.x and late 0.x SDKs, on by default there):
   * - `"replace"` (default): this instrumentation's span, with Humanloop's
   *   attributes and content capture; the SDK's own call span is not started.
   * - `"defer"`: the SDK's own span; this instrumentation traces only calls
   *   of clients whose own tracing is off (`openTelemetry: false`,
   *   `ANTHROPIC_OPEN_TELEMETRY=false`) or that have none.
   * Either way there is one span per call.
   */
  sdkSpans?: "replace" | "defer";
}

/** The SDK versions this instrumentation patches (tested with 0.137 and 1.12). */
export const SUPPORTED_VERSIONS = [">=0.50.0 <1", ">=1.0.0 <2"];

const MODULE_NAME = "@anthropic-ai/sdk";
const VERSION = "0.1.0";

/** A `Messages` resource class, as the module exports reach it. */
type MessagesClass = Function & { prototype: Record<string, unknown> };

/**
 * Traces `@anthropic-ai/sdk` Messages calls (`messages.create`, plain and
 * streamed, `messages.stream()`, `beta.messages.create` and `.stream()`,
 * also through the Bedrock and Vertex clients) with one GenAI span per call.
 *
 * Patches through the `require` hook, the ESM loader hook
 * (`@opentelemetry/instrumentation/hook.mjs`), or
 * {@link AnthropicInstrumentation.manuallyInstrument} for bundlers. A
 * process-wide marker keeps a second registration, or a second copy of this
 * package, from wrapping again.
 */
export class AnthropicInstrumentation extends InstrumentationBase<AnthropicInstrumentationConfig> {
  private readonly tracing: MessagesTracing = {
    tracer: () => this.tracer,
    enabled: () => this.isEnabled(),
    deferToSdk: () => this.getConfig().sdkSpans === "defer",
  };

  constructor(config: AnthropicInstrumentationConfig = {}) {
    super("humanloop-otel-anthropic", VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        MODULE_NAME,
        SUPPORTED_VERSIONS,
        (exports: unknown) => {
          this.patchModule(exports);
          return exports;
        },
        (exports: unknown) => this.unpatchModule(exports),
      ),
    ];
  }

  /**
   * Patches a module loaded some other way (a bundle, an ESM import without
   * the loader hook). Accepts the module namespace (`await import("@anthropic-ai/sdk")`,
   * `require(...)`) or its default export (the `Anthropic` class). Patching
   * twice is harmless.
   */
  manuallyInstrument(module: unknown): void {
    this.patchModule(module);
  }

  private patchModule(module: unknown): void {
    for (const cls of messagesClasses(module)) {
      this.wrapMethod(cls.prototype, "create", (original) => tracedCreate(original, this.tracing));
      this.wrapMethod(cls.prototype, "stream", (original) => tracedStream(original, this.tracing));
    }
  }

  private unpatchModule(module: unknown): void {
    for (const cls of messagesClasses(module)) {
      for (const name of ["create", "stream"]) {
        const method = cls.prototype[name];
        if (isPatched(method) && typeof (method as { __unwrap?: unknown }).__unwrap === "function") this._unwrap(cls.prototype, name);
      }
    }
  }

  private wrapMethod(proto: Record<string, unknown>, name: string, wrap: (original: any) => Function): void {
    const current = proto[name];
    if (typeof current !== "function" || isPatched(current)) return;
    if (isForeignWrapper(current)) {
      diag.warn(`humanloop-otel: Messages.${name} is already wrapped by another instrumentation; not wrapping it again (one span per call)`);
      return;
    }
    try {
      this._wrap(proto, name, (original: any) => markPatched(wrap(original)) as any);
    } catch (err) {
      diag.error(`humanloop-otel: could not patch Anthropic Messages.${name}`, err);
    }
  }
}

/** The regular and beta `Messages` classes reachable from a module namespace or its default export. */
export function messagesClasses(module: unknown): MessagesClass[] {
  const client = anthropicClass(module);
  if (!client) {
    diag.debug("humanloop-otel: no Anthropic client class found in the module given");
    return [];
  }
  const out: MessagesClass[] = [];
  const messages = client.Messages as unknown;
  if (typeof messages === "function" && messages.prototype) out.push(messages as MessagesClass);
  const beta = (client.Beta as { Messages?: unknown } | undefined)?.Messages;
  if (typeof beta === "function" && beta.prototype && beta !== messages) out.push(beta as MessagesClass);
  return out;
}

function anthropicClass(module: unknown): Record<string, unknown> | undefined {
  const candidates = [module, (module as { Anthropic?: unknown } | undefined)?.Anthropic, (module as { default?: unknown } | undefined)?.default];
  const nested = (candidates[2] as { Anthropic?: unknown } | undefined)?.Anthropic;
  for (const c of [candidates[1], candidates[0], nested, candidates[2]]) {
    if (typeof c === "function" && typeof (c as unknown as { Messages?: unknown }).Messages === "function") return c as unknown as Record<string, unknown>;
  }
  return undefined;
}
