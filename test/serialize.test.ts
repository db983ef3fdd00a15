import { describe, expect, it } from "vitest";
import { toJsonText, toOutputText, toPlainData, truncate } from "../src/core/serialize.js";

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  get norm() {
    return Math.hypot(this.x, this.y);
  }
}

describe("toPlainData", () => {
  it("turns values JSON cannot hold into descriptions without throwing", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    const data = toPlainData({
      circular,
      big: 12345678901234567890n,
      map: new Map([["a", 1]]),
      mixedMap: new Map<unknown, unknown>([[1, "one"]]),
      set: new Set([1, 2]),
      buf: Buffer.from("hello"),
      date: new Date("2026-01-02T03:04:05.000Z"),
      err: new TypeError("bad"),
      fn: function named() {},
      point: new Point(3, 4),
      nan: Number.NaN,
      undef: undefined,
    });
    expect(data).toEqual({
      circular: { name: "loop", self: "[Circular]" },
      big: "12345678901234567890",
      map: { a: 1 },
      mixedMap: [[1, "one"]],
      set: [1, 2],
      buf: "[Buffer 5 bytes]",
      date: "2026-01-02T03:04:05.000Z",
      err: { name: "TypeError", message: "bad" },
      fn: "[Function named]",
      point: { x: 3, y: 4 },
      nan: "NaN",
    });
  });

  it("keeps a repeated (non-circular) reference in both places", () => {
    const shared = { v: 1 };
    expect(toPlainData({ a: shared, b: shared })).toEqual({ a: { v: 1 }, b: { v: 1 } });
  });

  it("survives a throwing getter and a throwing toJSON", () => {
    const weird = {
      ok: 1,
      get boom() {
        throw new Error("no");
      },
    };
    const badJson = { toJSON: () => { throw new Error("x"); }, keep: true };
    expect(toPlainData(weird)).toEqual({ ok: 1, boom: "[Unreadable]" });
    expect(toPlainData(badJson)).toMatchObject({ keep: true });
  });

  it("bounds depth and list length", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = deep.next = {};
    expect(JSON.stringify(toPlainData(root))).toContain("[Object]");
    const long = toPlainData(Array.from({ length: 5000 }, (_, i) => i)) as unknown[];
    expect(long).toHaveLength(1001);
    expect(long[1000]).toBe("…[4000 more items]");
  });
});

describe("truncation", () => {
  it("cuts to exactly the limit with a marker saying how much was dropped", () => {
    const out = truncate("x".repeat(10_000), 100);
    expect(out).toHaveLength(100);
    expect(out).toMatch(/…\[truncated \d+ chars\]$/);
    const dropped = Number(/truncated (\d+)/.exec(out)![1]);
    expect(out.indexOf("…") + dropped).toBe(10_000);
  });

  it("leaves short text alone and serializes outputs", () => {
    expect(truncate("short", 100)).toBe("short");
    expect(toOutputText("plain string")).toBe("plain string");
    expect(toOutputText({ a: 1 })).toBe('{"a":1}');
    expect(toJsonText(undefined)).toBe("null");
    expect(toJsonText("x".repeat(500), 50)).toHaveLength(50);
  });
});
