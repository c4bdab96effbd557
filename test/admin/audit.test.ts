/**
 * Admin API, the audit log (runs on both drivers): every acknowledged change has one entry, with
 * the per-user results its caller was answered; a rejected call has none; each filter, cursors,
 * errors naming the field, and auth.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { E, type ExpectedError, invalid, NO_SUCH_STATUS, SCOPE_EMPLOYEE_ID, scopeRequired } from "../api/support.js";
import {
  ACME,
  ADMIN_TOKEN,
  APP,
  assertError,
  BASE,
  GLOBEX,
  GLOBEX_APP,
  INITECH,
  LEAVE,
  NARROW_APP,
  openId,
  T0,
  T0_S,
  type TestApp,
  TRIP,
} from "../helpers.js";
import { ADMIN, admin, assertProblem, ok, P, withAdmin } from "./support.js";

interface Entry {
  id: number;
  at_ms: number;
  tenant_key: string;
  actor: string;
  app_id?: string;
  op: string;
  system_status_id?: string;
  log_id?: string;
  results?: Array<{ user_id: string; result: string; end_time?: string }>;
  change?: Record<string, unknown>;
}
interface Page {
  items: Entry[];
  next_cursor?: string;
}

/** How many entries the fixture seed writes: one per seed transaction (tenants, apps, user chunks, statuses). */
const SEED_ENTRIES = 14;

async function audit(t: TestApp, query = ""): Promise<Page> {
  return ok<Page>(await admin(t, "GET", `/audit${query}`));
}

/** Every entry matching `filter` (a query string without `?`), all pages of 500, newest first. */
async function everything(t: TestApp, filter = ""): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams(filter);
    q.set("limit", "500");
    if (cursor) q.set("cursor", cursor);
    const page = await audit(t, `?${q}`);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

async function vendor(t: TestApp, method: "POST" | "PATCH" | "DELETE", url: string, body?: unknown, token?: string) {
  return t.call({ method, url, token: token ?? (await t.token()), body });
}

function data<T>(res: LightMyRequestResponse): T {
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { data: T }).data;
}

const END = String(T0_S + 3600);

describe("audit: vendor changes", () => {
  test("batch_open: one entry with the caller's ids, the results it was answered (every kind), the app, the status and the request's log id", async () => {
    await withAdmin(async (t) => {
      const token = await t.token();
      // u004 shows LEAVE first, so TRIP (priority 1) still wins for it; u003 turned TRIP's sync off.
      data(
        await vendor(
          t,
          "POST",
          `${BASE}/${LEAVE}/batch_open?user_id_type=user_id`,
          { user_list: [{ user_id: "u005", end_time: END }] },
          token,
        ),
      );
      data(
        await vendor(
          t,
          "POST",
          `${BASE}/${TRIP}/batch_open?user_id_type=user_id`,
          { user_list: [{ user_id: "u005", end_time: END }] },
          token,
        ),
      );
      const user_list = [
        { user_id: openId("u001"), end_time: END },
        { user_id: openId("u003"), end_time: END },
        { user_id: "ou_00000000000000000000000000000000", end_time: END },
        { user_id: openId("u002"), end_time: String(T0_S + 60) },
      ];
      const res = await vendor(
        t,
        "POST",
        `${BASE}/${LEAVE}/batch_open`,
        { user_list: [...user_list, { user_id: openId("u005"), end_time: END }] },
        token,
      );
      const answered = data<{ result_list: Array<{ user_id: string; end_time: string; result: string }> }>(res).result_list;
      assert.deepEqual(
        answered.map((r) => r.result),
        ["success_show", "success_show", "invalid_user_id", "resign_user_id", "success_user_in_higher_priority_system_status"],
      );
      const trip = await vendor(
        t,
        "POST",
        `${BASE}/${TRIP}/batch_open`,
        { user_list: [{ user_id: openId("u003"), end_time: END }] },
        token,
      );
      assert.equal(data<{ result_list: Array<{ result: string }> }>(trip).result_list[0]?.result, "success_user_close_syn");

      const [last, open] = (await audit(t, "?limit=2")).items;
      assert.ok(open && last);
      assert.deepEqual(
        { ...open, id: 0 },
        {
          id: 0,
          at_ms: T0,
          tenant_key: ACME,
          actor: "app",
          app_id: APP.app_id,
          op: "system_status.batch_open",
          system_status_id: LEAVE,
          log_id: res.headers["x-tt-logid"],
          results: answered.map((r) => ({ user_id: r.user_id, result: r.result, end_time: r.end_time })),
        },
      );
      assert.equal(last.log_id, trip.headers["x-tt-logid"]);
      assert.deepEqual(last.results, [{ user_id: openId("u003"), result: "success_user_close_syn", end_time: END }]);
      assert.ok(last.id > open.id);
    });
  });

  test("batch_close, create, patch and delete: one entry each, with what was written", async () => {
    await withAdmin(async (t) => {
      const token = await t.token();
      const created = data<{ system_status: { system_status_id: string } }>(
        await vendor(t, "POST", BASE, { title: "Lunch", icon_key: "EatingFood", priority: 7 }, token),
      ).system_status;
      const id = created.system_status_id;
      t.clock.advance(1000);
      const patched = await vendor(
        t,
        "PATCH",
        `${BASE}/${id}`,
        { system_status: { title: "Long lunch" }, update_fields: ["TITLE"] },
        token,
      );
      t.clock.advance(1000);
      const closed = await vendor(
        t,
        "POST",
        `${BASE}/${id}/batch_close?user_id_type=user_id`,
        { user_list: ["u001", "nobody", "u002"] },
        token,
      );
      t.clock.advance(1000);
      const deleted = await vendor(t, "DELETE", `${BASE}/${id}`, undefined, token);
      const items = (await audit(t, `?system_status_id=${id}`)).items;
      assert.deepEqual(
        items.map((e) => [e.op, e.at_ms - T0, e.log_id === undefined]),
        [
          ["system_status.delete", 3000, false],
          ["system_status.batch_close", 2000, false],
          ["system_status.patch", 1000, false],
          ["system_status.create", 0, false],
        ],
      );
      const [del, close, patch, create] = items as [Entry, Entry, Entry, Entry];
      assert.equal(del.log_id, deleted.headers["x-tt-logid"]);
      assert.equal(del.change, undefined);
      assert.deepEqual(close.results, [
        { user_id: "u001", result: "success" },
        { user_id: "nobody", result: "invalid_user_id" },
        { user_id: "u002", result: "resign_user_id" },
      ]);
      assert.equal(close.log_id, closed.headers["x-tt-logid"]);
      assert.deepEqual(patch.change, {
        update_fields: ["TITLE"],
        system_status: data<{ system_status: unknown }>(patched).system_status,
      });
      assert.equal((create.change as { title: string }).title, "Lunch");
      assert.deepEqual(create.change, created);
    });
  });

  test("a batch answered 200 with only failures (nothing changed) is acknowledged, so it has its entry", async () => {
    await withAdmin(async (t) => {
      const before = (await everything(t)).length;
      const res = await vendor(t, "POST", `${BASE}/${TRIP}/batch_open?user_id_type=user_id`, {
        user_list: [
          { user_id: "nobody", end_time: END },
          { user_id: "u002", end_time: END },
        ],
      });
      assert.deepEqual(
        data<{ result_list: Array<{ result: string }> }>(res).result_list.map((r) => r.result),
        ["invalid_user_id", "resign_user_id"],
      );
      const closed = await vendor(t, "POST", `${BASE}/${TRIP}/batch_close`, {
        user_list: ["ou_00000000000000000000000000000000"],
      });
      assert.equal(closed.statusCode, 200);
      const all = await everything(t);
      assert.equal(all.length, before + 2);
      assert.deepEqual(all[1]?.results, [
        { user_id: "nobody", result: "invalid_user_id", end_time: END },
        { user_id: "u002", result: "resign_user_id", end_time: END },
      ]);
      assert.deepEqual(all[0]?.results, [{ user_id: "ou_00000000000000000000000000000000", result: "invalid_user_id" }]);
      // The resigned user is found by its employee id although nothing changed for it.
      assert.deepEqual(
        (await audit(t, `?tenant_key=${ACME}&user_id=u002&actor=app`)).items.map((e) => e.log_id),
        [res.headers["x-tt-logid"]],
      );
    });
  });

  test("a rejected call (any error answer) leaves no entry", async () => {
    await withAdmin(async (t) => {
      const token = await t.token();
      const narrow = await t.token(NARROW_APP);
      const before = await everything(t);
      const rejected: Array<[LightMyRequestResponse, ExpectedError]> = [
        [await vendor(t, "POST", BASE, { title: "出差", icon_key: "Coffee" }, token), E.DUPLICATE_NAME],
        [await vendor(t, "POST", BASE, { title: "forbidden thing", icon_key: "Coffee" }, token), E.SENSITIVE_WORD],
        [await vendor(t, "POST", BASE, { title: "P1 again", icon_key: "Coffee", priority: 1 }, token), E.DUPLICATE_PRIORITY],
        [
          await vendor(t, "PATCH", `${BASE}/${TRIP}`, { system_status: { title: "请假" }, update_fields: ["TITLE"] }, token),
          E.DUPLICATE_NAME,
        ],
        [
          await vendor(
            t,
            "POST",
            `${BASE}/${TRIP}/batch_open`,
            { user_list: [{ user_id: openId("u001"), end_time: String(T0_S) }] },
            token,
          ),
          invalid("user_list[0].end_time"),
        ],
        [
          await vendor(
            t,
            "POST",
            `${BASE}/${TRIP}/batch_open`,
            { user_list: [{ user_id: openId("g001", GLOBEX_APP.app_id, GLOBEX), end_time: END }] },
            token,
          ),
          E.OTHER_TENANT_USER,
        ],
        [
          await vendor(t, "POST", `${BASE}/${TRIP}/batch_close?user_id_type=user_id`, { user_list: ["u001"] }, narrow),
          scopeRequired(SCOPE_EMPLOYEE_ID),
        ],
        [await vendor(t, "DELETE", `${BASE}/${NO_SUCH_STATUS}`, undefined, token), invalid("system_status_id")],
        [
          await vendor(t, "POST", `${BASE}/${NO_SUCH_STATUS}/batch_close`, { user_list: [openId("u001")] }, token),
          invalid("system_status_id"),
        ],
        [await vendor(t, "POST", `${BASE}/${TRIP}/batch_open`, { user_list: [] }, "t-not-a-token"), E.INVALID_TOKEN],
      ];
      for (const [res, expected] of rejected) assertError(res, expected);
      assert.deepEqual(await everything(t), before);
      // The same calls made valid are each recorded once.
      data(await vendor(t, "POST", BASE, { title: "Fine", icon_key: "Coffee" }, token));
      assert.equal((await everything(t)).length, before.length + 1);
    });
  });
});

describe("audit: admin and seed changes", () => {
  test("tenant.create and tenant.patch: actor admin, the request's id, what was set; a refused one (409, 404) has none", async () => {
    await withAdmin(async (t) => {
      const created = await admin(t, "POST", "/tenants", { tenant_key: "abcdef0123456789", name: "Initrode" });
      ok(created, 201);
      t.clock.advance(5);
      const patched = await admin(t, "PATCH", "/tenants/abcdef0123456789", { api_enabled: false });
      ok(patched);
      assertProblem(await admin(t, "POST", "/tenants", { tenant_key: "abcdef0123456789", name: "Again" }), P.conflict);
      assertProblem(await admin(t, "PATCH", "/tenants/ffffffffffffffff", { name: "x" }), P.notFound);
      const items = (await audit(t, "?actor=admin")).items;
      assert.deepEqual(
        items.map(({ id: _, ...e }) => e),
        [
          {
            at_ms: T0 + 5,
            tenant_key: "abcdef0123456789",
            actor: "admin",
            op: "tenant.patch",
            log_id: patched.headers["x-request-id"],
            change: { api_enabled: false },
          },
          {
            at_ms: T0,
            tenant_key: "abcdef0123456789",
            actor: "admin",
            op: "tenant.create",
            log_id: created.headers["x-request-id"],
            change: { tenant_key: "abcdef0123456789", name: "Initrode", api_enabled: true, sensitive_words: [] },
          },
        ],
      );
    });
  });

  test("the directory and state writes: one entry each with what was set (never a secret), the request's id; a refused one has none", async () => {
    await withAdmin(async (t) => {
      const before = (await everything(t)).length;
      const id = (res: LightMyRequestResponse) => res.headers["x-request-id"] as string;
      const app = await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: "cli_00000000000000a1", scopes: [] });
      const created = ok<{ app_secret: string }>(app, 201);
      t.clock.advance(1);
      const patched = await admin(t, "PATCH", "/apps/cli_00000000000000a1", { enabled: false });
      ok(patched);
      t.clock.advance(1);
      const rotated = await admin(t, "POST", "/apps/cli_00000000000000a1/secret");
      const secret = ok<{ app_secret: string }>(rotated).app_secret;
      t.clock.advance(1);
      const put = await admin(t, "PUT", `/tenants/${ACME}/users/u900`, { name: "New Hire" });
      ok(put, 201);
      t.clock.advance(1);
      const imported = await t.app.inject({
        method: "POST",
        url: `${ADMIN}/tenants/${ACME}/users/import`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
        payload: `${JSON.stringify({ user_id: "u901", name: "A" })}\n${JSON.stringify({ user_id: "u900", name: "B" })}\n`,
      });
      ok(imported);
      t.clock.advance(1);
      const synced = await admin(t, "PUT", `/tenants/${ACME}/users/u001/sync/${TRIP}`, { on: false });
      ok(synced);
      t.clock.advance(1);
      const deleted = await admin(t, "DELETE", `/tenants/${INITECH}`);
      assert.equal(deleted.statusCode, 204, deleted.body);
      // Refused: 409, 404 and 400 leave nothing.
      assertProblem(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: "cli_00000000000000a1", scopes: [] }), P.conflict);
      assertProblem(await admin(t, "PATCH", "/apps/cli_ffffffffffffffff", { enabled: true }), P.notFound);
      assertProblem(await admin(t, "POST", "/apps/cli_ffffffffffffffff/secret"), P.notFound);
      assertProblem(await admin(t, "PUT", "/tenants/ffffffffffffffff/users/u1", { name: "x" }), P.notFound);
      assertProblem(await admin(t, "PUT", `/tenants/${ACME}/users/u001/sync/7999999999999999999`, { on: true }), P.notFound);
      assertProblem(await admin(t, "DELETE", `/tenants/${INITECH}`), P.notFound);
      assertProblem(
        await admin(t, "POST", `/tenants/${ACME}/apps`, { scopes: ["contact:user.employee_id:readonlx"] }),
        P.invalid("scopes[0]"),
      );

      const all = await everything(t);
      assert.equal(all.length, before + 7);
      assert.deepEqual(
        all.slice(0, 7).map(({ id: _, ...e }) => e),
        [
          { at_ms: T0 + 6, tenant_key: INITECH, actor: "admin", op: "tenant.delete", log_id: id(deleted) },
          {
            at_ms: T0 + 5,
            tenant_key: ACME,
            actor: "admin",
            op: "user.sync",
            system_status_id: TRIP,
            log_id: id(synced),
            change: { user_id: "u001", on: false },
          },
          {
            at_ms: T0 + 4,
            tenant_key: ACME,
            actor: "admin",
            op: "user.import",
            log_id: id(imported),
            change: { created: 1, updated: 1 },
          },
          {
            at_ms: T0 + 3,
            tenant_key: ACME,
            actor: "admin",
            op: "user.put",
            log_id: id(put),
            change: { user_id: "u900", name: "New Hire", resigned: false, created: true },
          },
          {
            at_ms: T0 + 2,
            tenant_key: ACME,
            actor: "admin",
            app_id: "cli_00000000000000a1",
            op: "app.rotate_secret",
            log_id: id(rotated),
          },
          {
            at_ms: T0 + 1,
            tenant_key: ACME,
            actor: "admin",
            app_id: "cli_00000000000000a1",
            op: "app.patch",
            log_id: id(patched),
            change: { enabled: false },
          },
          {
            at_ms: T0,
            tenant_key: ACME,
            actor: "admin",
            app_id: "cli_00000000000000a1",
            op: "app.create",
            log_id: id(app),
            change: {
              app_id: "cli_00000000000000a1",
              tenant_key: ACME,
              scopes: [],
              enabled: true,
              visibility: "all",
              developer: ACME,
            },
          },
        ],
      );
      // No secret (old or new) is anywhere in the log.
      const text = JSON.stringify(all);
      for (const s of [created.app_secret, secret]) assert.equal(text.includes(s), false);
      assert.equal(text.includes("secret_hash"), false);
      // The user filter finds the single-user writes (the put and the toggle), not the import (counts only).
      assert.deepEqual(
        (await everything(t, "user_id=u900")).map((e) => e.op),
        ["user.put"],
      );
      assert.deepEqual(
        (await everything(t, "user_id=u001&actor=admin")).map((e) => e.op),
        ["user.sync"],
      );
    });
  });

  test("the seed: one entry per transaction it made (tenant, app, chunk of users, status), actor seed", async () => {
    await withAdmin(async (t) => {
      const seed = await everything(t, "actor=seed");
      assert.equal(seed.length, SEED_ENTRIES);
      assert.deepEqual(
        seed
          .filter((e) => e.tenant_key === ACME)
          .map((e) => `${e.op}${e.app_id ? ` ${e.app_id}` : ""}${e.system_status_id ? ` ${e.system_status_id}` : ""}`)
          .reverse(),
        [
          "seed.tenant",
          `seed.app ${APP.app_id}`,
          `seed.app ${NARROW_APP.app_id}`,
          "seed.app cli_00000000000000d3",
          "seed.users",
          `seed.system_status ${TRIP}`,
          `seed.system_status ${LEAVE}`,
        ],
      );
      const app = seed.find((e) => e.app_id === APP.app_id);
      assert.equal(JSON.stringify(app).includes("secret"), false, "no secret (nor its hash) in the log");
      assert.deepEqual(
        (await audit(t, `?tenant_key=${ACME}&user_id=u006`)).items.map((e) => e.op),
        ["seed.users"],
      );
    });
  });
});

describe("audit: filters, order and cursors", () => {
  /** Acme: opens at T0+1s (u001), T0+2s (u004, narrow app can't: u001 only), closes at +3s; Globex opens at +4s. */
  async function history(t: TestApp): Promise<void> {
    const acme = await t.token();
    const narrow = await t.token(NARROW_APP);
    const globex = await t.token(GLOBEX_APP);
    t.clock.advance(1000);
    data(
      await vendor(t, "POST", `${BASE}/${TRIP}/batch_open`, { user_list: [{ user_id: openId("u001"), end_time: END }] }, acme),
    );
    t.clock.advance(1000);
    data(
      await vendor(
        t,
        "POST",
        `${BASE}/${LEAVE}/batch_open`,
        { user_list: [{ user_id: openId("u001", NARROW_APP.app_id), end_time: END }] },
        narrow,
      ),
    );
    t.clock.advance(1000);
    data(await vendor(t, "POST", `${BASE}/${TRIP}/batch_close?user_id_type=user_id`, { user_list: ["u004"] }, acme));
    t.clock.advance(1000);
    data(
      await vendor(
        t,
        "POST",
        `${BASE}/7101214603622940009/batch_open?user_id_type=user_id`,
        { user_list: [{ user_id: "u001", end_time: String(T0_S + 7200) }] },
        globex,
      ),
    );
  }
  const ops = (p: Page) => p.items.map((e) => `${e.at_ms - T0}:${e.op}`);

  test("each filter alone and together", async () => {
    await withAdmin(async (t) => {
      await history(t);
      assert.deepEqual(ops(await audit(t, "?limit=4")), [
        "4000:system_status.batch_open",
        "3000:system_status.batch_close",
        "2000:system_status.batch_open",
        "1000:system_status.batch_open",
      ]);
      assert.deepEqual(ops(await audit(t, `?tenant_key=${GLOBEX}&actor=app`)), ["4000:system_status.batch_open"]);
      assert.deepEqual(ops(await audit(t, `?tenant_key=${INITECH}&actor=app`)), []);
      assert.deepEqual(ops(await audit(t, `?system_status_id=${TRIP}&actor=app`)), [
        "3000:system_status.batch_close",
        "1000:system_status.batch_open",
      ]);
      assert.deepEqual(ops(await audit(t, `?app_id=${NARROW_APP.app_id}`)), ["2000:system_status.batch_open", "0:seed.app"]);
      assert.deepEqual(ops(await audit(t, "?op=system_status.batch_close")), ["3000:system_status.batch_close"]);
      // u001 of Acme was opened by open_id through two apps; u001 of Globex by user_id; u001's seed chunks.
      assert.deepEqual(ops(await audit(t, `?tenant_key=${ACME}&user_id=u001`)), [
        "2000:system_status.batch_open",
        "1000:system_status.batch_open",
        "0:seed.users",
      ]);
      assert.deepEqual(ops(await audit(t, "?user_id=u001&actor=app")), [
        "4000:system_status.batch_open",
        "2000:system_status.batch_open",
        "1000:system_status.batch_open",
      ]);
      assert.deepEqual(ops(await audit(t, "?user_id=u004")), ["3000:system_status.batch_close", "0:seed.users"]);
      assert.deepEqual(ops(await audit(t, `?since_ms=${T0 + 2000}&until_ms=${T0 + 3000}`)), [
        "3000:system_status.batch_close",
        "2000:system_status.batch_open",
      ]);
      assert.deepEqual(ops(await audit(t, `?since_ms=${T0 + 3500}`)), ["4000:system_status.batch_open"]);
      assert.equal((await audit(t, `?until_ms=${T0}&limit=500`)).items.length, SEED_ENTRIES);
      assert.deepEqual(
        ops(
          await audit(
            t,
            `?tenant_key=${ACME}&system_status_id=${TRIP}&app_id=${APP.app_id}&op=system_status.batch_open&user_id=u001&since_ms=${T0 + 1}`,
          ),
        ),
        ["1000:system_status.batch_open"],
      );
    });
  });

  test("pages of ?limit= joined by next_cursor are the whole list once, in order; a filtered list pages the same way", async () => {
    await withAdmin(async (t) => {
      await history(t);
      for (const filter of ["", `tenant_key=${ACME}&`, "user_id=u001&", "actor=seed&"]) {
        const whole = (await audit(t, `?${filter}limit=500`)).items;
        const seen: Entry[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await audit(t, `?${filter}limit=3${cursor ? `&cursor=${cursor}` : ""}`);
          assert.ok(page.items.length <= 3);
          seen.push(...page.items);
          cursor = page.next_cursor;
          pages++;
        } while (cursor);
        assert.deepEqual(seen, whole, filter);
        assert.equal(pages, Math.max(1, Math.ceil(whole.length / 3)), filter);
        assert.equal(new Set(seen.map((e) => e.id)).size, seen.length);
      }
      const last = await audit(t, "?limit=500");
      assert.equal("next_cursor" in last, false, "no next_cursor on the last page");
      const ids = last.items.map((e) => e.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        "newest first (one clock: ids follow at_ms)",
      );
    });
  });

  const bad: Array<[string, string]> = [
    ["tenant_key=ACME", "tenant_key"],
    ["user_id=has%20space", "user_id"],
    [`user_id=${"u".repeat(65)}`, "user_id"],
    ["system_status_id=123", "system_status_id"],
    ["app_id=app", "app_id"],
    ["op=System.Open", "op"],
    ["op=a..b", "op"],
    ["actor=robot", "actor"],
    ["since_ms=soon", "since_ms"],
    ["since_ms=-1", "since_ms"],
    ["until_ms=1.5", "until_ms"],
    [`since_ms=${T0 + 10}&until_ms=${T0}`, "until_ms"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["cursor=nope", "cursor"],
    [`cursor=${Buffer.from(JSON.stringify(["a", 1])).toString("base64url")}`, "cursor"],
    [`cursor=${Buffer.from(JSON.stringify([1])).toString("base64url")}`, "cursor"],
    ["tenant=acme", "tenant"],
  ];
  for (const [query, field] of bad) {
    test(`?${query} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "GET", `/audit?${query}`), P.invalid(field));
      });
    });
  }
});

describe("audit: security", () => {
  test("no token, a wrong token, a tenant token → 401; another method → 405", async () => {
    await withAdmin(async (t) => {
      const tenantToken = await t.token();
      for (const token of [null, "wrong-token-0000000000", tenantToken]) {
        const res = await admin(t, "GET", "/audit", undefined, token);
        assertProblem(res, P.unauthorized);
        assert.equal(JSON.stringify(res.json()).includes("seed."), false, "nothing of the log leaks");
      }
      const res = await admin(t, "POST", "/audit", {});
      assertProblem(res, P.methodNotAllowed);
      assert.equal(res.headers.allow, "GET, HEAD");
      assert.ok(ADMIN.length > 0);
    });
  });
});
