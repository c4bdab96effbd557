/**
 * Admin API, deleting a tenant (runs on both drivers): 204, and everything it owns is gone at once
 * (its tokens answer 99991663 on the vendor API, its apps' secrets 10003, its users and statuses
 * are unknown), another tenant is untouched; an unknown tenant is 404; the security cases. That a
 * delete failing half way changes nothing is the storage contract's test (test/storage/contract.ts,
 * "deleteTenant is one transaction"), on both drivers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { E, openResults, TENANT_TOKEN_URL } from "../api/support.js";
import {
  ACME,
  ADMIN_TOKEN,
  APP,
  assertError,
  BASE,
  GLOBEX,
  GLOBEX_APP,
  inSeconds,
  NARROW_APP,
  openId,
  type TestApp,
  TRIP,
} from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

function listStatuses(t: TestApp, token: string) {
  return t.call({ method: "GET", url: BASE, token });
}

describe("DELETE /tenants/{tenant_key}", () => {
  test("204 with no body; its tokens answer 99991663 at once, its apps, users and statuses are gone", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      const narrowTok = await t.token(NARROW_APP);
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u001"), end_time: inSeconds(t, 3600) }]), [
        "success_show",
      ]);
      const globexTok = await t.token(GLOBEX_APP);

      const res = await admin(t, "DELETE", `/tenants/${ACME}`);
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.body, "");

      assertError(await listStatuses(t, tok), E.INVALID_TOKEN);
      assertError(await listStatuses(t, narrowTok), E.INVALID_TOKEN);
      const again = await t.app.inject({ method: "POST", url: TENANT_TOKEN_URL, payload: APP });
      assertError(again, E.INVALID_PARAM);
      assertProblem(await admin(t, "GET", `/tenants/${ACME}`), P.notFound);
      assertProblem(await admin(t, "GET", `/apps/${APP.app_id}`), P.notFound);
      assertProblem(await admin(t, "GET", `/apps?tenant_key=${ACME}`), P.notFound);
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users`), P.notFound);
      assertProblem(await admin(t, "GET", `/tenants/${ACME}/users/u001`), P.notFound);
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
      assert.equal(await t.store.getStatus(ACME, TRIP, true), undefined);

      // Another tenant is untouched: its token, users and statuses.
      assert.equal((await listStatuses(t, globexTok)).statusCode, 200);
      assert.equal(ok<{ items: unknown[] }>(await admin(t, "GET", `/tenants/${GLOBEX}/users`)).items.length, 2);
      assert.equal(
        ok<{ items: Array<{ tenant_key: string }> }>(await admin(t, "GET", "/tenants")).items.some((x) => x.tenant_key === ACME),
        false,
      );
    });
  });

  test("the key can be used again, for a tenant that starts empty", async () => {
    await withAdmin(async (t) => {
      assert.equal((await admin(t, "DELETE", `/tenants/${ACME}`)).statusCode, 204);
      ok(await admin(t, "POST", "/tenants", { tenant_key: ACME, name: "Acme again" }), 201);
      assert.deepEqual(ok<{ items: unknown[] }>(await admin(t, "GET", `/tenants/${ACME}/users`)).items, []);
      assert.deepEqual(ok<{ items: unknown[] }>(await admin(t, "GET", `/apps?tenant_key=${ACME}`)).items, []);
      ok(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: APP.app_id, scopes: [] }), 201);
    });
  });

  test("an unknown tenant → 404, and a second delete too; nothing else changes", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "DELETE", "/tenants/ffffffffffffffff"), P.notFound);
      assert.equal((await admin(t, "DELETE", `/tenants/${GLOBEX}`)).statusCode, 204);
      assertProblem(await admin(t, "DELETE", `/tenants/${GLOBEX}`), P.notFound);
      assert.equal((await t.store.listTenants(10)).length, 2);
      await t.token();
    });
  });

  test("no token, a wrong token, a tenant token → 401, nothing deleted", async () => {
    await withAdmin(async (t) => {
      const tenantToken = await t.token();
      for (const token of [null, "wrong-token-0000000000", tenantToken, `${ADMIN_TOKEN}x`]) {
        assertProblem(await admin(t, "DELETE", `/tenants/${ACME}`, undefined, token), P.unauthorized);
      }
      assert.equal((await t.store.getTenant(ACME))?.name, "Acme");
      assert.equal((await listStatuses(t, tenantToken)).statusCode, 200);
    });
  });
});
