/**
 * The order of checks (docs/wire-contract.md §4): route (404/405) → token → scope (incl. user_id_type=user_id)
 * → rate limit → tenant permission (2005007) → request validation (2005001) → the status exists
 * (2005001) → 2005003 → 2005004 → 2005002 → 2005005 → batch: 2005006 → per-user results. Each test
 * sends a request that breaks two or more rules and asserts the earlier one answers. (The rate
 * limit's place is covered in rate-limit.test.ts; create conflicts in create.test.ts.)
 */
import { after, before, describe, test } from "node:test";
import {
  assertError,
  BASE,
  GLOBEX,
  GLOBEX_APP,
  INITECH_APP,
  LEAVE,
  makeApp,
  NARROW_APP,
  openId,
  type TestApp,
  TRIP,
} from "../helpers.js";
import {
  closeUrl,
  E,
  invalid,
  NO_SUCH_STATUS,
  openRaw,
  openUrl,
  SCOPE_EMPLOYEE_ID,
  SCOPE_UPDATE,
  scopeRequired,
  statusUrl,
} from "./support.js";

const BIG = JSON.stringify({ pad: "p".repeat(1024 * 1024 + 10) });

describe("check order", () => {
  let t: TestApp;
  let tok: string;
  let narrow: string;
  let initech: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
    narrow = await t.token(NARROW_APP);
    initech = await t.token(INITECH_APP);
  });
  after(async () => {
    await t.close();
  });

  test("an unknown route with a bad token → 404, not a token error", async () => {
    assertError(await t.call({ method: "POST", url: `${BASE}/${TRIP}/batch_nope`, token: "x-bad", body: {} }), E.NOT_FOUND);
    assertError(await t.call({ method: "GET", url: "/open-apis/personal_settings/v1/nope", token: "t-unknown" }), E.NOT_FOUND);
    assertError(await t.call({ method: "GET", url: "/open-apis/personal_settings/v1/nope" }), E.NOT_FOUND);
  });

  test("a wrong method with no token or a bad token → 405, not 99991661", async () => {
    assertError(await t.call({ method: "PUT", url: BASE, body: {} }), E.METHOD_NOT_ALLOWED);
    assertError(await t.call({ method: "GET", url: openUrl(TRIP), token: "u-user" }), E.METHOD_NOT_ALLOWED);
  });

  test("an unknown route with a malformed JSON body → 404 (the route is checked before the body)", async () => {
    assertError(await t.call({ method: "POST", url: `${BASE}/${TRIP}/batch_nope`, token: "x-bad", body: "{" }), E.NOT_FOUND);
    assertError(await t.call({ method: "POST", url: "/open-apis/nope", body: "{" }), E.NOT_FOUND);
  });

  test("an unknown route with a body over 1 MiB → 404", async () => {
    assertError(await t.call({ method: "POST", url: "/open-apis/nope", body: BIG }), E.NOT_FOUND);
  });

  test("a wrong method with a malformed JSON body → 405 (the route is checked before the body)", async () => {
    assertError(await t.call({ method: "PUT", url: BASE, body: "{" }), E.METHOD_NOT_ALLOWED);
    assertError(await t.call({ method: "POST", url: statusUrl(TRIP), token: tok, body: "[" }), E.METHOD_NOT_ALLOWED);
  });

  const routes = [
    ["create", "POST", BASE],
    ["patch", "PATCH", statusUrl(NO_SUCH_STATUS)],
    ["batch_open", "POST", openUrl(NO_SUCH_STATUS)],
    ["batch_close", "POST", closeUrl(NO_SUCH_STATUS)],
  ] as const;
  for (const [name, method, url] of routes) {
    test(`${name}: a malformed body with no token → 99991661 (not 2005001)`, async () => {
      assertError(await t.call({ method, url, body: "{not json" }), E.MISSING_TOKEN);
    });
    test(`${name}: a body over 1 MiB with an unknown token → 99991663`, async () => {
      assertError(await t.call({ method, url, body: BIG, token: "t-unknown" }), E.INVALID_TOKEN);
    });
    test(`${name}: a malformed body with a user token → 99991668`, async () => {
      assertError(await t.call({ method, url, body: "[", token: "u-user" }), E.USER_TOKEN);
    });
    test(`${name}: an api-disabled tenant with a malformed body, an oversized body or an unknown id → 2005007`, async () => {
      assertError(await t.call({ method, url, body: "{not json", token: initech }), E.TENANT_NO_PERMISSION);
      assertError(await t.call({ method, url, body: BIG, token: initech }), E.TENANT_NO_PERMISSION);
      assertError(await t.call({ method, url, body: { user_list: [] }, token: initech }), E.TENANT_NO_PERMISSION);
    });
  }

  test("missing scope with a malformed body → 99991672 (scope before validation)", async () => {
    assertError(await t.call({ method: "POST", url: BASE, body: "{", token: narrow }), scopeRequired(SCOPE_UPDATE));
    assertError(await t.call({ method: "DELETE", url: statusUrl("bad-id"), token: narrow }), scopeRequired(SCOPE_UPDATE));
  });

  test("missing employee-id scope with an invalid body → 99991672 (scope before validation)", async () => {
    const res = await t.call({ method: "POST", url: openUrl(NO_SUCH_STATUS, "user_id"), body: { user_list: [] }, token: narrow });
    assertError(res, scopeRequired(SCOPE_EMPLOYEE_ID));
  });

  test("an api-disabled tenant lacking the employee-id scope → 99991672 (scope before 2005007)", async () => {
    const res = await t.call({
      method: "POST",
      url: closeUrl(TRIP, "user_id"),
      body: { user_list: ["i001"] },
      token: initech,
    });
    assertError(res, scopeRequired(SCOPE_EMPLOYEE_ID));
  });

  test("delete: an api-disabled tenant with a malformed id → 2005007", async () => {
    assertError(await t.call({ method: "DELETE", url: statusUrl("nope"), token: initech }), E.TENANT_NO_PERMISSION);
  });

  test("list: an api-disabled tenant with an invalid page_size → 2005007", async () => {
    assertError(
      await t.call({ method: "GET", url: `${BASE}?page_size=0&page_token=junk`, token: initech }),
      E.TENANT_NO_PERMISSION,
    );
  });

  test("an invalid body on a nonexistent status → 2005001 naming the body field, not system_status_id", async () => {
    assertError(
      await t.call({
        method: "PATCH",
        url: statusUrl(NO_SUCH_STATUS),
        token: tok,
        body: { system_status: { priority: 99 }, update_fields: ["PRIORITY"] },
      }),
      invalid("system_status.priority"),
    );
    assertError(
      await t.call({ method: "POST", url: openUrl(NO_SUCH_STATUS), token: tok, body: { user_list: [] } }),
      invalid("user_list"),
    );
    assertError(
      await t.call({ method: "POST", url: closeUrl(NO_SUCH_STATUS), token: tok, body: { user_list: [1] } }),
      invalid("user_list[0]"),
    );
    assertError(
      await openRaw(t, tok, NO_SUCH_STATUS, [{ user_id: openId("u001"), end_time: "100" }]),
      invalid("user_list[0].end_time"),
    );
  });

  test("an invalid user_id_type on a nonexistent status → user_id_type", async () => {
    assertError(
      await openRaw(
        t,
        tok,
        NO_SUCH_STATUS,
        [{ user_id: openId("u001"), end_time: String(Date.UTC(2026, 0, 2) / 1000) }],
        "phone",
      ),
      invalid("user_id_type"),
    );
  });

  test("batch: a nonexistent status with another tenant's user → 2005001 on system_status_id (before 2005006)", async () => {
    const res = await t.call({
      method: "POST",
      url: closeUrl(NO_SUCH_STATUS),
      token: tok,
      body: { user_list: [openId("g001", GLOBEX_APP.app_id, GLOBEX)] },
    });
    assertError(res, invalid("system_status_id"));
  });

  test("patch: a nonexistent status with conflicting fields → 2005001 on system_status_id (before 2005002/3/5)", async () => {
    const res = await t.call({
      method: "PATCH",
      url: statusUrl(NO_SUCH_STATUS),
      token: tok,
      body: { system_status: { title: "出差", priority: 1 }, update_fields: ["TITLE", "PRIORITY"] },
    });
    assertError(res, invalid("system_status_id"));
  });

  test("patch: sensitive word beats duplicate name and duplicate priority → 2005003", async () => {
    const res = await t.call({
      method: "PATCH",
      url: statusUrl(LEAVE),
      token: tok,
      body: {
        system_status: { title: "出差", i18n_title: { en_us: "Forbidden" }, priority: 1 },
        update_fields: ["TITLE", "I18N_TITLE", "PRIORITY"],
      },
    });
    assertError(res, E.SENSITIVE_WORD);
  });

  test("batch: another tenant's user beats invalid and resigned users → 2005006", async () => {
    const res = await t.call({
      method: "POST",
      url: closeUrl(TRIP),
      token: tok,
      body: { user_list: ["junk", openId("u002"), openId("g001", GLOBEX_APP.app_id, GLOBEX)] },
    });
    assertError(res, E.OTHER_TENANT_USER);
  });
});
