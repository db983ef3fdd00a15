/**
 * A local server that speaks the Anthropic Messages API wire format, for
 * tests and demos: JSON messages, the server-sent event stream
 * (`message_start` ... `message_stop`, with `ping`), error bodies
 * `{ type: "error", error: { type, message } }` with their HTTP statuses and a
 * `request-id` header. It also answers the Bedrock (`/model/{id}/invoke...`)
 * and Vertex (`...:rawPredict` / `:streamRawPredict`) paths, with SSE for
 * streams, which those clients pass through as they are.
 *
 * Each request takes the next queued {@link AnthropicReply}, or a default
 * text message when the queue is empty.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A content block of a response message, as the API returns it. */
export type AnthropicContentBlock =
  | { type: "text"; text: string; citations?: unknown }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: string; [key: string]: unknown };

/** Usage as the API reports it. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** What the server answers with: the message fields it should return (the rest get defaults). */
export interface AnthropicMessageReply {
  kind: "message";
  id?: string;
  model?: string;
  content?: AnthropicContentBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: Partial<AnthropicUsage>;
  /** Milliseconds to wait between streamed events (default 0). */
  eventDelayMs?: number;
  /** Milliseconds to wait before answering at all (default 0). */
  delayMs?: number;
}

/** An error response: status, error type and message. */
export interface AnthropicErrorReply {
  kind: "error";
  status: number;
  type: string;
  message: string;
}

/**
 * A raw event stream, for cases a message cannot describe: an `error` event
 * mid-stream, unknown event types, a stream that stops without `message_stop`.
 */
export interface AnthropicEventsReply {
  kind: "events";
  events: Array<{ event: string; data: unknown }>;
  eventDelayMs?: number;
  /** Keep the connection open after the events instead of ending it (default false). */
  hang?: boolean;
}

export type AnthropicReply = AnthropicMessageReply | AnthropicErrorReply | AnthropicEventsReply;

/** A request the server received. */
export interface AnthropicRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** True when the server answered with an event stream. */
  streamed: boolean;
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}_${(++counter).toString(36).padStart(8, "0")}`;

/** The full message the reply stands for, with the API's defaults filled in. */
export function messageOf(reply: AnthropicMessageReply, requestModel: unknown): Record<string, unknown> {
  return {
    id: reply.id ?? nextId("msg_test"),
    type: "message",
    role: "assistant",
    model: reply.model ?? (typeof requestModel === "string" ? requestModel : "claude-test"),
    content: reply.content ?? [{ type: "text", text: "Hello from the test server." }],
    stop_reason: reply.stop_reason === undefined ? "end_turn" : reply.stop_reason,
    stop_sequence: reply.stop_sequence ?? null,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      ...reply.usage,
    },
  };
}

/** Splits text into pieces of at most `size` characters (at least one piece). */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

/** The SSE events by which the API streams `message`, block by block, with deltas. */
export function streamEventsOf(message: Record<string, unknown>): Array<{ event: string; data: unknown }> {
  const usage = message.usage as AnthropicUsage;
  const content = message.content as AnthropicContentBlock[];
  const events: Array<{ event: string; data: unknown }> = [];
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } };
  events.push({ event: "message_start", data: { type: "message_start", message: start } });
  events.push({ event: "ping", data: { type: "ping" } });
  content.forEach((block, index) => {
    const delta = (d: Record<string, unknown>) => events.push({ event: "content_block_delta", data: { type: "content_block_delta", index, delta: d } });
    const open = (b: unknown) => events.push({ event: "content_block_start", data: { type: "content_block_start", index, content_block: b } });
    if (block.type === "text") {
      open({ type: "text", text: "" });
      for (const p of pieces(String(block.text), 7)) delta({ type: "text_delta", text: p });
    } else if (block.type === "thinking") {
      open({ type: "thinking", thinking: "", signature: "" });
      for (const p of pieces(String(block.thinking), 9)) delta({ type: "thinking_delta", thinking: p });
      delta({ type: "signature_delta", signature: block.signature });
    } else if (block.type === "tool_use" || block.type === "server_tool_use") {
      open({ ...block, input: {} });
      for (const p of pieces(JSON.stringify(block.input ?? {}), 5)) delta({ type: "input_json_delta", partial_json: p });
    } else {
      open(block);
    }
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
  });
  events.push({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: { output_tokens: usage.output_tokens },
    },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return events;
}

const MESSAGE_PATH = /(\/v1\/messages$|\/invoke(-with-response-stream)?$|:(stream)?rawPredict$)/;

/**
 * The local Anthropic server. `url` is the base URL to give the client
 * (`new Anthropic({ baseURL: server.url })`).
 */
export class AnthropicTestServer {
  /** Every request received, oldest first. */
  readonly requests: AnthropicRecordedRequest[] = [];
  private readonly queue: AnthropicReply[] = [];
  private readonly open = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    /** Base URL, e.g. `http://127.0.0.1:43123`. */
    readonly url: string,
  ) {}

  /** Starts a server on 127.0.0.1 (`port` 0, the default, picks a free port). */
  static async start(port = 0): Promise<AnthropicTestServer> {
    const holder: { self?: AnthropicTestServer } = {};
    const server = createServer((req, res) => void holder.self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    holder.self = new AnthropicTestServer(server, `http://127.0.0.1:${bound}`);
    return holder.self;
  }

  /** Queues replies for the next requests, in order. */
  reply(...replies: AnthropicReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Stops the server, cutting any stream still open. */
  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    } catch {
      return this.sendError(res, 400, "invalid_request_error", "The request body is not valid JSON.");
    }
    const streamed = body.stream === true || path.endsWith("-with-response-stream") || path.endsWith(":streamRawPredict");
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body, streamed });
    if (req.method !== "POST" || !MESSAGE_PATH.test(path)) return this.sendError(res, 404, "not_found_error", `Not found: ${path}`);
    const model = body.model ?? /\/models?\/([^/:]+)/.exec(path)?.[1];
    const reply = this.queue.shift() ?? { kind: "message" };
    if (reply.kind === "error") return this.sendError(res, reply.status, reply.type, reply.message);
    if (reply.kind === "events") return this.sendEvents(res, reply.events, reply.eventDelayMs ?? 0, reply.hang ?? false);
    const message = messageOf(reply, model);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (!streamed) return this.sendJson(res, 200, message);
    return this.sendEvents(res, streamEventsOf(message), reply.eventDelayMs ?? 0, false);
  }

  private sendJson(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { "content-type": "application/json", "request-id": nextId("req") });
    res.end(JSON.stringify(payload));
  }

  private sendError(res: ServerResponse, status: number, type: string, message: string): void {
    // x-should-retry: false keeps the client's retries out of tests that expect one attempt.
    res.setHeader("x-should-retry", "false");
    this.sendJson(res, status, { type: "error", error: { type, message } });
  }

  private async sendEvents(res: ServerResponse, events: Array<{ event: string; data: unknown }>, delayMs: number, hang: boolean): Promise<void> {
    this.open.add(res);
    res.on("close", () => this.open.delete(res));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": nextId("req") });
    for (const { event, data } of events) {
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    }
    if (!hang) res.end();
  }
}
