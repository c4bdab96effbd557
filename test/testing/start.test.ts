/**
 * The testing API (`larkstatus/testing`): startLarkstatus() starts an in-process server on an
 * in-memory SQLite database with the emulator controls on; the official Node SDK opens a status,
 * the admin client sees what the user shows, moves the clock past the end time, and the status is
 * gone. Failed admin calls throw with the status, the problem's kind, detail and field.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as lark from "@larksuiteoapi/node-sdk";
import {
  type AppCredentials,
  adminClient,
  type Larkstatus,
  LarkstatusAdminError,
  startLarkstatus,
  TokenCache,
} from "../../src/testing.js";

const TENANT = "a1b2c3d4e5f60718";
const TRIP = "7101214603622940001";

function sdk(lk: Larkstatus<AppCredentials>): lark.Client {
  return new lark.Client({
    appId: lk.app.app_id,
    appSecret: lk.app.app_secret,
    domain: lk.url,
    cache: lk.tokenCache,
    loggerLevel: lark.LoggerLevel.error,
  });
}

/** Runs `fn`, which must throw a LarkstatusAdminError, and answers it. */
async function adminError(fn: () => Promise<unknown>): Promise<LarkstatusAdminError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof LarkstatusAdminError, `a LarkstatusAdminError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

describe("startLarkstatus() with the demo seed", () => {
  let lk: Larkstatus<AppCredentials>;
  before(async () => {
    lk = await startLarkstatus();
  });
  after(() => lk.stop());

  test("answers a URL on 127.0.0.1, the demo app's credentials and a made admin token", async () => {
    assert.match(lk.url, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    assert.deepEqual(lk.app, { app_id: "cli_a1b2c3d4e5f60718", app_secret: "dev-secret-please-change" });
    assert.ok(lk.adminToken.length >= 16);
    assert.equal((await fetch(`${lk.url}/healthz`)).status, 200);
  });

  test("the SDK opens a status; userStatus shows it; past its end_time (clock.advance) it shows nothing", async () => {
    const now = (await lk.admin.clock.get()).now_ms;
    const end = Math.floor(now / 1000) + 3600;
    const res = await sdk(lk).personal_settings.v1.systemStatus.batchOpen({
      path: { system_status_id: TRIP },
      params: { user_id_type: "user_id" },
      data: { user_list: [{ user_id: "u001", end_time: end }] },
    });
    assert.equal(res.code, 0);
    assert.deepEqual(
      res.data?.result_list?.map((r) => [r.user_id, r.result]),
      [["u001", "success_show"]],
    );

    const shown = await lk.admin.userStatus(TENANT, "u001");
    assert.equal(shown.shown?.system_status_id, TRIP);
    assert.equal(shown.shown?.end_time, String(end));

    const moved = await lk.admin.clock.advance("2h");
    assert.ok(moved.now_ms >= now + 2 * 3_600_000);
    const later = await lk.admin.userStatus(TENANT, "u001");
    assert.equal(later.shown, null);
    assert.equal(later.statuses.find((s) => s.system_status_id === TRIP)?.expired, true);
  });

  test("clock: advance by ms, set forward, freeze and unfreeze", async () => {
    const t0 = (await lk.admin.clock.get()).now_ms;
    assert.ok((await lk.admin.clock.advance(60_000)).now_ms >= t0 + 60_000);
    const frozen = await lk.admin.clock.freeze();
    assert.equal(frozen.frozen, true);
    const target = frozen.now_ms + 86_400_000;
    assert.equal((await lk.admin.clock.set(target)).now_ms, target);
    assert.equal((await lk.admin.clock.get()).now_ms, target, "frozen: time stands still");
    assert.equal((await lk.admin.clock.unfreeze()).frozen, false);
  });

  test("a failed admin call throws with the status, the problem's kind, detail and field", async () => {
    const back = await adminError(() => lk.admin.clock.set(0));
    assert.equal(back.status, 409);
    assert.equal(back.kind, "conflict");
    assert.equal(back.field, "set_ms");
    assert.match(back.message, /^POST \/admin\/v1\/emulator\/clock: 409: .*\(field set_ms\)$/);

    const bad = await adminError(() => lk.admin.clock.advance("soon"));
    assert.equal(bad.status, 400);
    assert.equal(bad.kind, "invalid_input");
    assert.equal(bad.field, "advance");
    assert.match(bad.detail, /advance/);

    const nobody = await adminError(() => lk.admin.userStatus(TENANT, "u404"));
    assert.equal(nobody.status, 404);
    assert.equal(nobody.kind, "not_found");

    const wrongToken = await adminError(() => adminClient(lk.url, "x".repeat(32)).clock.get());
    assert.equal(wrongToken.status, 401);
    assert.equal(wrongToken.kind, "unauthorized");
  });

  test("request(): any other admin call, typed by the caller", async () => {
    const tenants = await lk.admin.request<{ items: Array<{ tenant_key: string }> }>("GET", "/tenants");
    assert.deepEqual(
      tenants.items.map((t) => t.tenant_key),
      ["0f1e2d3c4b5a6978", TENANT],
    );
  });
});

describe("TokenCache", () => {
  test("keeps values by key and namespace until their expiry (Unix ms) or clear()", async () => {
    const c = new TokenCache();
    const sym = Symbol("tenant");
    assert.equal(await c.set(sym, "t-1"), true);
    await c.set("k", "a", undefined, { namespace: "app1" });
    await c.set("k", "b", undefined, { namespace: "app2" });
    await c.set("old", "x", 1);
    assert.equal(await c.get(sym), "t-1");
    assert.equal(await c.get("k", { namespace: "app1" }), "a");
    assert.equal(await c.get("k", { namespace: "app2" }), "b");
    assert.equal(await c.get("k"), undefined);
    assert.equal(await c.get("old"), undefined, "expired");
    c.clear();
    assert.equal(await c.get(sym), undefined);
  });

  test("the admin client empties it on every clock move, even a refused one", async () => {
    const lk = await startLarkstatus();
    try {
      await lk.tokenCache.set("k", "v");
      await lk.admin.clock.get();
      assert.equal(await lk.tokenCache.get("k"), "v", "a read leaves it");
      await lk.admin.clock.advance(1000);
      assert.equal(await lk.tokenCache.get("k"), undefined);
      await lk.tokenCache.set("k", "v");
      await adminError(() => lk.admin.clock.set(0));
      assert.equal(await lk.tokenCache.get("k"), undefined);
    } finally {
      await lk.stop();
    }
  });
});

describe("startLarkstatus() options", () => {
  test("seed, adminToken, and the runner's LARKSTATUS_* environment ignored; stop() twice is fine", async () => {
    const dir = mkdtempSync(join(tmpdir(), "larkstatus-testing-"));
    const seed = join(dir, "seed.yaml");
    writeFileSync(
      seed,
      [
        "tenants:",
        '  - tenant_key: "00000000000000a1"',
        "    name: Solo",
        '    users: [{ user_id: "s001", name: "Sam" }]',
        "    apps:",
        '      - { app_id: "cli_0000000000000001", app_secret: "solo-secret", scopes: ["personal_settings:status:system_status_operate"] }',
        "",
      ].join("\n"),
    );
    const saved = process.env.LARKSTATUS_EMULATOR;
    process.env.LARKSTATUS_EMULATOR = "off";
    let lk: Larkstatus | undefined;
    try {
      lk = await startLarkstatus({ seed, adminToken: "a-test-token-0123456789" });
    } finally {
      if (saved === undefined) delete process.env.LARKSTATUS_EMULATOR;
      else process.env.LARKSTATUS_EMULATOR = saved;
    }
    try {
      assert.deepEqual(lk.app, { app_id: "cli_0000000000000001", app_secret: "solo-secret" });
      assert.equal(lk.adminToken, "a-test-token-0123456789");
      // The emulator controls are on, whatever the environment said.
      assert.equal((await lk.admin.clock.get()).frozen, false);
      assert.equal((await lk.admin.userStatus("00000000000000a1", "s001")).shown, null);
      const other = await adminError(() => lk.admin.userStatus(TENANT, "u001"));
      assert.equal(other.status, 404, "only the given seed was loaded");
    } finally {
      await lk.stop();
      await lk.stop();
    }
    const gone = await adminError(() => lk.admin.clock.get());
    assert.equal(gone.status, 0, "no answer once stopped");
  });

  test("a bad admin token is refused before anything starts", async () => {
    await assert.rejects(startLarkstatus({ adminToken: "short" }), /--admin-token .* must be 16-256 visible ASCII/);
  });
});
