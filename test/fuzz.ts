/** What the fuzz tests (test/api/fuzz.test.ts, test/admin/fuzz.test.ts) share: a seeded PRNG and a walk of JSON. */

/** mulberry32: a small deterministic PRNG, so a failing round can be replayed from its seed (the fault rules' own). */
export { mulberry32 as prng } from "../src/emulator/prng.js";

export type Json = Record<string, unknown>;

/** Every object inside `v` (itself included), for mutations at any depth. */
export function objects(v: unknown, out: Json[] = []): Json[] {
  if (v !== null && typeof v === "object") {
    if (!Array.isArray(v)) out.push(v as Json);
    for (const x of Object.values(v)) objects(x, out);
  }
  return out;
}
