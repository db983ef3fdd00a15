/**
 * `POST /v1/traces` on the local server: received spans become logs through
 * the same path a v4 `POST /logs` takes (`runLogs`: validation, then the
 * store), parents in an earlier batch than their children, as the v4 rules
 * require. Spans waiting for a parent are held in memory (bounded, see
 * {@link TraceAssembler}); the 200 is sent once the request's logs are
 * stored or waiting there.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { diag } from "@opentelemetry/api";
import { UNLINKED_REASON_KEY } from "../../exporters/humanloop/mapping/log-request.js";
import type { LogRequest } from "../../exporters/humanloop/types.js";
import { MAX_BODY_BYTES } from "../http-io.js";
import type { ValidationIssue } from "../types.js";
import { runLogs, type V4Context } from "../v4-handler.js";
import { TraceAssembler, type AssemblerOptions, type AssemblerStats, type ReadyLog } from "./assembler.js";
import type { DecodedTraces } from "./decode.js";
import { handleOtlpTraces, type IntakeResult, type TraceIntake } from "./receiver.js";

/** Counters of the server's OTLP intake. */
export interface ServerOtlpStats extends AssemblerStats {
  /** Logs the v4 rules refused (not stored). */
  refused: number;
}

/** Parents go in earlier batches than their children: the wave of a log is one more than its parent's, when the parent is in this release. */
export function wavesOf(ready: ReadyLog[]): LogRequest[][] {
  const waveOf = new Map<string, number>();
  const waves: LogRequest[][] = [];
  for (const { log } of ready) {
    const parent = log.parent_reference_id === undefined ? undefined : waveOf.get(log.parent_reference_id);
    const wave = parent === undefined ? 0 : parent + 1;
    waveOf.set(log.reference_id, wave);
    (waves[wave] ??= []).push(log);
  }
  return waves;
}

/** The server's intake: an assembler whose ready logs are stored wave by wave. */
export class ServerOtlpIntake implements TraceIntake {
  private readonly assembler: TraceAssembler;
  private refusedNow = 0;
  private refusedReason: string | undefined;
  private refused = 0;
  private unlinkedReported = false;

  private readonly context: V4Context;

  constructor(context: V4Context, options: AssemblerOptions = {}) {
    this.context = context;
    this.assembler = new TraceAssembler(options, (ready) => this.store(ready));
  }

  /** Counters (spans received, logged, waiting outcomes, refusals). */
  get stats(): ServerOtlpStats {
    return { ...this.assembler.stats, refused: this.refused };
  }

  accept(traces: DecodedTraces): IntakeResult {
    this.refusedNow = 0;
    this.refusedReason = undefined;
    this.assembler.add(traces.spans);
    const result: IntakeResult = { rejected: this.refusedNow };
    if (this.refusedReason) result.message = this.refusedReason;
    return result;
  }

  /** Ends every wait now (children go out unlinked). */
  releaseAll(): void {
    this.assembler.releaseAll("the server's OTLP intake was flushed before the parent arrived");
  }

  private store(ready: ReadyLog[]): void {
    for (const wave of wavesOf(ready)) this.storeBatch(wave);
    const { unlinkedTimeout, unlinkedCapacity } = this.assembler.stats;
    if (unlinkedTimeout + unlinkedCapacity > 0 && !this.unlinkedReported) {
      this.unlinkedReported = true;
      diag.warn("humanloop-otel-server: OTLP spans were stored without their parent (it did not arrive in time); the reason is in each log's metadata");
    }
  }

  /** Stores one batch; drops logs already stored (a sender's retry), unlinks logs whose parent was refused, counts the rest refused. */
  private storeBatch(logs: LogRequest[]): void {
    let batch = logs;
    for (let attempt = 0; batch.length > 0 && attempt < 4; attempt++) {
      const answer = runLogs(this.context, batch);
      if (answer.status === 200) return;
      const detail = ((answer.body as { detail?: ValidationIssue[] }).detail ?? []) as ValidationIssue[];
      const drop = new Set<number>();
      for (const issue of detail) {
        const index = typeof issue.loc[1] === "number" ? issue.loc[1] : undefined;
        if (index === undefined) continue;
        const log = batch[index]!;
        if (issue.type === "duplicate_reference_id") {
          drop.add(index);
          this.assembler.stats.duplicates++;
        } else if (issue.type === "parent_not_found" || issue.type === "ambiguous_reference") {
          delete log.parent_reference_id;
          log.metadata = { ...log.metadata, [UNLINKED_REASON_KEY]: `parent log not stored: ${issue.msg}` };
        } else if (!drop.has(index)) {
          drop.add(index);
          this.refuse(`span ${log.reference_id} was refused: ${issue.type} at ${issue.loc.join(".")}: ${issue.msg}`);
        }
      }
      if (detail.length === 0) {
        for (const log of batch) this.refuse(`span ${log.reference_id} was refused: HTTP ${answer.status}`);
        return;
      }
      batch = batch.filter((_, i) => !drop.has(i));
    }
    for (const log of batch) this.refuse(`span ${log.reference_id} was refused after several attempts`);
  }

  private refuse(reason: string): void {
    this.refused++;
    this.refusedNow++;
    this.refusedReason ??= reason;
    if (this.refused === 1) diag.warn(`humanloop-otel-server: an OTLP span was refused by the v4 rules: ${reason}`);
  }
}

const intakes = new WeakMap<V4Context, ServerOtlpIntake>();

/** The OTLP intake of a server (made on first use). */
export function serverOtlpIntake(context: V4Context): ServerOtlpIntake {
  let intake = intakes.get(context);
  if (!intake) intakes.set(context, (intake = new ServerOtlpIntake(context)));
  return intake;
}

/** Answers `/v1/traces` on the local server. */
export async function handleServerOtlp(context: V4Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const done = context.stats.begin();
  res.on("close", done);
  try {
    const status = await handleOtlpTraces({ apiKey: context.apiKey, maxBodyBytes: MAX_BODY_BYTES, intake: serverOtlpIntake(context) }, req, res);
    context.stats.answered("POST /v1/traces", status);
  } catch (error) {
    diag.error("humanloop-otel-server: OTLP request failed", error);
    if (!res.headersSent) {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
      res.end(JSON.stringify({ code: 14, message: String(error) }));
    } else res.destroy();
  }
}
