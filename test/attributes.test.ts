import { describe, expect, it } from "vitest";
import * as stable from "@opentelemetry/semantic-conventions";
import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { GenAI, Semconv } from "../src/core/attributes.js";

// Every attribute name the semantic-conventions package defines, stable or incubating.
const known = new Set<unknown>(Object.values({ ...incubating, ...stable }));

describe("attribute keys", () => {
  it("every GenAI and general key we emit or read is a name the semantic conventions define", () => {
    const unknown = [...Object.values(GenAI), ...Object.values(Semconv)].filter((key) => !known.has(key));
    expect(unknown).toEqual([]);
  });
});
