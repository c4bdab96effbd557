/**
 * Audit retention (runs on both drivers): AuditLog.prune deletes what is older than the retention
 * by the injected clock, PRUNE_BATCH entries per store call (one short transaction each), and the
 * background pruner starts, runs and stops cleanly.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuditLog, PRUNE_BATCH } from "../../src/domain/audit.js";
import { ManualClock } from "../../src/domain/clock.js";
import type { Store } from "../../src/storage/store.js";
import { T0, testStore } from "../helpers.js";

const DAY = 86_400_000;

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await testStore();
  try {
    await store.migrate();
    await fn(store);
  } finally {
    await store.close();
  }
}

async function fill(store: Store, n: number, at: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, () =>
        store.appendAudit({ at_ms: at, tenant_key: "a1b2c3d4e5f60718", actor: "seed", op: "x.y" }),
      ),
    );
  }
}

test("prune: everything older than the retention goes, in batches of PRUNE_BATCH; newer entries stay", async () => {
  await withStore(async (store) => {
    const clock = new ManualClock(T0);
    await fill(store, 2 * PRUNE_BATCH + 7, T0 - 31 * DAY);
    await fill(store, 3, T0 - 30 * DAY); // exactly at the bound: kept
    await fill(store, 4, T0 - DAY);
    const calls: number[] = [];
    let bound = T0 - 30 * DAY;
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "pruneAudit") {
          return async (before: number, max: number) => {
            const n = await target.pruneAudit(before, max);
            assert.equal(before, bound, "now comes from the injected clock");
            calls.push(n);
            return n;
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const log = new AuditLog({ store: counting, clock });
    assert.equal(await log.prune(30 * DAY), 2 * PRUNE_BATCH + 7);
    assert.deepEqual(calls, [PRUNE_BATCH, PRUNE_BATCH, 7]);
    assert.equal((await store.listAudit({}, 500)).entries.length, 7);
    // The clock moves: the next pass takes what has aged since.
    clock.advance(DAY + 1);
    bound += DAY + 1;
    assert.equal(await log.prune(30 * DAY), 3);
    assert.deepEqual(
      (await store.listAudit({}, 500)).entries.map((e) => e.at_ms),
      [T0 - DAY, T0 - DAY, T0 - DAY, T0 - DAY],
    );
  });
});

test("the background pruner runs at start and stops cleanly (waiting for a pass in progress)", async () => {
  await withStore(async (store) => {
    const clock = new ManualClock(T0);
    await fill(store, 5, T0 - 2 * DAY);
    const log = new AuditLog({ store, clock });
    const errors: unknown[] = [];
    log.startPruning(DAY, (e) => errors.push(e), 60_000);
    const deadline = Date.now() + 5000;
    while ((await store.listAudit({}, 10)).entries.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await store.listAudit({}, 10)).entries.length, 0);
    await log.stopPruning();
    assert.deepEqual(errors, []);
  });
});
