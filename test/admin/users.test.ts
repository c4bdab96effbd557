/**
 * Admin API, users (runs on both drivers): list with cursors, read with open_ids (per app) and
 * union_ids (per developer), create or update with PUT (201 / 200; a new user gets the derived ids
 * of every app, an existing one keeps its ids and toggles), each error, and the security cases.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deriveOpenId, deriveUnionId } from "../../src/domain/ids.js";
import { openResults } from "../api/support.js";
import {
  ACME,
  ADMIN_TOKEN,
  APP,
  DISABLED_APP,
  GLOBEX,
  GLOBEX_APP,
  inSeconds,
  NARROW_APP,
  openId,
  type TestApp,
  TRIP,
  unionId,
} from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

interface UserOut {
  tenant_key: string;
  user_id: string;
  name: string;
  resigned: boolean;
  open_ids: Record<string, string>;
  union_ids: Record<string, string>;
}

const ACME_APPS = [APP.app_id, NARROW_APP.app_id, DISABLED_APP.app_id];

/** What the fixture seed gives an Acme user. */
function acmeUser(userId: string, name: string, resigned = false): UserOut {
  return {
    tenant_key: ACME,
    user_id: userId,
    name,
    resigned,
    open_ids: Object.fromEntries(ACME_APPS.map((a) => [a, openId(userId, a)])),
    union_ids: { [ACME]: unionId(userId) },
  };
}

describe("users: list and read", () => {
  test("list: the tenant's users by user_id with their ids (the seed's explicit ones too)", async () => {
    await withAdmin(async (t) => {
      const body = ok<{ items: UserOut[]; next_cursor?: string }>(await admin(t, "GET", `/tenants/${ACME}/users`));
      assert.deepEqual(
        body.items.map((u) => u.user_id),
        ["u001", "u002", "u003", "u004", "u005", "u006"],
      );
      assert.equal("next_cursor" in body, false);
      assert.deepEqual(body.items[0], acmeUser("u001", "Ann Lee"));
      assert.deepEqual(body.items[1], acmeUser("u002", "Bo Chen", true));
      assert.deepEqual(body.items[2], acmeUser("u003", "Cy Wu"));
      assert.equal(body.items[2]?.open_ids[APP.app_id], "ou_0123456789abcdef0123456789abcdef");
      assert.equal(body.items[2]?.union_ids[ACME], "on_0123456789abcdef0123456789abcdef");
    });
  });

  test("list: pages of ?limit= joined by next_cursor; another tenant's users are its own", async () => {
    await withAdmin(async (t) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const body = ok<{ items: UserOut[]; next_cursor?: string }>(
          await admin(t, "GET", `/tenants/${ACME}/users?limit=4${cursor ? `&cursor=${cursor}` : ""}`),
        );
        seen.push(...body.items.map((u) => u.user_id));
        cursor = body.next_cursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 2);
      assert.deepEqual(seen, ["u001", "u002", "u003", "u004", "u005", "u006"]);
      const globex = ok<{ items: UserOut[] }>(await admin(t, "GET", `/tenants/${GLOBEX}/users`));
      assert.deepEqual(
        globex.items.map((u) => [u.user_id, u.name]),
        [
          ["g001", "Hal Ito"],
          ["u001", "Same employee id, other tenant"],
        ],
      );
      assert.deepEqual(globex.items[1]?.open_ids, { [GLOBEX_APP.app_id]: deriveOpenId(GLOBEX_APP.app_id, GLOBEX, "u001") });
    });
  });

  test("read: one user; an unknown user or tenant → 404; a malformed user_id → 400", async () => {
    await withAdmin(async (t) => {
      assert.deepEqual(ok(await admin(t, "GET", `/tenants/${ACME}/users/u004`)), acmeUser("u004", "Di Park"));
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users/g001`), P.notFound);
      assertProblem(await admin(t, "GET", "/tenants/ffffffffffffffff/users/u001"), P.notFound);
      assertProblem(await admin(t, "GET", "/tenants/ffffffffffffffff/users"), P.notFound);
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users/u%20001`), P.invalid("user_id"));
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users?limit=501`), P.invalid("limit"));
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users?cursor=x`), P.invalid("cursor"));
    });
  });
});

describe("users: PUT creates or updates", () => {
  test("a new user: 201 with the derived ids of every app of the tenant; the vendor API resolves them", async () => {
    await withAdmin(async (t) => {
      const created = ok<UserOut>(await admin(t, "PUT", `/tenants/${ACME}/users/u100`, { name: "Gil Fox" }), 201);
      assert.deepEqual(created, {
        tenant_key: ACME,
        user_id: "u100",
        name: "Gil Fox",
        resigned: false,
        open_ids: Object.fromEntries(ACME_APPS.map((a) => [a, deriveOpenId(a, ACME, "u100")])),
        union_ids: { [ACME]: deriveUnionId(ACME, ACME, "u100") },
      });
      assert.deepEqual(ok(await admin(t, "GET", `/tenants/${ACME}/users/u100`)), created);
      const tok = await t.token();
      const end = inSeconds(t, 3600);
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: deriveOpenId(APP.app_id, ACME, "u100"), end_time: end }]), [
        "success_show",
      ]);
      assert.deepEqual(
        await openResults(t, tok, TRIP, [{ user_id: deriveUnionId(ACME, ACME, "u100"), end_time: end }], "union_id"),
        ["success_show"],
      );
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: "u100", end_time: end }], "user_id"), ["success_show"]);
    });
  });

  test("an existing user: 200, name and resigned change, its ids (explicit ones too) and sync toggles are kept", async () => {
    await withAdmin(async (t) => {
      const updated = ok<UserOut>(
        await admin(t, "PUT", `/tenants/${ACME}/users/u003`, { name: "Cy Wu-Lee", resigned: false }),
        200,
      );
      assert.deepEqual(updated, { ...acmeUser("u003", "Cy Wu-Lee") });
      const tok = await t.token();
      // u003 switched TRIP's auto-open off in the seed: still off.
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u003"), end_time: inSeconds(t, 60) }]), [
        "success_user_close_syn",
      ]);
      // resigned: true is seen by the vendor API at once; absent, it is false again (PUT replaces).
      ok(await admin(t, "PUT", `/tenants/${ACME}/users/u004`, { name: "Di Park", resigned: true }));
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u004"), end_time: inSeconds(t, 60) }]), [
        "resign_user_id",
      ]);
      assert.equal(ok<UserOut>(await admin(t, "PUT", `/tenants/${ACME}/users/u002`, { name: "Bo Chen" })).resigned, false);
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u002"), end_time: inSeconds(t, 60) }]), [
        "success_show",
      ]);
    });
  });

  test("the same employee id in another tenant is another user", async () => {
    await withAdmin(async (t) => {
      ok(await admin(t, "PUT", `/tenants/${GLOBEX}/users/u004`, { name: "Globex Di" }), 201);
      assert.equal((await t.store.getUser(ACME, "u004"))?.name, "Di Park");
      assert.deepEqual(Object.keys((await t.store.getUser(GLOBEX, "u004"))?.open_ids ?? {}), [GLOBEX_APP.app_id]);
    });
  });

  const userCount = async (t: TestApp) => (await t.store.listUsers(ACME, 100)).length;

  test("an unknown tenant → 404, nothing created", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "PUT", "/tenants/ffffffffffffffff/users/u100", { name: "x" }), P.notFound);
      assert.equal(await t.store.getUser("ffffffffffffffff", "u100"), undefined);
    });
  });

  const bad: Array<[string, string, unknown, string]> = [
    ["no name", "u100", {}, "name"],
    ["an empty name", "u100", { name: "" }, "name"],
    ["a name over 256 characters", "u100", { name: "x".repeat(257) }, "name"],
    ["a name that is not well-formed text", "u100", { name: "x\ud800" }, "name"],
    ["resigned not a boolean", "u100", { name: "x", resigned: "no" }, "resigned"],
    ["user_id in the body (it is the path's)", "u100", { name: "x", user_id: "u101" }, "user_id"],
    ["ids in the body (they are derived)", "u100", { name: "x", open_ids: {} }, "open_ids"],
    ["a malformed user_id", "u.100", { name: "x" }, "user_id"],
    ["a user_id over 64 characters", "u".repeat(65), { name: "x" }, "user_id"],
    ["malformed JSON", "u100", "{", "body"],
  ];
  for (const [name, userId, body, field] of bad) {
    test(`${name} → 400 naming ${field}, nothing written`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "PUT", `/tenants/${ACME}/users/${userId}`, body), P.invalid(field));
        assert.equal(await userCount(t), 6);
        // The same body refused for an existing user too.
        if (userId === "u100") assertProblem(await admin(t, "PUT", `/tenants/${ACME}/users/u001`, body), P.invalid(field));
        assert.equal((await t.store.getUser(ACME, "u001"))?.name, "Ann Lee");
      });
    });
  }
});

describe("users: security (every user route)", () => {
  const routes: Array<["GET" | "PUT", string, unknown?]> = [
    ["GET", `/tenants/${ACME}/users`],
    ["GET", `/tenants/${ACME}/users/u001`],
    ["PUT", `/tenants/${ACME}/users/u001`, { name: "Mallory" }],
    ["PUT", `/tenants/${ACME}/users/u999`, { name: "Mallory" }],
  ];
  for (const [method, path, body] of routes) {
    test(`${method} ${path}: no token, a wrong token, a tenant token → 401, nothing changed`, async () => {
      await withAdmin(async (t) => {
        const tenantToken = await t.token();
        for (const token of [null, "wrong-token-0000000000", tenantToken, `${ADMIN_TOKEN}x`]) {
          assertProblem(await admin(t, method, path, body, token), P.unauthorized);
        }
        assert.equal((await t.store.getUser(ACME, "u001"))?.name, "Ann Lee");
        assert.equal(await t.store.getUser(ACME, "u999"), undefined);
      });
    });
  }
});
