/**
 * The open calls that shutdown ends (`endPendingCalls`): each call is in the
 * list exactly while it is open, whatever order calls end in, and a call
 * ended twice or ended by shutdown leaves the others in place.
 */
import { expect, it } from "vitest";
import { CallSpan, endPendingCalls } from "../instrumentations/shared/index.js";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "../src/core/otel-sdk.js";

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer("pending-calls-test");
const open = (name: string): CallSpan => new CallSpan(tracer.startSpan(name), undefined, undefined, false);
const endedNames = (): string[] => exporter.getFinishedSpans().map((s) => s.name).sort();

it("ends at shutdown exactly the calls still open, after others ended in any order", () => {
  endPendingCalls();
  exporter.reset();
  const calls = Array.from({ length: 7 }, (_, i) => open(`call ${i}`));
  // first, last, middle, and one twice: each removal moves the last open call into the freed slot
  calls[0]!.finish();
  calls[6]!.fail(new Error("boom"));
  calls[3]!.finish();
  calls[3]!.finish();
  expect(endedNames()).toEqual(["call 0", "call 3", "call 6"]);

  expect(endPendingCalls()).toBe(4);
  expect(endedNames()).toEqual(["call 0", "call 1", "call 2", "call 3", "call 4", "call 5", "call 6"]);
  const shutdownEnded = exporter.getFinishedSpans().slice(3).map((s) => s.name).sort();
  expect(shutdownEnded).toEqual(["call 1", "call 2", "call 4", "call 5"]);
  // nothing is left, and ending them again changes nothing
  expect(endPendingCalls()).toBe(0);
  for (const c of calls) c.finish();
  expect(exporter.getFinishedSpans()).toHaveLength(7);
});

it("a call opened after others ended takes its own slot and is ended once", () => {
  endPendingCalls();
  exporter.reset();
  const a = open("a");
  const b = open("b");
  a.finish();
  const c = open("c");
  b.finish();
  expect(endPendingCalls()).toBe(1);
  expect(endedNames()).toEqual(["a", "b", "c"]);
  c.finish();
  expect(exporter.getFinishedSpans()).toHaveLength(3);
});
