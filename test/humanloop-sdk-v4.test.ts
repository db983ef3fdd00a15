/**
 * PENDING (rename to test/humanloop-sdk-v4.test.ts once the server accepts
 * these): Humanloop's own v4 Node SDK (humanloop 0.5.36, the `humanloop4`
 * alias, with the konfig-axios-fetch-adapter 1.0.9 override) against the
 * bundled server. Today's server refuses `logs.update`/`logs.updateByRef`
 * (their bodies repeat `id` / `referenceId`) and has no `logs.list`,
 * `sessions.get`, `sessions.list` routes. What the SDK sends: docs/humanloop-sdks.md.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Humanloop } from "humanloop4";
import { HumanloopTestServer } from "../testing/index.js";

let server: HumanloopTestServer;
let hl: Humanloop;

beforeAll(async () => {
  server = await HumanloopTestServer.start();
  hl = new Humanloop({ apiKey: server.apiKey, basePath: server.url });
});
afterAll(() => server.close());

describe("Humanloop's v4 SDK against the server", () => {
  it("log, logs.update, logs.updateByRef, sessions.create, feedback, and the read calls", async () => {
    const session = (await hl.sessions.create()).data;
    expect(session.id).toMatch(/^sesh_/);
    const config = { type: "model" as const, model: "gpt-4o", provider: "openai" as const, endpoint: "chat" as const };
    const [parent] = (await hl.log({ project: "sdk4", reference_id: "p", session_id: session.id, config, output: "a" })).data as { id: string; project_id: string }[];
    await hl.log({ project: "sdk4", reference_id: "c", parent_reference_id: "p", session_id: session.id, config, output: "b" });
    await hl.logs.update({ id: parent!.id, output: "a2" });
    await hl.logs.updateByRef({ referenceId: "c", output: "b2", duration: 1.5 });
    await hl.feedback({ type: "rating", value: "good", data_id: parent!.id });
    const page = await hl.logs.list({ projectId: parent!.project_id, size: 10, page: 1 });
    expect(page.data.records.map((l) => l.output).sort()).toEqual(["a2", "b2"]);
    expect((await hl.sessions.get({ id: session.id })).data).toMatchObject({ id: session.id });
    const sessions = await hl.sessions.list({ projectId: parent!.project_id });
    expect(sessions.data.records.map((s) => s.id)).toContain(session.id);
  });
});
