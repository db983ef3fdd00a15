// Runs against the built package (npm test builds first): the declaration files of dist/.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The declaration files of the package's public entries (`exports` in package.json), ESM and CommonJS. */
function publicDeclarations(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const files = new Set<string>();
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === "string") {
      if (key === "types") files.add(path.join(root, value));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(pkg.exports);
  return [...files];
}

interface Declarations {
  /** Names exported by the file. */
  exported: Set<string>;
  /** Names the file imports from the build's shared chunks (files that are not public entries), with where from. */
  fromChunks: { name: string; from: string }[];
}

function read(file: string, publicFiles: Set<string>): Declarations {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const exported = new Set<string>();
  const fromChunks: Declarations["fromChunks"] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) exported.add(element.name.text);
    } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      if (!specifier.startsWith(".")) continue;
      const target = path.join(path.dirname(file), specifier).replace(/\.(c?)js$/, ".d.$1ts");
      if (publicFiles.has(target)) continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) fromChunks.push({ name: element.name.text, from: specifier });
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const name = (statement as ts.DeclarationStatement).name;
      if (name && ts.isIdentifier(name)) exported.add(name.text);
    }
  }
  return { exported, fromChunks };
}

describe("the published type declarations", () => {
  it("name no type that only a private chunk exports (a user's declaration emit could not name it: TS2742)", () => {
    const files = publicDeclarations();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(existsSync(file), `${file} missing: run npm run build`).toBe(true);
    const publicFiles = new Set(files);
    const all = files.map((file) => ({ file, ...read(file, publicFiles) }));
    const exportedAnywhere = new Set(all.flatMap((d) => [...d.exported]));
    const unnamed = all.flatMap((d) =>
      d.fromChunks.filter((i) => !exportedAnywhere.has(i.name)).map((i) => `${path.relative(root, d.file)}: ${i.name} (from ${i.from})`),
    );
    expect(unnamed).toEqual([]);
  });
});
