import { context, diag, SpanStatusCode, trace, type Context, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";
import { addParentContextSource } from "../../src/core/parent-context.js";
import { TRACER_NAME, TRACER_VERSION } from "../../src/core/tracer-name.js";
import { startOf, writeEnd, type AgentsSpanData } from "./span-data.js";

/** An Agents SDK trace, as far as it is read here. */
export interface AgentsTrace {
  traceId: string;
  name: string;
  groupId?: string | null;
  metadata?: Record<string, unknown>;
}

/** An Agents SDK span, as far as it is read here. */
export interface AgentsSpan {
  traceId: string;
  spanId: string;
  parentId: string | null;
  spanData: AgentsSpanData;
  startedAt: string | null;
  endedAt: string | null;
  error: { message: string; data?: Record<string, unknown> } | null;
}

/** The Agents SDK functions the processor uses (pass `await import("@openai/agents")`). */
export interface AgentsModule {
  addTraceProcessor(processor: OpenAIAgentsTraceProcessor): void;
  getCurrentSpan(): { spanId: string } | null;
  getCurrentTrace?(): { traceId: string } | null;
}

/** Options of {@link OpenAIAgentsTraceProcessor}. */
export interface OpenAIAgentsTraceProcessorOptions {
  /** Tracer provider for the spans. Default: the global one. */
  tracerProvider?: TracerProvider;
  /**
   * The Agents SDK's `getCurrentSpan`, so provider calls and `traced()`
   * functions inside an agent step nest under that step's span (and a model
   * call our OpenAI instrumentation also sees is logged once). Default: none
   * (given by {@link instrumentOpenAIAgents}).
   */
  getCurrentSpan?: () => { spanId: string } | null;
}

interface Open {
  span: Span;
  context: Context;
  /** A provider-call span (ours) started inside: it carries the tokens, so this span does not. */
  callInside: boolean;
  startMs: number;
}

/** Most Agents SDK spans tracked while open; beyond it new ones are not bridged (never a leak). */
const MAX_OPEN = 10_000;

function timeOf(iso: string | null): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * An OpenAI Agents SDK trace processor that turns its traces into
 * OpenTelemetry spans with GenAI attributes (the trace is a workflow span,
 * agent runs `invoke_agent`, generations and responses model calls,
 * function calls `execute_tool`, handoffs and guardrails steps), on the
 * global tracer provider: so Humanloop and any OTLP backend get the agent's
 * tree. The trace's span starts in the context active when the run starts
 * (inside a `traced()` function or `session()`, it nests there).
 */
export class OpenAIAgentsTraceProcessor {
  private readonly tracerProvider: TracerProvider | undefined;
  private readonly open = new Map<string, Open>();
  private removeSource: (() => void) | undefined;

  constructor(options: OpenAIAgentsTraceProcessorOptions = {}) {
    this.tracerProvider = options.tracerProvider;
    const current = options.getCurrentSpan;
    if (current) this.removeSource = addParentContextSource(() => this.contextOf(current()));
  }

  private tracer(): Tracer {
    return (this.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION);
  }

  /** The context of the bridged span of `current`, unless an OpenTelemetry span opened since (it is nearer). */
  private contextOf(current: { spanId: string } | null): Context | undefined {
    const open = current ? this.open.get(current.spanId) : undefined;
    if (!open) return undefined;
    const active = trace.getSpan(context.active()) as unknown as { startTime?: [number, number] } | undefined;
    const activeStart = active?.startTime ? active.startTime[0] * 1000 + active.startTime[1] / 1e6 : undefined;
    if (activeStart !== undefined && activeStart > open.startMs) return undefined;
    open.callInside = true;
    return open.context;
  }

  async onTraceStart(agentsTrace: AgentsTrace): Promise<void> {
    try {
      if (this.open.size >= MAX_OPEN) return;
      const parent = context.active();
      const span = this.tracer().startSpan(agentsTrace.name || "Agent workflow", { attributes: traceAttributes(agentsTrace) }, parent);
      this.open.set(agentsTrace.traceId, { span, context: trace.setSpan(parent, span), callInside: false, startMs: Date.now() });
    } catch (err) {
      diag.error("humanloop-otel: OpenAI Agents trace start failed", err);
    }
  }

  async onTraceEnd(agentsTrace: AgentsTrace): Promise<void> {
    const open = this.open.get(agentsTrace.traceId);
    if (!open) return;
    this.open.delete(agentsTrace.traceId);
    open.span.end();
  }

  async onSpanStart(agentsSpan: AgentsSpan): Promise<void> {
    try {
      if (this.open.size >= MAX_OPEN) return;
      const parent = this.open.get(agentsSpan.parentId ?? agentsSpan.traceId)?.context ?? this.open.get(agentsSpan.traceId)?.context ?? context.active();
      const { name, kind, attributes } = startOf(agentsSpan.spanData);
      const startTime = timeOf(agentsSpan.startedAt);
      const span = this.tracer().startSpan(name, { kind, attributes, ...(startTime ? { startTime } : {}) }, parent);
      this.open.set(agentsSpan.spanId, { span, context: trace.setSpan(parent, span), callInside: false, startMs: startTime?.getTime() ?? Date.now() });
    } catch (err) {
      diag.error("humanloop-otel: OpenAI Agents span start failed", err);
    }
  }

  async onSpanEnd(agentsSpan: AgentsSpan): Promise<void> {
    const open = this.open.get(agentsSpan.spanId);
    if (!open) return;
    this.open.delete(agentsSpan.spanId);
    try {
      writeEnd(open.span, agentsSpan.spanData, !open.callInside);
      if (agentsSpan.error) {
        open.span.setAttribute("error.type", "AgentsError");
        open.span.setStatus({ code: SpanStatusCode.ERROR, message: agentsSpan.error.message });
      }
    } catch (err) {
      diag.error("humanloop-otel: OpenAI Agents span end failed", err);
    }
    open.span.end(timeOf(agentsSpan.endedAt));
  }

  /** Ends what is still open. */
  async shutdown(): Promise<void> {
    this.removeSource?.();
    this.removeSource = undefined;
    for (const open of this.open.values()) open.span.end();
    this.open.clear();
  }

  /** Nothing is buffered here: the spans' own provider flushes them. */
  async forceFlush(): Promise<void> {}
}

function traceAttributes(agentsTrace: AgentsTrace): Record<string, string> {
  const attributes: Record<string, string> = { [Humanloop.KIND]: "workflow", "openai_agents.trace_id": agentsTrace.traceId };
  if (agentsTrace.groupId) attributes[GenAI.CONVERSATION_ID] = agentsTrace.groupId;
  if (agentsTrace.metadata && Object.keys(agentsTrace.metadata).length > 0) attributes[Humanloop.METADATA] = JSON.stringify(agentsTrace.metadata);
  return attributes;
}

/**
 * Bridges the OpenAI Agents SDK's traces to OpenTelemetry: adds an
 * {@link OpenAIAgentsTraceProcessor} (beside the SDK's own exporter to
 * OpenAI; use `setTraceProcessors([processor])` instead to replace it).
 * Returns the processor.
 *
 * @example
 * ```ts
 * import * as agents from "@openai/agents";
 * import { instrumentOpenAIAgents } from "humanloop-otel/openai-agents";
 * instrumentOpenAIAgents(agents);
 * ```
 */
export function instrumentOpenAIAgents(agents: AgentsModule, options: Omit<OpenAIAgentsTraceProcessorOptions, "getCurrentSpan"> = {}): OpenAIAgentsTraceProcessor {
  if (typeof agents?.addTraceProcessor !== "function" || typeof agents.getCurrentSpan !== "function") {
    throw new TypeError('humanloop-otel instrumentOpenAIAgents(agents): pass the @openai/agents module, e.g. instrumentOpenAIAgents(await import("@openai/agents"))');
  }
  const processor = new OpenAIAgentsTraceProcessor({ ...options, getCurrentSpan: () => agents.getCurrentSpan() });
  agents.addTraceProcessor(processor);
  return processor;
}
