import { randomUUID } from "node:crypto";
import { context as otelContext } from "@opentelemetry/api";
import { bindAsyncIterable, bindIterator, bindNodeStream, isAsyncGenerator, isAsyncIterable, isGenerator, isNodeStream } from "./iterator-binding.js";
import { checkKnownKeys, checkOptionType, isPlainObject } from "../core/option-checks.js";
import { copyFunctionShape, methodDecorator, type MethodDecorator } from "./method-decorator.js";
import { withSession, type SessionContext } from "../core/session-context.js";

/** Options of {@link session}. */
export interface SessionOptions {
  /** The session's id, which becomes the logs' `session_reference_id`. Default: a new random UUID per call. */
  id?: string;
  /** A display name for the session (`humanloop.session.name`). */
  name?: string;
  /** Humanloop project for every log in the session, unless a `traced()` function names its own. */
  project?: string;
  /** The end user the session belongs to (`humanloop.user_id`). */
  userId?: string;
  /** Session metadata (`humanloop.session.metadata`, JSON). */
  metadata?: Record<string, unknown>;
}

/** Options of the {@link session} method decorator: `id` may be computed from the method's arguments. */
export interface SessionDecoratorOptions extends Omit<SessionOptions, "id"> {
  /** The session id, or a function of the method's arguments (and `this`) returning it. Default: a new random UUID per call. */
  id?: string | ((this: any, ...args: any[]) => string);
}

/**
 * Runs `fn` with a session in context and returns what it returns (same
 * sync-ness). Every log made inside, at any depth (across awaits, timers,
 * `Promise.all`, nested `traced()` calls, and generators or streams it
 * returns), carries the session. `idOrOptions` is the id, or
 * {@link SessionOptions}; without an id a random one is made.
 *
 * @throws TypeError (before `fn` runs) for an unknown or ill-typed option, or when `fn` is not a function.
 */
export function session<T>(idOrOptions: string | SessionOptions | undefined, fn: () => T): T;
/**
 * A method decorator (TC39 standard decorators or `experimentalDecorators`) running each call in a session.
 * @throws TypeError for an unknown or ill-typed option.
 */
export function session(idOrOptions?: string | SessionDecoratorOptions): MethodDecorator;
export function session(idOrOptions?: string | SessionOptions | SessionDecoratorOptions, fn?: () => unknown): unknown {
  const decorating = arguments.length < 2;
  const where = decorating ? "humanloop-otel session(options)" : "humanloop-otel session(idOrOptions, fn)";
  const options = checkSessionOptions(idOrOptions, decorating, where);
  if (!decorating) {
    if (typeof fn !== "function") throw new TypeError(`${where}: fn must be a function (the code to run in the session), got ${typeof fn}`);
    return runInSession(sessionFrom(options, undefined, []), fn, undefined, []);
  }
  return methodDecorator("session", (method) => {
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      return runInSession(sessionFrom(options, this, args), method, this, args);
    };
    copyFunctionShape(wrapper, method);
    return wrapper;
  });
}

const SESSION_KEYS = new Set(["id", "name", "project", "userId", "metadata"]);

/** Throws a `TypeError` at the call site for an unknown or ill-typed option. */
function checkSessionOptions(idOrOptions: unknown, decorating: boolean, where: string): SessionDecoratorOptions {
  if (idOrOptions === undefined) return {};
  if (typeof idOrOptions === "string") return { id: idOrOptions };
  if (!isPlainObject(idOrOptions)) {
    throw new TypeError(`${where}: idOrOptions must be the session id (a string) or an options object like { id: "conversation-42" }, got ${idOrOptions === null ? "null" : typeof idOrOptions}`);
  }
  checkKnownKeys(idOrOptions, SESSION_KEYS, where);
  checkOptionType(idOrOptions, "id", decorating ? ["string", "function"] : ["string"], where);
  for (const key of ["name", "project", "userId"]) checkOptionType(idOrOptions, key, ["string"], where);
  checkOptionType(idOrOptions, "metadata", ["object"], where);
  return idOrOptions as SessionDecoratorOptions;
}

function sessionFrom(options: SessionDecoratorOptions, self: unknown, args: unknown[]): SessionContext {
  const id = typeof options.id === "function" ? options.id.apply(self, args) : options.id;
  const given = id !== undefined && id !== "";
  const s: SessionContext = given ? { id: String(id), idGiven: true } : { id: randomUUID() };
  if (options.name !== undefined) s.name = options.name;
  if (options.project !== undefined) s.project = options.project;
  if (options.userId !== undefined) s.userId = options.userId;
  if (options.metadata !== undefined) s.metadata = options.metadata;
  return s;
}

function runInSession(s: SessionContext, fn: Function, self: unknown, args: unknown[]): unknown {
  const ctx = withSession(otelContext.active(), s);
  const result = otelContext.with(ctx, fn as (...a: unknown[]) => unknown, self, ...args);
  // A generator's body (or a stream's producer) runs when it is read, after fn returned: keep it in the session.
  if (isGenerator(result) || isAsyncGenerator(result)) bindIterator(result, ctx);
  else if (result !== null && typeof result === "object" && isNodeStream(result)) bindNodeStream(result, ctx);
  else if (isAsyncIterable(result) && !(result instanceof Promise)) bindAsyncIterable(result, ctx);
  return result;
}
