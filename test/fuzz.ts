/** What the fuzz tests (test/api/fuzz.test.ts, test/admin/fuzz.test.ts) share: a seeded PRNG and a walk of JSON. */

/** mulberry32: a small deterministic PRNG, so a failing round can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Json = Record<string, unknown>;

/** Every object inside `v` (itself included), for mutations at any depth. */
export function objects(v: unknown, out: Json[] = []): Json[] {
  if (v !== null && typeof v === "object") {
    if (!Array.isArray(v)) out.push(v as Json);
    for (const x of Object.values(v)) objects(x, out);
  }
  return out;
}
