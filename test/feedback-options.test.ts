import { describe, expect, it } from "vitest";
import { feedback } from "../src/feedback/feedback.js";
import { checkLogRef, toFeedbackItem, toLogFeedback } from "../src/feedback/feedback-options.js";

const REF = "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331";
const NOW = new Date("2025-03-01T10:00:00.000Z");

describe("feedback() input checks at the call site", () => {
  it("rejects a reference that names no log of ours, synchronously, naming the functions that make one", () => {
    for (const bad of ["data_123", "", "0af7651916cd43dd8448eb211c80319c", `${"0".repeat(32)}-b7ad6b7169203331`, 42, undefined, null]) {
      expect(() => feedback(bad as string, { type: "rating", value: "good" })).toThrow(TypeError);
    }
    expect(() => feedback("data_123", { type: "rating", value: "good" })).toThrow(/names no log made by humanloop-otel.*currentLogRef\(\), logRefOf\(\)/);
    expect(checkLogRef(REF, "x")).toBe(REF);
  });

  it("rejects unknown options and names the known ones", () => {
    expect(() => feedback(REF, { type: "rating", value: "good", created_at: "2025-01-01T00:00:00Z" } as never)).toThrow(
      /unknown option "created_at" \(expected type, value, user, createdAt, unset\)/,
    );
    expect(() => feedback(REF, "good" as never)).toThrow(/options must be an object/);
  });

  it("checks value types per feedback type", () => {
    expect(() => feedback(REF, { type: "comment", value: 5 })).toThrow(/"value" of comment feedback must be a string, got number/);
    expect(() => feedback(REF, { type: "rating", value: true })).toThrow(/rating feedback must be a string such as "good"/);
    expect(() => feedback(REF, { type: "rating", value: Number.NaN })).toThrow(TypeError);
    expect(() => feedback(REF, { type: "helpfulness", value: { score: 1 } as never })).toThrow(/a string, a finite number or a boolean, got object/);
    expect(() => feedback(REF, { type: "", value: "x" })).toThrow(/"type" must be a non-empty string/);
    expect(() => feedback(REF, { type: "rating" })).toThrow(/"value" is required for rating feedback/);
    expect(() => feedback(REF, { type: "rating", value: "good", user: 7 as never })).toThrow(/"user" must be a string/);
    expect(() => feedback(REF, { type: "rating", unset: "yes" as never })).toThrow(/"unset" must be a boolean/);
    expect(() => feedback(REF, { type: "comment", value: "x", unset: true })).toThrow(/leave "value" out when unsetting comment/);
  });

  it("accepts createdAt as a Date or an RFC 3339 string, nothing else", () => {
    expect(toFeedbackItem({ type: "rating", value: "good", createdAt: NOW }, "x").created_at).toBe("2025-03-01T10:00:00.000Z");
    expect(toFeedbackItem({ type: "rating", value: "good", createdAt: "2025-03-01T11:00:00+01:00" }, "x").created_at).toBe("2025-03-01T11:00:00+01:00");
    for (const bad of ["2025-03-01", "2025-03-01 10:00:00Z", "yesterday", 1740823200000, new Date("nope")]) {
      expect(() => toFeedbackItem({ type: "rating", value: "good", createdAt: bad }, "x")).toThrow(/createdAt/);
    }
  });

  it("builds the POST /feedback item: built-in and custom types, user, unset, created_at defaulting to now", () => {
    expect(toFeedbackItem({ type: "rating", value: "bad", user: "u-1" }, "x", NOW)).toEqual({
      type: "rating",
      value: "bad",
      user: "u-1",
      created_at: NOW.toISOString(),
    });
    expect(toFeedbackItem({ type: "action", value: "copy", unset: true }, "x", NOW)).toEqual({ type: "action", value: "copy", created_at: NOW.toISOString(), unset: true });
    expect(toFeedbackItem({ type: "rating", unset: true }, "x", NOW)).toEqual({ type: "rating", created_at: NOW.toISOString(), unset: true });
    expect(toFeedbackItem({ type: "helpfulness", value: 4 }, "x", NOW)).toMatchObject({ type: "helpfulness", value: 4 });
    expect(toFeedbackItem({ type: "resolved", value: true }, "x", NOW)).toMatchObject({ type: "resolved", value: true });
  });

  it("checks feedback given with the log ({ type, value } or a list)", () => {
    expect(toLogFeedback({ type: "rating", value: "good" }, "f")).toEqual([{ type: "rating", value: "good" }]);
    expect(toLogFeedback([{ type: "rating", value: "good" }, { type: "comment", value: "ok" }], "f")).toHaveLength(2);
    expect(() => toLogFeedback([{ type: "rating", value: "good" }, { type: "comment", value: "ok", user: "u" }], "f")).toThrow(/f\[1\]: unknown option "user"/);
    expect(() => toLogFeedback({ type: "rating" }, "f")).toThrow(/"value" is required/);
  });
});
