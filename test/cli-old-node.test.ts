// On a Node.js without node:sqlite (before 22.13), the bins say so and exit 2
// instead of crashing on the import. Runs with the machine's own Node when it
// is that old (the repo's Node is 24).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const older = ["/usr/local/bin/node", "/usr/bin/node"].find((path) => {
  if (!existsSync(path)) return false;
  const version = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
  const [major, minor] = version.split(".").map(Number) as [number, number];
  return major < 22 || (major === 22 && minor < 13);
});

it.skipIf(older === undefined)("the server and bridge bins explain that they need Node.js 22.13 for node:sqlite", () => {
  for (const [bin, name] of [
    ["dist/server-cli.js", "humanloop-otel-server"],
    ["dist/bridge-cli.js", "humanloop-otel-bridge"],
  ] as const) {
    const run = spawnSync(older!, [`${root}${bin}`, "--db", ":memory:"], { encoding: "utf8", timeout: 20_000 });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${name}: needs node:sqlite, built into Node\\.js 22\\.13 and later; this is Node\\.js \\d+\\.\\d+\\.\\d+\\. Upgrade Node\\.js\\.\\n$`));
  }
});
