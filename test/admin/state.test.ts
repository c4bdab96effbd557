/**
 * Admin API, State (runs on both drivers): what a user shows (`shown` by the effective-status rule,
 * every row, the toggles), the user's sync toggle and its effect on the next open, and the users
 * who have a status open or show it; every error as a problem naming its field; and the security
 * cases of each route.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StatusUser, UserStatusView } from "../../src/domain/user-state.js";
import { close, del, open, openResults } from "../api/support.js";
import { ACME, ADMIN_TOKEN, APP, GLOBEX_STATUS, LEAVE, T0, T0_S, type TestApp, TRIP } from "../helpers.js";
import { ADMIN, admin, assertProblem, ok, P, withAdmin } from "./support.js";

// The answers as the admin API types them (the assertions below spell out every value).
type View = UserStatusView;
type Holder = StatusUser;

const statusPath = (user: string, tenant = ACME) => `/tenants/${tenant}/users/${user}/status`;
const syncPath = (user: string, status: string, tenant = ACME) => `/tenants/${tenant}/users/${user}/sync/${status}`;
const usersPath = (status: string, query = "", tenant = ACME) => `/tenants/${tenant}/system_statuses/${status}/users${query}`;

const view = async (t: TestApp, user: string): Promise<View> => ok<View>(await admin(t, "GET", statusPath(user)));
const setSync = async (t: TestApp, user: string, status: string, on: boolean): Promise<View> =>
  ok<View>(await admin(t, "PUT", syncPath(user, status), { on }));

/** Every page of a status's users, joined by next_cursor. */
async function allHolders(t: TestApp, status: string, query: string): Promise<{ users: Holder[]; pages: number[] }> {
  const users: Holder[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const q = `?${query}${cursor ? `&cursor=${cursor}` : ""}`;
    const body = ok<{ items: Holder[]; next_cursor?: string }>(await admin(t, "GET", usersPath(status, q)));
    users.push(...body.items);
    pages.push(body.items.length);
    cursor = body.next_cursor;
    assert.ok(pages.length < 50, "the pages end");
  } while (cursor);
  return { users, pages };
}

/** Opens `status` by user_id, each user for its number of seconds from now. */
async function openFor(t: TestApp, token: string, status: string, users: Record<string, number>): Promise<string[]> {
  const nowS = Math.floor(t.clock.now() / 1000);
  return (
    await open(
      t,
      token,
      status,
      Object.entries(users).map(([user_id, s]) => ({ user_id, end_time: String(nowS + s) })),
      "user_id",
    )
  ).map((r) => r.result);
}

describe("state: a user's status view", () => {
  test("a user with no rows shows nothing; the toggles are the statuses' defaults (or the seed's sync_off)", async () => {
    await withAdmin(async (t) => {
      assert.deepEqual(await view(t, "u001"), {
        tenant_key: ACME,
        user_id: "u001",
        name: "Ann Lee",
        resigned: false,
        now_ms: T0,
        shown: null,
        statuses: [],
        sync: [
          { system_status_id: TRIP, title: "出差", on: true, set_by_user: false },
          { system_status_id: LEAVE, title: "请假", on: true, set_by_user: false },
        ],
      });
      const u3 = await view(t, "u003");
      assert.deepEqual(u3.sync[0], { system_status_id: TRIP, title: "出差", on: false, set_by_user: true });
      assert.equal((await view(t, "u002")).resigned, true);
    });
  });

  test("shown is the effective status (smallest priority), from its snapshot; every row is listed", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, LEAVE, { u001: 7200 });
      t.clock.advance(1000);
      await openFor(t, tok, TRIP, { u001: 3600 });
      const v = await view(t, "u001");
      assert.equal(v.now_ms, T0 + 1000);
      assert.deepEqual(v.shown, {
        system_status_id: TRIP,
        title: "出差",
        i18n_title: { zh_cn: "出差", en_us: "Business trip", ja_jp: "出張中" },
        icon_key: "GeneralBusinessTrip",
        color: "BLUE",
        priority: 1,
        end_time: String(T0_S + 1 + 3600),
        end_at: new Date((T0_S + 1 + 3600) * 1000).toISOString(),
        opened_by_app_id: APP.app_id,
        opened_at_ms: T0 + 1000,
      });
      assert.deepEqual(v.statuses, [
        {
          system_status_id: TRIP,
          title: "出差",
          open: true,
          expired: false,
          sync_on: true,
          shown: true,
          end_time: String(T0_S + 1 + 3600),
          end_at: new Date((T0_S + 1 + 3600) * 1000).toISOString(),
          opened_by_app_id: APP.app_id,
          opened_at_ms: T0 + 1000,
        },
        {
          system_status_id: LEAVE,
          title: "请假",
          open: true,
          expired: false,
          sync_on: true,
          shown: false,
          end_time: String(T0_S + 7200),
          end_at: new Date((T0_S + 7200) * 1000).toISOString(),
          opened_by_app_id: APP.app_id,
          opened_at_ms: T0,
        },
      ]);
    });
  });

  test("the snapshot is what users were opened with: a patched title shows only after a re-open", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, TRIP, { u001: 60 });
      const res = await t.call({
        method: "PATCH",
        url: `/open-apis/personal_settings/v1/system_statuses/${TRIP}`,
        token: tok,
        body: { system_status: { title: "出差中" }, update_fields: ["TITLE"] },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await view(t, "u001")).shown?.title, "出差");
      t.clock.advance(61_000);
      await openFor(t, tok, TRIP, { u001: 60 });
      assert.equal((await view(t, "u001")).shown?.title, "出差中");
    });
  });

  test("expiry follows the clock, with no job: at end_time the next status shows, then none", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, TRIP, { u001: 60 });
      await openFor(t, tok, LEAVE, { u001: 120 });
      assert.equal((await view(t, "u001")).shown?.system_status_id, TRIP);
      t.clock.advance(59_000);
      assert.equal((await view(t, "u001")).shown?.system_status_id, TRIP, "1 s before its end_time");
      t.clock.advance(1_000);
      const v = await view(t, "u001");
      assert.equal(v.shown?.system_status_id, LEAVE, "at end_time TRIP has ended");
      assert.deepEqual(
        v.statuses.map((s) => [s.system_status_id, s.open, s.expired, s.shown]),
        [
          [TRIP, true, true, false],
          [LEAVE, true, false, true],
        ],
      );
      t.clock.advance(60_000);
      assert.equal((await view(t, "u001")).shown, null);
    });
  });

  test("a close shows at once: the row stays, closed", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, TRIP, { u001: 600 });
      await close(t, tok, TRIP, ["u001"], "user_id");
      const v = await view(t, "u001");
      assert.equal(v.shown, null);
      assert.deepEqual(
        v.statuses.map((s) => [s.system_status_id, s.open, s.expired, s.shown]),
        [[TRIP, false, false, false]],
      );
    });
  });

  test("a deleted status the user still shows is still shown and listed", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, LEAVE, { u001: 600 });
      await del(t, tok, LEAVE);
      const v = await view(t, "u001");
      assert.equal(v.shown?.system_status_id, LEAVE);
      assert.deepEqual(
        v.sync.map((s) => s.system_status_id),
        [TRIP],
        "only live statuses have a toggle",
      );
    });
  });
});

describe("state: the sync toggle", () => {
  test("off: shown changes at once, the answer is the new view, and the next open answers success_user_close_syn", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, TRIP, { u001: 3600 });
      await openFor(t, tok, LEAVE, { u001: 3600 });
      assert.equal((await view(t, "u001")).shown?.system_status_id, TRIP);

      const off = await setSync(t, "u001", TRIP, false);
      assert.deepEqual(off, await view(t, "u001"), "the answer is the user's view");
      assert.equal(off.shown?.system_status_id, LEAVE);
      assert.deepEqual(
        off.statuses.map((s) => [s.system_status_id, s.sync_on, s.shown]),
        [
          [TRIP, false, false],
          [LEAVE, true, true],
        ],
      );
      assert.deepEqual(off.sync[0], { system_status_id: TRIP, title: "出差", on: false, set_by_user: true });
      assert.deepEqual(await openFor(t, tok, TRIP, { u001: 3600 }), ["success_user_close_syn"]);

      const on = await setSync(t, "u001", TRIP, true);
      assert.equal(on.shown?.system_status_id, TRIP, "back on: shown again at once, with no new open");
      assert.deepEqual(on.sync[0], { system_status_id: TRIP, title: "出差", on: true, set_by_user: true });
      assert.deepEqual(await openFor(t, tok, TRIP, { u001: 3600 }), ["success_show"]);
    });
  });

  test("a toggle set before any row applies to the user's first open (the store's fast path reads it)", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      const v = await setSync(t, "u004", LEAVE, false);
      assert.deepEqual(v.statuses, []);
      assert.deepEqual(v.sync[1], { system_status_id: LEAVE, title: "请假", on: false, set_by_user: true });
      assert.deepEqual(await openFor(t, tok, LEAVE, { u004: 60, u005: 60 }), ["success_user_close_syn", "success_show"]);
      assert.equal((await view(t, "u004")).shown, null);
      assert.equal((await view(t, "u005")).shown?.system_status_id, LEAVE);
    });
  });

  test("the seed's sync_off is a toggle like any other: turned on, u003 shows TRIP", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      assert.deepEqual(await openFor(t, tok, TRIP, { u003: 60 }), ["success_user_close_syn"]);
      const on = await setSync(t, "u003", TRIP, true);
      assert.equal(on.shown?.system_status_id, TRIP);
      assert.deepEqual(await openFor(t, tok, TRIP, { u003: 60 }), ["success_show"]);
    });
  });

  test("the toggle is the user's: another user and the same user in another tenant are untouched", async () => {
    await withAdmin(async (t) => {
      await setSync(t, "u001", TRIP, false);
      assert.equal((await view(t, "u004")).sync[0]?.on, true);
      assert.equal((await t.store.userSyncPrefs("0f1e2d3c4b5a6978", "u001")).size, 0);
    });
  });
});

describe("state: the users of a status", () => {
  test("open and unexpired users by user_id, each with end_time, toggle and whether it is shown; ?shown=true filters", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, LEAVE, { u006: 3600, u001: 3600, u004: 30, u005: 3600 });
      await openFor(t, tok, TRIP, { u005: 3600 }); // u005 shows TRIP instead
      await setSync(t, "u006", LEAVE, false); // u006 has it open but does not show it
      await openFor(t, tok, LEAVE, { u003: 3600 });
      await close(t, tok, LEAVE, ["u003"], "user_id"); // closed: not listed
      const all = ok<{ items: Holder[]; next_cursor?: string }>(await admin(t, "GET", usersPath(LEAVE)));
      assert.equal("next_cursor" in all, false);
      assert.deepEqual(
        all.items.map((h) => [h.user_id, h.sync_on, h.shown]),
        [
          ["u001", true, true],
          ["u004", true, true],
          ["u005", true, false],
          ["u006", false, false],
        ],
      );
      assert.deepEqual(all.items[0], {
        user_id: "u001",
        end_time: String(T0_S + 3600),
        end_at: new Date((T0_S + 3600) * 1000).toISOString(),
        sync_on: true,
        shown: true,
        opened_by_app_id: APP.app_id,
        opened_at_ms: T0,
      });
      const shown = ok<{ items: Holder[] }>(await admin(t, "GET", usersPath(LEAVE, "?shown=true")));
      assert.deepEqual(
        shown.items.map((h) => h.user_id),
        ["u001", "u004"],
      );
      // Expiry by the clock: u004's 30 s are over.
      t.clock.advance(30_000);
      assert.deepEqual(
        ok<{ items: Holder[] }>(await admin(t, "GET", usersPath(LEAVE, "?shown=true"))).items.map((h) => h.user_id),
        ["u001"],
      );
      assert.deepEqual(
        ok<{ items: Holder[] }>(await admin(t, "GET", usersPath(LEAVE, "?shown=false"))).items.map((h) => h.user_id),
        ["u001", "u005", "u006"],
      );
      assert.deepEqual(
        ok<{ items: Holder[] }>(await admin(t, "GET", usersPath(TRIP))).items.map((h) => h.user_id),
        ["u005"],
      );
    });
  });

  test("pages of ?limit= joined by next_cursor list every user once; with shown=true a page may hold fewer", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      const users = ["u001", "u003", "u004", "u005", "u006"];
      await openFor(t, tok, LEAVE, Object.fromEntries(users.map((u) => [u, 3600])));
      await openFor(t, tok, TRIP, { u001: 3600, u004: 3600, u005: 3600 });
      const every = await allHolders(t, LEAVE, "limit=2");
      assert.deepEqual(
        every.users.map((h) => h.user_id),
        users,
      );
      assert.deepEqual(every.pages, [2, 2, 1]);
      // Shown: u003 and u006 only (the others show TRIP). Pages scan 2 candidates each.
      const shown = await allHolders(t, LEAVE, "limit=2&shown=true");
      assert.deepEqual(
        shown.users.map((h) => h.user_id),
        ["u003", "u006"],
      );
      assert.deepEqual(shown.pages, [1, 0, 1]);
    });
  });

  test("a deleted status still lists the users who have it open", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await openFor(t, tok, LEAVE, { u001: 3600 });
      await del(t, tok, LEAVE);
      assert.deepEqual(
        ok<{ items: Holder[] }>(await admin(t, "GET", usersPath(LEAVE))).items.map((h) => [h.user_id, h.shown]),
        [["u001", true]],
      );
    });
  });
});

describe("state: errors", () => {
  test("unknown tenant, user or status → 404; another tenant's user or status is unknown here", async () => {
    await withAdmin(async (t) => {
      const NOBODY_TENANT = "ffffffffffffffff";
      const UNKNOWN_STATUS = "7101214603622949999";
      const cases: Array<["GET" | "PUT", string, unknown?]> = [
        ["GET", statusPath("u001", NOBODY_TENANT)],
        ["GET", statusPath("nobody")],
        ["GET", statusPath("g001")], // Globex's user
        ["PUT", syncPath("u001", TRIP, NOBODY_TENANT), { on: false }],
        ["PUT", syncPath("nobody", TRIP), { on: false }],
        ["PUT", syncPath("g001", TRIP), { on: false }],
        ["PUT", syncPath("u001", UNKNOWN_STATUS), { on: false }],
        ["PUT", syncPath("u001", GLOBEX_STATUS), { on: false }],
        ["GET", usersPath(TRIP, "", NOBODY_TENANT)],
        ["GET", usersPath(UNKNOWN_STATUS)],
        ["GET", usersPath(GLOBEX_STATUS)],
      ];
      for (const [method, path, body] of cases) {
        const p = assertProblem(await admin(t, method, path, body), P.notFound);
        assert.match(String(p.detail), /^no (tenant|user|system status) "/, `${method} ${path}: ${p.detail}`);
      }
      assert.equal((await t.store.userSyncPrefs(ACME, "u001")).size, 0, "nothing was written");
    });
  });

  test("a deleted status has no toggle: 404, nothing written", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      await del(t, tok, LEAVE);
      assertProblem(await admin(t, "PUT", syncPath("u001", LEAVE), { on: false }), P.notFound);
      assert.equal((await t.store.userSyncPrefs(ACME, "u001")).size, 0);
    });
  });

  const badPaths: Array<[string, "GET" | "PUT", string, string]> = [
    ["a malformed user_id", "GET", statusPath("not%20an%20id"), "user_id"],
    ["a 65-character user_id", "GET", statusPath("u".repeat(65)), "user_id"],
    ["a malformed user_id (sync)", "PUT", syncPath("bad.id", TRIP), "user_id"],
    ["a short system_status_id (sync)", "PUT", syncPath("u001", "7101"), "system_status_id"],
    ["a non-numeric system_status_id (users)", "GET", usersPath("710121460362294000x"), "system_status_id"],
  ];
  for (const [name, method, path, field] of badPaths) {
    test(`${name} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, method, path, method === "PUT" ? { on: false } : undefined), P.invalid(field));
      });
    });
  }

  const badBodies: Array<[string, unknown, string]> = [
    ["no on", {}, "on"],
    ["on not a boolean", { on: "off" }, "on"],
    ["on null", { on: null }, "on"],
    ["an unknown field", { on: true, user: "u001" }, "user"],
    ["a body that is not an object", [true], "body"],
    ["malformed JSON", "{on:", "body"],
  ];
  for (const [name, body, field] of badBodies) {
    test(`sync: ${name} → 400 naming ${field}, nothing written`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "PUT", syncPath("u001", TRIP), body), P.invalid(field));
        assert.equal((await t.store.userSyncPrefs(ACME, "u001")).size, 0);
      });
    });
  }

  test("sync: no body at all → 400 naming body", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "PUT", syncPath("u001", TRIP)), P.invalid("body"));
    });
  });

  const badQueries: Array<[string, string]> = [
    ["shown=yes", "shown"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["cursor=nope", "cursor"],
    [`cursor=${Buffer.from("[5]").toString("base64url")}`, "cursor"],
    ["user_id=u001", "user_id"],
  ];
  for (const [query, field] of badQueries) {
    test(`users: ?${query} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "GET", usersPath(TRIP, `?${query}`)), P.invalid(field));
      });
    });
  }

  test("other methods → 405 with Allow", async () => {
    await withAdmin(async (t) => {
      assert.equal((await admin(t, "DELETE", statusPath("u001"))).headers.allow, "GET, HEAD");
      assertProblem(await admin(t, "POST", syncPath("u001", TRIP), { on: true }), P.methodNotAllowed);
      assert.equal((await admin(t, "GET", syncPath("u001", TRIP))).headers.allow, "PUT");
      assert.equal((await admin(t, "PUT", usersPath(TRIP), {})).headers.allow, "GET, HEAD");
    });
  });
});

describe("state: security (every route)", () => {
  const routes: Array<["GET" | "PUT", string, unknown?]> = [
    ["GET", statusPath("u001")],
    ["PUT", syncPath("u001", TRIP), { on: false }],
    ["GET", usersPath(TRIP)],
  ];
  for (const [method, path, body] of routes) {
    test(`${method} ${path}: no token, a wrong token, a tenant token → 401, nothing changed`, async () => {
      await withAdmin(async (t) => {
        const tenantToken = await t.token();
        await openFor(t, tenantToken, TRIP, { u001: 600 });
        for (const token of [null, "wrong-token-0000000000", tenantToken, `${ADMIN_TOKEN}x`]) {
          const res = await admin(t, method, path, body, token);
          assertProblem(res, P.unauthorized);
          assert.equal(res.body.includes("u001") || res.body.includes("出差"), false, "nothing about the user leaks");
        }
        assert.equal((await t.store.userSyncPrefs(ACME, "u001")).size, 0);
        assert.deepEqual(
          await openResults(t, tenantToken, TRIP, [{ user_id: "u001", end_time: String(T0_S + 600) }], "user_id"),
          ["success_show"],
        );
      });
    });
  }

  test("the tenant's own vendor API cannot reach the admin routes", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      const res = await t.call({ method: "GET", url: `${ADMIN}${statusPath("u001")}`, token: tok });
      assertProblem(res, P.unauthorized);
    });
  });
});
