/**
 * Prepared read statements on a store's database, made once per SQL text,
 * for the API's read routes (the store's own methods do the writing).
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { HumanloopStore } from "./store.js";

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** A prepared statement on `store`'s database for `text` (reads only). */
export function prepared(store: HumanloopStore, text: string): StatementSync {
  let cache = statements.get(store.db);
  if (!cache) statements.set(store.db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = store.db.prepare(text)));
  return statement;
}
