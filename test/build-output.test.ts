import { readdirSync, readFileSync } from "node:fs";
import { it, expect } from "vitest";

// Runs against the built package (npm test builds first). The per-chunk stream
// path uses `?.`: sucrase (tsup's CommonJS splitter) would turn each one into
// an allocating helper call; rollup keeps them native.
it("the CommonJS build keeps optional chaining and nullish coalescing native", () => {
  const files = readdirSync("dist").filter((f) => f.endsWith(".cjs"));
  expect(files.length).toBeGreaterThan(3);
  for (const f of files) {
    const code = readFileSync(`dist/${f}`, "utf8");
    expect(code, f).not.toMatch(/function _optionalChain\(|function _nullishCoalesce\(/);
  }
  expect(readFileSync("dist/openai.cjs", "utf8") + readFileSync("dist/index.cjs", "utf8")).toMatch(/\?\./);
});
