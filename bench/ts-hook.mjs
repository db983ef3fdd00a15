// `node --import ./bench/ts-hook.mjs x.mjs`: lets a script import the TypeScript
// sources directly (Node 24 strips the types), mapping their `./x.js` imports to `./x.ts`.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw error;
    }
  },
});
