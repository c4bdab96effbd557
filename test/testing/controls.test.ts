/**
 * The testing API's client of the emulator controls beyond the clock: reset, journal, faults and
 * snapshots, end to end through the official Node SDK. A control this server does not serve yet
 * (its route is not in /admin/openapi.json) is reported as skipped, naming it.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, type TestContext, test } from "node:test";
import * as lark from "@larksuiteoapi/node-sdk";
import { type AppCredentials, type Larkstatus, LarkstatusAdminError, startLarkstatus } from "../../src/testing.js";

const TENANT = "a1b2c3d4e5f60718";
const TRIP = "7101214603622940001";

describe("the testing API's emulator controls", () => {
  let lk: Larkstatus<AppCredentials>;
  let paths: string[] = [];
  let client: lark.Client;
  before(async () => {
    lk = await startLarkstatus();
    paths = Object.keys(((await (await fetch(`${lk.url}/admin/openapi.json`)).json()) as { paths: object }).paths);
    client = new lark.Client({
      appId: lk.app.app_id,
      appSecret: lk.app.app_secret,
      domain: lk.url,
      cache: lk.tokenCache,
      loggerLevel: lark.LoggerLevel.error,
    });
  });
  after(() => lk.stop());
  // Each test starts from the seed, as a suite using the testing API would.
  beforeEach(async () => {
    if (paths.includes("/admin/v1/emulator/reset")) await lk.admin.reset();
  });

  /** False (and the test skipped) when the server has no route `path` under /admin/v1. */
  function served(t: TestContext, path: string): boolean {
    if (paths.includes(`/admin/v1${path}`)) return true;
    t.skip(`this server has no /admin/v1${path} yet`);
    return false;
  }

  async function openTrip(userId = "u001"): Promise<number> {
    const end = Math.floor((await lk.admin.clock.get()).now_ms / 1000) + 3600;
    const res = await client.personal_settings.v1.systemStatus.batchOpen({
      path: { system_status_id: TRIP },
      params: { user_id_type: "user_id" },
      data: { user_list: [{ user_id: userId, end_time: end }] },
    });
    assert.equal(res.code, 0);
    assert.equal(res.data?.result_list?.[0]?.result, "success_show");
    return end;
  }

  test("reset: what the app opened, the clock's offset and its freeze are gone", async (t) => {
    if (!served(t, "/emulator/reset")) return;
    await openTrip();
    await lk.admin.clock.advance("10m");
    await lk.admin.clock.freeze();
    assert.equal((await lk.admin.userStatus(TENANT, "u001")).shown?.system_status_id, TRIP);
    await lk.admin.reset();
    assert.equal((await lk.admin.userStatus(TENANT, "u001")).shown, null);
    const clock = await lk.admin.clock.get();
    assert.equal(clock.offset_ms, 0);
    assert.equal(clock.frozen, false);
  });

  test("journal: the SDK's calls, newest first, filtered by operation; clear() empties it", async (t) => {
    if (!served(t, "/emulator/journal")) return;
    await lk.admin.journal.clear();
    assert.deepEqual(await lk.admin.journal(), []);
    await openTrip("u004");
    const all = await lk.admin.journal();
    assert.ok(all.length >= 1);
    const opens = await lk.admin.journal({ operation: "system_status.batch_open" });
    assert.equal(opens.length, 1);
    assert.equal(opens[0]?.status, 200);
    assert.equal(opens[0]?.method, "POST");
    assert.equal(opens[0]?.app_id, lk.app.app_id);
    assert.equal(all[0]?.log_id, opens[0]?.log_id, "newest first: the open came after the token");
    assert.deepEqual(await lk.admin.journal({ status: 599 }), []);
    await lk.admin.journal.clear();
    assert.deepEqual(await lk.admin.journal(), []);
  });

  test("faults: a rule answers a catalog error once (times: 1), is listed, and clear() removes every rule", async (t) => {
    if (!served(t, "/emulator/faults")) return;
    const rule = await lk.admin.faults.add({ operation: "system_status.batch_open", error_code: 2005001, times: 1 });
    assert.equal(typeof rule.id, "string");
    assert.deepEqual(
      (await lk.admin.faults.list()).map((f) => f.id),
      [rule.id],
    );
    // The Node SDK throws on a non-2xx answer; the vendor envelope is the response's body.
    await assert.rejects(openTrip("u005"), (e: { response?: { status?: number; data?: { code?: number } } }) => {
      assert.equal(e.response?.status, 400);
      assert.equal(e.response?.data?.code, 2005001);
      return true;
    });
    await openTrip("u005");
    await lk.admin.faults.clear();
    assert.deepEqual(await lk.admin.faults.list(), []);
    await assert.rejects(lk.admin.faults.add({ operation: "" }), (e: unknown) => {
      assert.ok(e instanceof LarkstatusAdminError);
      assert.equal(e.status, 400);
      assert.equal(e.field, "operation");
      return true;
    });
  });

  test("snapshots: save, change, restore puts the state back; a missing one is 404", async (t) => {
    if (!served(t, "/emulator/snapshots")) return;
    await lk.admin.snapshots.save("before-open");
    assert.ok((await lk.admin.snapshots.list()).some((s) => s.name === "before-open"));
    await openTrip("u001");
    assert.equal((await lk.admin.userStatus(TENANT, "u001")).shown?.system_status_id, TRIP);
    await lk.admin.snapshots.restore("before-open");
    assert.equal((await lk.admin.userStatus(TENANT, "u001")).shown, null);
    await lk.admin.snapshots.delete("before-open");
    await assert.rejects(lk.admin.snapshots.restore("before-open"), (e: unknown) => {
      assert.ok(e instanceof LarkstatusAdminError);
      assert.equal(e.status, 404);
      assert.equal(e.kind, "not_found");
      return true;
    });
  });
});
