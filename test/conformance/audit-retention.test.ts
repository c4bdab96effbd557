/**
 * Audit retention on the real server: `--audit-retention` (or LARKSTATUS_AUDIT_RETENTION) bounds
 * how long entries are kept, and the background pruner (which runs at start, then every minute)
 * deletes the older ones; with the default (30 days) they stay.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT, startServerProcess, tempDb } from "./server-process.js";

const SEED = `${ROOT}/test/fixtures/seed.yaml`;
const TOKEN = "lsa_audit-retention-test-token-000000000000000";

async function entries(base: string): Promise<number> {
  const res = await fetch(`${base}/admin/v1/audit?limit=500`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

test("entries older than the retention are pruned in the background; the default keeps them", async () => {
  const db = tempDb();
  try {
    const first = await startServerProcess(["--db", db, "--seed", SEED, "--admin-token", TOKEN]);
    let seeded: number;
    try {
      seeded = await entries(first.url);
      assert.ok(seeded > 0, "the seed wrote entries");
    } finally {
      assert.equal(await first.stop(), 0);
    }
    await sleep(1100);
    const kept = await startServerProcess(["--db", db, "--admin-token", TOKEN]);
    try {
      await sleep(200);
      assert.equal(await entries(kept.url), seeded, "30 days by default");
    } finally {
      assert.equal(await kept.stop(), 0);
    }
    const pruned = await startServerProcess(["--db", db, "--admin-token", TOKEN], 20_000, { LARKSTATUS_AUDIT_RETENTION: "1s" });
    try {
      const deadline = Date.now() + 10_000;
      while ((await entries(pruned.url)) > 0 && Date.now() < deadline) await sleep(50);
      assert.equal(await entries(pruned.url), 0, "every entry is older than 1 s");
      assert.equal((await fetch(`${pruned.url}/healthz`)).status, 200);
    } finally {
      assert.equal(await pruned.stop(), 0);
    }
  } finally {
    rmSync(dirname(db.slice("sqlite:".length)), { recursive: true, force: true });
  }
});
