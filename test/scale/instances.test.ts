/**
 * Three real larkstatus processes on one PostgreSQL (and one Redis): the vendor's invariants must
 * hold when instances race, enforced by the database, not by any process.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { sequentialIds } from "../../src/domain/ids.js";
import { applySeed, parseSeed } from "../../src/seed/load.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { ROOT, type ServerProcess, startServerProcess } from "../conformance/server-process.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL } from "../pg.js";
import { TEST_REDIS_URL } from "../redis.js";

const SEED = join(ROOT, "test", "scale", "seed.yaml");
const TENANT = "5ca1e00000000001";
const APP = { app_id: "cli_5ca1e00000000001", app_secret: "scale-secret" };
const BASE = "/open-apis/personal_settings/v1/system_statuses";
const USERS = Array.from({ length: 20 }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
const skip = !TEST_PG_URL ? "TEST_PG_URL is not set" : !TEST_REDIS_URL ? "TEST_REDIS_URL is not set" : false;

interface Answer {
  status: number;
  body: { code: number; msg: string; data?: Record<string, unknown> };
  headers: Headers;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"], headers: res.headers };
}

async function token(base: string, creds = APP): Promise<string> {
  const r = await call(base, "POST", "/open-apis/auth/v3/tenant_access_token/internal", undefined, creds);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as unknown as { tenant_access_token: string }).tenant_access_token;
}

describe("three instances on one PostgreSQL and one Redis", { skip }, () => {
  let db: string;
  let servers: ServerProcess[] = [];
  let store: PgStore;
  let tok: string;

  before(async () => {
    // Counters in Redis outlive a run (as they should): clear this seed's apps' windows so a run
    // right after another does not start with the minute's budget spent.
    const redis = new Redis(TEST_REDIS_URL as string);
    try {
      const keys = await redis.keys("larkstatus:rl:{cli_5ca1e0000000000*");
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    db = await freshPgUrl();
    // Started together: they race to migrate the same empty schema, and must each come up.
    servers = await Promise.all(
      [0, 1, 2].map(() => startServerProcess(["--db", db, "--seed", SEED, "--redis", TEST_REDIS_URL as string], 60_000)),
    );
    store = new PgStore(db);
    tok = await token(servers[0]?.url as string);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await store?.close();
    await dropTestSchemas();
  });

  const url = (i: number) => servers[i % servers.length]?.url as string;

  test("a token issued by one instance works on the others", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await call(url(i), "GET", `${BASE}?page_size=50`, tok);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.code, 0);
    }
    // Asking another instance for a token returns the same one (more than 30 minutes remain).
    assert.equal(await token(url(2)), tok);
  });

  test("30 concurrent creates across instances: exactly 10 statuses, 20 errors of 2005004/2005005", async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(url(i), "POST", BASE, tok, { title: `race ${i}`, icon_key: "Coffee", priority: i % 10 }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200 && a.body.code === 0);
    const refused = answers.filter((a) => a.status === 400 && (a.body.code === 2005004 || a.body.code === 2005005));
    assert.equal(ok.length, 10, JSON.stringify(answers.map((a) => a.body.code)));
    assert.equal(refused.length, 20, JSON.stringify(answers.map((a) => a.body.code)));
    const list = await call(url(1), "GET", `${BASE}?page_size=50`, tok);
    const items = (list.body.data as { items: { priority: number; title: string }[] }).items;
    assert.equal(items.length, 10);
    assert.deepEqual(
      items.map((s) => s.priority),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test("conflicting batch_open/batch_close on the same users across instances end consistent", async () => {
    const list = await call(url(0), "GET", `${BASE}?page_size=50`, tok);
    const statusId = (list.body.data as { items: { system_status_id: string }[] }).items[0]?.system_status_id as string;
    const now = Math.floor(Date.now() / 1000);
    for (let round = 0; round < 5; round++) {
      // Six calls at once over the same 20 users: three opens with different end_times, three closes.
      const calls = Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0
          ? call(url(i), "POST", `${BASE}/${statusId}/batch_open?user_id_type=user_id`, tok, {
              user_list: USERS.map((u) => ({ user_id: u, end_time: String(now + 3600 + round * 10 + i) })),
            })
          : call(url(i), "POST", `${BASE}/${statusId}/batch_close?user_id_type=user_id`, tok, { user_list: USERS }),
      );
      const answers = await Promise.all(calls);
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      // Each batch is one transaction: every user ends in the state of the same (last) batch.
      const rows = await Promise.all(USERS.map((u) => store.userStatuses(TENANT, u)));
      const states = rows.map((r) => {
        const row = r.find((x) => x.system_status_id === statusId);
        return row ? `${row.open ? "open" : "closed"}:${row.open ? row.end_time : ""}` : "none";
      });
      assert.equal(new Set(states).size, 1, `round ${round}: users disagree: ${[...new Set(states)].join(", ")}`);
    }
    // A later acknowledged call wins everywhere.
    const last = await call(url(2), "POST", `${BASE}/${statusId}/batch_close?user_id_type=user_id`, tok, { user_list: USERS });
    assert.equal(last.status, 200);
    for (const u of USERS) {
      const row = (await store.userStatuses(TENANT, u)).find((x) => x.system_status_id === statusId);
      assert.equal(row?.open, false, u);
    }
  });

  test("rotating an app's secret revokes its tokens on every instance", async () => {
    const second = { app_id: "cli_5ca1e00000000002", app_secret: "second-secret" };
    const t2 = await token(url(0), second);
    assert.equal((await call(url(1), "GET", BASE, t2)).status, 200);
    // What the seed loader (and, later, the admin API) does: store a new secret hash and revoke.
    const seed = readFileSync(SEED, "utf8").replace('app_secret: "second-secret"', 'app_secret: "rotated-secret"');
    const file = join(ROOT, "test", "scale", ".rotated-seed.yaml");
    writeFileSync(file, seed);
    try {
      await applySeed(file, parseSeed(file, seed), {
        store,
        ids: sequentialIds({ now: Date.now }),
        now: Date.now,
        scryptN: 1024,
      });
    } finally {
      rmSync(file, { force: true });
    }
    for (let i = 0; i < 3; i++) {
      const r = await call(url(i), "GET", BASE, t2);
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 99991663, JSON.stringify(r.body));
    }
    // The main app's token is untouched.
    assert.equal((await call(url(2), "GET", BASE, tok)).status, 200);
  });

  test("the 50/s batch limit holds across the three instances (Redis)", async () => {
    const list = await call(url(0), "GET", `${BASE}?page_size=50`, tok);
    const statusId = (list.body.data as { items: { system_status_id: string }[] }).items[0]?.system_status_id as string;
    // Start just after a second boundary so the burst most likely fits in one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    const started = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        call(url(i), "POST", `${BASE}/${statusId}/batch_close?user_id_type=user_id`, tok, { user_list: ["s001"] }),
      ),
    );
    const seconds = Math.floor(Date.now() / 1000) - started + 1;
    const allowed = answers.filter((a) => a.status === 200).length;
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(allowed + limited.length, 150);
    for (const a of limited) {
      assert.equal(a.body.code, 99991400);
      assert.equal(a.headers.get("x-ogw-ratelimit-limit"), "50");
    }
    // Without shared counters three instances would allow 150.
    if (seconds === 1) assert.equal(allowed, 50);
    else assert.ok(allowed <= 50 * seconds && allowed < 150, `${allowed} allowed over ${seconds} s`);
  });
});
