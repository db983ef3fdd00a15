import { describe, expect, it } from "vitest";
import { resolveExporterOptions } from "../exporters/humanloop/options.js";
import { resolveRegisterOptions } from "../src/options.js";

describe("apiVersion", () => {
  it("defaults to v4 and the v4 URL", () => {
    expect(resolveExporterOptions({}, {})).toMatchObject({ apiVersion: "v4", baseUrl: "https://api.humanloop.com/v4" });
  });

  it("v5 from the option or HUMANLOOP_API_VERSION; the option wins; a /v4 or /v5 base URL follows the version", () => {
    expect(resolveExporterOptions({ apiVersion: "v5" }, {})).toMatchObject({ apiVersion: "v5", baseUrl: "https://api.humanloop.com/v5" });
    expect(resolveExporterOptions({}, { HUMANLOOP_API_VERSION: " V5 ", HUMANLOOP_BASE_URL: "http://127.0.0.1:4010/v4/" })).toMatchObject({
      apiVersion: "v5",
      baseUrl: "http://127.0.0.1:4010/v5",
    });
    expect(resolveExporterOptions({ apiVersion: "v4" }, { HUMANLOOP_API_VERSION: "v5", HUMANLOOP_BASE_URL: "http://h/v5" })).toMatchObject({
      apiVersion: "v4",
      baseUrl: "http://h/v4",
    });
    expect(resolveExporterOptions({ apiVersion: "v5", baseUrl: "http://proxy/humanloop" }, {}).baseUrl).toBe("http://proxy/humanloop");
  });

  it("refuses anything else with a message naming the option and the env var", () => {
    expect(() => resolveExporterOptions({ apiVersion: "v6" as "v5" }, {})).toThrow(/apiVersion must be "v4" or "v5", got "v6" \(option apiVersion or env HUMANLOOP_API_VERSION\)/);
    expect(() => resolveExporterOptions({}, { HUMANLOOP_API_VERSION: "5" })).toThrow(TypeError);
  });

  it("is a register() option passed to the processor", () => {
    expect(resolveRegisterOptions({ apiVersion: "v5" }, {}).humanloop).toEqual({ apiVersion: "v5" });
  });
});
