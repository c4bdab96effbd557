/**
 * The directory across three real larkstatus processes on one PostgreSQL: a user, an app or a
 * secret changed through the admin API of one instance reads the same through the other two at
 * once (the next request after the acknowledged answer, no waiting, no retry), in the admin API
 * and in what the vendor API does. A rotated secret is refused by all three, the app's old tokens
 * are gone on all three, and the new secret works on all three.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { tokenHash } from "../../src/domain/secrets.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { ROOT, type ServerProcess, startServerProcess } from "../conformance/server-process.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL } from "../pg.js";
import { type Answer, callAt } from "./http.js";

const SEED = join(ROOT, "test", "scale", "seed.yaml");
const TENANT = "5ca1e00000000001";
const APP = { app_id: "cli_5ca1e00000000001", app_secret: "scale-secret" };
const SECOND = { app_id: "cli_5ca1e00000000002", app_secret: "second-secret" };
const ADMIN_TOKEN = "lsa_directory-instances-test-token-000000";
const BASE = "/open-apis/personal_settings/v1/system_statuses";
const TENANT_TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const APP_TOKEN_URL = "/open-apis/auth/v3/app_access_token/internal";
const INSTANCES = [0, 1, 2] as const;

describe(
  "the directory across three instances on one PostgreSQL",
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  () => {
    let servers: ServerProcess[] = [];
    let store: PgStore;
    let token = "";
    let status = "";
    const url = (i: number) => servers[i]?.url as string;

    const call = (i: number, method: string, path: string, opts: { body?: unknown; auth?: string } = {}) =>
      callAt(url(i), method, path, opts);
    const adminCall = (i: number, method: string, path: string, body?: unknown) =>
      call(i, method, `/admin/v1${path}`, { auth: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { body } : {}) });
    /** The admin call's answer on every instance, asked at once. */
    const everywhere = (method: string, path: string) => Promise.all(INSTANCES.map((i) => adminCall(i, method, path)));
    const tenantToken = (i: number, creds: { app_id: string; app_secret: string }) =>
      call(i, "POST", TENANT_TOKEN_URL, { body: creds });
    const appToken = (i: number, creds: { app_id: string; app_secret: string }) =>
      call(i, "POST", APP_TOKEN_URL, { body: creds });
    const open = (i: number, tok: string, user: string) =>
      call(i, "POST", `${BASE}/${status}/batch_open?user_id_type=user_id`, {
        auth: `Bearer ${tok}`,
        body: { user_list: [{ user_id: user, end_time: String(Math.floor(Date.now() / 1000) + 3600) }] },
      });
    const openResult = (a: Answer) => {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      return (a.body.data as { result_list: Array<{ result: string }> }).result_list[0]?.result;
    };

    before(async () => {
      const db = await freshPgUrl();
      servers = await Promise.all(
        INSTANCES.map(() =>
          startServerProcess(["--db", db, "--seed", SEED, "--admin-token", ADMIN_TOKEN, "--rate-limit", "off"], 60_000),
        ),
      );
      store = new PgStore(db, { poolMax: 2 });
      const tok = await tenantToken(0, APP);
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      token = tok.body.tenant_access_token as string;
      const created = await call(0, "POST", BASE, {
        auth: `Bearer ${token}`,
        body: { title: "Busy", icon_key: "Coffee", priority: 1 },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      status = (created.body.data as { system_status: { system_status_id: string } }).system_status.system_status_id;
      // Every instance has read the directory once (and so would hold any copy it kept).
      for (const i of INSTANCES) {
        assert.equal((await adminCall(i, "GET", `/tenants/${TENANT}/users/s001`)).status, 200);
        assert.equal((await adminCall(i, "GET", `/apps/${SECOND.app_id}`)).status, 200);
        assert.equal(openResult(await open(i, token, "s001")), "success_show");
      }
    });

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await store?.close();
      await dropTestSchemas();
    });

    test("a user renamed and resigned through instance 1 reads the same through instances 2 and 3 at once", async () => {
      const put = await adminCall(0, "PUT", `/tenants/${TENANT}/users/s002`, { name: "Renamed Two", resigned: true });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.name, "Renamed Two");
      assert.equal(put.body.resigned, true);
      const reads = await everywhere("GET", `/tenants/${TENANT}/users/s002`);
      for (const r of reads) assert.deepEqual(r, { status: 200, body: put.body });
      // ...and the vendor API of every instance treats the user as resigned.
      for (const i of INSTANCES) assert.equal(openResult(await open(i, token, "s002")), "resign_user_id", `instance ${i + 1}`);
      // A user created through instance 3 is there on 1 and 2, with every app's ids.
      const created = await adminCall(2, "PUT", `/tenants/${TENANT}/users/s099`, { name: "New Ninety-Nine" });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      for (const r of await everywhere("GET", `/tenants/${TENANT}/users/s099`))
        assert.deepEqual(r, { status: 200, body: created.body });
      for (const i of INSTANCES) assert.equal(openResult(await open(i, token, "s099")), "success_show", `instance ${i + 1}`);
    });

    test("an app created through instance 1 reads the same, and works, through instances 2 and 3 at once", async () => {
      const created = await adminCall(0, "POST", `/tenants/${TENANT}/apps`, {
        scopes: ["personal_settings:status:system_status_operate", "contact:user.employee_id:readonly"],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { app_secret, ...app } = created.body as { app_secret: string; app_id: string };
      for (const r of await everywhere("GET", `/apps/${app.app_id}`)) assert.deepEqual(r, { status: 200, body: app });
      // Every user has the new app's open_id, as every instance reads it.
      const users = await everywhere("GET", `/tenants/${TENANT}/users/s003`);
      for (const r of users) {
        assert.deepEqual(r, users[0]);
        assert.match((r.body.open_ids as Record<string, string>)[app.app_id] ?? "", /^ou_[0-9a-f]{32}$/);
      }
      // The new app's secret gets a token on instance 2, which opens through instance 3.
      const tok = await tenantToken(1, { app_id: app.app_id, app_secret });
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      assert.equal(openResult(await open(2, tok.body.tenant_access_token as string, "s003")), "success_show");
    });

    test("an app disabled through instance 1 is disabled on instances 2 and 3 at once: no token, its tokens refused", async () => {
      const before = await tenantToken(1, SECOND);
      assert.equal(before.status, 200, JSON.stringify(before.body));
      const old = before.body.tenant_access_token as string;
      for (const i of INSTANCES) assert.equal((await call(i, "GET", BASE, { auth: `Bearer ${old}` })).status, 200);

      const patched = await adminCall(0, "PATCH", `/apps/${SECOND.app_id}`, { enabled: false });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.enabled, false);
      const [a, b, c] = await Promise.all([
        everywhere("GET", `/apps/${SECOND.app_id}`),
        Promise.all(INSTANCES.map((i) => call(i, "GET", BASE, { auth: `Bearer ${old}` }))),
        Promise.all(INSTANCES.map((i) => tenantToken(i, SECOND))),
      ]);
      for (const r of a) assert.deepEqual(r, { status: 200, body: patched.body });
      for (const r of b) assert.deepEqual([r.status, r.body.code], [400, 99991663], JSON.stringify(r.body));
      for (const r of c) assert.deepEqual([r.status, r.body.code], [400, 10014], JSON.stringify(r.body));

      // Enabled again through instance 3: a token again on all three.
      assert.equal((await adminCall(2, "PATCH", `/apps/${SECOND.app_id}`, { enabled: true })).status, 200);
      for (const i of INSTANCES) assert.equal((await tenantToken(i, SECOND)).status, 200, `instance ${i + 1}`);
    });

    test("a secret rotated through one instance: the old one refused (10014) on all three, its tokens gone on all three at once, the new one works on all three", async () => {
      const issued = await appToken(0, APP);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const oldApp = issued.body.app_access_token as string;
      const oldTenant = issued.body.tenant_access_token as string;
      assert.equal(oldTenant, token, "the tenant token is reused while it has time left");
      assert.ok(await store.getToken(tokenHash(oldApp)));
      for (const i of INSTANCES) assert.equal((await call(i, "GET", BASE, { auth: `Bearer ${oldTenant}` })).status, 200);

      const rotated = await adminCall(1, "POST", `/apps/${APP.app_id}/secret`);
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const fresh = { app_id: APP.app_id, app_secret: rotated.body.app_secret as string };
      assert.notEqual(fresh.app_secret, APP.app_secret);

      // At once, on all three: the old secret is refused, and the old tenant token is invalid.
      const [secrets, uses] = await Promise.all([
        Promise.all(INSTANCES.flatMap((i) => [tenantToken(i, APP), appToken(i, APP)])),
        Promise.all(INSTANCES.map((i) => call(i, "GET", BASE, { auth: `Bearer ${oldTenant}` }))),
      ]);
      for (const r of secrets) assert.deepEqual([r.status, r.body.code, r.body.msg], [400, 10014, "app secret invalid"]);
      for (const r of uses) assert.deepEqual([r.status, r.body.code], [400, 99991663], JSON.stringify(r.body));
      // The app token is never accepted by personal_settings (99991671, its prefix): that it is gone
      // shows in the store, and in the new secret's answer, which is a new app token, not the old one.
      assert.equal(await store.getToken(tokenHash(oldApp)), undefined);
      assert.equal(await store.getToken(tokenHash(oldTenant)), undefined);

      // The new secret works on all three (the first instance issues, the others hand out the same).
      const first = await appToken(2, fresh);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.notEqual(first.body.app_access_token, oldApp);
      assert.notEqual(first.body.tenant_access_token, oldTenant);
      for (const i of INSTANCES) {
        const again = await appToken(i, fresh);
        assert.equal(again.body.app_access_token, first.body.app_access_token, `instance ${i + 1}`);
        const t = await tenantToken(i, fresh);
        assert.equal(t.body.tenant_access_token, first.body.tenant_access_token, `instance ${i + 1}`);
        assert.equal(openResult(await open(i, t.body.tenant_access_token as string, "s004")), "success_show");
      }
    });
  },
);
