/** /healthz and /readyz: liveness vs. the reachability of every dependency. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildApp } from "../src/app.js";
import { ManualClock } from "../src/domain/clock.js";
import { sequentialIds } from "../src/domain/ids.js";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.js";
import { T0 } from "./helpers.js";

async function app(readiness: Record<string, () => Promise<boolean>> = {}) {
  const clock = new ManualClock(T0);
  const store = new SqliteStore("sqlite::memory:");
  await store.migrate();
  return { store, app: await buildApp({ store, clock, ids: sequentialIds(clock), rateLimit: "off", readiness }) };
}

test("readyz is 200 and names each check when every dependency answers", async () => {
  const { app: a, store } = await app({ redis: async () => true });
  try {
    const res = await a.inject({ method: "GET", url: "/readyz" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.deepEqual(res.json(), { status: "ready", checks: { store: "ok", redis: "ok" } });
    const live = await a.inject({ method: "GET", url: "/healthz" });
    assert.equal(live.statusCode, 200);
  } finally {
    await a.close();
    await store.close();
  }
});

test("readyz is 503 naming the dependency that is down (a probe that fails or throws), while healthz stays 200", async () => {
  const { app: a, store } = await app({
    redis: async () => false,
    other: async () => {
      throw new Error("boom");
    },
  });
  try {
    const res = await a.inject({ method: "GET", url: "/readyz" });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: "not ready", checks: { store: "ok", redis: "unreachable", other: "unreachable" } });
    assert.equal((await a.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  } finally {
    await a.close();
    await store.close();
  }
});

test("readyz turns 503 when the store stops answering", async () => {
  const { app: a, store } = await app();
  try {
    await store.close();
    const res = await a.inject({ method: "GET", url: "/readyz" });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: "not ready", checks: { store: "unreachable" } });
  } finally {
    await a.close();
  }
});
