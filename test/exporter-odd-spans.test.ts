import { afterEach, describe, expect, it } from "vitest";
import type { HumanloopTestServer } from "../testing/index.js";
import { refOf, startChild, startServer, tool, withProcessor } from "./exporter-helpers.js";

describe("spans with odd times", () => {
  let server: HumanloopTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("a parent with an invalid start time is still logged, and its children (which ended first) and grandchildren with it", async () => {
    server = await startServer();
    const { processor, provider, tracer } = withProcessor(server);
    const parent = tracer.startSpan("parent", { attributes: tool("parent"), startTime: new Date(Number.NaN) });
    const child = startChild(tracer, "child", parent, tool("child"));
    const grandchild = startChild(tracer, "grandchild", child, tool("grandchild"));
    grandchild.end();
    child.end();
    parent.end(new Date(Number.NaN));
    const flushed = await Promise.race([processor.forceFlush().then(() => "flushed"), new Promise((r) => setTimeout(r, 5_000, "hung"))]);
    expect(flushed).toBe("flushed");
    const refs = [parent, child, grandchild].map(refOf);
    expect(refs.map((ref) => server!.log(ref)?.reference_id)).toEqual(refs);
    expect(server.stats.rejected).toEqual([]);
    await provider.shutdown();
  });
});
