/**
 * A local server that speaks the OpenAI REST wire format, for tests and
 * demos: JSON bodies for `/chat/completions`, `/responses`, `/completions`
 * and `/embeddings`; server-sent event streams (`data: {...}` chunks ending
 * with `data: [DONE]` for chat and completions, `event:`-named events for
 * Responses); error bodies `{ error: { message, type, param, code } }` with
 * their HTTP status and an `x-request-id` header. Azure deployment paths
 * (`/openai/deployments/{name}/...`) are answered the same way.
 *
 * Each request takes the next queued {@link OpenAIReply}, or a default text
 * answer when the queue is empty. {@link openAIExchange} is the same logic
 * without a socket, for a client's custom `fetch`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A tool call the model makes in a reply. */
export interface OpenAIToolCallReply {
  id: string;
  name: string;
  /** JSON text, as the API sends it. */
  arguments: string;
}

/** A successful answer; streamed when the request asks for `stream: true`. */
export interface OpenAIAnswerReply {
  kind: "answer";
  text?: string;
  toolCalls?: OpenAIToolCallReply[];
  finishReason?: string;
  model?: string;
  /** How many content chunks a streamed text is split into (default 5). */
  chunks?: number;
  usage?: { input?: number; output?: number; cached?: number; reasoning?: number };
}

/** An HTTP error with the API's error body. */
export interface OpenAIErrorReply {
  kind: "error";
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
}

/** A stream that fails after `afterChunks` chunks with an `error` payload, or hangs there until the client goes away. */
export interface OpenAIBrokenStreamReply {
  kind: "stream-error" | "stream-hang";
  afterChunks: number;
}

/** Anything at all: exact status, headers and body text (for unexpected shapes). */
export interface OpenAIRawReply {
  kind: "raw";
  status?: number;
  contentType?: string;
  body: string;
}

export type OpenAIReply = OpenAIAnswerReply | OpenAIErrorReply | OpenAIBrokenStreamReply | OpenAIRawReply;

/** One request the server received. */
export interface OpenAIRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** What to send back: a JSON body, or SSE frames (already formatted), possibly followed by a hang. */
export interface OpenAIExchange {
  status: number;
  headers: Record<string, string>;
  body?: string;
  frames?: string[];
  hang?: boolean;
}

const errorTypes: Record<number, string> = { 400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 429: "rate_limit_exceeded", 500: "server_error" };

/** The exchange for one request (`path` without the `/v1` or Azure prefix, e.g. `/chat/completions`). */
export function openAIExchange(path: string, body: Record<string, unknown>, reply: OpenAIReply = { kind: "answer" }): OpenAIExchange {
  const headers = { "x-request-id": `req_${Math.random().toString(36).slice(2, 10)}` };
  if (reply.kind === "raw") return { status: reply.status ?? 200, headers: { ...headers, "content-type": reply.contentType ?? "application/json" }, body: reply.body };
  if (reply.kind === "error") {
    const error = { message: reply.message ?? `error ${reply.status}`, type: reply.type ?? errorTypes[reply.status] ?? "api_error", param: null, code: reply.code ?? null };
    return { status: reply.status, headers: { ...headers, "content-type": "application/json", "x-should-retry": "false" }, body: JSON.stringify({ error }) };
  }
  const answer: OpenAIAnswerReply = reply.kind === "answer" ? reply : { kind: "answer", chunks: 8 };
  const model = answer.model ?? (typeof body.model === "string" ? `${body.model}-2025-01-01` : "gpt-test");
  const stream = body.stream === true;
  let frames: string[];
  let json: unknown;
  if (path.endsWith("/chat/completions")) {
    if (!stream) json = chatCompletion(answer, model);
    else frames = chatFrames(answer, model, body).map((d) => `data: ${JSON.stringify(d)}\n\n`).concat("data: [DONE]\n\n");
  } else if (path.endsWith("/responses")) {
    if (!stream) json = response(answer, model, body);
    else frames = responseEvents(answer, model, body).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  } else if (path.endsWith("/completions")) {
    const completion = { id: "cmpl-1", object: "text_completion", created: 1, model, choices: [{ index: 0, text: answer.text ?? "Hello there", finish_reason: answer.finishReason ?? "stop", logprobs: null }], usage: usage(answer) };
    if (!stream) json = completion;
    else frames = split(answer.text ?? "Hello there", answer.chunks ?? 5).map((t, i, all) => `data: ${JSON.stringify({ ...completion, usage: undefined, choices: [{ index: 0, text: t, finish_reason: i === all.length - 1 ? "stop" : null }] })}\n\n`).concat("data: [DONE]\n\n");
  } else if (path.endsWith("/embeddings")) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    json = { object: "list", model, data: inputs.map((_, i) => ({ object: "embedding", index: i, embedding: [0.1, 0.2, 0.3, 0.4] })), usage: { prompt_tokens: 4, total_tokens: 4 } };
  } else {
    return openAIExchange(path, body, { kind: "error", status: 404, message: `no route ${path}` });
  }
  if (frames! !== undefined) {
    if (reply.kind === "stream-error") frames = frames.slice(0, reply.afterChunks).concat(`data: ${JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null } })}\n\n`);
    if (reply.kind === "stream-hang") return { status: 200, headers: { ...headers, "content-type": "text/event-stream" }, frames: frames.slice(0, reply.afterChunks), hang: true };
    return { status: 200, headers: { ...headers, "content-type": "text/event-stream" }, frames };
  }
  return { status: 200, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(json) };
}

function usage(a: OpenAIAnswerReply) {
  const input = a.usage?.input ?? 12;
  const output = a.usage?.output ?? 7;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output, prompt_tokens_details: { cached_tokens: a.usage?.cached ?? 0 }, completion_tokens_details: { reasoning_tokens: a.usage?.reasoning ?? 0 } };
}

function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, n)));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [""];
}

function chatCompletion(a: OpenAIAnswerReply, model: string) {
  const toolCalls = a.toolCalls?.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } }));
  const message = { role: "assistant", content: toolCalls && a.text === undefined ? null : a.text ?? "Hello there", refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
  return { id: "chatcmpl-1", object: "chat.completion", created: 1, model, system_fingerprint: "fp_test", service_tier: "default", choices: [{ index: 0, message, logprobs: null, finish_reason: a.finishReason ?? (toolCalls ? "tool_calls" : "stop") }], usage: usage(a) };
}

function chatFrames(a: OpenAIAnswerReply, model: string, body: Record<string, unknown>): unknown[] {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, system_fingerprint: "fp_test" };
  const chunk = (delta: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const out: unknown[] = [chunk({ role: "assistant", content: "" })];
  if (a.text !== undefined || !a.toolCalls) for (const t of split(a.text ?? "Hello there", a.chunks ?? 5)) out.push(chunk({ content: t }));
  a.toolCalls?.forEach((t, index) => {
    out.push(chunk({ tool_calls: [{ index, id: t.id, type: "function", function: { name: t.name, arguments: "" } }] }));
    for (const piece of split(t.arguments, 3)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, a.finishReason ?? (a.toolCalls ? "tool_calls" : "stop")));
  const opts = body.stream_options as { include_usage?: boolean } | undefined;
  if (opts?.include_usage) out.push({ ...base, choices: [], usage: usage(a) });
  return out;
}

function response(a: OpenAIAnswerReply, model: string, body: Record<string, unknown>) {
  const input = a.usage?.input ?? 12;
  const output = a.usage?.output ?? 7;
  const items: unknown[] = [];
  if (a.text !== undefined || !a.toolCalls) items.push({ type: "message", id: "msg_1", status: "completed", role: "assistant", content: [{ type: "output_text", text: a.text ?? "Hello there", annotations: [] }] });
  for (const t of a.toolCalls ?? []) items.push({ type: "function_call", id: `fc_${t.id}`, call_id: t.id, name: t.name, arguments: t.arguments, status: "completed" });
  return {
    id: "resp_1", object: "response", created_at: 1, status: "completed", model, output: items, error: null, incomplete_details: null,
    instructions: body.instructions ?? null, tools: body.tools ?? [], parallel_tool_calls: true, temperature: body.temperature ?? 1, top_p: 1, tool_choice: "auto", metadata: {},
    usage: { input_tokens: input, output_tokens: output, total_tokens: input + output, input_tokens_details: { cached_tokens: a.usage?.cached ?? 0 }, output_tokens_details: { reasoning_tokens: a.usage?.reasoning ?? 0 } },
  };
}

function responseEvents(a: OpenAIAnswerReply, model: string, body: Record<string, unknown>): Record<string, unknown>[] {
  const done = response(a, model, body);
  const created = { ...done, status: "in_progress", output: [], usage: null };
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>) => ({ type, sequence_number: seq++, ...fields });
  const out = [ev("response.created", { response: created }), ev("response.in_progress", { response: created })];
  if (a.text !== undefined || !a.toolCalls) {
    const text = a.text ?? "Hello there";
    out.push(ev("response.output_item.added", { output_index: 0, item: { type: "message", id: "msg_1", status: "in_progress", role: "assistant", content: [] } }));
    out.push(ev("response.content_part.added", { item_id: "msg_1", output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }));
    for (const d of split(text, a.chunks ?? 5)) out.push(ev("response.output_text.delta", { item_id: "msg_1", output_index: 0, content_index: 0, delta: d, logprobs: [] }));
    out.push(ev("response.output_text.done", { item_id: "msg_1", output_index: 0, content_index: 0, text, logprobs: [] }));
    out.push(ev("response.content_part.done", { item_id: "msg_1", output_index: 0, content_index: 0, part: { type: "output_text", text, annotations: [] } }));
    out.push(ev("response.output_item.done", { output_index: 0, item: done.output[0] }));
  }
  out.push(ev("response.completed", { response: done }));
  return out;
}

/** The server: `start()`, then point a client's `baseURL` at {@link OpenAITestServer.url}. */
export class OpenAITestServer {
  /** Every request received, in order. */
  readonly requests: OpenAIRecordedRequest[] = [];
  private readonly queue: OpenAIReply[] = [];
  private server: Server | undefined;
  private readonly open = new Set<ServerResponse>();

  /** Queues replies for the next requests, in order. */
  reply(...replies: OpenAIReply[]): void {
    this.queue.push(...replies);
  }

  /** Listens on 127.0.0.1 (random port unless given). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
  }

  /** The `/v1` base URL for `new OpenAI({ baseURL })`. */
  get url(): string {
    return `${this.origin}/v1`;
  }

  /** `http://127.0.0.1:{port}`, for `new AzureOpenAI({ endpoint })`. */
  get origin(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Stops listening and drops hanging streams. */
  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    const path = (req.url ?? "/").split("?")[0]!;
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
    const ex = openAIExchange(path.replace(/^\/openai\/deployments\/[^/]+/, "").replace(/^\/v1/, ""), body, this.queue.shift());
    res.writeHead(ex.status, ex.headers);
    if (ex.body !== undefined) return void res.end(ex.body);
    for (const f of ex.frames ?? []) res.write(f);
    if (!ex.hang) return void res.end();
    this.open.add(res);
    res.on("close", () => this.open.delete(res));
  }
}
