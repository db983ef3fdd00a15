import { context as contextApi, diag, trace, type AnyValue, type Attributes, type Context, type Logger, type LoggerProvider, type LogRecord, type Span } from "@opentelemetry/api";
import { GenAI, Humanloop, type GenAIMessage, type GenAIPart } from "../../src/core/attributes.js";
import type { LogRecordProcessor } from "../../src/core/otel-sdk.js";

/**
 * Instrumentations that follow the older GenAI conventions (e.g.
 * `@opentelemetry/instrumentation-openai`) send prompts and completions as
 * Logs API events (`gen_ai.system.message`, `gen_ai.user.message`,
 * `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`, or one
 * `gen_ai.client.inference.operation.details`), not as span attributes. This
 * log record processor puts them on the span they belong to (the active
 * span of the event's context, while it is still open) as
 * `gen_ai.input.messages` / `gen_ai.output.messages` /
 * `gen_ai.system_instructions`, so the span's Humanloop log (and any other
 * backend) gets the messages. Spans that already carry messages are left
 * alone.
 */

/** What the processor reads of a log record: an SDK `ReadWriteLogRecord` or an API `LogRecord`. */
export interface GenAIEventRecord {
  eventName?: string;
  attributes?: Attributes;
  body?: AnyValue;
}

type Direction = "input" | "output";
interface Collected {
  input: GenAIMessage[];
  output: GenAIMessage[];
}

const ROLE_OF_EVENT: Record<string, string> = {
  "gen_ai.system.message": "system",
  "gen_ai.user.message": "user",
  "gen_ai.assistant.message": "assistant",
  "gen_ai.tool.message": "tool",
};
const DETAILS_EVENT = "gen_ai.client.inference.operation.details";
const DETAIL_KEYS = [GenAI.INPUT_MESSAGES, GenAI.OUTPUT_MESSAGES, GenAI.SYSTEM_INSTRUCTIONS];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseArguments(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** An event body (`{ content?, tool_calls?, id? }`) as a GenAI message. */
function messageOf(role: string, body: Record<string, unknown>, finishReason?: unknown): GenAIMessage {
  const parts: GenAIPart[] = [];
  if (role === "tool") parts.push({ type: "tool_call_response", ...(typeof body.id === "string" ? { id: body.id } : {}), response: body.content ?? "" });
  else if (typeof body.content === "string" && body.content !== "") parts.push({ type: "text", content: body.content });
  if (Array.isArray(body.tool_calls)) {
    for (const call of body.tool_calls) {
      if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== "string") continue;
      parts.push({ type: "tool_call", ...(typeof call.id === "string" ? { id: call.id } : {}), name: call.function.name, arguments: parseArguments(call.function.arguments) });
    }
  }
  const message: GenAIMessage = { role, parts };
  if (typeof finishReason === "string") message.finish_reason = finishReason;
  return message;
}

/** Collects GenAI Logs API events into the span they belong to; see the module comment. */
export class GenAIEventsProcessor implements LogRecordProcessor {
  // The messages gathered per open span; a span is forgotten with its last reference.
  private readonly collected = new WeakMap<Span, Collected>();

  onEmit(record: GenAIEventRecord, context?: Context): void {
    try {
      const name = record.eventName ?? record.attributes?.["event.name"];
      if (typeof name !== "string" || !name.startsWith("gen_ai.")) return;
      const span = context ? trace.getSpan(context) : undefined;
      if (!span?.isRecording()) return;
      const attributes = (span as unknown as { attributes?: Record<string, unknown> }).attributes;
      if (attributes?.[Humanloop.INSTRUMENTED] !== undefined) return;
      if (name === DETAILS_EVENT) return this.copyDetails(span, record, attributes);
      const body = isObject(record.body) ? record.body : {};
      const role = ROLE_OF_EVENT[name];
      if (role) this.add(span, "input", messageOf(role, body), attributes);
      else if (name === "gen_ai.choice" && isObject(body.message)) this.add(span, "output", messageOf("assistant", body.message, body.finish_reason), attributes);
    } catch (err) {
      diag.error("humanloop-otel: could not collect a GenAI event into its span", err);
    }
  }

  private add(span: Span, direction: Direction, message: GenAIMessage, attributes: Record<string, unknown> | undefined): void {
    let collected = this.collected.get(span);
    if (!collected) {
      // Messages the span's own instrumentation wrote win over events.
      if (attributes?.[direction === "input" ? GenAI.INPUT_MESSAGES : GenAI.OUTPUT_MESSAGES] !== undefined) return;
      collected = { input: [], output: [] };
      this.collected.set(span, collected);
    }
    const list = collected[direction];
    list.push(message);
    span.setAttribute(direction === "input" ? GenAI.INPUT_MESSAGES : GenAI.OUTPUT_MESSAGES, JSON.stringify(list));
  }

  /** The newer single event carries the attributes themselves. */
  private copyDetails(span: Span, record: GenAIEventRecord, attributes: Record<string, unknown> | undefined): void {
    for (const key of DETAIL_KEYS) {
      const value: AnyValue | undefined = record.attributes?.[key];
      if (value === undefined || value === null || attributes?.[key] !== undefined) continue;
      span.setAttribute(key, typeof value === "string" ? value : JSON.stringify(value));
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A Logs API `LoggerProvider` with no SDK behind it: its loggers hand the
 * GenAI events (and nothing else) to a {@link GenAIEventsProcessor}, in the
 * context they were emitted in. What `register()` installs when the app has
 * no `LoggerProvider` of its own, so that collecting other instrumentations'
 * message events costs no `@opentelemetry/sdk-logs` at start. An app with an
 * SDK `LoggerProvider` adds a `GenAIEventsProcessor` to it instead.
 */
export class GenAIEventsLoggerProvider implements LoggerProvider {
  private readonly logger: Logger;

  constructor(processor: GenAIEventsProcessor = new GenAIEventsProcessor()) {
    this.logger = {
      emit: (record: LogRecord) => processor.onEmit(record, record.context ?? contextApi.active()),
      // Instrumentations that ask before building an event build only the GenAI ones.
      enabled: (options) => options?.eventName === undefined || options.eventName.startsWith("gen_ai."),
    };
  }

  getLogger(): Logger {
    return this.logger;
  }
}
