/** Server ids: `<prefix>_<24 hex digits>`, in the order they were made. */
import { randomUUID } from "node:crypto";

let lastIdTime = 0;
let idCounter = 0;

/**
 * A new server id with `prefix`, e.g. `data_0193a4f2c81b00007e3d9c5a`: 24 hex
 * digits, the time in milliseconds (12), a counter within the millisecond (4)
 * and random bits (8), so ids made later sort later. Ids are the key of the
 * logs' (and sessions') unique index: ordered ids append to its last page,
 * where random ones would dirty a page of the index per log and write it to
 * the WAL with every commit (about half the cost of a durable ingest).
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now > lastIdTime) {
    lastIdTime = now;
    idCounter = 0;
  } else if (++idCounter > 0xffff) {
    // More than 65,536 ids in one millisecond (or the clock went back): borrow the next millisecond.
    lastIdTime += 1;
    idCounter = 0;
  }
  const random = randomUUID().slice(0, 8);
  return `${prefix}_${lastIdTime.toString(16).padStart(12, "0")}${idCounter.toString(16).padStart(4, "0")}${random}`;
}
