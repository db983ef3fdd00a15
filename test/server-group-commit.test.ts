// Group commit: requests that arrive together share one transaction, each
// in its own savepoint, so each keeps its own all-or-nothing answer.
import { afterEach, beforeEach, expect, it } from "vitest";
import { GroupCommit } from "../server/group-commit.js";
import { HumanloopTestServer } from "../server/server.js";
import { HumanloopStore } from "../server/store.js";

let store: HumanloopStore;
beforeEach(() => {
  store = HumanloopStore.open();
});
afterEach(() => store.close());

it("keeps a kept request, rolls back a refused or failing one, and answers each after the one commit", async () => {
  const commits = new GroupCommit(store.db);
  const order: string[] = [];
  const kept = commits.run(() => (store.ensureProject("a"), { status: 200 }), (r) => r.status < 300);
  const refused = commits.run(() => (store.ensureProject("b"), { status: 422 }), (r) => r.status < 300);
  const failing = commits.run(() => {
    store.ensureProject("c");
    throw new Error("bug");
  });
  const last = commits.run(() => store.ensureProject("d"));
  // Nothing is answered before the group ran and committed.
  void kept.then(() => order.push(`kept, in transaction: ${store.db.isTransaction}`));
  expect(store.allProjects()).toEqual([]);
  expect(await kept).toEqual({ status: 200 });
  expect(await refused).toEqual({ status: 422 });
  await expect(failing).rejects.toThrow("bug");
  expect((await last).name).toBe("d");
  expect(order).toEqual(["kept, in transaction: false"]);
  expect(store.allProjects().map((p) => p.name)).toEqual(["a", "d"]);
});

it("over HTTP: of concurrent requests, the invalid one stores nothing and every other is stored and acknowledged", async () => {
  const server = await HumanloopTestServer.start();
  try {
    const post = (body: unknown) =>
      fetch(`${server.url}/logs`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": server.apiKey }, body: JSON.stringify(body) });
    const log = (i: number) => ({ project: "p", config: { type: "model", model: "m" }, reference_id: `r-${i}`, session_reference_id: "s" });
    const answers = await Promise.all([
      post([log(1), log(2)]),
      post([log(3), { ...log(4), reference_id: "r-1" }]), // duplicate of a log in the other request of the group
      post([log(5)]),
      post([log(6), { ...log(7), parent_reference_id: "r-1" }]),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 422, 200, 200]);
    expect(server.logs().map((l) => l.reference_id).sort()).toEqual(["r-1", "r-2", "r-5", "r-6", "r-7"]);
    expect(server.logs().find((l) => l.reference_id === "r-7")!.parent_id).toBe(server.logs().find((l) => l.reference_id === "r-1")!.id);
    expect(server.sessions()).toHaveLength(1);
  } finally {
    await server.close();
  }
});

it("rejects a group whose database was closed before it ran, without throwing anywhere else", async () => {
  const other = HumanloopStore.open();
  const commits = new GroupCommit(other.db);
  const pending = commits.run(() => other.ensureProject("late"));
  other.close();
  await expect(pending).rejects.toThrow(/not open/);
});
