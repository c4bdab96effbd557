/**
 * The storage contract of the audit log, run unchanged on every driver (test/storage/sqlite.test.ts,
 * postgres.test.ts): each write method records the entry its `audit` callback makes in the write's
 * own transaction (and none when the callback says so, or when the write refused), a callback that
 * throws takes the change down with it, and listAudit / pruneAudit / appendAudit.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AuditEntry, AuditRecord } from "../../src/domain/audit.js";
import { deriveOpenId } from "../../src/domain/ids.js";
import { type App, type SystemStatus, snapshotOf, type Tenant, withDefaults } from "../../src/domain/model.js";
import { AUDIT_SCAN_BUDGET } from "../../src/storage/audit-codec.js";
import type { StatusWriteResult, Store, UserInput } from "../../src/storage/store.js";

const T0 = Date.UTC(2026, 0, 1);
const T0_S = T0 / 1000;
const TA = "aaaaaaaaaaaaaaaa";
const TB = "bbbbbbbbbbbbbbbb";
const A1 = "cli_aaaaaaaaaaaaaaa1";
const S1 = "7000000000000000001";
const S2 = "7000000000000000002";

const tenantA: Tenant = { tenant_key: TA, name: "Acme", api_enabled: true, sensitive_words: [] };
const appA1: App = {
  app_id: A1,
  tenant_key: TA,
  secret_hash: "scrypt$1024$8$1$salt$hash",
  scopes: ["personal_settings:status:system_status_operate"],
  enabled: true,
  visibility: "all",
  developer: "devA",
};

function user(userId: string): UserInput {
  return {
    user_id: userId,
    name: userId,
    resigned: false,
    open_ids: { [A1]: deriveOpenId(A1, TA, userId) },
    union_ids: {},
    sync_off: [],
  };
}

function status(id: string, title: string, priority: number): SystemStatus {
  return { system_status_id: id, ...withDefaults({ title, icon_key: "Coffee", priority }) };
}

/** An entry with the fields every test needs, plus `more`. */
function entry(op: string, more: Partial<AuditEntry> = {}): AuditEntry {
  return { at_ms: T0, tenant_key: TA, actor: "app", op, app_id: A1, log_id: `log-${op}`, ...more };
}

/** Every entry of the store, newest first (no filter, all pages). */
async function all(store: Store): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let after: { at_ms: number; id: number } | undefined;
  for (;;) {
    const page = await store.listAudit({}, 500, after);
    out.push(...page.entries);
    if (!page.next) return out;
    after = page.next;
  }
}

/** `record` without its store-made id. */
function body(record: AuditRecord | undefined): Omit<AuditRecord, "id"> {
  assert.ok(record, "expected an entry");
  const { id: _, ...rest } = record;
  return rest;
}

const created = (r: StatusWriteResult) => {
  assert.ok(r.ok, JSON.stringify(r));
  return r.status;
};

export function auditContract(name: string, makeStore: () => Promise<Store>): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore();
    try {
      await store.migrate();
      await store.upsertTenant(tenantA);
      await store.upsertTenant({ ...tenantA, tenant_key: TB, name: "Globex" });
      await store.upsertApp(appA1);
      await store.upsertUsers(TA, [user("u1"), user("u2"), user("u3")]);
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`audit contract: ${name}`, () => {
    test(
      "appendAudit then listAudit: every field back, results decoded in the caller's order, no entry from the unaudited writes",
      withStore(async (store) => {
        const results = [
          { user_id: "ou_x", result: "success_show", end_time: String(T0_S + 60) },
          { user_id: 'bad id \u0000 "quoted"', result: "invalid_user_id", end_time: String(T0_S + 60) },
          { user_id: "ou_y", result: "success_user_close_syn", end_time: String(T0_S + 61) },
          { user_id: "ou_z", result: "success_user_in_higher_priority_system_status", end_time: String(T0_S + 62) },
          { user_id: "ou_w", result: "resign_user_id", end_time: String(T0_S + 63) },
          { user_id: "ou_v", result: "invisible_user_id", end_time: String(T0_S + 64) },
          { user_id: "ou_u", result: "fail", end_time: String(T0_S + 65) },
        ];
        await store.appendAudit(
          entry("system_status.batch_open", { system_status_id: S1, users: ["u1", "u2"], results, change: { k: [1, "二"] } }),
        );
        await store.appendAudit(
          entry("system_status.batch_close", {
            at_ms: T0 + 1,
            system_status_id: S1,
            results: [
              { user_id: "u1", result: "success" },
              { user_id: "u9", result: "a result outside the known set" },
            ],
          }),
        );
        await store.appendAudit({ at_ms: T0 + 2, tenant_key: TA, actor: "admin", op: "tenant.patch" });
        const got = await all(store);
        assert.equal(got.length, 3, "the directory writes above passed no callback: no entry");
        assert.deepEqual(
          body(got[2]),
          body({ id: 0, ...entry("system_status.batch_open", { system_status_id: S1, results, change: { k: [1, "二"] } }) }),
        );
        assert.deepEqual(got[1]?.results, [
          { user_id: "u1", result: "success" },
          { user_id: "u9", result: "a result outside the known set" },
        ]);
        assert.deepEqual(body(got[0]), { at_ms: T0 + 2, tenant_key: TA, actor: "admin", op: "tenant.patch" });
        assert.ok((got[0]?.id as number) > (got[1]?.id as number) && (got[1]?.id as number) > (got[2]?.id as number));
      }),
    );

    test(
      "each write records the entry of its result, in its own transaction; a refusal or undefined records none",
      withStore(async (store) => {
        const seen: string[] = [];
        const cb =
          <R>(op: string, when: (r: R) => boolean = () => true) =>
          (r: R) => {
            seen.push(`${op}:${JSON.stringify(r instanceof Map ? [...r] : r) ?? "void"}`);
            return when(r) ? entry(op) : undefined;
          };
        await store.upsertTenant({ ...tenantA, name: "Acme 2" }, cb("upsertTenant"));
        assert.equal(
          await store.insertTenant(
            { ...tenantA, tenant_key: "cccccccccccccccc" },
            cb("insertTenant", (r) => r),
          ),
          true,
        );
        assert.equal(
          await store.insertTenant(
            tenantA,
            cb("insertTenant.taken", (r) => r),
          ),
          false,
        );
        await store.upsertApp({ ...appA1, enabled: false }, cb("upsertApp"));
        await store.upsertUsers(TA, [user("u4")], cb("upsertUsers"));
        const a = created(
          await store.createStatus(
            TA,
            status(S1, "A", 1),
            T0,
            10,
            cb("createStatus", (r) => r.ok),
          ),
        );
        assert.deepEqual(
          await store.createStatus(
            TA,
            status(S2, "A", 2),
            T0,
            10,
            cb("createStatus.conflict", (r) => r.ok),
          ),
          { ok: false, conflict: "duplicate_name" },
        );
        created(
          await store.updateStatus(
            TA,
            status(S1, "A2", 1),
            T0 + 1,
            cb("updateStatus", (r) => r.ok),
          ),
        );
        const rows = await store.openUserStatuses(
          TA,
          S1,
          snapshotOf(a),
          [{ user_id: "u1", end_time: T0_S + 60 }],
          A1,
          T0,
          cb("openUserStatuses"),
        );
        assert.ok(rows);
        await store.closeUserStatuses(TA, S1, ["u1"], T0, cb("closeUserStatuses"));
        created(await store.createStatus(TA, status(S2, "B", 2), T0, 10));
        assert.equal(await store.deleteStatus(TA, S2, T0, cb("deleteStatus")), true);
        assert.equal(await store.deleteStatus(TA, S2, T0, cb("deleteStatus.gone")), false);
        // A status that is not live: nothing written, the callback never called.
        assert.equal(
          await store.openUserStatuses(TA, S2, snapshotOf(a), [{ user_id: "u2", end_time: T0_S + 60 }], A1, T0, cb("open.gone")),
          undefined,
        );
        assert.deepEqual((await all(store)).map((e) => e.op).reverse(), [
          "upsertTenant",
          "insertTenant",
          "upsertApp",
          "upsertUsers",
          "createStatus",
          "updateStatus",
          "openUserStatuses",
          "closeUserStatuses",
          "deleteStatus",
        ]);
        // What each callback was given: the write's own result (the open's rows after the write).
        assert.equal(seen.includes("insertTenant.taken:false"), true);
        assert.equal(seen.includes("deleteStatus.gone:false"), false, "a delete of nothing makes no entry, so asks for none");
        assert.equal(
          seen.some((s) => s.startsWith("open.gone")),
          false,
        );
        const open = seen.find((s) => s.startsWith("openUserStatuses:"));
        assert.ok(open?.includes('"user_id":"u1"') && open.includes(`"end_time":${T0_S + 60}`), open);
      }),
    );

    test(
      "a callback that throws rolls the change back with its entry (open, close, create, upsert)",
      withStore(async (store) => {
        const boom = () => {
          throw new Error("boom");
        };
        const a = created(await store.createStatus(TA, status(S1, "A", 1), T0, 10));
        await assert.rejects(
          store.openUserStatuses(TA, S1, snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0, boom),
          /boom/,
        );
        assert.deepEqual(await store.userStatuses(TA, "u1"), [], "the open did not happen");
        await store.openUserStatuses(TA, S1, snapshotOf(a), [{ user_id: "u2", end_time: T0_S + 60 }], A1, T0);
        await assert.rejects(store.closeUserStatuses(TA, S1, ["u2"], T0, boom), /boom/);
        assert.equal((await store.userStatuses(TA, "u2"))[0]?.open, true, "the close did not happen");
        await assert.rejects(store.createStatus(TA, status(S2, "B", 2), T0, 10, boom), /boom/);
        assert.equal(await store.getStatus(TA, S2, true), undefined, "the create did not happen");
        await assert.rejects(store.upsertTenant({ ...tenantA, name: "Renamed" }, boom), /boom/);
        assert.equal((await store.getTenant(TA))?.name, "Acme");
        assert.deepEqual(await all(store), []);
      }),
    );

    test(
      "the admin directory's writes record their entry only when they changed something, and a throwing callback undoes them",
      withStore(async (store) => {
        const ops = async () => (await all(store)).map((e) => e.op).reverse();
        const boom = () => {
          throw new Error("boom");
        };
        const a2: App = { ...appA1, app_id: "cli_aaaaaaaaaaaaaaa2" };
        const u = (user_id: string, name = user_id) => ({ user_id, name, resigned: false });
        const live = created(await store.createStatus(TA, status(S1, "A", 1), T0, 10));
        assert.equal(live.system_status_id, S1);

        // A throwing callback: nothing of the change stays.
        await assert.rejects(store.createApp(a2, boom), /boom/);
        assert.equal(await store.getApp(a2.app_id), undefined);
        await assert.rejects(store.updateApp(A1, { enabled: false }, true, boom), /boom/);
        assert.equal((await store.getApp(A1))?.enabled, true);
        await assert.rejects(store.putUser(TA, u("u7"), boom), /boom/);
        assert.equal(await store.getUser(TA, "u7"), undefined);
        await assert.rejects(store.importUsers(TA, [[u("u1", "Renamed"), u("u8")]], undefined, boom), /boom/);
        assert.equal((await store.getUser(TA, "u1"))?.name, "u1");
        assert.equal(await store.getUser(TA, "u8"), undefined);
        await assert.rejects(store.setSyncPref(TA, "u1", S1, false, boom), /boom/);
        assert.deepEqual(await store.userSyncPrefs(TA, "u1"), new Map());
        await assert.rejects(store.deleteTenant(TB, boom), /boom/);
        assert.ok(await store.getTenant(TB));
        assert.deepEqual(await ops(), []);

        // Refusals call no callback (nothing changed, nothing to record).
        assert.equal(await store.createApp(appA1, boom), "app_taken");
        assert.equal(await store.createApp({ ...a2, tenant_key: "dddddddddddddddd" }, boom), "no_tenant");
        assert.equal(await store.updateApp("cli_ffffffffffffffff", { enabled: false }, true, boom), undefined);
        assert.equal(await store.putUser("dddddddddddddddd", u("u7"), boom), "no_tenant");
        assert.equal(await store.importUsers("dddddddddddddddd", [[u("u7")]], undefined, boom), undefined);
        assert.equal(await store.setSyncPref(TA, "nobody", S1, false, boom), "unknown_user");
        assert.equal(await store.setSyncPref(TA, "u1", S2, false, boom), "unknown_status");
        assert.equal(await store.deleteTenant("dddddddddddddddd", boom), false);

        // Each acknowledged change: one entry, with the write's own result.
        const seen: unknown[] = [];
        const cb = (op: string) => (r: unknown) => {
          seen.push(r);
          return entry(op);
        };
        assert.equal(await store.createApp(a2, cb("app.create")), "created");
        assert.equal((await store.updateApp(A1, { enabled: false }, true, cb("app.patch")))?.enabled, false);
        assert.equal(await store.putUser(TA, u("u7"), cb("user.put")), "created");
        assert.deepEqual(await store.importUsers(TA, [[u("u1", "Renamed"), u("u8")]], undefined, cb("user.import")), {
          created: 1,
          updated: 1,
        });
        assert.equal(await store.setSyncPref(TA, "u1", S1, false, cb("user.sync")), "ok");
        assert.equal(await store.deleteTenant(TB, cb("tenant.delete")), true);
        assert.deepEqual(await ops(), ["app.create", "app.patch", "user.put", "user.import", "user.sync", "tenant.delete"]);
        assert.deepEqual(seen[0], "created");
        assert.equal((seen[1] as App).app_id, A1);
        assert.deepEqual(seen.slice(2), ["created", { created: 1, updated: 1 }, "ok", true]);
      }),
    );

    test(
      "listAudit: newest first by (at_ms, id), pages continue after `next`, and every filter",
      withStore(async (store) => {
        const plan: AuditEntry[] = [
          entry("system_status.create", { at_ms: T0 + 10, system_status_id: S1 }),
          entry("system_status.batch_open", { at_ms: T0 + 20, system_status_id: S1, users: ["u1", "u2"] }),
          entry("system_status.batch_open", { at_ms: T0 + 20, system_status_id: S2, users: ["u10"] }),
          entry("tenant.patch", { at_ms: T0 + 30, actor: "admin", app_id: undefined, tenant_key: TB }),
          entry("system_status.batch_close", {
            at_ms: T0 + 5,
            system_status_id: S1,
            users: ["u2"],
            app_id: "cli_bbbbbbbbbbbbbbb1",
          }),
          entry("seed.users", { at_ms: T0 + 40, actor: "seed", app_id: undefined, users: ["u1"] }),
        ];
        for (const e of plan) await store.appendAudit(JSON.parse(JSON.stringify(e)) as AuditEntry);
        const everything = await all(store);
        const label = (es: AuditRecord[]) => es.map((e) => `${e.at_ms - T0}:${e.op}:${e.system_status_id ?? "-"}`);
        assert.deepEqual(label(everything), [
          "40:seed.users:-",
          "30:tenant.patch:-",
          `20:system_status.batch_open:${S2}`,
          `20:system_status.batch_open:${S1}`,
          `10:system_status.create:${S1}`,
          `5:system_status.batch_close:${S1}`,
        ]);
        // Pages of 2, joined, are the whole list once.
        const pages: string[][] = [];
        let after: { at_ms: number; id: number } | undefined;
        do {
          const p = await store.listAudit({}, 2, after);
          pages.push(label(p.entries));
          after = p.next;
        } while (after);
        assert.deepEqual(pages.flat(), label(everything));
        assert.equal(pages.length, 3);
        const only = async (f: Parameters<Store["listAudit"]>[0]) => label((await store.listAudit(f, 100)).entries);
        assert.deepEqual(await only({ tenant_key: TB }), ["30:tenant.patch:-"]);
        assert.deepEqual(await only({ system_status_id: S2 }), [`20:system_status.batch_open:${S2}`]);
        assert.deepEqual(await only({ app_id: "cli_bbbbbbbbbbbbbbb1" }), [`5:system_status.batch_close:${S1}`]);
        assert.deepEqual(await only({ op: "system_status.batch_open" }), [
          `20:system_status.batch_open:${S2}`,
          `20:system_status.batch_open:${S1}`,
        ]);
        assert.deepEqual(await only({ actor: "seed" }), ["40:seed.users:-"]);
        assert.deepEqual(await only({ user_id: "u2" }), [
          `20:system_status.batch_open:${S1}`,
          `5:system_status.batch_close:${S1}`,
        ]);
        assert.deepEqual(await only({ user_id: "u1" }), ["40:seed.users:-", `20:system_status.batch_open:${S1}`]);
        assert.deepEqual(await only({ user_id: "u" }), [], "a user id matches whole ids only (u is not u1)");
        assert.deepEqual(await only({ user_id: "u10" }), [`20:system_status.batch_open:${S2}`]);
        assert.deepEqual(await only({ since_ms: T0 + 20, until_ms: T0 + 30 }), [
          "30:tenant.patch:-",
          `20:system_status.batch_open:${S2}`,
          `20:system_status.batch_open:${S1}`,
        ]);
        assert.deepEqual(await only({ until_ms: T0 + 9 }), [`5:system_status.batch_close:${S1}`]);
        assert.deepEqual(await only({ tenant_key: TA, system_status_id: S1, user_id: "u2", op: "system_status.batch_close" }), [
          `5:system_status.batch_close:${S1}`,
        ]);
        assert.deepEqual(await only({ tenant_key: TB, user_id: "u1" }), []);
        // A filtered list pages the same way.
        const first = await store.listAudit({ user_id: "u2" }, 1);
        assert.deepEqual(label(first.entries), [`20:system_status.batch_open:${S1}`]);
        assert.ok(first.next);
        const second = await store.listAudit({ user_id: "u2" }, 1, first.next);
        assert.deepEqual(label(second.entries), [`5:system_status.batch_close:${S1}`]);
        assert.equal(second.next, undefined);
      }),
    );

    test(
      `listAudit with a filter no index serves examines at most ${AUDIT_SCAN_BUDGET} entries a call, then says where to go on`,
      withStore(async (store) => {
        await store.appendAudit(entry("system_status.batch_open", { at_ms: T0, users: ["needle"] }));
        const filler = Array.from({ length: AUDIT_SCAN_BUDGET + 10 }, (_, i) =>
          entry("system_status.batch_open", { at_ms: T0 + 1 + i, users: ["hay"] }),
        );
        for (let i = 0; i < filler.length; i += 50) await Promise.all(filler.slice(i, i + 50).map((e) => store.appendAudit(e)));
        const first = await store.listAudit({ user_id: "needle" }, 100);
        assert.deepEqual(first.entries, []);
        assert.ok(first.next, "a short page with a cursor: the budget ran out before the log did");
        const second = await store.listAudit({ user_id: "needle" }, 100, first.next);
        assert.deepEqual(
          second.entries.map((e) => e.at_ms),
          [T0],
        );
        assert.equal(second.next, undefined);
      }),
    );

    test(
      "pruneAudit deletes the oldest entries older than the bound, at most `max` a call",
      withStore(async (store) => {
        for (const dt of [5, 1, 3, 2, 4, 10, 20]) await store.appendAudit(entry("x.y", { at_ms: T0 + dt }));
        assert.equal(await store.pruneAudit(T0 + 5, 2), 2);
        assert.deepEqual(
          (await all(store)).map((e) => e.at_ms - T0),
          [20, 10, 5, 4, 3],
        );
        assert.equal(await store.pruneAudit(T0 + 5, 100), 2);
        assert.equal(await store.pruneAudit(T0 + 5, 100), 0);
        assert.deepEqual(
          (await all(store)).map((e) => e.at_ms - T0),
          [20, 10, 5],
        );
        // Ids are never reused, even once the log is empty.
        const maxId = Math.max(...(await all(store)).map((e) => e.id));
        assert.equal(await store.pruneAudit(T0 + 100, 100), 3);
        await store.appendAudit(entry("x.z"));
        assert.ok(((await all(store))[0]?.id as number) > maxId);
      }),
    );
  });
}
