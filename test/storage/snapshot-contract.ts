/**
 * The storage contract of snapshots (the emulator's reset and named snapshots), run unchanged on
 * every driver (test/storage/sqlite.test.ts, postgres.test.ts): a restore gives back every table's
 * rows exactly as saved, whatever happened since; audit ids keep increasing after it; what the
 * store caches follows it; `reset` also drops tokens and the other snapshots; a restore that fails
 * half way leaves the state as it was; a schema change without its snap_ twin stops the store.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AuditRecord } from "../../src/domain/audit.js";
import { deriveOpenId } from "../../src/domain/ids.js";
import { type App, type SystemStatus, snapshotOf, type Tenant, withDefaults } from "../../src/domain/model.js";
import { tokenHash } from "../../src/domain/secrets.js";
import type { StatusWriteResult, Store, UserInput } from "../../src/storage/store.js";

/** What a driver gives this suite to look at and break its own database. */
export interface SnapshotHooks {
  /** Every row of every state table, each table's rows in a stable order: what "exactly" compares. */
  dump(store: Store): Promise<Record<string, unknown[]>>;
  /** Makes every later INSERT into `table` fail (a trigger). */
  failInsertsOf(store: Store, table: string): Promise<void>;
  /** Adds a column to `table` (not to its snap_ table), as a careless migration would. */
  addColumn(store: Store, table: string): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const T0_S = T0 / 1000;
const TA = "aaaaaaaaaaaaaaaa";
const TB = "bbbbbbbbbbbbbbbb";
const A1 = "cli_aaaaaaaaaaaaaaa1";
const B1 = "cli_bbbbbbbbbbbbbbb1";
const S1 = "7000000000000000001";
const S2 = "7000000000000000002";
const S3 = "7000000000000000003";

const tenant = (key: string, name: string): Tenant => ({ tenant_key: key, name, api_enabled: true, sensitive_words: ["x"] });
const app = (appId: string, tenantKey: string): App => ({
  app_id: appId,
  tenant_key: tenantKey,
  secret_hash: `scrypt$1024$8$1$salt-of-${appId}$hash`,
  scopes: ["personal_settings:status:system_status_operate"],
  enabled: true,
  visibility: "all",
  developer: `dev-${tenantKey}`,
});
const user = (appId: string, tenantKey: string, userId: string, over: Partial<UserInput> = {}): UserInput => ({
  user_id: userId,
  name: `Name of ${userId}`,
  resigned: false,
  open_ids: { [appId]: deriveOpenId(appId, tenantKey, userId) },
  union_ids: { [`dev-${tenantKey}`]: `on_${userId.padEnd(32, "0")}` },
  sync_off: [],
  ...over,
});
const status = (id: string, title: string, priority: number): SystemStatus => ({
  system_status_id: id,
  ...withDefaults({ title, icon_key: "Coffee", priority }),
});
const token = (n: number, appId = A1, tenantKey = TA) => ({
  token_hash: tokenHash(`t-${tenantKey}-${n}`),
  sealed: `sealed-${n}`,
  kind: "tenant" as const,
  app_id: appId,
  tenant_key: tenantKey,
  issued_at: T0 + n,
  expires_at: T0 + 7_200_000,
});
const entry =
  (op: string, at = T0) =>
  () => ({ at_ms: at, tenant_key: TA, actor: "admin" as const, op });
const created = (r: StatusWriteResult) => {
  assert.ok(r.ok, JSON.stringify(r));
  return r.status;
};

/** Two tenants with apps, users and their ids, statuses (one deleted), opens, a toggle, a token, audit entries. */
async function populate(store: Store): Promise<void> {
  await store.upsertTenant(tenant(TA, "Acme"), entry("seed.tenant"));
  await store.upsertTenant(tenant(TB, "Globex"));
  await store.upsertApp(app(A1, TA), entry("seed.app"));
  await store.upsertApp(app(B1, TB));
  await store.upsertUsers(TA, [user(A1, TA, "u1"), user(A1, TA, "u2", { sync_off: [S1] }), user(A1, TA, "u3")]);
  await store.upsertUsers(TB, [user(B1, TB, "g1")]);
  const s1 = created(await store.createStatus(TA, status(S1, "Trip", 1), T0, 10, entry("status.create")));
  created(await store.createStatus(TA, status(S2, "Leave", 2), T0, 10));
  created(await store.createStatus(TB, status(S3, "Away", 1), T0, 10));
  assert.equal(await store.deleteStatus(TA, S2, T0 + 1), true);
  await store.openUserStatuses(TA, S1, snapshotOf(s1), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0, entry("open"));
  await store.closeUserStatuses(TA, S1, ["u1"], T0 + 2);
  await store.openUserStatuses(TA, S1, snapshotOf(s1), [{ user_id: "u3", end_time: T0_S + 60 }], A1, T0 + 3);
  assert.equal(await store.setSyncPref(TA, "u1", S1, false), "ok");
  await store.insertToken(token(1));
}

/** Changes to every table: what a restore has to undo. */
async function mess(store: Store): Promise<void> {
  const s1 = await store.getStatus(TA, S1, false);
  assert.ok(s1);
  await store.upsertTenant({ ...tenant(TA, "Acme renamed"), api_enabled: false }, entry("tenant.patch", T0 + 10));
  await store.updateApp(A1, { enabled: false, scopes: [] }, true);
  await store.putUser(TA, { user_id: "u9", name: "New", resigned: false }, entry("user.put", T0 + 11));
  await store.upsertUsers(TA, [user(A1, TA, "u2", { name: "Renamed", sync_off: [] })]);
  created(await store.updateStatus(TA, { ...status(S1, "Trip v2", 5) }, T0 + 12, entry("status.patch", T0 + 12)));
  created(await store.createStatus(TA, status("7000000000000000004", "Fresh", 3), T0 + 13, 10));
  const v2 = await store.getStatus(TA, S1, false);
  assert.ok(v2);
  await store.openUserStatuses(TA, S1, snapshotOf(v2), [{ user_id: "u2", end_time: T0_S + 99 }], A1, T0 + 14);
  await store.closeUserStatuses(TA, S1, ["u3"], T0 + 15);
  assert.equal(await store.setSyncPref(TA, "u3", S1, false), "ok");
  await store.insertToken(token(2));
  assert.equal(await store.deleteTenant(TB, entry("tenant.delete", T0 + 16)), true);
  await store.appendAudit({ at_ms: T0 + 17, tenant_key: TA, actor: "app", op: "extra" });
  assert.ok((await store.pruneAudit(T0 + 1, 1)) >= 1, "pruned the oldest entry");
}

async function allAudit(store: Store): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let after: { at_ms: number; id: number } | undefined;
  for (;;) {
    const page = await store.listAudit({}, 500, after);
    out.push(...page.entries);
    if (!page.next) return out;
    after = page.next;
  }
}

export function snapshotContract(name: string, makeStore: () => Promise<Store>, hooks: SnapshotHooks): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore();
    await store.migrate();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`snapshot contract: ${name}`, () => {
    test(
      "save, list by name, replace a name, delete; unknown names change nothing",
      withStore(async (store) => {
        await populate(store);
        const rows = Object.values(await hooks.dump(store)).reduce((n, t) => n + t.length, 0);
        assert.deepEqual(await store.saveSnapshot("b", T0), { name: "b", created_ms: T0, rows });
        assert.deepEqual(await store.saveSnapshot("a", T0 + 5), { name: "a", created_ms: T0 + 5, rows });
        assert.deepEqual(await store.listSnapshots(), [
          { name: "a", created_ms: T0 + 5, rows },
          { name: "b", created_ms: T0, rows },
        ]);
        // Saving a name that exists replaces that snapshot: its time and its rows (rows added since,
        // and rows gone since: a whole tenant).
        await store.insertToken(token(7));
        assert.equal(await store.deleteTenant(TB), true);
        const second = await hooks.dump(store);
        const rows2 = Object.values(second).reduce((n, t) => n + t.length, 0);
        assert.ok(rows2 < rows);
        assert.deepEqual(await store.saveSnapshot("b", T0 + 9), { name: "b", created_ms: T0 + 9, rows: rows2 });
        assert.deepEqual(
          (await store.listSnapshots()).map((s) => [s.name, s.rows]),
          [
            ["a", rows],
            ["b", rows2],
          ],
        );
        const before = await hooks.dump(store);
        assert.equal(await store.restoreSnapshot("nope"), undefined);
        assert.equal(await store.deleteSnapshot("nope"), false);
        assert.deepEqual(await hooks.dump(store), before);
        assert.equal(await store.deleteSnapshot("a"), true);
        assert.deepEqual(
          (await store.listSnapshots()).map((s) => s.name),
          ["b"],
        );
        assert.equal(await store.restoreSnapshot("a"), undefined, "a deleted snapshot is gone");
        assert.equal(await store.deleteSnapshot("a"), false);
        // The replaced "b" restores what it saved last (token 7 in, tenant B out), from any state.
        await store.upsertTenant(tenant(TA, "Renamed again"));
        await store.upsertTenant(tenant(TB, "Globex again"));
        await store.insertToken(token(8));
        await store.appendAudit({ at_ms: T0 + 30, tenant_key: TA, actor: "app", op: "later" });
        assert.equal(await store.restoreSnapshot("b"), rows2);
        assert.deepEqual(await hooks.dump(store), second);
        assert.ok(await store.getToken(token(7).token_hash));
      }),
    );

    test(
      "a restore gives back every table's rows exactly as saved, whatever changed since",
      withStore(async (store) => {
        await populate(store);
        const saved = await hooks.dump(store);
        for (const [table, rows] of Object.entries(saved)) {
          if (table !== "status_snapshots") assert.ok(rows.length > 0, `the populated state has rows in ${table}`);
        }
        const info = await store.saveSnapshot("s", T0);
        await mess(store);
        const messed = await hooks.dump(store);
        for (const table of [
          "tenants",
          "apps",
          "users",
          "open_ids",
          "statuses",
          "user_statuses",
          "sync_prefs",
          "tokens",
          "audit",
        ]) {
          assert.notDeepEqual(messed[table], saved[table], `the changes reached ${table}`);
        }
        assert.equal(await store.restoreSnapshot("s"), info.rows);
        assert.deepEqual(await hooks.dump(store), saved);
        // And the restored state is the live one: reads, writes and the invariants work on it.
        assert.equal((await store.getTenant(TB))?.name, "Globex");
        assert.equal((await store.getStatus(TA, S2, true))?.deleted_at, T0 + 1);
        assert.equal(await store.getStatus(TA, S2, false), undefined);
        const conflict = await store.createStatus(TA, status("7000000000000000005", "Trip", 9), T0, 10);
        assert.deepEqual(conflict, { ok: false, conflict: "duplicate_name" });
        // Restoring twice is the same.
        assert.equal(await store.restoreSnapshot("s"), info.rows);
        assert.deepEqual(await hooks.dump(store), saved);
        // The snapshot itself did not change with the state.
        assert.deepEqual((await store.listSnapshots())[0], info);
      }),
    );

    test(
      "audit ids keep increasing after a restore: an entry written later never reuses one",
      withStore(async (store) => {
        await populate(store);
        await store.saveSnapshot("s", T0);
        for (let i = 0; i < 5; i++)
          await store.appendAudit({ at_ms: T0 + 100 + i, tenant_key: TA, actor: "app", op: `later${i}` });
        const highest = Math.max(...(await allAudit(store)).map((e) => e.id));
        await store.restoreSnapshot("s");
        assert.ok(Math.max(...(await allAudit(store)).map((e) => e.id)) < highest - 4, "the later entries are gone");
        await store.appendAudit({ at_ms: T0 + 200, tenant_key: TA, actor: "app", op: "after" });
        const [newest] = await allAudit(store);
        assert.equal(newest?.op, "after");
        assert.ok((newest?.id as number) > highest, `id ${newest?.id} is past every id handed out (${highest})`);
      }),
    );

    test(
      "what the store caches follows a restore (tokens, apps, tenants, statuses, resolved ids)",
      withStore(async (store) => {
        await populate(store);
        await store.saveSnapshot("s", T0);
        const a1 = (await store.getApp(A1)) as App;
        const resolve = (a: App) => store.resolveUserIds(a, "open_id", [deriveOpenId(A1, TA, "u1")]);
        // Warm every cache with the saved state.
        assert.ok(await store.getToken(token(1).token_hash));
        assert.equal((await store.getStatus(TA, S1, false))?.title, "Trip");
        assert.equal((await resolve(a1))[0]?.kind, "user");
        // Change it, and read again (the caches now hold the changed state).
        await store.updateApp(A1, { enabled: false }, true);
        await store.upsertTenant({ ...tenant(TA, "Acme renamed") });
        created(await store.updateStatus(TA, status(S1, "Trip v2", 1), T0 + 1));
        await store.deleteTenant(TB);
        await store.insertToken(token(3));
        assert.equal(await store.getToken(token(1).token_hash), undefined);
        assert.ok(await store.getToken(token(3).token_hash));
        assert.equal((await store.getApp(A1))?.enabled, false);
        assert.equal((await store.getTenant(TA))?.name, "Acme renamed");
        assert.equal((await store.getStatus(TA, S1, false))?.title, "Trip v2");
        assert.equal(await store.getTenant(TB), undefined);
        await store.restoreSnapshot("s");
        assert.ok(await store.getToken(token(1).token_hash), "the saved token is back");
        assert.equal(await store.getToken(token(3).token_hash), undefined, "the later token is gone");
        assert.equal((await store.tokenOwner(token(1).token_hash))?.app?.enabled, true);
        assert.equal((await store.getApp(A1))?.enabled, true);
        assert.equal((await store.getTenant(TA))?.name, "Acme");
        assert.equal((await store.getTenant(TB))?.name, "Globex");
        assert.equal((await store.getStatus(TA, S1, false))?.title, "Trip");
        assert.equal((await store.userStatuses(TA, "u3"))[0]?.snapshot.title, "Trip");
        assert.equal((await resolve(a1))[0]?.kind, "user");
        const b1 = (await store.getApp(B1)) as App;
        assert.equal((await store.resolveUserIds(b1, "user_id", ["g1"]))[0]?.kind, "user");
      }),
    );

    test(
      "reset: the same restore, and every token and every other snapshot go in the same transaction",
      withStore(async (store) => {
        await populate(store);
        const base = await store.saveSnapshot("@base", T0);
        const saved = await hooks.dump(store);
        await mess(store);
        await store.saveSnapshot("other", T0 + 20);
        assert.equal(await store.restoreSnapshot("@base", { reset: true }), base.rows - (saved.tokens?.length ?? 0));
        assert.deepEqual(await hooks.dump(store), { ...saved, tokens: [] });
        assert.deepEqual(
          (await store.listSnapshots()).map((s) => s.name),
          ["@base"],
        );
        assert.equal(await store.restoreSnapshot("other"), undefined, "its rows went with it");
        // The baseline itself still holds its token: a plain restore brings it back.
        await store.restoreSnapshot("@base");
        assert.deepEqual(await hooks.dump(store), saved);
      }),
    );

    test(
      "a restore that fails half way leaves the state as it was (one transaction)",
      withStore(async (store) => {
        await populate(store);
        await store.saveSnapshot("s", T0);
        await mess(store);
        const before = await hooks.dump(store);
        const snapshots = await store.listSnapshots();
        // audit is inserted last: every other table has been emptied and refilled when it fails.
        await hooks.failInsertsOf(store, "audit");
        await assert.rejects(store.restoreSnapshot("s"), /refused by the test/);
        await assert.rejects(store.restoreSnapshot("s", { reset: true }), /refused by the test/);
        assert.deepEqual(await hooks.dump(store), before);
        assert.deepEqual(await store.listSnapshots(), snapshots);
        // And the store serves on: reads see the state as it was, writes still work.
        assert.equal((await store.getTenant(TA))?.name, "Acme renamed");
        assert.equal(await store.getTenant(TB), undefined);
        assert.ok(await store.getToken(token(2).token_hash));
        await store.insertToken(token(4));
        assert.ok(await store.getToken(token(4).token_hash));
      }),
    );

    test(
      "a state table changed without its snap_ table stops the store at start-up, naming both",
      withStore(async (store) => {
        await hooks.addColumn(store, "users");
        await assert.rejects(store.migrate(), /snap_users .*users/);
      }),
    );
  });
}
