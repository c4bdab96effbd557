/** The CLI against PostgreSQL: `migrate`, and a clear refusal to start when the database is away. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { PG_MIGRATIONS } from "../../src/storage/postgres/migrations.js";
import { LARKSTATUS, ROOT, startServerProcess } from "../conformance/server-process.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL, withPgClient } from "../pg.js";

after(async () => {
  if (TEST_PG_URL) await dropTestSchemas();
});

test(
  "`migrate --db postgres://…` creates the schema and exits 0",
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  async () => {
    const url = await freshPgUrl();
    const r = spawnSync(process.execPath, [...LARKSTATUS, "migrate", "--db", url], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^migrated postgres 127\.0\.0\.1:5432\/\S+\n$/);
    assert.doesNotMatch(r.stdout, /@/, "the URL's credentials are not printed");
    const version = await withPgClient(
      async (c) => (await c.query("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0]?.value,
      url,
    );
    assert.equal(version, String(PG_MIGRATIONS.length));
    assert.ok(PG_MIGRATIONS.length >= 3);
  },
);

test(
  "start-up with a seed on PostgreSQL refreshes the planner statistics of the seeded tables",
  { skip: TEST_PG_URL ? false : "TEST_PG_URL is not set" },
  async () => {
    const url = await freshPgUrl();
    const server = await startServerProcess(["--db", url, "--seed", join(ROOT, "test", "fixtures", "seed.yaml")], 30_000);
    try {
      const [users, reltuples] = await withPgClient(async (c) => {
        const n = Number((await c.query("SELECT count(*) AS n FROM users")).rows[0]?.n);
        const r = Number((await c.query("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")).rows[0]?.reltuples);
        return [n, r];
      }, url);
      assert.ok(users > 0);
      // -1 until the table has been analyzed.
      assert.equal(reltuples, users);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  },
);

test("start-up against an unreachable PostgreSQL fails fast with a message naming it", async () => {
  await assert.rejects(startServerProcess(["--db", "postgres://larkstatus:x@127.0.0.1:1/larkstatus"], 30_000), (e: Error) => {
    assert.match(e.message, /exited with 1/);
    assert.match(e.message, /larkstatus: storage: PostgreSQL at 127\.0\.0\.1:1\/larkstatus is unreachable/);
    assert.doesNotMatch(e.message, /:x@/, "the password is not printed");
    return true;
  });
});
