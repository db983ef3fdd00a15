import { describe, expect, it } from "vitest";
import { TraceAssembler, type ReadyLog } from "../server/otlp/assembler.js";
import type { OtlpSpan } from "../server/otlp/otlp-span.js";

const T = "5bf92f3577b34da6a3ce929d0e0e4736";

function span(spanId: string, parentSpanId?: string, logged = true): OtlpSpan {
  const s: OtlpSpan = {
    traceId: T,
    spanId,
    name: logged ? "step" : "GET /",
    kind: 1,
    startTime: [1_700_000_000, 0],
    endTime: [1_700_000_001, 0],
    attributes: logged ? { "humanloop.kind": "tool" } : {},
    events: [],
    status: { code: 0 },
    resource: {},
  };
  if (parentSpanId) s.parentSpanId = parentSpanId;
  return s;
}

function setup(options: ConstructorParameters<typeof TraceAssembler>[0] = {}) {
  let now = 0;
  const out: ReadyLog[] = [];
  const assembler = new TraceAssembler({ maxWaitMillis: 1000, ...options }, (ready) => out.push(...ready), () => now);
  return { assembler, out, advance: (ms: number) => (now += ms), parents: () => out.map((r) => [r.log.reference_id.slice(33), r.log.parent_reference_id?.slice(33)]) };
}

describe("TraceAssembler", () => {
  it("releases a waiting chain parents first, through spans that are not logged", () => {
    const { assembler, parents } = setup();
    assembler.add([span("0000000000000004", "0000000000000003"), span("0000000000000003", "0000000000000002", false)]);
    expect(assembler.waitingCount).toBe(2);
    assembler.add([span("0000000000000002", "0000000000000001")]);
    expect(parents()).toEqual([]);
    assembler.add([span("0000000000000001")]);
    expect(parents()).toEqual([
      ["0000000000000001", undefined],
      ["0000000000000002", "0000000000000001"],
      ["0000000000000004", "0000000000000002"],
    ]);
    expect(assembler.waitingCount).toBe(0);
    assembler.close();
  });

  it("a chain waits at most maxWaitMillis from its oldest span, and ends at its top", () => {
    const { assembler, parents, advance, out } = setup();
    assembler.add([span("0000000000000003", "0000000000000002")]);
    advance(600);
    assembler.add([span("0000000000000002", "0000000000000001")]); // arrives later; the chain keeps the older age
    advance(500);
    assembler.sweep();
    expect(parents()).toEqual([
      ["0000000000000002", undefined],
      ["0000000000000003", "0000000000000002"],
    ]);
    expect(out[0]!.log.metadata?.["humanloop_otel.parent_unlinked_reason"]).toMatch(/0000000000000001 not received/);
    expect(assembler.stats.unlinkedTimeout).toBe(1);
  });

  it("a late sweep (past twice the bound, as after a restart) ends a chain at its top: the rest stays linked", () => {
    const { assembler, parents, advance } = setup();
    assembler.add([span("0000000000000003", "0000000000000002"), span("0000000000000002", "0000000000000001")]);
    advance(2500);
    assembler.sweep();
    expect(parents()).toEqual([
      ["0000000000000002", undefined],
      ["0000000000000003", "0000000000000002"],
    ]);
    expect(assembler.stats.unlinkedTimeout).toBe(1);
  });

  it("spans naming each other (or themselves) as parents never wait forever", () => {
    const { assembler, parents, advance } = setup();
    assembler.add([span("0000000000000001", "0000000000000002"), span("0000000000000002", "0000000000000001"), span("0000000000000009", "0000000000000009")]);
    expect(parents()).toEqual([["0000000000000009", undefined]]);
    advance(1001);
    assembler.sweep();
    expect(assembler.waitingCount).toBe(2);
    advance(1000);
    assembler.sweep();
    expect(assembler.waitingCount).toBe(0);
    expect(parents()).toHaveLength(3);
  });

  it("drops duplicates, waiting or resolved", () => {
    const { assembler, out } = setup();
    assembler.add([span("0000000000000002", "0000000000000001"), span("0000000000000002", "0000000000000001")]);
    assembler.add([span("0000000000000001"), span("0000000000000001")]);
    expect(out).toHaveLength(2);
    expect(assembler.stats.duplicates).toBe(2);
  });
});

describe("sessions of received spans", () => {
  const withAttrs = (spanId: string, attributes: Record<string, string>, parentSpanId?: string): OtlpSpan => ({ ...span(spanId, parentSpanId), attributes: { "humanloop.kind": "tool", ...attributes } });

  it("come from our session attribute, the GenAI conversation id, OpenInference, OpenLLMetry or Langfuse; else the trace", () => {
    const { assembler, out } = setup();
    assembler.add([
      withAttrs("0000000000000001", { "humanloop.session.id": "ours", "gen_ai.conversation.id": "conv" }),
      withAttrs("0000000000000002", { "gen_ai.conversation.id": "conv" }),
      withAttrs("0000000000000003", { "session.id": "openinference" }),
      withAttrs("0000000000000004", { "traceloop.association.properties.session_id": "openllmetry" }),
      withAttrs("0000000000000005", { "langfuse.session.id": "langfuse" }),
      withAttrs("0000000000000006", {}),
    ]);
    expect(out.map((r) => r.log.session_reference_id)).toEqual(["ours", "conv", "openinference", "openllmetry", "langfuse", T]);
  });

  it("a span naming no session takes its parent's", () => {
    const { assembler, out } = setup();
    assembler.add([withAttrs("0000000000000002", {}, "0000000000000001"), withAttrs("0000000000000001", { "langfuse.session.id": "lf-1" })]);
    expect(out.map((r) => r.log.session_reference_id)).toEqual(["lf-1", "lf-1"]);
  });
});
