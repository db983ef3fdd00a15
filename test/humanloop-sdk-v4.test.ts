/**
 * Humanloop's own v4 Node SDK (humanloop 0.5.36, the `humanloop4` alias,
 * with the konfig-axios-fetch-adapter 1.0.9 override) against the bundled
 * server, checked on what the server stored. What the SDK sends:
 * docs/humanloop-sdks.md.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Humanloop } from "humanloop4";
import { HumanloopTestServer } from "../testing/index.js";

let server: HumanloopTestServer;
let hl: Humanloop;

beforeAll(async () => {
  server = await HumanloopTestServer.start();
  hl = new Humanloop({ apiKey: server.apiKey, basePath: server.url });
});
beforeEach(() => server.reset());
afterAll(() => server.close());

const config = { type: "model" as const, model: "gpt-4o", provider: "openai" as const, endpoint: "chat" as const };
type Created = { id: string; project_id: string; session_id?: string };

async function patch(path: string, body: unknown): Promise<{ status: number; body: { detail: { loc: unknown[]; type: string }[] } }> {
  const res = await fetch(`${server.url}${path}`, { method: "PATCH", headers: { "x-api-key": server.apiKey, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

describe("Humanloop's v4 SDK against the server", () => {
  it("log, logs.update, logs.updateByRef, sessions.create and feedback: stored as sent", async () => {
    const session = (await hl.sessions.create()).data;
    expect(session.id).toMatch(/^sesh_/);
    const parent = (await hl.log({ project: "sdk4", reference_id: "p", session_id: session.id, config, inputs: { q: "x" }, output: "a" })).data as Created;
    expect(parent).toMatchObject({ id: expect.stringMatching(/^data_/), project_id: expect.stringMatching(/^pr_/), session_id: session.id });
    const batch = (await hl.log([{ project: "sdk4", reference_id: "c", parent_reference_id: "p", session_id: session.id, config, output: "b" }])).data as Created[];
    expect(batch).toHaveLength(1);
    expect((await hl.logs.update({ id: parent.id, output: "a2" })).data).toMatchObject({ id: parent.id, output: "a2" });
    expect((await hl.logs.updateByRef({ referenceId: "c", output: "b2", duration: 1.5 })).data).toMatchObject({ id: batch[0]!.id, output: "b2" });
    await hl.feedback({ type: "rating", value: "good", data_id: parent.id });
    await hl.feedback([{ type: "comment", value: "fine", data_id: batch[0]!.id }]);

    expect(server.stats.rejected).toEqual([]);
    expect(server.log(parent.id)).toMatchObject({ project: "sdk4", session_id: session.id, output: "a2", updates: [{ output: "a2" }] });
    expect(server.log("c")).toMatchObject({ parent_id: parent.id, output: "b2", duration: 1.5, updates: [{ output: "b2", duration: 1.5 }] });
    expect(server.sessionTree(session.id)!.roots.map((r) => [r.id, r.children.map((c) => c.id)])).toEqual([[parent.id, [batch[0]!.id]]]);
    expect(server.feedback().map((f) => [f.data_id, f.type, f.value])).toEqual([
      [parent.id, "rating", "good"],
      [batch[0]!.id, "comment", "fine"],
    ]);
  });

  it("refuses a PATCH whose body names another log than its URL (422), and stores nothing", async () => {
    const parent = (await hl.log({ project: "sdk4", reference_id: "p", config, output: "a" })).data as Created;
    const byId = await patch(`/logs/${parent.id}`, { id: "data_other", output: "x" });
    expect(byId).toMatchObject({ status: 422, body: { detail: [{ loc: ["body", "id"], type: "value_error" }] } });
    const byRef = await patch("/logs?reference_id=p", { referenceId: "q", output: "x" });
    expect(byRef).toMatchObject({ status: 422, body: { detail: [{ loc: ["body", "referenceId"], type: "value_error" }] } });
    expect((await patch(`/logs/${parent.id}`, { reference_id: "p", output: "x" })).status).toBe(422); // not a field of PATCH /logs/{id}
    expect(server.log(parent.id)?.output).toBe("a");
  });

  it("logs.list pages and filters the project's logs (search, metadata_search, dates)", async () => {
    for (let i = 0; i < 5; i++) {
      await hl.log({ project: "sdk4", reference_id: `r${i}`, config, output: i % 2 ? `odd ${i}` : `even ${i}`, metadata: { n: i, tag: i === 3 ? "special" : "plain" } });
    }
    await hl.log({ project: "other", reference_id: "elsewhere", config, output: "odd elsewhere" });
    const projectId = server.log("r0")!.project_id!;
    const first = await hl.logs.list({ projectId, size: 2, page: 1 });
    expect(first.data).toMatchObject({ page: 1, size: 2, total: 5 });
    expect(first.data.records.map((l) => l.reference_id)).toEqual(["r4", "r3"]);
    expect(first.data.records[0]).toMatchObject({ project: "sdk4", config: { model: "gpt-4o" }, updated_at: expect.any(String) });
    expect(first.hasNext()).toBe(true);
    const last = await hl.logs.list({ projectId, size: 2, page: 3 });
    expect(last.data.records.map((l) => l.reference_id)).toEqual(["r0"]);
    expect(last.hasNext()).toBe(false);
    expect((await hl.logs.list({ projectId, search: "odd" })).data.records.map((l) => l.reference_id)).toEqual(["r3", "r1"]);
    expect((await hl.logs.list({ projectId, metadataSearch: "special" })).data.records.map((l) => l.reference_id)).toEqual(["r3"]);
    const today = new Date();
    expect((await hl.logs.list({ projectId, startDate: today, endDate: today })).data.total).toBe(5);
    expect((await hl.logs.list({ projectId, endDate: "2001-01-01" })).data.total).toBe(0);
    await expect(hl.logs.list({ projectId, size: 0 })).rejects.toMatchObject({ status: 422 });
  });

  it("sessions.get and sessions.list read the sessions back", async () => {
    const a = (await hl.sessions.create()).data;
    await hl.log({ project: "sdk4", reference_id: "a1", session_id: a.id, config, inputs: { q: "first" }, output: "one" });
    await hl.log({ project: "sdk4", reference_id: "a2", session_id: a.id, config, output: "two" });
    const b = (await hl.log({ project: "sdk4", reference_id: "b1", session_reference_id: "conv-b", config, output: "three" })).data as Created;
    const got = (await hl.sessions.get({ id: a.id })).data as unknown as Record<string, unknown> & { logs: { reference_id: string }[] };
    expect(got).toMatchObject({ id: a.id, datapoints_count: 2, projects: [{ name: "sdk4" }], first_inputs: { q: "first" }, last_output: "two" });
    expect(got.logs.map((l) => l.reference_id)).toEqual(["a1", "a2"]);
    expect((await hl.sessions.get({ id: b.session_id! })).data).toMatchObject({ reference_id: "conv-b", datapoints_count: 1 });
    await expect(hl.sessions.get({ id: "sesh_nope" })).rejects.toMatchObject({ status: 404 });
    const projectId = server.log("a1")!.project_id!;
    const list = await hl.sessions.list({ projectId, size: 1, page: 1 });
    expect(list.data).toMatchObject({ total: 2, page: 1, size: 1 });
    expect(list.data.records.map((s) => s.id)).toEqual([b.session_id]);
    expect(list.hasNext()).toBe(true);
    expect((await hl.sessions.list({ projectId, size: 1, page: 2 })).data.records.map((s) => s.id)).toEqual([a.id]);
  });

  it("POST /v4/sessions with no body and a form Content-Type (as the SDK sends it) makes a session", async () => {
    const res = await fetch(`${server.url}/sessions`, { method: "POST", headers: { "x-api-key": server.apiKey, "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(200);
    expect(server.sessions().map((s) => s.id)).toEqual([((await res.json()) as { id: string }).id]);
  });
});
