import { context, diag, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { GenAI, Humanloop, Semconv } from "../../src/core/attributes.js";
import { rememberResultSpan } from "../../src/core/log-ref-registry.js";
import { isTracingSuppressed, suppressTracing } from "../../src/core/otel-sdk.js";
import { CallSpan, isForeignWrapper, snapshotRequest, traceApiPromise, traceStream } from "../shared/index.js";
import { isObject, type Endpoint, type Json, type StreamAccumulator } from "./common.js";
import { parentContext } from "../../src/core/parent-context.js";

/** What a patched method needs from the instrumentation that installed it. */
export interface CreateTracer {
  /** False when the instrumentation is disabled: calls pass straight through. */
  readonly active: boolean;
  /** Resolved per call, so a later `register({ captureContent })` applies. */
  captureContent(): boolean;
  startSpan(name: string, attributes: Attributes, ctx: Context): Span;
}

const PEER_SCOPE = "@opentelemetry/instrumentation-openai";

interface ClientInfo {
  provider: string;
  address?: string;
  port?: number;
}
const clients = new WeakMap<object, ClientInfo>();

function clientInfo(resource: unknown): ClientInfo {
  const client = isObject(resource) ? resource._client : undefined;
  if (!isObject(client)) return { provider: "openai" };
  let info = clients.get(client);
  if (info) return info;
  info = { provider: isAzure(client) ? "azure.ai.openai" : "openai" };
  try {
    if (typeof client.baseURL === "string") {
      const url = new URL(client.baseURL);
      info.address = url.hostname;
      info.port = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
    }
  } catch {
    // an unparseable base URL just leaves the server attributes out
  }
  clients.set(client, info);
  return info;
}

function isAzure(client: object): boolean {
  for (let proto = Object.getPrototypeOf(client); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === "AzureOpenAI") return true;
  }
  return false;
}

/** The peer instrumentation's span is already active around us (it wrapped outside ours): let it be the one span. */
function peerSpanActive(ctx: Context): boolean {
  const active = trace.getSpan(ctx) as { instrumentationScope?: { name?: string } } | undefined;
  return active?.instrumentationScope?.name === PEER_SCOPE;
}

/**
 * Wraps one resource's `create` so each call makes exactly one CLIENT span
 * named `"{operation} {model}"`, handing the SDK's own promise and stream back.
 */
export function tracedCreate(tracer: CreateTracer, endpoint: Endpoint, original: Function): Function {
  const foreignInside = isForeignWrapper(original);
  return function create(this: unknown, ...args: unknown[]): unknown {
    const ctx = context.active();
    const body = args[0];
    if (!tracer.active || !isObject(body) || isTracingSuppressed(ctx) || peerSpanActive(ctx)) {
      return Reflect.apply(original, this, args);
    }
    let call: CallSpan;
    let capture: boolean;
    let recording = true;
    let runCtx: Context;
    const streamed = body.stream === true;
    let acc: StreamAccumulator | undefined;
    let span: Span | undefined;
    try {
      capture = tracer.captureContent();
      span = startSpan(tracer, endpoint, body, clientInfo(this), parentContext(ctx));
      recording = span.isRecording();
      if (!recording) capture = false;
      // Content is serialized when the span ends, from the request as it was sent.
      const request = capture ? snapshotRequest(body) : undefined;
      const started = span;
      call = new CallSpan(
        started,
        () => acc?.write(started, capture),
        request && (() => endpoint.requestContent(request, started)),
        streamed,
      );
      runCtx = trace.setSpan(ctx, span);
      // Another instrumentation wrapped inside us: keep its span out, so there is one span per call.
      if (foreignInside) runCtx = suppressTracing(runCtx);
    } catch (err) {
      diag.error("humanloop-otel: could not start an OpenAI span", err);
      // An open span would stay in span processors' indexes (with its ancestors) forever.
      span?.end();
      return Reflect.apply(original, this, args);
    }
    let result: unknown;
    try {
      result = context.with(runCtx, () => Reflect.apply(original, this, args));
    } catch (err) {
      call.fail(err);
      throw err;
    }
    if (!isObject(result) || typeof result.then !== "function") {
      call.finish();
      return result;
    }
    return traceApiPromise(result, call, (value, c) => {
      rememberResultSpan(value, c.span.spanContext());
      if (streamed) {
        acc = endpoint.accumulator(capture);
        if (traceStream(value, c, acc)) return;
        acc = undefined;
      }
      if (recording && isObject(value)) endpoint.result(value, c.span, capture);
      c.finish();
    });
  };
}

/**
 * Starts the span with the attributes a sampler may use (GenAI semantic
 * conventions: operation, provider, model, server), then sets the request
 * parameters on it: the OTel SDK validates and copies the attributes given to
 * `startSpan` twice, those set afterwards once.
 */
function startSpan(tracer: CreateTracer, endpoint: Endpoint, body: Json, client: ClientInfo, ctx: Context): Span {
  const model = typeof body.model === "string" ? body.model : "";
  const attrs: Attributes = {
    [GenAI.OPERATION_NAME]: endpoint.operation,
    [GenAI.PROVIDER_NAME]: client.provider,
    [GenAI.REQUEST_MODEL]: model,
  };
  if (client.address !== undefined) attrs[Semconv.SERVER_ADDRESS] = client.address;
  if (client.port !== undefined) attrs[Semconv.SERVER_PORT] = client.port;
  const span = tracer.startSpan(model ? `${endpoint.operation} ${model}` : endpoint.operation, attrs, ctx);
  if (!span.isRecording()) return span;
  const params: Attributes = { [Humanloop.INSTRUMENTED]: true };
  if (body.stream === true) params[GenAI.REQUEST_STREAM] = true;
  endpoint.requestAttributes(body, params);
  span.setAttributes(params);
  return span;
}
