import { describe, expect, it } from "vitest";
import { fastTextMessages } from "../exporters/humanloop/mapping/fast-messages.js";
import { fromGenAIMessages } from "../exporters/humanloop/mapping/messages.js";
import { rfc3339 } from "../exporters/humanloop/mapping/log-request.js";
import { hrTimeToMilliseconds } from "../src/core/otel-sdk.js";

/** The mapping's cheap paths give exactly what the general ones give. */

/** What the general path makes of `raw` (the mapping's `jsonAttr` + `fromGenAIMessages`). */
function general(raw: string) {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  return fromGenAIMessages(value);
}

describe("fastTextMessages", () => {
  const texts = ["hi", "", 'a "quoted" word', "back\\slash\\", "line\nbreak\ttab", "é ü 😀 \u2028", "ends with \\", '"}]', "\u0001"];
  const roles = ["user", "assistant", "system", "developer", "model", "tool", "function", "toString", "__proto__", "odd\"role"];

  it("matches the general path on text-only messages", () => {
    for (const content of texts) {
      for (const role of roles) {
        const raw = JSON.stringify([
          { role, parts: [{ type: "text", content }] },
          { role: "assistant", parts: [{ type: "text", content }], finish_reason: "stop" },
        ]);
        const fast = fastTextMessages(raw);
        expect(fast, raw).toBeDefined();
        expect(fast).toEqual(general(raw));
      }
    }
    expect(fastTextMessages("[]")).toEqual([]);
  });

  it("declines every other shape (the general path takes it)", () => {
    const others = [
      JSON.stringify([{ role: "user", parts: [{ type: "text", content: "a" }, { type: "text", content: "b" }] }]),
      JSON.stringify([{ role: "user", parts: [{ type: "uri", uri: "https://x/y.png", modality: "image" }] }]),
      JSON.stringify([{ role: "tool", parts: [{ type: "text", content: "a" }], tool_call_id: "c1" }]),
      JSON.stringify([{ role: "user", parts: [{ type: "text", content: "a" }], name: "n" }]),
      JSON.stringify([{ parts: [{ type: "text", content: "a" }], role: "user" }]),
      JSON.stringify([{ role: "user", content: "a" }]),
      JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "a" }], finish_reason: null }]),
      JSON.stringify([{ role: "user", parts: [{ type: "text", content: "a" }] }], null, 1),
      JSON.stringify([{ role: 1, parts: [{ type: "text", content: "a" }] }]),
      '[{"role":"user","parts":[{"type":"text","content":"a"}]},]',
      '[{"role":"user","parts":[{"type":"text","content":"a"}]}{"role":"user","parts":[{"type":"text","content":"a"}]}]',
      '[{"role":"user","parts":[{"type":"text","content":"a\\q"}]}]',
      '[{"role":"user","parts":[{"type":"text","content":"raw\u0001control"}]}]',
      '[{"role":"user","parts":[{"type":"text","content":"unterminated}]}]',
      "[",
      "",
      "{}",
    ];
    for (const raw of others) expect(fastTextMessages(raw), raw).toBeUndefined();
  });
});

describe("rfc3339", () => {
  it("writes what Date.prototype.toISOString writes", () => {
    const times = [0, 1, 999, 1000, 59_999, 60_000, 1_700_000_000_500, 1_700_000_059_999.9, 1_700_000_060_000, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, -1.5, -62_198_755_200_000];
    for (let i = 0; i < 2000; i++) times.push(Math.random() * 4e12);
    for (const ms of times) {
      const seconds = Math.floor(ms / 1000);
      const hr: [number, number] = [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
      const expected = new Date(hrTimeToMilliseconds(hr)).toISOString(); // what the mapping wrote before the cache
      expect(rfc3339(hr), String(ms)).toBe(expected);
    }
  });
});
