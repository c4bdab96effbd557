/**
 * Emulator controls, reset and named snapshots (runs on both drivers): every route's happy path and
 * errors, 401 without the admin token, 403 with the controls off; a reset after many changes gives
 * back exactly the seeded state (every user's status view, every status, the directory, the audit);
 * a restore is as exact and keeps its tokens; API calls racing a reset or restore see the old state
 * or the new one, never a mix; a restore or reset failing at its last insert answers 500 and leaves
 * the state as it was (the storage contract, test/storage/snapshot-contract.ts, checks the rows).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type Database from "better-sqlite3";
import {
  ACME,
  ADMIN_TOKEN,
  assertError,
  assertOk,
  BASE,
  GLOBEX,
  LEAVE,
  makeApp,
  T0,
  TEST_DRIVER,
  type TestApp,
  TRIP,
} from "../helpers.js";
import { withPgClient } from "../pg.js";
import { ADMIN, admin, assertProblem, ok, P, withAdmin } from "./support.js";

interface SnapshotView {
  name: string;
  created_ms: number;
  created_at: string;
  rows: number;
}
interface RestoreView {
  took_ms: number;
  rows: number;
}

const emulated = (fn: (t: TestApp) => Promise<void>) => withAdmin(fn, { emulator: true });
const save = async (t: TestApp, name: string) => ok<SnapshotView>(await admin(t, "POST", "/emulator/snapshots", { name }), 201);
const list = async (t: TestApp) => ok<{ items: SnapshotView[] }>(await admin(t, "GET", "/emulator/snapshots")).items;
const restore = async (t: TestApp, name: string) =>
  ok<RestoreView>(await admin(t, "POST", `/emulator/snapshots/${name}/restore`));
const reset = async (t: TestApp) => ok<RestoreView>(await admin(t, "POST", "/emulator/reset"));

/** Every page of an admin list. */
async function all<T>(t: TestApp, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = ok<{ items: T[]; next_cursor?: string }>(
      await admin(t, "GET", `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    );
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/**
 * What can be observed of the whole state: the directory (tenants, apps, users with their ids),
 * every user's status view, every status of every tenant (deleted ones too, read through the store
 * for each id in `statusIds`), and the audit log.
 */
async function observe(t: TestApp, statusIds: Iterable<string>): Promise<Record<string, unknown>> {
  const tenants = await all<{ tenant_key: string }>(t, "/tenants");
  const out: Record<string, unknown> = { tenants, apps: await all(t, "/apps"), audit: await all(t, "/audit") };
  for (const { tenant_key } of tenants) {
    const users = await all<{ user_id: string }>(t, `/tenants/${tenant_key}/users`);
    out[`users ${tenant_key}`] = users;
    for (const { user_id } of users) {
      // now_ms is the clock's, not the state's: a restore leaves the clock where it is.
      const { now_ms: _, ...view } = ok<{ now_ms: number }>(
        await admin(t, "GET", `/tenants/${tenant_key}/users/${user_id}/status`),
      );
      out[`status ${tenant_key}/${user_id}`] = view;
    }
    out[`live statuses ${tenant_key}`] = (await t.store.listStatuses(tenant_key, 100)).items;
    for (const id of statusIds) out[`status ${tenant_key} ${id}`] = (await t.store.getStatus(tenant_key, id, true)) ?? null;
  }
  return out;
}

const createStatus = async (t: TestApp, token: string, title: string, priority: number) =>
  assertOk<{ system_status: { system_status_id: string } }>(
    await t.call({ method: "POST", url: BASE, token, body: { title, icon_key: "GeneralBusinessTrip", priority } }),
  ).system_status.system_status_id;

const open = (t: TestApp, token: string, id: string, users: string[], endS = Math.floor(T0 / 1000) + 3600) =>
  t.call({
    method: "POST",
    url: `${BASE}/${id}/batch_open?user_id_type=user_id`,
    token,
    body: { user_list: users.map((user_id) => ({ user_id, end_time: String(endS) })) },
  });

/** Many changes through both APIs: statuses, opens, closes, toggles, users, an import, an app, a tenant deleted, tokens. */
async function changeEverything(t: TestApp): Promise<string[]> {
  const token = await t.token();
  const created = [await createStatus(t, token, "开会", 3), await createStatus(t, token, "Focus", 4)];
  assertOk(
    await t.call({
      method: "PATCH",
      url: `${BASE}/${TRIP}`,
      token,
      body: { system_status: { title: "Trip v2" }, update_fields: ["TITLE"] },
    }),
  );
  assertOk(await t.call({ method: "DELETE", url: `${BASE}/${created[1]}`, token }));
  assertOk(await open(t, token, TRIP, ["u001", "u004", "u005"]));
  assertOk(await open(t, token, LEAVE, ["u004"]));
  assertOk(
    await t.call({
      method: "POST",
      url: `${BASE}/${TRIP}/batch_close?user_id_type=user_id`,
      token,
      body: { user_list: ["u005"] },
    }),
  );
  ok(await admin(t, "PUT", `/tenants/${ACME}/users/u001/sync/${LEAVE}`, { on: false }));
  ok(await admin(t, "PUT", `/tenants/${ACME}/users/u002`, { name: "Bo Chen (back)", resigned: false }));
  ok(await admin(t, "PUT", `/tenants/${ACME}/users/u100`, { name: "New hire" }), 201);
  const imported = await t.app.inject({
    method: "POST",
    url: `${ADMIN}/tenants/${ACME}/users/import`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
    payload: `${JSON.stringify({ user_id: "u200", name: "Imported" })}\n${JSON.stringify({ user_id: "u003", name: "Cy Wu 2" })}\n`,
  });
  ok(imported);
  ok(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: "cli_abcdefabcdef0001", scopes: [] }), 201);
  ok(await admin(t, "PATCH", `/tenants/${ACME}`, { name: "Acme renamed" }));
  assert.equal((await admin(t, "DELETE", `/tenants/${GLOBEX}`)).statusCode, 204);
  ok(await admin(t, "POST", "/emulator/clock", { advance: "1h" }));
  return created;
}

describe("emulator: reset", () => {
  test("after many changes, a reset gives back exactly the seeded state; tokens, clock and snapshots are cleared; hooks run", async () => {
    await emulated(async (t) => {
      const emulator = t.emulator;
      assert.ok(emulator);
      let hooked = 0;
      emulator.onReset(() => {
        hooked++;
      });
      const seededIds = [TRIP, LEAVE, "7101214603622940009"];
      const seeded = await observe(t, seededIds);
      const token = await t.token();
      await save(t, "mine");
      const created = await changeEverything(t);
      const ids = [...seededIds, ...created];
      const changed = await observe(t, ids);
      for (const key of ["tenants", "apps", "audit", `users ${ACME}`, `status ${ACME}/u001`, `live statuses ${ACME}`]) {
        assert.notDeepEqual(changed[key], seeded[key], `the changes reached ${key}`);
      }
      const done = await reset(t);
      assert.equal(typeof done.took_ms, "number");
      assert.ok(done.rows > 0);
      assert.equal(hooked, 1, "the reset hooks ran once");
      // Exactly the seeded state; the statuses created since are gone, deleted ones too.
      assert.deepEqual(await observe(t, seededIds), seeded);
      for (const tenant of [ACME, GLOBEX]) {
        for (const id of ids) if (!seededIds.includes(id)) assert.equal(await t.store.getStatus(tenant, id, true), undefined);
      }
      // Tokens cleared: the one issued before is refused.
      const refused = await t.call({ method: "GET", url: `${BASE}?page_size=5`, token });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal((refused.json() as { code: number }).code, 99991663);
      // The clock is back on the wall clock, the named snapshot is gone.
      assert.deepEqual(ok(await admin(t, "GET", "/emulator/clock")), {
        now_ms: T0,
        now_at: new Date(T0).toISOString(),
        frozen: false,
        offset_ms: 0,
      });
      assert.deepEqual(await list(t), []);
      assertProblem(await admin(t, "POST", "/emulator/snapshots/mine/restore"), P.notFound);
      // The API works on the reset state, and a second reset is as exact.
      await changeEverything(t);
      await reset(t);
      assert.deepEqual(await observe(t, seededIds), seeded);
      assert.equal(hooked, 2);
    });
  });

  test("ids made after a reset do not collide with what the reset removed (audit entries keep increasing ids)", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await createStatus(t, token, "Focus", 4);
      const before = await all<{ id: number }>(t, "/audit");
      const highest = Math.max(...before.map((e) => e.id));
      await reset(t);
      const again = await createStatus(t, await t.token(), "Focus", 4);
      const [newest] = await all<{ id: number; op: string; system_status_id?: string }>(t, "/audit");
      assert.equal(newest?.system_status_id, again);
      assert.ok((newest?.id as number) > highest, `audit id ${newest?.id} after ${highest}`);
    });
  });
});

describe("emulator: reset and the rate limits", () => {
  test("[ours] a reset forgets the calls counted so far: a limit reached before is not reached after", async () => {
    const t = await makeApp({ emulator: true, rateLimit: "vendor" });
    try {
      const list = (token: string) => t.call({ method: "GET", url: `${BASE}?page_size=5`, token });
      const token = await t.token();
      let status = 200;
      for (let i = 0; i < 101 && status === 200; i++) status = (await list(token)).statusCode;
      assert.equal(status, 429, "the 100/min limit of the list was reached");
      await reset(t);
      assertOk(await list(await t.token()));
    } finally {
      await t.close();
    }
  });
});

describe("emulator: snapshots", () => {
  test("save (201), list by name, restore exactly (tokens as saved), replace a name, delete (204)", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      const first = await save(t, "before-trip");
      assert.deepEqual(first, {
        name: "before-trip",
        created_ms: T0,
        created_at: new Date(T0).toISOString(),
        rows: first.rows,
      });
      assert.ok(first.rows > 0);
      const ids = [TRIP, LEAVE, "7101214603622940009"];
      const saved = await observe(t, ids);
      await changeEverything(t);
      // created_ms follows the emulated clock (changeEverything moved it 1 h).
      const second = await save(t, "A.after_1-x");
      assert.equal(second.created_ms, T0 + 3_600_000);
      assert.deepEqual(
        (await list(t)).map((s) => s.name),
        ["A.after_1-x", "before-trip"],
        "by name (byte order), never the baseline",
      );
      const done = await restore(t, "before-trip");
      assert.equal(done.rows, first.rows);
      assert.equal(typeof done.took_ms, "number");
      assert.deepEqual(await observe(t, ids), saved);
      // The token saved with it works again; the clock was not moved back (time only moves forward).
      assertOk(await t.call({ method: "GET", url: `${BASE}?page_size=5`, token }));
      assert.equal(ok<{ now_ms: number }>(await admin(t, "GET", "/emulator/clock")).now_ms, T0 + 3_600_000);
      // The snapshots are still there after a restore; the other one brings its state back.
      assert.equal((await list(t)).length, 2);
      await restore(t, "A.after_1-x");
      assert.equal(ok<{ name: string }>(await admin(t, "GET", `/tenants/${ACME}`)).name, "Acme renamed");
      // Saving a name that exists replaces it.
      await restore(t, "before-trip");
      const replaced = await save(t, "A.after_1-x");
      assert.equal(replaced.rows, first.rows);
      await restore(t, "A.after_1-x");
      assert.equal(ok<{ name: string }>(await admin(t, "GET", `/tenants/${ACME}`)).name, "Acme");
      // Delete: 204 with no body, then gone.
      const del = await admin(t, "DELETE", "/emulator/snapshots/A.after_1-x");
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, "");
      assert.deepEqual(
        (await list(t)).map((s) => s.name),
        ["before-trip"],
      );
      assertProblem(await admin(t, "POST", "/emulator/snapshots/A.after_1-x/restore"), P.notFound);
    });
  });

  test("a bad name is 400 naming name; unknown names are 404 and change nothing; the baseline is out of reach", async () => {
    await emulated(async (t) => {
      await save(t, "keep");
      const cases: unknown[] = [
        {},
        { name: "" },
        { name: "a".repeat(65) },
        { name: "has space" },
        { name: "slash/y" },
        { name: "@baseline" },
        { name: "ünï" },
        { name: 7 },
      ];
      for (const body of cases) {
        assertProblem(await admin(t, "POST", "/emulator/snapshots", body), P.invalid("name"));
      }
      assertProblem(await admin(t, "POST", "/emulator/snapshots", { name: "ok", extra: 1 }), P.invalid("extra"));
      assertProblem(await admin(t, "POST", "/emulator/snapshots", "{"), P.invalid("body"));
      assert.equal((await save(t, "a".repeat(64))).name, "a".repeat(64));
      for (const name of ["nope", "%40baseline", "@baseline", "a".repeat(65)]) {
        assertProblem(await admin(t, "POST", `/emulator/snapshots/${name}/restore`), P.notFound);
        assertProblem(await admin(t, "DELETE", `/emulator/snapshots/${name}`), P.notFound);
      }
      assert.deepEqual(
        (await list(t)).map((s) => s.name),
        ["a".repeat(64), "keep"],
      );
      // The baseline was neither restored nor deleted: a reset still works.
      await reset(t);
      assert.deepEqual(await list(t), []);
    });
  });

  test("401 without the admin token on every route, with nothing changed", async () => {
    await emulated(async (t) => {
      await save(t, "s");
      const token = await t.token();
      for (const [method, path, body] of [
        ["POST", "/emulator/reset", undefined],
        ["POST", "/emulator/snapshots", { name: "t" }],
        ["GET", "/emulator/snapshots", undefined],
        ["POST", "/emulator/snapshots/s/restore", undefined],
        ["DELETE", "/emulator/snapshots/s", undefined],
      ] as const) {
        assertProblem(await admin(t, method, path, body, null), P.unauthorized);
        assertProblem(await admin(t, method, path, body, "lsa_wrong-token-000000000000000000000"), P.unauthorized);
      }
      assert.deepEqual(
        (await list(t)).map((s) => s.name),
        ["s"],
      );
      assertOk(await t.call({ method: "GET", url: `${BASE}?page_size=5`, token }));
    });
  });

  test("with the controls off: 403 on every route, saying how to turn them on", async () => {
    await withAdmin(async (t) => {
      for (const [method, path, body] of [
        ["POST", "/emulator/reset", undefined],
        ["POST", "/emulator/snapshots", { name: "t" }],
        ["GET", "/emulator/snapshots", undefined],
        ["POST", "/emulator/snapshots/s/restore", undefined],
        ["DELETE", "/emulator/snapshots/s", undefined],
      ] as const) {
        const p = assertProblem(await admin(t, method, path, body), { status: 403, kind: "forbidden" });
        assert.match(p.detail as string, /--emulator on/);
      }
    });
  });
});

/**
 * Makes every later INSERT into `table` of the test app's database fail (a trigger), through the
 * store's own connection (SQLite in memory has no other way in) or the schema's URL (PostgreSQL).
 */
async function failInsertsOf(t: TestApp, table: string): Promise<void> {
  if (TEST_DRIVER === "sqlite") {
    (t.store as unknown as { db: Database.Database }).db.exec(
      `CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    );
    return;
  }
  const url = (t.store as unknown as { pool: { options: { connectionString: string } } }).pool.options.connectionString;
  await withPgClient(async (c) => {
    await c.query(
      "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
    );
    await c.query(`CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_insert()`);
  }, url);
}

describe("emulator: a failing restore", () => {
  test("a restore or reset failing at its last insert answers 500 and leaves everything as it was", async () => {
    await emulated(async (t) => {
      await save(t, "s");
      const created = await changeEverything(t);
      const ids = [TRIP, LEAVE, "7101214603622940009", ...created];
      const before = await observe(t, ids);
      const token = await t.token();
      // A restore writes only the rows that differ: Globex's status names (its tenant was deleted)
      // are the last rows it puts back, once tenants, apps, users, ids and statuses are rewritten.
      await failInsertsOf(t, "status_names");
      assertProblem(await admin(t, "POST", "/emulator/snapshots/s/restore"), { status: 500, kind: "internal" });
      assertProblem(await admin(t, "POST", "/emulator/reset"), { status: 500, kind: "internal" });
      assert.deepEqual(await observe(t, ids), before);
      assert.deepEqual(
        (await list(t)).map((x) => x.name),
        ["s"],
      );
      // The failed reset deleted no token and did not move the clock back.
      assertOk(await t.call({ method: "GET", url: `${BASE}?page_size=5`, token }));
      assert.equal(ok<{ offset_ms: number }>(await admin(t, "GET", "/emulator/clock")).offset_ms, 3_600_000, "clock not reset");
    });
  });
});

describe("emulator: calls racing a reset or a restore", () => {
  test("each answer shows the old state or the new one, never a mix", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      const titles = async () =>
        assertOk<{ items: Array<{ title: string }> }>(await t.call({ method: "GET", url: `${BASE}?page_size=20`, token }))
          .items.map((s) => s.title)
          .join("|");
      // State A: the seed plus the token; state B: three more statuses, one of them patched, one seeded deleted.
      await save(t, "A");
      const a = await titles();
      for (const [title, p] of [
        ["B1", 5],
        ["B2", 6],
        ["B3", 7],
      ] as const)
        await createStatus(t, token, title, p);
      assertOk(await t.call({ method: "DELETE", url: `${BASE}/${LEAVE}`, token }));
      await save(t, "B");
      const b = await titles();
      assert.notEqual(a, b);
      // Readers start before, with and after the restore (a few event-loop turns apart), so some
      // answer before it and some after, on either driver.
      const turns = (n: number) => new Promise<void>((r) => (n === 0 ? r() : setImmediate(() => turns(n - 1).then(r))));
      const seen = new Set<string>();
      for (let round = 0; round < 6; round++) {
        const target = round % 2 === 0 ? "A" : "B";
        const readers = Array.from({ length: 12 }, (_, i) => turns(i % 6).then(titles));
        const restored = turns(2).then(() => restore(t, target));
        const [answers] = await Promise.all([Promise.all(readers), restored]);
        for (const got of answers) {
          assert.ok(got === a || got === b, `a mixed answer: ${got}`);
          seen.add(got);
        }
        assert.equal(await titles(), target === "A" ? a : b, "after the restore, its state");
      }
      assert.equal(seen.size, 2, "the readers saw both states: they did race the restores");
      // Racing a reset: the directory answers the old users or the seeded ones.
      ok(await admin(t, "PUT", `/tenants/${ACME}/users/u100`, { name: "New hire" }), 201);
      const users = async () => (await all<{ user_id: string }>(t, `/tenants/${ACME}/users`)).map((u) => u.user_id).join(",");
      const before = await users();
      const [, ...answers] = await Promise.all([reset(t), ...Array.from({ length: 8 }, () => users())]);
      const after = await users();
      assert.notEqual(before, after);
      for (const got of answers) assert.ok(got === before || got === after, `a mixed answer: ${got}`);
      assertError(await t.call({ method: "GET", url: `${BASE}?page_size=5`, token }), {
        status: 400,
        code: 99991663,
        msg: "Invalid access token for authorization. Please make a request with token attached.",
      });
    });
  });
});
