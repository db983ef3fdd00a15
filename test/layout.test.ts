import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The one-way arrows of the layout (README, "Development"): each room names the
 * rooms its files may import from. A room is the longest matching prefix.
 * The entry (`src/*.ts`) may import anything; tests, benches and examples are
 * not checked.
 */
const ROOMS: Record<string, readonly string[]> = {
  "src/core/": ["src/core/"],
  "src/tracing/": ["src/core/", "src/tracing/"],
  "src/feedback/": ["src/core/", "src/feedback/", "exporters/humanloop/"],
  "instrumentations/": ["src/core/", "instrumentations/"],
  "exporters/": ["src/core/", "exporters/"],
  "server/": ["src/core/", "server/", "exporters/humanloop/mapping/", "exporters/humanloop/span-filter.", "exporters/humanloop/types."],
  "testing/": ["src/core/", "server/", "testing/"],
  "bridge/": ["src/core/", "exporters/", "server/otlp/", "bridge/"],
};

const root = fileURLToPath(new URL("../", import.meta.url));

function roomOf(file: string): string | undefined {
  return Object.keys(ROOMS)
    .filter((room) => file.startsWith(room))
    .sort((a, b) => b.length - a.length)[0];
}

function sourceFiles(dir: string): string[] {
  const full = path.join(root, dir);
  return readdirSync(full).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|mts|cts)$/.test(name) && !name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** Every module specifier a file names: static imports, re-exports, `import()` and `require()`. */
export function specifiersOf(text: string, fileName: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if ((isImport || isRequire) && first && ts.isStringLiteralLike(first)) found.push(first.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The imports of `file` (repo-relative) that its room may not make, as "file -> target". */
export function forbiddenImports(file: string, text: string): string[] {
  const room = roomOf(file);
  if (!room) return [];
  const allowed = ROOMS[room]!;
  return specifiersOf(text, file)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
    .filter((target) => !allowed.some((prefix) => target.startsWith(prefix)))
    .map((target) => `${file} -> ${target}`);
}

describe("layout: imports run one way", () => {
  const files = ["src", "instrumentations", "exporters", "server", "testing", "bridge"].flatMap(sourceFiles);

  it("finds the rooms' files", () => {
    for (const room of Object.keys(ROOMS)) expect(files.some((f) => roomOf(f) === room), room).toBe(true);
  });

  it("every room imports only what it may", () => {
    const violations = files.flatMap((file) => forbiddenImports(file, readFileSync(path.join(root, file), "utf8")));
    expect(violations).toEqual([]);
  });

  it("the rule catches what it should", () => {
    expect(forbiddenImports("instrumentations/openai/x.ts", `import { a } from "../../src/tracing/traced.js";`)).toEqual([
      "instrumentations/openai/x.ts -> src/tracing/traced.js",
    ]);
    expect(forbiddenImports("exporters/humanloop/x.ts", `export * from "../../src/register.js";`)).toHaveLength(1);
    expect(forbiddenImports("exporters/humanloop/x.ts", `const m = await import("../../server/store.js");`)).toHaveLength(1);
    expect(forbiddenImports("src/core/x.ts", `import type { T } from "../options.js";`)).toHaveLength(1);
    expect(forbiddenImports("src/core/x.ts", `type T = import("../../exporters/humanloop/types.js").LogRequest;`)).toHaveLength(1);
    expect(forbiddenImports("src/core/x.ts", `const r = require("../feedback/feedback.js");`)).toHaveLength(1);
    expect(forbiddenImports("src/core/x.ts", `import { a } from "./attributes.js"; import "@opentelemetry/api";`)).toEqual([]);
    expect(forbiddenImports("instrumentations/openai/x.ts", `import { a } from "../../src/core/attributes.js";`)).toEqual([]);
    expect(forbiddenImports("src/register.ts", `import { a } from "../server/store.js";`)).toEqual([]);
    expect(forbiddenImports("bridge/x.ts", `import { a } from "../server/store.js";`)).toHaveLength(1);
    expect(forbiddenImports("bridge/x.ts", `import { a } from "../server/otlp/decode.js"; import { b } from "../exporters/humanloop/delivery.js";`)).toEqual([]);
  });
});
