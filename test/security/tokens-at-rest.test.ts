/**
 * A copy of the database alone must not yield a usable token: after tokens are issued, neither the
 * SQLite file (with its -wal and -shm) nor the PostgreSQL tokens table holds a token value. Yet the
 * token endpoints still return the same token while 30 minutes or more remain, also from a
 * restarted process or another instance (they unseal it with the secret's key).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { loadSeedFile } from "../../src/seed/load.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { APP, BASE, FIXTURE_SEED, GLOBEX_APP, T0, TEST_SCRYPT_N } from "../helpers.js";
import { dropTestSchemas, freshPgUrl, schemaOf, TEST_PG_URL, withPgClient } from "../pg.js";

const TENANT_TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const APP_TOKEN_URL = "/open-apis/auth/v3/app_access_token/internal";

/**
 * A file's bytes as another process sees them. Read in a child process: opening and closing the
 * database file from this process would drop the POSIX locks SQLite holds on it here.
 */
function rawBytes(path: string): Buffer {
  return existsSync(path) ? execFileSync("cat", [path], { maxBuffer: 256 * 1024 * 1024 }) : Buffer.alloc(0);
}

function assertNoToken(where: string, bytes: Buffer, tokens: readonly string[]): void {
  for (const t of tokens) {
    assert.ok(t.length > 20, `not a token: ${t}`);
    assert.equal(bytes.includes(Buffer.from(t, "utf8")), false, `${where} holds the token ${t}`);
  }
}

interface Instance {
  app: FastifyInstance;
  store: Store;
  close(): Promise<void>;
}

/** A server on `store` (seeded with the fixture), as one larkstatus process would run it. */
async function instance(store: Store, clock: ManualClock, seed = true): Promise<Instance> {
  const ids = sequentialIds(clock);
  await store.migrate();
  if (seed) await loadSeedFile(FIXTURE_SEED, { store, ids, now: () => clock.now(), scryptN: TEST_SCRYPT_N });
  const app = await buildApp({ store, clock, ids, rateLimit: "off", logger: false });
  return {
    app,
    store,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

async function post(app: FastifyInstance, url: string, creds: unknown): Promise<Record<string, unknown>> {
  const res = await app.inject({ method: "POST", url, payload: creds as Record<string, unknown> });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Record<string, unknown>;
}

/** Issues a tenant token for APP and GLOBEX_APP and an app token for APP; returns the values. */
async function issue(app: FastifyInstance): Promise<{ tenant: string; globex: string; appToken: string }> {
  const tenant = (await post(app, TENANT_TOKEN_URL, APP)).tenant_access_token as string;
  const globex = (await post(app, TENANT_TOKEN_URL, GLOBEX_APP)).tenant_access_token as string;
  const both = await post(app, APP_TOKEN_URL, APP);
  assert.equal(both.tenant_access_token, tenant, "app_access_token returns the current tenant token");
  return { tenant, globex, appToken: both.app_access_token as string };
}

async function assertSameTokens(app: FastifyInstance, issued: { tenant: string; globex: string; appToken: string }) {
  assert.equal((await post(app, TENANT_TOKEN_URL, APP)).tenant_access_token, issued.tenant);
  assert.equal((await post(app, TENANT_TOKEN_URL, GLOBEX_APP)).tenant_access_token, issued.globex);
  const both = await post(app, APP_TOKEN_URL, APP);
  assert.equal(both.app_access_token, issued.appToken);
  assert.equal(both.tenant_access_token, issued.tenant);
  const list = await app.inject({ method: "GET", url: BASE, headers: { authorization: `Bearer ${issued.tenant}` } });
  assert.equal(list.statusCode, 200, list.body);
}

describe("tokens at rest: SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "larkstatus-at-rest-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("neither the file nor its -wal/-shm holds a token; the same tokens come back, also after a restart", async () => {
    const path = join(dir, "data", "larkstatus.db");
    const clock = new ManualClock(T0);
    const first = await instance(new SqliteStore(`sqlite:${path}`), clock);
    let issued: { tenant: string; globex: string; appToken: string };
    try {
      issued = await issue(first.app);
      clock.advance(60_000);
      await assertSameTokens(first.app, issued);
      const all = [issued.tenant, issued.globex, issued.appToken];
      // While the process runs: the commits are in the WAL.
      assert.ok(rawBytes(`${path}-wal`).length > 0, "the WAL is in use");
      for (const suffix of ["", "-wal", "-shm"]) assertNoToken(`larkstatus.db${suffix}`, rawBytes(`${path}${suffix}`), all);
    } finally {
      await first.close();
    }
    // Closed (WAL checkpointed into the file): still nothing.
    const all = [issued.tenant, issued.globex, issued.appToken];
    for (const suffix of ["", "-wal", "-shm"]) assertNoToken(`larkstatus.db${suffix}`, rawBytes(`${path}${suffix}`), all);

    // A restarted process (nothing in memory) returns the same tokens: it unseals them with the secret.
    clock.advance(60_000);
    const second = await instance(new SqliteStore(`sqlite:${path}`), clock, false);
    try {
      await assertSameTokens(second.app, issued);
    } finally {
      await second.close();
    }
  });
});

describe("tokens at rest: PostgreSQL", { skip: TEST_PG_URL ? false : "TEST_PG_URL not set" }, () => {
  after(async () => {
    await dropTestSchemas();
  });

  test("the tokens table holds no token value; another instance returns the same tokens", async () => {
    const url = await freshPgUrl();
    const clock = new ManualClock(T0);
    const one = await instance(new PgStore(url, { poolMax: 2 }), clock);
    const two = await instance(new PgStore(url, { poolMax: 2 }), clock, false);
    try {
      const issued = await issue(one.app);
      clock.advance(60_000);
      // Instance two has never seen these tokens or secrets: it reads, verifies and unseals.
      await assertSameTokens(two.app, issued);
      const rows = await withPgClient(
        async (c) =>
          (await c.query(`SELECT row_to_json(t)::text AS row FROM "${schemaOf(url)}".tokens t`)).rows as { row: string }[],
      );
      assert.equal(rows.length, 3, JSON.stringify(rows));
      assertNoToken("the tokens table", Buffer.from(rows.map((r) => r.row).join("\n")), [
        issued.tenant,
        issued.globex,
        issued.appToken,
      ]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
