import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    openai: "instrumentations/openai/index.ts",
    anthropic: "instrumentations/anthropic/index.ts",
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
  // node:sqlite (the bridge's spool) exists only with its prefix
  removeNodeProtocol: false,
});
