/**
 * What users show, across three real larkstatus processes on one PostgreSQL: a user changed
 * through one instance (opened through the vendor API, or its sync toggle flipped through the admin
 * API) reads the same through the other two at once, and a toggle on one instance decides the next
 * open on another. No instance keeps a copy: every read goes to the database.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, type ServerProcess, startServerProcess } from "../conformance/server-process.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL } from "../pg.js";

const SEED = join(ROOT, "test", "scale", "seed.yaml");
const TENANT = "5ca1e00000000001";
const APP = { app_id: "cli_5ca1e00000000001", app_secret: "scale-secret" };
const ADMIN_TOKEN = "lsa_state-instances-test-token-0000000000";
const BASE = "/open-apis/personal_settings/v1/system_statuses";

interface View {
  now_ms: number;
  shown: { system_status_id: string } | null;
  statuses: Array<{ system_status_id: string; sync_on: boolean; shown: boolean; open: boolean }>;
  sync: Array<{ system_status_id: string; on: boolean; set_by_user: boolean }>;
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  assert.ok(res.ok, `${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

describe(
  "what users show, across three instances on one PostgreSQL",
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  () => {
    let servers: ServerProcess[] = [];
    let token = "";
    let busy = "";
    let away = "";
    const url = (i: number) => servers[i % servers.length]?.url as string;

    const vendor = async <T>(i: number, method: string, path: string, body?: unknown): Promise<T> =>
      (
        await json<{ code: number; data: T }>(
          await fetch(`${url(i)}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          }),
        )
      ).data;
    const adminCall = async <T>(i: number, method: string, path: string, body?: unknown): Promise<T> =>
      json<T>(
        await fetch(`${url(i)}/admin/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }),
      );
    const open = async (i: number, status: string, users: string[]): Promise<string[]> => {
      const end = String(Math.floor(Date.now() / 1000) + 3600);
      const data = await vendor<{ result_list: Array<{ result: string }> }>(
        i,
        "POST",
        `${BASE}/${status}/batch_open?user_id_type=user_id`,
        {
          user_list: users.map((user_id) => ({ user_id, end_time: end })),
        },
      );
      return data.result_list.map((r) => r.result);
    };
    const view = (i: number, user: string) => adminCall<View>(i, "GET", `/tenants/${TENANT}/users/${user}/status`);
    /** The view without the moment it was computed at: what must agree across instances. */
    const state = (v: View) => ({ shown: v.shown, statuses: v.statuses, sync: v.sync });

    before(async () => {
      const db = await freshPgUrl();
      servers = await Promise.all(
        [0, 1, 2].map(() =>
          startServerProcess(["--db", db, "--seed", SEED, "--admin-token", ADMIN_TOKEN, "--rate-limit", "off"], 60_000),
        ),
      );
      const tok = await json<{ tenant_access_token: string }>(
        await fetch(`${url(0)}/open-apis/auth/v3/tenant_access_token/internal`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(APP),
        }),
      );
      token = tok.tenant_access_token;
      busy = (
        await vendor<{ system_status: { system_status_id: string } }>(0, "POST", BASE, {
          title: "Busy",
          icon_key: "Coffee",
          priority: 1,
        })
      ).system_status.system_status_id;
      away = (
        await vendor<{ system_status: { system_status_id: string } }>(1, "POST", BASE, {
          title: "Away",
          icon_key: "StatusReading",
          priority: 2,
        })
      ).system_status.system_status_id;
    });

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await dropTestSchemas();
    });

    test("an open through instance 1 shows through instances 2 and 3 at once, in the view and the status's users", async () => {
      assert.deepEqual(await open(0, busy, ["s001", "s002"]), ["success_show", "success_show"]);
      assert.deepEqual(await open(0, away, ["s001"]), ["success_user_in_higher_priority_system_status"]);
      const views = await Promise.all([0, 1, 2].map((i) => view(i, "s001")));
      assert.equal(views[0]?.shown?.system_status_id, busy);
      for (const v of views) assert.deepEqual(state(v), state(views[0] as View));
      const lists = await Promise.all(
        [0, 1, 2].map((i) =>
          adminCall<{ items: Array<{ user_id: string; shown: boolean }> }>(
            i,
            "GET",
            `/tenants/${TENANT}/system_statuses/${busy}/users`,
          ),
        ),
      );
      for (const l of lists)
        assert.deepEqual(
          l.items.map((u) => [u.user_id, u.shown]),
          [
            ["s001", true],
            ["s002", true],
          ],
        );
    });

    test("a sync toggle through instance 1: instances 2 and 3 show the change at once, and their next open answers success_user_close_syn", async () => {
      const off = await adminCall<View>(0, "PUT", `/tenants/${TENANT}/users/s001/sync/${busy}`, { on: false });
      assert.equal(off.shown?.system_status_id, away, "the next status shows");
      for (const i of [1, 2]) {
        const v = await view(i, "s001");
        assert.deepEqual(state(v), state(off), `instance ${i + 1}`);
      }
      assert.deepEqual(await open(1, busy, ["s001"]), ["success_user_close_syn"]);
      assert.deepEqual(await open(2, busy, ["s001", "s003"]), ["success_user_close_syn", "success_show"]);
      const shown = await adminCall<{ items: Array<{ user_id: string }> }>(
        2,
        "GET",
        `/tenants/${TENANT}/system_statuses/${busy}/users?shown=true`,
      );
      assert.deepEqual(
        shown.items.map((u) => u.user_id),
        ["s002", "s003"],
      );

      const on = await adminCall<View>(2, "PUT", `/tenants/${TENANT}/users/s001/sync/${busy}`, { on: true });
      assert.equal(on.shown?.system_status_id, busy);
      assert.deepEqual(state(await view(0, "s001")), state(on));
      assert.deepEqual(await open(1, busy, ["s001"]), ["success_show"]);
    });

    test("toggles and opens of the same users racing across instances: all answered, and every instance agrees after", async () => {
      const users = ["s010", "s011", "s012", "s013", "s014"];
      const calls = Array.from({ length: 24 }, (_, k) =>
        k % 2 === 0
          ? adminCall<View>(k % 3, "PUT", `/tenants/${TENANT}/users/${users[k % users.length]}/sync/${busy}`, { on: k % 4 === 0 })
          : open(k % 3, busy, users),
      );
      await Promise.all(calls);
      for (const u of users) {
        const views = await Promise.all([0, 1, 2].map((i) => view(i, u)));
        for (const v of views) assert.deepEqual(state(v), state(views[0] as View), u);
        const row = views[0]?.statuses.find((s) => s.system_status_id === busy);
        assert.equal(row?.open, true, u);
        // What shows follows the toggle the last call left, by the one rule.
        assert.equal(views[0]?.shown?.system_status_id === busy, row?.sync_on, u);
      }
    });
  },
);
