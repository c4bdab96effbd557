/**
 * The emulator clock across three real larkstatus processes on one PostgreSQL (`--emulator on`):
 * a move made through one instance is what the other two read on their very next call (no wait,
 * no retry), and what their vendor API does follows it: a token expires on all three after an
 * advance of 2 h, a status opened through one stops showing on all three once its end_time passes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, type ServerProcess, startServerProcess } from "../conformance/server-process.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL } from "../pg.js";
import { callAt } from "./http.js";

const SEED = join(ROOT, "test", "scale", "seed.yaml");
const TENANT = "5ca1e00000000001";
const APP = { app_id: "cli_5ca1e00000000001", app_secret: "scale-secret" };
const ADMIN_TOKEN = "lsa_clock-instances-test-token-0000000000";
const BASE = "/open-apis/personal_settings/v1/system_statuses";
const INSTANCES = [0, 1, 2] as const;
const H = 3_600_000;

interface ClockView {
  now_ms: number;
  frozen: boolean;
  offset_ms: number;
}

describe(
  "the emulator clock across three instances on one PostgreSQL",
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  () => {
    let servers: ServerProcess[] = [];

    const call = (i: number, method: string, path: string, opts: { body?: unknown; auth?: string } = {}) =>
      callAt(servers[i]?.url as string, method, path, opts);
    const adminCall = (i: number, method: string, path: string, body?: unknown) =>
      call(i, method, `/admin/v1${path}`, { auth: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { body } : {}) });
    const clockOf = async (i: number): Promise<ClockView> => {
      const a = await adminCall(i, "GET", "/emulator/clock");
      assert.equal(a.status, 200, JSON.stringify(a.body));
      return a.body as unknown as ClockView;
    };
    const move = async (i: number, body: unknown): Promise<ClockView> => {
      const a = await adminCall(i, "POST", "/emulator/clock", body);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      return a.body as unknown as ClockView;
    };

    before(async () => {
      const db = await freshPgUrl();
      servers = await Promise.all(
        INSTANCES.map(() =>
          startServerProcess(
            ["--db", db, "--seed", SEED, "--admin-token", ADMIN_TOKEN, "--rate-limit", "off", "--emulator", "on"],
            60_000,
          ),
        ),
      );
    });

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await dropTestSchemas();
    });

    test("a clock frozen, advanced and set through one instance reads the same on the others at once", async () => {
      const frozen = await move(0, { frozen: true });
      assert.equal(frozen.frozen, true);
      // (offset_ms is how far the frozen instant is from the wall clock, which runs on.)
      for (const i of INSTANCES) {
        const c = await clockOf(i);
        assert.deepEqual([c.now_ms, c.frozen], [frozen.now_ms, true], `instance ${i + 1}`);
      }
      const advanced = await move(1, { advance: "3h" });
      assert.equal(advanced.now_ms, frozen.now_ms + 3 * H);
      for (const i of INSTANCES) assert.equal((await clockOf(i)).now_ms, advanced.now_ms, `instance ${i + 1}`);
      const set = await move(2, { set_ms: advanced.now_ms + 86_400_000 });
      for (const i of INSTANCES) assert.equal((await clockOf(i)).now_ms, set.now_ms, `instance ${i + 1}`);
      // A move back through any instance is refused: time only moves forward, for all of them.
      const back = await adminCall(0, "POST", "/emulator/clock", { set_ms: advanced.now_ms });
      assert.equal(back.status, 409, JSON.stringify(back.body));
      const running = await move(0, { frozen: false });
      assert.equal(running.frozen, false);
      for (const i of INSTANCES) assert.equal((await clockOf(i)).frozen, false, `instance ${i + 1}`);
    });

    test("the vendor API of every instance follows a move made through another", async () => {
      const tok = await call(0, "POST", "/open-apis/auth/v3/tenant_access_token/internal", { body: APP });
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      const auth = `Bearer ${tok.body.tenant_access_token as string}`;
      const created = await call(1, "POST", BASE, { auth, body: { title: "Clocked", icon_key: "Coffee", priority: 1 } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const status = (created.body.data as { system_status: { system_status_id: string } }).system_status.system_status_id;
      const nowS = Math.floor((await clockOf(2)).now_ms / 1000);
      const opened = await call(2, "POST", `${BASE}/${status}/batch_open?user_id_type=user_id`, {
        auth,
        body: { user_list: [{ user_id: "s001", end_time: String(nowS + 3600) }] },
      });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const shown = async (i: number) =>
        ((await adminCall(i, "GET", `/tenants/${TENANT}/users/s001/status`)).body.shown as { system_status_id: string } | null)
          ?.system_status_id ?? null;
      for (const i of INSTANCES) assert.equal(await shown(i), status, `instance ${i + 1} shows it`);
      await move(0, { advance: "2h" });
      for (const i of INSTANCES) {
        assert.equal(await shown(i), null, `instance ${i + 1}: its end_time has passed`);
        const listed = await call(i, "GET", `${BASE}?page_size=5`, { auth });
        assert.equal(listed.status, 400, JSON.stringify(listed.body));
        assert.equal(listed.body.code, 99991663, `instance ${i + 1}: the token has expired`);
      }
    });
  },
);
