/**
 * The traced versions of `Messages.prototype.create` and `.stream` (the
 * regular and the beta resource share them). `create` makes the one span of
 * a call; `stream()` goes through `create`, so it makes no span of its own:
 * it only turns the SDK's own span off for its synchronous start and ties
 * the `MessageStream` it returns to the span `create` made.
 */
import { context, diag, SpanKind, trace, type Attributes, type Span, type SpanContext, type Tracer } from "@opentelemetry/api";
import { GenAI, Humanloop } from "../../src/core/attributes.js";
import { getContentPolicy } from "../../src/core/content-policy.js";
import { rememberResultSpan } from "../../src/core/log-ref-registry.js";
import { CallSpan, snapshotRequest, traceApiPromise, traceStream } from "../shared/index.js";
import { clientAttributes, type AnthropicClientLike } from "./client-attributes.js";
import { requestContentAttributes, requestParamAttributes } from "./request-attributes.js";
import { responseAttributes, type ResponseMessage } from "./response-attributes.js";
import { hasSdkTracing, withoutSdkSpans } from "./sdk-tracing.js";
import { MessageAccumulator } from "./stream-accumulator.js";
import { truncatedKeys } from "./truncation.js";

/** What a traced method needs from the instrumentation, read per call. */
export interface MessagesTracing {
  tracer(): Tracer;
  /** False once the instrumentation is disabled (modules patched by hand stay wrapped, but pass through). */
  enabled(): boolean;
  /** True when the SDK's own span should be the call's span (`sdkSpans: "defer"`). */
  deferToSdk(): boolean;
}

interface MessagesResource {
  _client?: AnthropicClientLike;
}

type Method = (this: MessagesResource, ...args: unknown[]) => unknown;

// Set by a traced `stream()` for the `create()` call it makes synchronously,
// so the MessageStream can be tied to that call's span.
let streamSlot: { spanContext?: SpanContext } | undefined;

/** Wraps `create`: one span per call, ended by the shared promise and stream helpers. */
export function tracedCreate(original: Method, tracing: MessagesTracing): Method {
  return function create(this: MessagesResource, ...args: unknown[]): unknown {
    const params = args[0];
    const client = this?._client;
    const slot = streamSlot;
    streamSlot = undefined;
    if (!tracing.enabled() || params === null || typeof params !== "object" || (tracing.deferToSdk() && hasSdkTracing(client))) {
      return original.apply(this, args);
    }
    let call: CallSpan;
    let accumulator: MessageAccumulator | undefined;
    let result: ResponseMessage | undefined;
    const policy = getContentPolicy();
    let started: Span | undefined;
    try {
      const p = params as Record<string, unknown>;
      // The span starts with what a sampler may use (operation, provider, model, server); the OTel SDK
      // validates and copies start attributes twice, so the request parameters are set right after.
      const model = typeof p.model === "string" ? p.model : "";
      const attributes: Attributes = { [GenAI.OPERATION_NAME]: "chat" };
      const fromClient = clientAttributes(client);
      for (const key in fromClient) attributes[key] = fromClient[key];
      if (model) attributes[GenAI.REQUEST_MODEL] = model;
      const span = tracing.tracer().startSpan(model ? `chat ${model}` : "chat", { kind: SpanKind.CLIENT, attributes });
      started = span;
      if (span.isRecording()) span.setAttributes(requestParamAttributes(p, { [Humanloop.INSTRUMENTED]: true }));
      const capture = policy.captureContent && span.isRecording();
      const streamed = p.stream === true;
      if (streamed) accumulator = new MessageAccumulator(capture);
      // Content is serialized when the span ends, from the request as it was sent.
      const request = capture ? snapshotRequest(p) : undefined;
      const truncated: string[] = [];
      const writeRequest = request && ((): void => {
        const content = requestContentAttributes(request, policy);
        if (truncatedKeys(content, truncated).length) content[Humanloop.TRUNCATED] = truncated;
        span.setAttributes(content);
      });
      call = new CallSpan(
        span,
        () => {
          const message = accumulator ? accumulator.message() : result;
          if (!message || !span.isRecording()) return;
          const response = responseAttributes(message, policy);
          if (capture && truncatedKeys(response, truncated).length) response[Humanloop.TRUNCATED] = truncated;
          span.setAttributes(response);
        },
        writeRequest,
        streamed,
      );
      if (slot) slot.spanContext = span.spanContext();
    } catch (err) {
      diag.error("humanloop-otel: could not start the span of an Anthropic call", err);
      // An open span would stay in span processors' indexes (with its ancestors) forever.
      started?.end();
      return original.apply(this, args);
    }
    let promise: unknown;
    try {
      promise = context.with(trace.setSpan(context.active(), call.span), () => withoutSdkSpans(client, () => original.apply(this, args)));
    } catch (err) {
      call.fail(err);
      throw err;
    }
    if (promise === null || typeof promise !== "object") {
      call.finish();
      return promise;
    }
    const spanContext = call.span.spanContext();
    const onValue = (value: unknown, call: CallSpan): void => {
      rememberResultSpan(value, spanContext);
      if (accumulator && traceStream(value, call, accumulator)) return;
      result = value as ResponseMessage;
      call.finish();
    };
    try {
      return traceApiPromise(promise, call, onValue);
    } catch (err) {
      diag.error("humanloop-otel: could not follow an Anthropic call; it is not traced", err);
      call.finish();
      return promise;
    }
  };
}

/** Wraps `stream`: no span of its own (its `create()` call makes it), the SDK's own span off. */
export function tracedStream(original: Method, tracing: MessagesTracing): Method {
  return function stream(this: MessagesResource, ...args: unknown[]): unknown {
    const client = this?._client;
    if (!tracing.enabled() || (tracing.deferToSdk() && hasSdkTracing(client))) return original.apply(this, args);
    const slot: { spanContext?: SpanContext } = {};
    streamSlot = slot;
    let messageStream: unknown;
    try {
      messageStream = withoutSdkSpans(client, () => original.apply(this, args));
    } finally {
      streamSlot = undefined;
    }
    if (slot.spanContext) rememberResultSpan(messageStream, slot.spanContext);
    return messageStream;
  };
}
