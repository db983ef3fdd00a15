/**
 * The OTLP/HTTP trace receiver's request handling, shared by the server's
 * `POST /v1/traces` and the bridge: authentication, content type and
 * encoding, decoding, and answers as the OTLP specification and the
 * Collector's `otlphttp` exporter expect them. What to do with the spans is
 * the {@link TraceIntake}'s job.
 *
 * Statuses: 200 with an `ExportTraceServiceResponse` (with `partial_success`
 * when spans were refused); 400 undecodable body; 401 no or wrong
 * `X-API-KEY`; 405 not POST; 413 body (or its gunzipped form) too large; 415
 * content type or encoding not supported; 429/503 with `Retry-After` when the
 * intake cannot take more now (never 500: the Collector drops data on 500).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { diag } from "@opentelemetry/api";
import { readBody, type BodyBudget } from "../http-io.js";
import { decodeJsonTraces, decodeProtobufTraces, OtlpDecodeError, type DecodedTraces } from "./decode.js";
import { ExportTraceServiceResponse, RpcStatus } from "./proto-codec.js";

const gunzipAsync = promisify(gunzip);

/** The two OTLP/HTTP encodings. */
export type OtlpFormat = "protobuf" | "json";

/** What an intake did with a request's spans. */
export interface IntakeResult {
  /** Spans refused (besides those the decoder refused). */
  rejected: number;
  /** Why, when some were refused. */
  message?: string;
}

/** Thrown by an intake that cannot take the spans now: answered with `status` and `Retry-After`. */
export class IntakeBusy extends Error {
  readonly status: 429 | 503;
  readonly retryAfterSeconds: number;
  constructor(message: string, status: 429 | 503 = 503, retryAfterSeconds = 1) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request body as received (gunzipped), for an intake that keeps it as is. */
export interface RawTraces {
  format: OtlpFormat;
  bytes: Uint8Array;
}

/** Where decoded spans go. It answers once they are stored or durably accepted, or throws {@link IntakeBusy}. */
export interface TraceIntake {
  accept(traces: DecodedTraces, raw: RawTraces): IntakeResult | Promise<IntakeResult>;
}

/** Settings of {@link handleOtlpTraces}. */
export interface ReceiverSettings {
  /** The `X-API-KEY` a sender must present. */
  apiKey: string;
  /** Largest body accepted, before and after gunzip, in bytes. */
  maxBodyBytes: number;
  /** The request bodies held at once across requests; default none (no shared limit). */
  bodies?: BodyBudget;
  intake: TraceIntake;
}

const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 405: 12, 413: 8, 415: 3, 429: 8, 503: 14 };
const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: "application/x-protobuf", json: "application/json" };

/** The format a `Content-Type` names, or undefined when it is neither OTLP encoding. */
export function formatOf(header: string | undefined): OtlpFormat | undefined {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return undefined;
}

function send(res: ServerResponse, status: number, format: OtlpFormat, body: Uint8Array | string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": CONTENT_TYPE[format], "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** An error answer: a `google.rpc.Status` in the request's encoding. */
function sendStatus(res: ServerResponse, status: number, format: OtlpFormat, message: string, headers?: Record<string, string>): number {
  const code = GRPC_CODE[status] ?? 2;
  const body = format === "json" ? JSON.stringify({ code, message }) : RpcStatus.encode(RpcStatus.create({ code, message })).finish();
  send(res, status, format, body, headers);
  return status;
}

/**
 * Answers a request whose handling failed unexpectedly: 503 (gRPC code 14)
 * with Retry-After, never a 500, which the Collector drops instead of
 * retrying; a request already answered is cut.
 */
export function answerOtlpFailure(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy();
  sendStatus(res, 503, "json", String(error), { "retry-after": "1" });
}

function sendSuccess(res: ServerResponse, format: OtlpFormat, rejected: number, message: string | undefined): number {
  if (format === "json") {
    const body = rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message ?? "" } } : {};
    send(res, 200, format, JSON.stringify(body));
  } else {
    const payload = rejected > 0 ? { partialSuccess: { rejectedSpans: rejected, errorMessage: message ?? "" } } : {};
    send(res, 200, format, ExportTraceServiceResponse.encode(ExportTraceServiceResponse.create(payload)).finish());
  }
  return 200;
}

async function inflate(bytes: Buffer, encoding: string | undefined, limit: number): Promise<Buffer | { status: number; message: string }> {
  const name = encoding?.trim().toLowerCase();
  if (!name || name === "identity") return bytes;
  if (name !== "gzip") return { status: 415, message: `Content-Encoding ${name} is not supported; send gzip or identity` };
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      return { status: 413, message: `the gunzipped body is over ${limit} bytes` };
    }
    return { status: 400, message: `the gzip body does not inflate: ${(error as Error).message}` };
  }
}

/** Answers one request to an OTLP/HTTP traces endpoint; resolves to the status sent. */
export async function handleOtlpTraces(settings: ReceiverSettings, req: IncomingMessage, res: ServerResponse): Promise<number> {
  // the body is read (or drained, past the limit) first, so no answer races a sender still writing
  const raw = await readBody(req, settings.maxBodyBytes, settings.bodies);
  res.on("close", raw.release);
  const format = formatOf(req.headers["content-type"]);
  const answerFormat = format ?? "json";
  if (req.method !== "POST") return sendStatus(res, 405, answerFormat, "only POST is supported", { allow: "POST" });
  if (req.headers["x-api-key"] !== settings.apiKey) {
    return sendStatus(res, 401, answerFormat, "invalid or missing X-API-KEY (set OTEL_EXPORTER_OTLP_HEADERS=x-api-key=...)");
  }
  if (!format) {
    return sendStatus(res, 415, answerFormat, `Content-Type ${req.headers["content-type"] ?? "(none)"} is not supported; send application/x-protobuf or application/json`);
  }
  if (raw.tooLarge) return sendStatus(res, 413, format, `the body is over ${settings.maxBodyBytes} bytes`);
  if (raw.busy) return sendStatus(res, 503, format, "server busy: too many request bodies held; nothing was stored, retry later", { "retry-after": "1" });
  const bytes = await inflate(raw.bytes, req.headers["content-encoding"], settings.maxBodyBytes);
  if (!Buffer.isBuffer(bytes)) return sendStatus(res, bytes.status, format, bytes.message);
  let traces: DecodedTraces;
  try {
    traces = format === "json" ? decodeJsonTraces(bytes.toString("utf8")) : decodeProtobufTraces(bytes);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return sendStatus(res, 400, format, error.message);
    throw error;
  }
  let result: IntakeResult;
  try {
    result = await settings.intake.accept(traces, { format, bytes });
  } catch (error) {
    if (error instanceof IntakeBusy) {
      return sendStatus(res, error.status, format, error.message, { "retry-after": String(error.retryAfterSeconds) });
    }
    // not the sender's fault and maybe passing: retryable, never 500 (the Collector drops data on 500)
    diag.error("humanloop-otel: the OTLP receiver could not take a request", error);
    return sendStatus(res, 503, format, `the spans could not be accepted now: ${(error as Error).message}`, { "retry-after": "1" });
  }
  const rejected = traces.rejected + result.rejected;
  const message = [traces.rejectedReason, result.message].filter(Boolean).join("; ");
  return sendSuccess(res, format, rejected, message || undefined);
}
