import { it, expect } from "vitest";
import { inputsOf, paramNamesOf } from "../src/tracing/param-names.js";

const names = (fn: Function) => paramNamesOf(fn).map((p) => (p.rest ? `...${p.name ?? "?"}` : (p.name ?? "?")));

it("reads parameter names from every function form", () => {
  expect(names(function f(a: number, b: string) { return [a, b]; })).toEqual(["a", "b"]);
  expect(names(async (query: string, limit = 10) => [query, limit])).toEqual(["query", "limit"]);
  expect(names((x: number) => x)).toEqual(["x"]);
  expect(names(new Function("single", "return single"))).toEqual(["single"]);
  expect(names(function* gen(seed: number) { yield seed; })).toEqual(["seed"]);
  expect(names(async function* agen(a: number, ...rest: number[]) { yield a + rest.length; })).toEqual(["a", "...rest"]);
  const obj = { method(p1: string, /* note, with (parens) */ p2: { x: number } = { x: Math.max(1, 2) }) { return [p1, p2]; } };
  expect(names(obj.method)).toEqual(["p1", "p2"]);
  expect(names(({ a }: { a: number }, [b]: number[]) => a + b!)).toEqual(["?", "?"]);
  expect(names(function strings(a = "),(", b = `x${"y"}`) { return a + b; })).toEqual(["a", "b"]);
  expect(names(Math.max)).toEqual([]);
  expect(names(class { constructor(public a: number) {} })).toEqual(["a"]);
  // A parameter whose name starts with "async" is not an async arrow.
  expect(names(new Function("return asyncValue => asyncValue")() as Function)).toEqual(["asyncValue"]);
  expect(names(new Function("return async => async")() as Function)).toEqual(["async"]);
  expect(names(new Function("return async value => value")() as Function)).toEqual(["value"]);
});

it("builds inputs by name, rest as an array, unnamed and extra arguments by position", () => {
  expect(inputsOf(function f(a: number, ...more: number[]) { return a + more.length; }, [1, 2, 3])).toEqual({ a: 1, more: [2, 3] });
  expect(inputsOf(function f(a: number) { return a; }, [1, "extra"])).toEqual({ a: 1, arg1: "extra" });
  expect(inputsOf(({ id }: { id: string }) => id, [{ id: "x" }])).toEqual({ arg0: { id: "x" } });
  expect(inputsOf(function f(a?: number, b?: number) { return [a, b]; }, [1])).toEqual({ a: 1 });
});
