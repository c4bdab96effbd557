/**
 * Vendor rate limits (docs/wire-contract.md §4): 100/min for create/delete/patch/list, 50/s and 1000/min for the
 * batch endpoints, per (app, tenant, endpoint); 429 / 99991400 with x-ogw-ratelimit-* headers;
 * checked after the scope and before the tenant permission (2005007); denied calls do not count.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { assertError, BASE, GLOBEX_APP, INITECH_APP, makeApp, NARROW_APP, openId, type TestApp, TRIP } from "../helpers.js";
import { closeRaw, createRaw, E, invalid, listRaw, SCOPE_UPDATE, scopeRequired, statusUrl } from "./support.js";

async function withLimits(fn: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await makeApp({ rateLimit: "vendor" });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

function assertLimited(res: LightMyRequestResponse, limit: number, maxReset: number): number {
  assertError(res, E.RATE_LIMITED);
  assert.equal(res.headers["x-ogw-ratelimit-limit"], String(limit));
  const reset = String(res.headers["x-ogw-ratelimit-reset"]);
  assert.match(reset, /^[1-9][0-9]*$/);
  assert.ok(Number(reset) <= maxReset, `reset ${reset} > ${maxReset}`);
  return Number(reset);
}

async function times(n: number, call: () => Promise<LightMyRequestResponse>, expectStatus: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await call();
    assert.equal(res.statusCode, expectStatus, `call ${i + 1}: ${res.body}`);
  }
}

function closeOnce(t: TestApp, tok: string): Promise<LightMyRequestResponse> {
  return closeRaw(t, tok, TRIP, [openId("u001")]);
}

test("list: 100 calls a minute pass, the 101st → 429 99991400 with the vendor headers", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    const res = await listRaw(t, tok);
    const reset = assertLimited(res, 100, 60);
    assert.equal(reset, 60); // the clock sits at the start of a minute
    assert.equal((res.json() as { code: number }).code, 99991400);
    // Half a minute later: still limited, reset counts down.
    t.clock.advance(30_000);
    assert.equal(assertLimited(await listRaw(t, tok), 100, 60), 30);
    // Next minute: allowed again.
    t.clock.advance(30_000);
    assert.equal((await listRaw(t, tok)).statusCode, 200);
  });
});

test("after t.clock.advance(60_000) a full 100 calls pass again", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    assertLimited(await listRaw(t, tok), 100, 60);
    t.clock.advance(60_000);
    await times(100, () => listRaw(t, tok), 200);
    assertLimited(await listRaw(t, tok), 100, 60);
  });
});

test("counted per endpoint: create, patch and delete still work after list is exhausted", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    assertLimited(await listRaw(t, tok), 100, 60);
    assert.equal((await createRaw(t, tok, { title: "限流", icon_key: "Coffee", priority: 5 })).statusCode, 200);
    const patched = await t.call({
      method: "PATCH",
      url: statusUrl(TRIP),
      token: tok,
      body: { system_status: { color: "RED" }, update_fields: ["COLOR"] },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal((await closeOnce(t, tok)).statusCode, 200);
    assert.equal((await t.call({ method: "DELETE", url: statusUrl(TRIP), token: tok })).statusCode, 200);
  });
});

test("counted per app: Globex's app can list while Acme's app is limited", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    assertLimited(await listRaw(t, tok), 100, 60);
    const globex = await t.token(GLOBEX_APP);
    assert.equal((await listRaw(t, globex)).statusCode, 200);
  });
});

test("counted per app within one tenant: the narrow app can batch_close while the main app is limited", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    const narrow = await t.token(NARROW_APP);
    await times(50, () => closeOnce(t, tok), 200);
    assertLimited(await closeOnce(t, tok), 50, 1);
    const res = await closeRaw(t, narrow, TRIP, [openId("u001", NARROW_APP.app_id)]);
    assert.equal(res.statusCode, 200, res.body);
  });
});

test("a new token of the same app shares the app's budget", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    t.clock.advance(90 * 60_000 + 1000); // the token is due for renewal; a new minute too
    await times(100, () => listRaw(t, tok), 200);
    const fresh = await t.token();
    assert.notEqual(fresh, tok);
    assertLimited(await listRaw(t, fresh), 100, 60);
  });
});

test("calls that fail validation count; the 101st create → 429 even with a valid body", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    for (let i = 0; i < 100; i++) assertError(await createRaw(t, tok, { title: "", icon_key: "Coffee" }), invalid("title"));
    assertLimited(await createRaw(t, tok, { title: "有效", icon_key: "Coffee", priority: 5 }), 100, 60);
    // Nothing was created by the limited call.
    const list = (await listRaw(t, tok)).json() as { data: { items: unknown[] } };
    assert.equal(list.data.items.length, 2);
  });
});

test("batch endpoints: 50 calls in one second pass, the 51st → 429 with limit 50", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(50, () => closeOnce(t, tok), 200);
    assert.equal(assertLimited(await closeOnce(t, tok), 50, 1), 1);
    t.clock.advance(999);
    assertLimited(await closeOnce(t, tok), 50, 1);
    t.clock.advance(1);
    assert.equal((await closeOnce(t, tok)).statusCode, 200);
  });
});

test("batch_open and batch_close have separate budgets", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(50, () => closeOnce(t, tok), 200);
    assertLimited(await closeOnce(t, tok), 50, 1);
    const end = String(Math.floor(t.clock.now() / 1000) + 60);
    const res = await t.call({
      method: "POST",
      url: `${BASE}/${TRIP}/batch_open`,
      token: tok,
      body: { user_list: [{ user_id: openId("u001"), end_time: end }] },
    });
    assert.equal(res.statusCode, 200, res.body);
  });
});

test("batch endpoints: 1000 a minute; denied calls do not count toward it", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    // Second 0: 50 pass, then 100 are denied by the per-second rule (they must not count).
    await times(50, () => closeOnce(t, tok), 200);
    for (let i = 0; i < 100; i++) assertLimited(await closeOnce(t, tok), 50, 1);
    // Seconds 1..19: 50 each → 1000 in the minute.
    for (let s = 1; s < 20; s++) {
      t.clock.advance(1000);
      await times(50, () => closeOnce(t, tok), 200);
    }
    t.clock.advance(1000); // second 20: the minute's 1000 are used
    assert.equal(assertLimited(await closeOnce(t, tok), 1000, 60), 40);
    t.clock.advance(40_000); // next minute
    assert.equal((await closeOnce(t, tok)).statusCode, 200);
  });
});

test("order: a missing scope is answered before the rate limit, and does not count", async () => {
  await withLimits(async (t) => {
    const narrow = await t.token(NARROW_APP);
    for (let i = 0; i < 110; i++) {
      assertError(await listRaw(t, narrow), scopeRequired(SCOPE_UPDATE));
    }
  });
});

test("order: token errors are answered before the rate limit", async () => {
  await withLimits(async (t) => {
    const tok = await t.token();
    await times(100, () => listRaw(t, tok), 200);
    assertError(await listRaw(t, "t-unknown"), E.INVALID_TOKEN);
    assertError(await t.call({ method: "GET", url: BASE }), E.MISSING_TOKEN);
  });
});

test("order: the rate limit comes before 2005007 (Initech's 101st list → 429)", async () => {
  await withLimits(async (t) => {
    const initech = await t.token(INITECH_APP);
    for (let i = 0; i < 100; i++) assertError(await listRaw(t, initech), E.TENANT_NO_PERMISSION);
    assertLimited(await listRaw(t, initech), 100, 60);
    t.clock.advance(60_000);
    assertError(await listRaw(t, initech), E.TENANT_NO_PERMISSION);
  });
});

test("without vendor limits (the default in tests), 150 list calls all pass", async () => {
  const t = await makeApp();
  try {
    const tok = await t.token();
    await times(150, () => listRaw(t, tok), 200);
  } finally {
    await t.close();
  }
});
