import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    openai: "instrumentations/openai/index.ts",
    anthropic: "instrumentations/anthropic/index.ts",
    "openai-agents": "instrumentations/openai-agents/index.ts",
    testing: "testing/index.ts",
    "server-cli": "server/cli.ts",
    bridge: "bridge/index.ts",
    "bridge-cli": "bridge/cli.ts",
    hook: "src/hook.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
  platform: "node",
  splitting: true,
  shims: false,
  // Keep `node:` specifiers: `node:sqlite` (the server's store) exists only under that name.
  removeNodeProtocol: false,
  // Rollup (not sucrase) splits the CommonJS build, so `?.` and `??` stay native there too (sucrase turns them into helper calls).
  treeshake: true,
});
