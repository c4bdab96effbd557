/**
 * A large import is a bulk load: afterwards PostgreSQL's planner must know the new row counts.
 * With the statistics of the tables before the import (a few rows), PostgreSQL planned the next
 * app creation's union-id INSERT ... SELECT as a nested-loop anti-join that revisits the index
 * entries the statement itself inserts, once per user: quadratic, over 12 minutes for 100,000
 * users in `npm run bench:import` (seconds once the tables are analyzed). Autovacuum would catch
 * up eventually; here it is off for the schema's tables, so only the import can have refreshed them.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { PgStore } from "../../src/storage/postgres/pg-store.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL, withPgClient } from "../pg.js";

const ADMIN_TOKEN = "lsa_import-statistics-test-token-00000000";
const TENANT = "1111222233334444";
const USERS = 5000;

after(async () => {
  if (TEST_PG_URL) await dropTestSchemas();
});

test(
  `an import of ${USERS} users leaves PostgreSQL's planner statistics current (users, open_ids, union_ids)`,
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  async () => {
    const url = await freshPgUrl();
    const store = new PgStore(url, { poolMax: 2 });
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const app = await buildApp({
      store,
      clock,
      ids: sequentialIds(clock),
      rateLimit: "off",
      logger: false,
      adminToken: ADMIN_TOKEN,
    });
    try {
      await store.migrate();
      const tables = ["users", "open_ids", "union_ids"];
      await withPgClient(async (c) => {
        for (const t of tables) await c.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
      }, url);
      const call = (method: "POST", path: string, body: string, type: string) =>
        app.inject({
          method,
          url: `/admin/v1${path}`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": type },
          payload: body,
        });
      assert.equal(
        (await call("POST", "/tenants", JSON.stringify({ tenant_key: TENANT, name: "Stats" }), "application/json")).statusCode,
        201,
      );
      assert.equal(
        (await call("POST", `/tenants/${TENANT}/apps`, JSON.stringify({ scopes: [] }), "application/json")).statusCode,
        201,
      );
      const body = Array.from({ length: USERS }, (_, i) => `{"user_id":"u${i}","name":"User ${i}"}\n`).join("");
      const res = await call("POST", `/tenants/${TENANT}/users/import`, body, "application/x-ndjson");
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { created: USERS, updated: 0 });

      const rows = await withPgClient(
        async (c) =>
          (
            await c.query(
              "SELECT relname, reltuples FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1)",
              [tables],
            )
          ).rows as Array<{ relname: string; reltuples: number }>,
        url,
      );
      const tuples = Object.fromEntries(rows.map((r) => [r.relname, Number(r.reltuples)]));
      for (const t of tables) assert.ok((tuples[t] ?? 0) >= USERS, `${t}: the planner believes ${tuples[t]} rows`);
    } finally {
      await app.close();
      await store.close();
    }
  },
);
