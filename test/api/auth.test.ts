/**
 * Tokens, scopes and tenant permission on the personal_settings endpoints (docs/wire-contract.md §2 "Tokens on
 * API calls", §4): every endpoint checks them, with the vendor's codes and messages.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { APP, assertError, GLOBEX_STATUS, INITECH_APP, makeApp, NARROW_APP, openId, type TestApp, TRIP } from "../helpers.js";
import {
  closeUrl,
  E,
  errorOf,
  invalid,
  listRaw,
  openUrl,
  SCOPE_EMPLOYEE_ID,
  SCOPE_OPERATE,
  SCOPE_UPDATE,
  scopeRequired,
  statusUrl,
  TENANT_TOKEN_URL,
  withApp,
} from "./support.js";

interface Endpoint {
  name: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  body?: unknown;
  scope: string;
}

/** One valid request per endpoint (valid for the main app on the fixture seed). */
function endpoints(statusId = TRIP): Endpoint[] {
  const end = String(Date.UTC(2026, 0, 2) / 1000);
  return [
    {
      name: "create",
      method: "POST",
      url: "/open-apis/personal_settings/v1/system_statuses",
      scope: SCOPE_UPDATE,
      body: { title: "开会", icon_key: "GeneralInMeetingBusy", priority: 5 },
    },
    { name: "list", method: "GET", url: "/open-apis/personal_settings/v1/system_statuses", scope: SCOPE_UPDATE },
    {
      name: "patch",
      method: "PATCH",
      url: statusUrl(statusId),
      scope: SCOPE_UPDATE,
      body: { system_status: { color: "RED" }, update_fields: ["COLOR"] },
    },
    { name: "delete", method: "DELETE", url: statusUrl(statusId), scope: SCOPE_UPDATE },
    {
      name: "batch_open",
      method: "POST",
      url: openUrl(statusId),
      scope: SCOPE_OPERATE,
      body: { user_list: [{ user_id: openId("u001"), end_time: end }] },
    },
    { name: "batch_close", method: "POST", url: closeUrl(statusId), scope: SCOPE_OPERATE, body: { user_list: [openId("u001")] } },
  ];
}

describe("token errors on every endpoint", () => {
  let t: TestApp;
  before(async () => {
    t = await makeApp();
  });
  after(async () => {
    await t.close();
  });

  const headerCases: Array<[string, Record<string, string>, { status: number; code: number; msg: string }]> = [
    ["no Authorization header", {}, E.MISSING_TOKEN],
    ["`Bearer ` with no token", { authorization: "Bearer " }, E.MISSING_TOKEN],
    ["`Bearer` alone", { authorization: "Bearer" }, E.MISSING_TOKEN],
    ["a Basic credential", { authorization: "Basic x" }, E.MISSING_TOKEN],
    ["a bare token without Bearer", { authorization: "t-test000000000000000000000000000000000001" }, E.MISSING_TOKEN],
    ["a u- user token", { authorization: "Bearer u-abcdef0123456789" }, E.USER_TOKEN],
    ["an x- token", { authorization: "Bearer x-foo" }, E.BAD_PREFIX],
    ["an a- app token value", { authorization: "Bearer a-foo" }, E.BAD_PREFIX],
    ["an unknown t- token", { authorization: "Bearer t-doesnotexist" }, E.INVALID_TOKEN],
  ];
  for (const ep of endpoints()) {
    for (const [name, headers, expected] of headerCases) {
      test(`${ep.name}: ${name} → ${expected.code}`, async () => {
        const res = await t.call({ method: ep.method, url: ep.url, body: ep.body, headers });
        assertError(res, expected);
      });
    }
  }
});

describe("tokens revoked after issue", () => {
  test("a token of an app disabled after issue is 99991663", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assert.equal((await listRaw(t, tok)).statusCode, 200);
      const app = await t.store.getApp(APP.app_id);
      assert.ok(app);
      await t.store.upsertApp({ ...app, enabled: false });
      assertError(await listRaw(t, tok), E.INVALID_TOKEN);
    });
  });

  test("a revoked token (secret rotated) is 99991663", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await t.store.revokeTokens(APP.app_id);
      assertError(await listRaw(t, tok), E.INVALID_TOKEN);
    });
  });
});

describe("scopes", () => {
  let t: TestApp;
  let narrow: string;
  before(async () => {
    t = await makeApp();
    narrow = await t.token(NARROW_APP);
  });
  after(async () => {
    await t.close();
  });

  for (const ep of endpoints().filter((e) => e.scope === SCOPE_UPDATE)) {
    test(`the operate-only app calling ${ep.name} → 99991672 naming ${SCOPE_UPDATE}`, async () => {
      const res = await t.call({ method: ep.method, url: ep.url, body: ep.body, token: narrow });
      assertError(res, scopeRequired(SCOPE_UPDATE));
      const violations = errorOf(res).permission_violations;
      assert.ok(violations, res.body);
      assert.equal(violations.length, 1);
      assert.equal(violations[0]?.type, "action_scope_required");
      assert.equal(violations[0]?.subject, SCOPE_UPDATE);
      assert.equal(typeof violations[0]?.description, "string");
    });
  }

  for (const ep of endpoints().filter((e) => e.scope === SCOPE_OPERATE)) {
    test(`the operate-only app may call ${ep.name} with open_id`, async () => {
      const res = await t.call({ method: ep.method, url: ep.url, body: ep.body, token: narrow });
      assert.equal(res.statusCode, 200, res.body);
    });

    test(`the operate-only app calling ${ep.name} with user_id_type=user_id → 99991672 naming ${SCOPE_EMPLOYEE_ID}`, async () => {
      const url = `${ep.url}?user_id_type=user_id`;
      const body =
        ep.name === "batch_open" ? { user_list: [{ user_id: "u001", end_time: "1767312000" }] } : { user_list: ["u001"] };
      const res = await t.call({ method: ep.method, url, body, token: narrow });
      assertError(res, scopeRequired(SCOPE_EMPLOYEE_ID));
      const violations = errorOf(res).permission_violations;
      assert.deepEqual(
        violations?.map((v) => ({ type: v.type, subject: v.subject })),
        [{ type: "action_scope_required", subject: SCOPE_EMPLOYEE_ID }],
      );
    });

    test(`the operate-only app calling ${ep.name} with user_id_type=union_id is fine (no extra scope)`, async () => {
      const body =
        ep.name === "batch_open"
          ? { user_list: [{ user_id: "on_00000000000000000000000000000000", end_time: "1767312000" }] }
          : { user_list: ["on_00000000000000000000000000000000"] };
      const res = await t.call({ method: ep.method, url: `${ep.url}?user_id_type=union_id`, body, token: narrow });
      assert.equal(res.statusCode, 200, res.body);
    });
  }
});

describe("a tenant without API permission (Initech) → 2005007 on every endpoint", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token(INITECH_APP);
  });
  after(async () => {
    await t.close();
  });

  for (const ep of endpoints()) {
    test(`${ep.name} → 2005007`, async () => {
      assertError(await t.call({ method: ep.method, url: ep.url, body: ep.body, token: tok }), E.TENANT_NO_PERMISSION);
    });
  }

  test("its token endpoint still works (the permission is about personal_settings)", async () => {
    const res = await t.call({ method: "POST", url: TENANT_TOKEN_URL, body: INITECH_APP });
    assert.equal(res.statusCode, 200, res.body);
  });
});

describe("tenant isolation", () => {
  test("another tenant's status id is unknown on patch, delete, batch_open and batch_close", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const ep of endpoints(GLOBEX_STATUS).filter((e) => e.url.includes(GLOBEX_STATUS))) {
        const res = await t.call({ method: ep.method, url: ep.url, body: ep.body, token: tok });
        assertError(res, invalid("system_status_id"));
      }
    });
  });
});
