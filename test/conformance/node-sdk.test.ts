/**
 * Conformance: the official Node SDK (@larksuiteoapi/node-sdk), unchanged but for its `domain`,
 * drives a real larkstatus process over HTTP through the token flow and all six endpoints.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as lark from "@larksuiteoapi/node-sdk";
import { APP, GLOBEX, GLOBEX_APP, NARROW_APP, openId, TRIP } from "../helpers.js";
import { ROOT, type ServerProcess, startServerProcess, tempDb } from "./server-process.js";

const SEED = `${ROOT}/test/fixtures/seed.yaml`;

/** The SDK logs expected failures at error level whatever loggerLevel says; keep test output readable. */
const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** The SDK throws on non-2xx; the vendor body is on e.response.data. */
async function vendorError(p: Promise<unknown>): Promise<{ code: number; msg: string; error: { log_id: string } }> {
  try {
    await p;
  } catch (e) {
    const data = (e as { response?: { data?: unknown } }).response?.data;
    assert.ok(data, `expected a vendor error body, got ${String(e)}`);
    return data as { code: number; msg: string; error: { log_id: string } };
  }
  assert.fail("expected the SDK call to fail");
}

describe("official Node SDK against a real server", () => {
  let server: ServerProcess;
  let client: lark.Client;
  const db = tempDb();

  before(async () => {
    server = await startServerProcess(["--db", db, "--seed", SEED]);
    client = new lark.Client({
      appId: APP.app_id,
      appSecret: APP.app_secret,
      domain: server.url,
      loggerLevel: lark.LoggerLevel.fatal,
      logger: quiet,
    });
  });

  after(async () => {
    await server?.stop();
  });

  test("healthz answers 200 once listening", async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  });

  test("the whole lifecycle: create, list with listWithIterator, patch, batchOpen, batchClose, error, delete", async () => {
    const ps = client.personal_settings.v1.systemStatus;
    const created = await ps.create({
      data: {
        title: "开会中",
        i18n_title: { zh_cn: "开会中", en_us: "In a meeting" },
        icon_key: "GeneralInMeetingBusy",
        color: "VIOLET",
        priority: 5,
        sync_setting: { is_open_by_default: true, title: "会议期间自动开启" },
      },
    });
    assert.equal(created.code, 0);
    const status = created.data?.system_status;
    assert.ok(status?.system_status_id && /^[0-9]{19}$/.test(status.system_status_id));
    assert.equal(status.color, "VIOLET");
    assert.equal(status.sync_setting?.explain, "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。");

    // Three live statuses, one per page: the iterator must visit every page and then stop.
    const pages: string[][] = [];
    for await (const page of await ps.listWithIterator({ params: { page_size: 1 } })) {
      pages.push((page?.items ?? []).map((s) => s.title ?? ""));
    }
    assert.deepEqual(pages, [["出差"], ["请假"], ["开会中"]]);

    const patched = await ps.patch({
      path: { system_status_id: status.system_status_id },
      data: { system_status: { title: "会议中", icon_key: "Typing" }, update_fields: ["TITLE"] },
    });
    assert.equal(patched.data?.system_status?.title, "会议中");
    assert.equal(patched.data?.system_status?.icon_key, "GeneralInMeetingBusy", "ICON was not named, so it must not change");

    const end = Math.floor(Date.now() / 1000) + 3600;
    const opened = await ps.batchOpen({
      path: { system_status_id: status.system_status_id },
      params: { user_id_type: "user_id" },
      // The Node SDK types end_time as a number; the server echoes it as a string.
      data: {
        user_list: [
          { user_id: "u001", end_time: end },
          { user_id: "u002", end_time: end },
          { user_id: "nobody", end_time: end },
        ],
      },
    });
    assert.deepEqual(opened.data?.result_list, [
      { user_id: "u001", end_time: String(end), result: "success_show" },
      { user_id: "u002", end_time: String(end), result: "resign_user_id" },
      { user_id: "nobody", end_time: String(end), result: "invalid_user_id" },
    ]);

    // TRIP has priority 1 < 5: now shown instead; u003 switched TRIP's auto-open off.
    const trip = await ps.batchOpen({
      path: { system_status_id: TRIP },
      data: {
        user_list: [
          { user_id: openId("u001"), end_time: end },
          { user_id: openId("u003"), end_time: end },
        ],
      },
    });
    assert.deepEqual(
      trip.data?.result_list?.map((r) => r.result),
      ["success_show", "success_user_close_syn"],
    );

    const closed = await ps.batchClose({
      path: { system_status_id: status.system_status_id },
      params: { user_id_type: "open_id" },
      data: { user_list: [openId("u001")] },
    });
    assert.deepEqual(closed.data?.result_list, [{ user_id: openId("u001"), result: "success" }]);

    const dup = await vendorError(ps.create({ data: { title: "会议中", icon_key: "Coffee", priority: 6 } }));
    assert.equal(dup.code, 2005002);
    assert.equal(dup.msg, "The same name or i18n name has already be created within your tenant.");
    assert.match(dup.error.log_id, /^[0-9]{14}[0-9A-F]+$/);

    const other = await vendorError(
      ps.batchClose({ path: { system_status_id: TRIP }, data: { user_list: [openId("g001", GLOBEX_APP.app_id, GLOBEX)] } }),
    );
    assert.equal(other.code, 2005006);

    const deleted = await ps.delete({ path: { system_status_id: status.system_status_id } });
    assert.equal(deleted.code, 0);
    const after = await ps.list({ params: { page_size: 50 } });
    assert.deepEqual(
      after.data?.items?.map((s) => s.title),
      ["出差", "请假"],
    );
    assert.equal(after.data?.has_more, false);
    assert.equal((after.data as Record<string, unknown>).page_token, undefined);
  });

  test("the vendor page's batchClose sample: disableTokenCache with withTenantToken", async () => {
    const tokenRes = await client.auth.tenantAccessToken.internal({ data: { app_id: APP.app_id, app_secret: APP.app_secret } });
    const token = (tokenRes as { tenant_access_token?: string }).tenant_access_token;
    if (!token?.startsWith("t-")) assert.fail(`expected a t- token, got ${JSON.stringify(tokenRes)}`);
    const sample = new lark.Client({
      appId: "app id",
      appSecret: "app secret",
      domain: server.url,
      disableTokenCache: true,
      logger: quiet,
    });
    const res = await sample.personal_settings.v1.systemStatus.batchClose(
      { path: { system_status_id: TRIP }, params: { user_id_type: "open_id" }, data: { user_list: [openId("u004")] } },
      lark.withTenantToken(token),
    );
    assert.deepEqual(res.data?.result_list, [{ user_id: openId("u004"), result: "success" }]);
  });

  test("a wrong secret surfaces through the SDK's token request (10014)", async () => {
    // The SDK's token cache is process-wide and keyed by app id, so use an app not fetched yet.
    const bad = new lark.Client({
      appId: NARROW_APP.app_id,
      appSecret: "wrong",
      domain: server.url,
      loggerLevel: lark.LoggerLevel.fatal,
      logger: quiet,
    });
    const err = await vendorError(bad.personal_settings.v1.systemStatus.list({}));
    assert.equal(err.code, 10014);
    assert.equal(err.msg, "app secret invalid");
  });
});

describe("process lifecycle", () => {
  test("a first start loads examples/seed.yaml and prints the URL and a Node SDK snippet with the demo credentials", async () => {
    const first = await startServerProcess(["--db", tempDb()]);
    let code: number | null;
    try {
      const tok = await fetch(`${first.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ app_id: "cli_a1b2c3d4e5f60718", app_secret: "dev-secret-please-change" }),
      });
      assert.equal(tok.status, 200, "the demo app of examples/seed.yaml was loaded");
    } finally {
      code = await first.stop();
    }
    // Stopped first, so the whole banner has arrived.
    const out = first.output();
    assert.equal(code, 0, out);
    assert.match(out, /^listening on http:\/\/127\.0\.0\.1:[0-9]+$/m);
    assert.ok(out.includes(`domain: '${first.url}'`), out);
    assert.match(out, /appId: 'cli_a1b2c3d4e5f60718'/);
    assert.match(out, /appSecret: 'dev-secret-please-change'/);
    assert.match(out, /client\.personal_settings\.v1\.systemStatus\.list/);
  });

  test("tokens survive a restart on the same database, and SIGTERM exits 0", async () => {
    const db = tempDb();
    const first = await startServerProcess(["--db", db, "--seed", SEED]);
    const tokRes = await fetch(`${first.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(APP),
    });
    const { tenant_access_token: token } = (await tokRes.json()) as { tenant_access_token: string };
    assert.equal(await first.stop(), 0, first.output());

    const second = await startServerProcess(["--db", db]);
    try {
      const res = await fetch(`${second.url}/open-apis/personal_settings/v1/system_statuses`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { code: number; data: { items: unknown[] } };
      assert.equal(body.code, 0);
      assert.equal(body.data.items.length, 2);
      // Asking again returns the same token (more than 30 minutes remain).
      const again = await fetch(`${second.url}/open-apis/auth/v3/tenant_access_token/internal/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(APP),
      });
      assert.equal(((await again.json()) as { tenant_access_token: string }).tenant_access_token, token);
    } finally {
      assert.equal(await second.stop(), 0, second.output());
    }
  });

  test("SIGTERM the instant the server announces itself still drains and exits 0", async () => {
    // Regression: the handlers used to be installed after the "listening" line, so a supervisor
    // reacting to it could kill the process with the default disposition (exit by signal).
    const db = tempDb();
    for (let i = 0; i < 5; i++) {
      const p = await startServerProcess(["--db", db]);
      const code = await p.stop();
      assert.equal(code, 0, `run ${i}: ${p.output()}`);
    }
  });

  test("an invalid seed stops start-up with a message naming the file, path and rule", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = `${mkdtempSync(`${tmpdir()}/larkstatus-seed-`)}/bad.yaml`;
    writeFileSync(file, "tenants:\n  - tenant_key: nothex\n    name: X\n");
    await assert.rejects(startServerProcess(["--db", tempDb(), "--seed", file]), (e: Error) => {
      assert.match(e.message, /bad\.yaml: tenants\[0\]\.tenant_key: must match pattern/);
      return true;
    });
  });
});
