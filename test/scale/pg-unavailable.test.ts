/**
 * PostgreSQL going away: every call answers a clear vendor-shaped 503 and changes nothing, and
 * /readyz turns false. Uses a port nothing listens on, so it needs no database.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { ERRORS } from "../../src/errors/codes.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { assertError, BASE, T0 } from "../helpers.js";

let app: FastifyInstance;
let store: PgStore;

before(async () => {
  const clock = new ManualClock(T0);
  store = new PgStore("postgres://larkstatus:x@127.0.0.1:1/larkstatus", { connectionTimeoutMs: 1000 });
  app = await buildApp({ store, clock, ids: sequentialIds(clock), rateLimit: "vendor", logger: false });
});

after(async () => {
  await app.close();
  await store.close();
});

const UNAVAILABLE = { status: 503, code: ERRORS.STORE_UNAVAILABLE.code, msg: ERRORS.STORE_UNAVAILABLE.msg };

test("the token endpoint answers 503 / 99991503 in the vendor envelope", async () => {
  const res = await app.inject({
    method: "POST",
    url: "/open-apis/auth/v3/tenant_access_token/internal",
    payload: { app_id: "cli_a1b2c3d4e5f60718", app_secret: "x" },
  });
  assertError(res, UNAVAILABLE);
});

test("an API call answers 503 / 99991503 in the vendor envelope", async () => {
  for (const [method, url] of [
    ["GET", BASE],
    ["POST", `${BASE}/7101214603622940001/batch_close`],
  ] as const) {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: "Bearer t-whatever", "content-type": "application/json" },
      ...(method === "POST" ? { payload: { user_list: ["ou_0123456789abcdef0123456789abcdef"] } } : {}),
    });
    assertError(res, UNAVAILABLE);
  }
});

test("readyz is 503 naming the store", async () => {
  const res = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: "not ready", checks: { store: "unreachable" } });
});
