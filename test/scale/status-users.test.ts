/**
 * The users of a status at scale: 100,000 users with it open (and as many rows of another status,
 * and closed ones, around them) page through by cursor, every user once, each page a short range
 * read of the (tenant, status, user) index on both drivers. Per-page times are printed as
 * diagnostics (a measurement, not an assertion: the bound below only catches a full scan).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ManualClock } from "../../src/domain/clock.js";
import { type SystemStatus, snapshotOf, withDefaults } from "../../src/domain/model.js";
import { UserState } from "../../src/domain/user-state.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL, withPgClient } from "../pg.js";

const T0 = Date.UTC(2026, 0, 1);
const T0_S = T0 / 1000;
const TENANT = "5ca1e00000000002";
const HOLDERS = 100_000;
const PAGE = 500;
const A = "7000000000000000001";
const B = "7000000000000000002";
const C = "7000000000000000003";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (TEST_PG_URL) await dropTestSchemas();
});

function status(id: string, title: string, priority: number): SystemStatus {
  return { system_status_id: id, ...withDefaults({ title, icon_key: "Coffee", priority }) };
}

const userId = (i: number) => `u${String(i).padStart(6, "0")}`;

/**
 * 100,000 holders of A; every other one also holds B (priority 0, so it shows B instead of A);
 * 20,000 more users have A closed and 20,000 have it expired (never listed).
 */
async function populate(store: Store): Promise<void> {
  await store.upsertTenant({ tenant_key: TENANT, name: "Scale", api_enabled: true, sensitive_words: [] });
  const a = await store.createStatus(TENANT, status(A, "A", 1), T0, 10);
  const b = await store.createStatus(TENANT, status(B, "B", 0), T0, 10);
  const c = await store.createStatus(TENANT, status(C, "C", 2), T0, 10);
  assert.ok(a.ok && b.ok && c.ok);
  const open = async (st: typeof a, ids: string[], end: number) => {
    assert.ok(st.ok);
    for (let i = 0; i < ids.length; i += 10_000) {
      const rows = await store.openUserStatuses(
        TENANT,
        st.status.system_status_id,
        snapshotOf(st.status),
        ids.slice(i, i + 10_000).map((user_id) => ({ user_id, end_time: end })),
        "cli_5ca1e00000000002",
        T0,
      );
      assert.ok(rows);
    }
  };
  const holders = Array.from({ length: HOLDERS }, (_, i) => userId(i * 2));
  await open(a, holders, T0_S + 3600);
  await open(
    b,
    holders.filter((_, i) => i % 2 === 0),
    T0_S + 3600,
  );
  // A sparse status: 100 holders spread over the whole user range.
  await open(
    c,
    Array.from({ length: 100 }, (_, i) => userId(i * 2000)),
    T0_S + 3600,
  );
  // Interleaved with the holders by user_id, so every page's range has rows to skip.
  const closed = Array.from({ length: 20_000 }, (_, i) => userId(i * 10 + 1));
  await open(a, closed, T0_S + 3600);
  await store.closeUserStatuses(TENANT, A, closed, T0);
  await open(
    a,
    Array.from({ length: 20_000 }, (_, i) => userId(i * 10 + 3)),
    T0_S + 10,
  );
  await store.refreshStatistics();
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}

async function pageThrough(
  state: UserState,
  shownOnly: boolean,
): Promise<{ users: number; shown: number; pages: number; ms: number[] }> {
  let after: string | undefined;
  let users = 0;
  let shown = 0;
  let pages = 0;
  const ms: number[] = [];
  for (;;) {
    const t = performance.now();
    const page = await state.statusUsers(TENANT, A, { limit: PAGE, afterUserId: after, shownOnly });
    ms.push(performance.now() - t);
    assert.ok(!("refused" in page));
    pages++;
    users += page.items.length;
    shown += page.items.filter((u) => u.shown).length;
    if (page.scanned_to === undefined) break;
    after = page.scanned_to;
  }
  return { users, shown, pages, ms };
}

async function measure(store: Store, diagnostic: (s: string) => void): Promise<void> {
  const clock = new ManualClock((T0_S + 10) * 1000); // the 20,000 rows ending at T0_S + 10 have expired
  const state = new UserState({ store, clock });
  const t = performance.now();
  await populate(store);
  diagnostic(
    `populated ${HOLDERS} holders + ${HOLDERS / 2} rows of another status + 40,000 closed/expired in ${Math.round(performance.now() - t)} ms`,
  );
  const all = await pageThrough(state, false);
  assert.equal(all.users, HOLDERS, "every holder once");
  assert.equal(all.shown, HOLDERS / 2, "half of them show B instead");
  assert.equal(all.pages, HOLDERS / PAGE);
  const shown = await pageThrough(state, true);
  assert.equal(shown.users, HOLDERS / 2);
  assert.equal(shown.pages, HOLDERS / PAGE, "shown=true scans the same candidates");
  const ts = performance.now();
  const sparse = await state.statusUsers(TENANT, C, { limit: PAGE, shownOnly: false });
  assert.ok(!("refused" in sparse));
  assert.equal(sparse.items.length, 100);
  diagnostic(
    `sparse: the 100 holders of a status among ${HOLDERS * 1.9 + 100} rows, one page: ${(performance.now() - ts).toFixed(1)} ms`,
  );
  for (const [name, r] of [
    ["all", all],
    ["shown=true", shown],
  ] as const) {
    const max = Math.max(...r.ms);
    diagnostic(
      `${name}: ${r.pages} pages of ${PAGE}: median ${median(r.ms).toFixed(1)} ms, max ${max.toFixed(1)} ms, total ${Math.round(r.ms.reduce((x, y) => x + y, 0))} ms`,
    );
    // Generous: a page that scanned the tenant's 260,000 rows instead of its range would still fit
    // in a second here; this catches only a page that grows with the whole list.
    assert.ok(max < 2000, `${name}: slowest page ${max} ms`);
  }
}

describe("the users of a status open for 100,000 users", () => {
  test("SQLite file: every holder once, page by page", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "larkstatus-holders-"));
    dirs.push(dir);
    const store = new SqliteStore(`sqlite:${join(dir, "x.db")}`);
    try {
      await store.migrate();
      await measure(store, (s) => t.diagnostic(s));
    } finally {
      await store.close();
    }
  });

  test(
    "PostgreSQL: every holder once, page by page, through the (tenant, status, user) index",
    {
      skip: TEST_PG_URL ? false : "TEST_PG_URL is not set",
    },
    async (t) => {
      const url = await freshPgUrl();
      const store = new PgStore(url, { poolMax: 4 });
      try {
        await store.migrate();
        await measure(store, (s) => t.diagnostic(s));
        const plan = await withPgClient(
          async (c) =>
            (
              await c.query(
                `EXPLAIN SELECT x.user_id FROM user_statuses x
               WHERE x.tenant_key = $1 AND x.system_status_id = $2 AND x.user_id > $3 AND x.open AND x.end_time > $4::bigint
               ORDER BY x.user_id LIMIT 501`,
                [TENANT, A, userId(50_000), T0_S],
              )
            ).rows
              .map((r: Record<string, string>) => r["QUERY PLAN"])
              .join("\n"),
          url,
        );
        assert.match(plan, /user_statuses_status_user/, plan);
      } finally {
        await store.close();
      }
    },
  );
});
