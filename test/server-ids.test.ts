import { describe, expect, it } from "vitest";
import { newId } from "../server/ids.js";

describe("server ids", () => {
  it("have the documented shape and sort in the order they were made, many per millisecond", () => {
    const ids = Array.from({ length: 100_000 }, () => newId("data"));
    for (const id of ids) expect(id).toMatch(/^data_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Ordered ids append to the unique index's last page (random ones dirty a page per log in every commit).
    expect([...ids].sort()).toEqual(ids);
  });

  it("start with the time they were made", () => {
    const before = Date.now();
    const id = newId("sesh");
    const ms = Number.parseInt(id.slice(5, 17), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});
