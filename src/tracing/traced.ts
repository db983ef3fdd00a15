import { context as otelContext, diag, SpanKind, trace, type Attributes } from "@opentelemetry/api";
import { Humanloop, type TraceKind } from "../core/attributes.js";
import { captureJson, getContentPolicy } from "../core/content-policy.js";
import { copyFunctionShape, methodDecorator, type MethodDecorator } from "./method-decorator.js";
import { checkKnownKeys, checkOptionType, isPlainObject } from "../core/option-checks.js";
import { inputsOf } from "./param-names.js";
import { toJsonText } from "../core/serialize.js";
import { getSession, sessionAttributes } from "../core/session-context.js";
import { settle, TracedCall } from "./traced-call.js";
import { TRACER_NAME, TRACER_VERSION } from "../core/tracer-name.js";
import { parentContext } from "../core/parent-context.js";

/** Options of {@link traced}. */
export interface TracedOptions {
  /** The span's (and the Humanloop log's) name. Default: the function's or method's name, else `"traced"`. */
  name?: string;
  /** What the step is; becomes `humanloop.kind`. Default `"workflow"`. */
  kind?: TraceKind;
  /** Humanloop project for this log; overrides the session's and the exporter's project. */
  project?: string;
  /**
   * Record the arguments as `humanloop.inputs` (by parameter name when the
   * function's source shows them, else `arg0`, `arg1`, ...). Default `true`;
   * nothing is captured when `register({ captureContent: false })` (or
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false`) turned content off.
   */
  captureInput?: boolean;
  /**
   * Record the return value as `humanloop.output` (a string as is, anything
   * else as JSON; for generators and streams the yielded items, strings
   * joined). Default `true`, subject to the content policy like `captureInput`.
   */
  captureOutput?: boolean;
  /** Static metadata for the log (`humanloop.metadata`, JSON). */
  metadata?: Record<string, unknown>;
}

/**
 * Wraps `fn` so that each call is a span (a Humanloop log with `inputs`,
 * `output`, duration and error). The wrapper has the same signature, `this`,
 * sync-ness and return value; errors are recorded and rethrown unchanged. A
 * returned generator, async iterable or stream keeps the span open until it is
 * consumed (or released, or garbage collected unread).
 *
 * Values are captured safely (circular references, BigInt, Map/Set, Buffers,
 * class instances), cut past `maxContentLength` (default 64 KiB) with a
 * `…[truncated N chars]` marker, and passed through `mask` (see `register()`).
 *
 * @throws TypeError (when wrapping, not when called) for an unknown or ill-typed option.
 */
export function traced<F extends (...args: any[]) => any>(fn: F, options?: TracedOptions): F;
/**
 * A method decorator (TC39 standard decorators or `experimentalDecorators`) doing what `traced(fn)` does.
 * @throws TypeError for an unknown or ill-typed option.
 */
export function traced(options?: TracedOptions): MethodDecorator;
export function traced(fnOrOptions?: Function | TracedOptions, options?: TracedOptions): Function {
  if (typeof fnOrOptions === "function") return wrapTraced(fnOrOptions, checkTracedOptions(options, "humanloop-otel traced(fn, options)"), undefined);
  const decoratorOptions = checkTracedOptions(fnOrOptions, "humanloop-otel traced(options)");
  return methodDecorator("traced", (method, methodName) => wrapTraced(method, decoratorOptions, methodName));
}

const TRACED_KEYS = new Set(["name", "kind", "project", "captureInput", "captureOutput", "metadata"]);
const KINDS: readonly string[] = ["agent", "tool", "chain", "workflow"] satisfies TraceKind[];

/** Throws a `TypeError` at the call site for an unknown or ill-typed option. */
function checkTracedOptions(options: unknown, where: string): TracedOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${where}: options must be an object like { kind: "tool" }, got ${options === null ? "null" : typeof options}`);
  checkKnownKeys(options, TRACED_KEYS, where);
  for (const key of ["name", "project"]) checkOptionType(options, key, ["string"], where);
  for (const key of ["captureInput", "captureOutput"]) checkOptionType(options, key, ["boolean"], where);
  checkOptionType(options, "metadata", ["object"], where);
  if (options.kind !== undefined && !KINDS.includes(options.kind as string)) {
    throw new TypeError(`${where}: "kind" must be ${KINDS.map((k) => `"${k}"`).join(", ").replace(/, ([^,]*)$/, " or $1")}, got ${JSON.stringify(options.kind)}`);
  }
  return options as TracedOptions;
}

function wrapTraced(fn: Function, options: TracedOptions, methodName: string | undefined): Function {
  const name = options.name ?? methodName ?? (fn.name || "traced");
  const staticAttributes: Attributes = { [Humanloop.KIND]: options.kind ?? "workflow" };
  if (options.project !== undefined) staticAttributes[Humanloop.PROJECT] = options.project;
  if (options.metadata !== undefined) staticAttributes[Humanloop.METADATA] = toJsonText(options.metadata);
  const captureInput = options.captureInput !== false;
  const captureOutput = options.captureOutput !== false;

  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    let call: TracedCall | undefined;
    try {
      call = startCall(fn, name, staticAttributes, args, captureInput, captureOutput);
    } catch (err) {
      diag.error("humanloop-otel: could not start a traced span", err);
    }
    if (!call) return fn.apply(this, args);
    let result: unknown;
    try {
      result = otelContext.with(call.ctx, fn as (...a: unknown[]) => unknown, this, ...args);
    } catch (err) {
      call.error(err);
      throw err;
    }
    return settle(result, call);
  };
  copyFunctionShape(wrapper, fn);
  return wrapper;
}

function startCall(
  fn: Function,
  name: string,
  staticAttributes: Attributes,
  args: unknown[],
  captureInput: boolean,
  captureOutput: boolean,
): TracedCall {
  const parent = parentContext();
  const session = getSession(parent);
  // A traced span's explicit project wins over the session's.
  const attributes = session ? { ...sessionAttributes(session), ...staticAttributes } : staticAttributes;
  const span = trace.getTracer(TRACER_NAME, TRACER_VERSION).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  const recording = span.isRecording();
  const policy = getContentPolicy();
  if (recording && captureInput && policy.captureContent && args.length > 0) {
    span.setAttribute(Humanloop.INPUTS, captureJson(inputsOf(fn, args), Humanloop.INPUTS, policy));
  }
  return new TracedCall(span, trace.setSpan(parent, span), recording && captureOutput && policy.captureContent);
}
