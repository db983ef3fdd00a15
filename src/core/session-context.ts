import { context as otelContext, type Attributes, type Context } from "@opentelemetry/api";
import { GenAI, Humanloop } from "./attributes.js";

/** The session that `session()` puts in context; every log made inside carries it. */
export interface SessionContext {
  /** Becomes the log's `session_reference_id`. */
  id: string;
  /** True when the app gave the id (it is then also `gen_ai.conversation.id`); false for a generated one. */
  idGiven?: boolean;
  name?: string;
  /** Project for the logs made inside the session. */
  project?: string;
  userId?: string;
  metadata?: Record<string, unknown>;
}

// A registered symbol, so two copies of the package (ESM and CJS) share it.
const SESSION_KEY = Symbol.for("humanloop-otel.session");

/** The session in `ctx` (the active context by default), if any. */
export function getSession(ctx: Context = otelContext.active()): SessionContext | undefined {
  return ctx.getValue(SESSION_KEY) as SessionContext | undefined;
}

/** `ctx` with `session` set. */
export function withSession(ctx: Context, session: SessionContext): Context {
  return ctx.setValue(SESSION_KEY, session);
}

/**
 * The span attributes that carry a session to the exporter and to other
 * backends. On a GenAI span (`genAI`), an id the app gave is also
 * `gen_ai.conversation.id`, unless the span already names its conversation.
 */
export function sessionAttributes(session: SessionContext, genAI = false): Attributes {
  const attrs: Attributes = { [Humanloop.SESSION_ID]: session.id };
  if (genAI && session.idGiven) attrs[GenAI.CONVERSATION_ID] = session.id;
  if (session.name !== undefined) attrs[Humanloop.SESSION_NAME] = session.name;
  if (session.project !== undefined) attrs[Humanloop.PROJECT] = session.project;
  if (session.userId !== undefined) attrs[Humanloop.USER_ID] = session.userId;
  if (session.metadata !== undefined) {
    try {
      attrs[Humanloop.SESSION_METADATA] = JSON.stringify(session.metadata);
    } catch {
      // unserializable metadata is left out rather than failing the span
    }
  }
  return attrs;
}
