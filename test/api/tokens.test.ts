/**
 * The token endpoints (docs/wire-contract.md §2): tenant_access_token/internal and app_access_token/internal,
 * their response shape, reuse and renewal, lifetime and errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { APP, assertError, BASE, DISABLED_APP, GLOBEX_APP, makeApp, NARROW_APP, type TestApp } from "../helpers.js";
import { APP_TOKEN_URL, E, listRaw, TENANT_TOKEN_URL, withApp } from "./support.js";

const MIN = 60_000;

function postToken(t: TestApp, url: string, body: unknown) {
  return t.call({ method: "POST", url, body });
}

async function tenantToken(t: TestApp, creds: unknown = APP): Promise<{ tenant_access_token: string; expire: number }> {
  const res = await postToken(t, TENANT_TOKEN_URL, creds);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { tenant_access_token: string; expire: number };
}

describe("tenant_access_token/internal", () => {
  for (const url of [TENANT_TOKEN_URL, `${TENANT_TOKEN_URL}/`]) {
    test(`${url.endsWith("/") ? "with" : "without"} trailing slash: top-level fields, no data`, async () => {
      await withApp(async (t) => {
        const res = await postToken(t, url, APP);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
        const body = res.json() as Record<string, unknown>;
        assert.deepEqual(Object.keys(body).sort(), ["code", "expire", "msg", "tenant_access_token"]);
        assert.equal(body.code, 0);
        assert.equal(body.msg, "ok");
        assert.equal(body.expire, 7200);
        assert.equal(typeof body.tenant_access_token, "string");
        assert.match(body.tenant_access_token as string, /^t-.+/);
        // The token works on a personal_settings endpoint.
        assert.equal((await listRaw(t, body.tenant_access_token as string)).statusCode, 200);
      });
    });
  }

  test("the same token comes back while 30 minutes or more remain, with expire counting down", async () => {
    await withApp(async (t) => {
      const first = await tenantToken(t);
      assert.equal(first.expire, 7200);
      t.clock.advance(10 * MIN);
      const again = await tenantToken(t);
      assert.equal(again.tenant_access_token, first.tenant_access_token);
      assert.equal(again.expire, 7200 - 600);
      t.clock.advance(80 * MIN); // exactly 30 minutes left
      const edge = await tenantToken(t);
      assert.equal(edge.tenant_access_token, first.tenant_access_token);
      assert.equal(edge.expire, 1800);
    });
  });

  test("with less than 30 minutes left a new token is issued, and both stay valid until their own expiry", async () => {
    await withApp(async (t) => {
      const old = await tenantToken(t);
      t.clock.advance(90 * MIN + 1000); // 29:59 left on the old token
      const fresh = await tenantToken(t);
      assert.notEqual(fresh.tenant_access_token, old.tenant_access_token);
      assert.match(fresh.tenant_access_token, /^t-/);
      assert.equal(fresh.expire, 7200);
      // Asking once more returns the new one.
      assert.equal((await tenantToken(t)).tenant_access_token, fresh.tenant_access_token);

      assert.equal((await listRaw(t, old.tenant_access_token)).statusCode, 200);
      assert.equal((await listRaw(t, fresh.tenant_access_token)).statusCode, 200);

      t.clock.advance(30 * MIN - 2000); // 1 s before the old token expires
      assert.equal((await listRaw(t, old.tenant_access_token)).statusCode, 200);
      t.clock.advance(1000); // the old token's expiry instant
      assertError(await listRaw(t, old.tenant_access_token), E.INVALID_TOKEN);
      assert.equal((await listRaw(t, fresh.tenant_access_token)).statusCode, 200);

      t.clock.advance(90 * MIN); // the new token has 1 s left
      assert.equal((await listRaw(t, fresh.tenant_access_token)).statusCode, 200);
      t.clock.advance(1000);
      assertError(await listRaw(t, fresh.tenant_access_token), E.INVALID_TOKEN);
    });
  });

  test("an expired token is 99991663, and a new one is issued after expiry", async () => {
    await withApp(async (t) => {
      const tok = await tenantToken(t);
      t.clock.advance(2 * 60 * MIN);
      assertError(await listRaw(t, tok.tenant_access_token), E.INVALID_TOKEN);
      const next = await tenantToken(t);
      assert.notEqual(next.tenant_access_token, tok.tenant_access_token);
      assert.equal(next.expire, 7200);
      assert.equal((await listRaw(t, next.tenant_access_token)).statusCode, 200);
    });
  });

  test("tokens are per app: two apps of one tenant get different tokens", async () => {
    await withApp(async (t) => {
      const a = await tenantToken(t, APP);
      const b = await tenantToken(t, NARROW_APP);
      assert.notEqual(a.tenant_access_token, b.tenant_access_token);
    });
  });

  describe("errors (400)", () => {
    let t: TestApp;
    before(async () => {
      t = await makeApp();
    });
    after(async () => {
      await t.close();
    });
    const cases: Array<[string, unknown, { status: number; code: number; msg: string }]> = [
      ["missing app_id", { app_secret: APP.app_secret }, E.INVALID_PARAM],
      ["missing app_secret", { app_id: APP.app_id }, E.INVALID_PARAM],
      ["empty app_id", { app_id: "", app_secret: APP.app_secret }, E.INVALID_PARAM],
      ["empty app_secret", { app_id: APP.app_id, app_secret: "" }, E.INVALID_PARAM],
      ["app_id of the wrong type", { app_id: 123, app_secret: APP.app_secret }, E.INVALID_PARAM],
      ["unknown app_id", { app_id: "cli_ffffffffffffffff", app_secret: APP.app_secret }, E.INVALID_PARAM],
      ["empty object", {}, E.INVALID_PARAM],
      ["malformed JSON", '{"app_id": "cli_a1b2c3d4e5f60718", ', E.INVALID_PARAM],
      ["a JSON array", "[]", E.INVALID_PARAM],
      ["a JSON string", '"cli_a1b2c3d4e5f60718"', E.INVALID_PARAM],
      ["a JSON number", "42", E.INVALID_PARAM],
      ["JSON null", "null", E.INVALID_PARAM],
      ["wrong secret", { app_id: APP.app_id, app_secret: "not-the-secret" }, E.APP_SECRET_INVALID],
      ["another app's secret", { app_id: APP.app_id, app_secret: GLOBEX_APP.app_secret }, E.APP_SECRET_INVALID],
      ["a disabled app", DISABLED_APP, E.APP_SECRET_INVALID],
    ];
    for (const url of [TENANT_TOKEN_URL, APP_TOKEN_URL]) {
      for (const [name, body, expected] of cases) {
        test(`${url.includes("tenant") ? "tenant" : "app"} token, ${name} → ${expected.code}`, async () => {
          assertError(await postToken(t, url, body), expected);
        });
      }
    }
    test("an empty body → 10003", async () => {
      assertError(await t.app.inject({ method: "POST", url: TENANT_TOKEN_URL }), E.INVALID_PARAM);
    });
    test("a body over 1 MiB → 400 10003, never 413", async () => {
      const big = JSON.stringify({ app_id: APP.app_id, app_secret: APP.app_secret, pad: "x".repeat(1024 * 1024) });
      assertError(await postToken(t, TENANT_TOKEN_URL, big), E.INVALID_PARAM);
    });
    test("a wrong secret after a right one is still refused (no credential caching by app_id)", async () => {
      await tenantToken(t);
      assertError(
        await postToken(t, TENANT_TOKEN_URL, { app_id: APP.app_id, app_secret: "acme-secret-2" }),
        E.APP_SECRET_INVALID,
      );
    });
  });
});

describe("app_access_token/internal", () => {
  for (const url of [APP_TOKEN_URL, `${APP_TOKEN_URL}/`]) {
    test(`${url.endsWith("/") ? "with" : "without"} trailing slash: app and tenant tokens at top level`, async () => {
      await withApp(async (t) => {
        const res = await postToken(t, url, APP);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
        const body = res.json() as Record<string, unknown>;
        assert.deepEqual(Object.keys(body).sort(), ["app_access_token", "code", "expire", "msg", "tenant_access_token"]);
        assert.equal(body.code, 0);
        assert.equal(body.msg, "ok");
        assert.equal(body.expire, 7200);
        assert.match(body.tenant_access_token as string, /^t-/);
        assert.equal(typeof body.app_access_token, "string");
        assert.notEqual(body.app_access_token, body.tenant_access_token);
        // The tenant token is the same one tenant_access_token/internal hands out.
        assert.equal((await tenantToken(t)).tenant_access_token, body.tenant_access_token);
      });
    });
  }

  test("an app_access_token is not accepted by personal_settings endpoints", async () => {
    await withApp(async (t) => {
      const body = (await postToken(t, APP_TOKEN_URL, APP)).json() as { app_access_token: string; tenant_access_token: string };
      assert.match(body.app_access_token, /^a-/);
      assertError(await listRaw(t, body.app_access_token), E.BAD_PREFIX);
      assertError(
        await t.call({ method: "POST", url: BASE, token: body.app_access_token, body: { title: "x", icon_key: "Coffee" } }),
        E.BAD_PREFIX,
      );
      // ...while its tenant token is.
      assert.equal((await listRaw(t, body.tenant_access_token)).statusCode, 200);
    });
  });

  test("an app token relabelled t-... is not a tenant token", async () => {
    await withApp(async (t) => {
      const body = (await postToken(t, APP_TOKEN_URL, APP)).json() as { app_access_token: string };
      assertError(await listRaw(t, `t-${body.app_access_token.slice(2)}`), E.INVALID_TOKEN);
    });
  });
});
