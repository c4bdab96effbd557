/**
 * Runs the storage contract against PostgreSQL (a fresh schema per store), plus PostgreSQL-only
 * checks: migrations, start-up errors, and the invariants under concurrent instances (separate
 * pools on one database). Needs TEST_PG_URL; without it the file reports one skipped test.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, test } from "node:test";
import pg from "pg";
import { deriveOpenId, deriveUnionId } from "../../src/domain/ids.js";
import { type StatusSnapshot, type SystemStatus, snapshotOf, withDefaults } from "../../src/domain/model.js";
import { tokenHash } from "../../src/domain/secrets.js";
import { StorageError } from "../../src/storage/errors.js";
import { PG_MIGRATIONS } from "../../src/storage/postgres/migrations.js";
import { PgStore, pgTarget } from "../../src/storage/postgres/pg-store.js";
import { PG_STATE_TABLES } from "../../src/storage/postgres/snapshots.js";
import type { StatusWriteResult, Store, UserInput } from "../../src/storage/store.js";
import { dropTestSchemas, freshPgUrl, TEST_PG_URL, withPgClient } from "../pg.js";
import { auditContract } from "./audit-contract.js";
import { storageContract } from "./contract.js";
import { snapshotContract } from "./snapshot-contract.js";

const SKIP = TEST_PG_URL ? false : "TEST_PG_URL not set";

if (!TEST_PG_URL) {
  test("postgres storage contract and PostgreSQL-specific checks", { skip: "TEST_PG_URL not set" }, () => {});
} else {
  after(async () => {
    await dropTestSchemas();
  });

  const urls = new WeakMap<Store, string>();
  const track = (store: PgStore, url: string): PgStore => {
    urls.set(store, url);
    return store;
  };

  storageContract(
    "postgres",
    async () => {
      const url = await freshPgUrl();
      return track(new PgStore(url), url);
    },
    {
      async reopen(store) {
        const url = urls.get(store);
        assert.ok(url, "reopen of a store this suite did not make");
        await store.close();
        return track(new PgStore(url), url);
      },
      async failDeletesOf(store, table) {
        const url = urls.get(store);
        assert.ok(url, "a store this suite did not make");
        await withPgClient(async (c) => {
          await c.query(
            "CREATE OR REPLACE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
          );
          await c.query(
            `CREATE TRIGGER refuse_delete_${table} BEFORE DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_delete()`,
          );
        }, url);
      },
    },
  );
  auditContract("postgres", async () => new PgStore(await freshPgUrl()));
  const urlOf = (store: Store) => {
    const url = urls.get(store);
    assert.ok(url, "a store this suite did not make");
    return url;
  };
  snapshotContract(
    "postgres",
    async () => {
      const url = await freshPgUrl();
      return track(new PgStore(url), url);
    },
    {
      async dump(store) {
        return withPgClient(async (c) => {
          const out: Record<string, unknown[]> = {};
          for (const t of PG_STATE_TABLES) {
            out[t] = (await c.query(`SELECT * FROM ${t}`)).rows.map((r) => JSON.stringify(r)).sort();
          }
          return out;
        }, urlOf(store));
      },
      async failInsertsOf(store, table) {
        await withPgClient(async (c) => {
          await c.query(
            "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
          );
          await c.query(
            `CREATE TRIGGER refuse_insert_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_insert()`,
          );
        }, urlOf(store));
      },
      async addColumn(store, table) {
        await withPgClient((c) => c.query(`ALTER TABLE ${table} ADD COLUMN added_later TEXT`), urlOf(store));
      },
    },
  );
}

// ---------------------------------------------------------------------------- fixtures

const T0 = Date.UTC(2026, 0, 1);
const T0_S = T0 / 1000;
const TA = "aaaaaaaaaaaaaaaa";
const A1 = "cli_aaaaaaaaaaaaaaa1";

function statusOf(n: number, title: string, priority: number): SystemStatus {
  return {
    system_status_id: `7${String(n).padStart(18, "0")}`,
    ...withDefaults({ title, icon_key: "Coffee", priority }),
  };
}

function userIn(userId: string, over: Partial<UserInput> = {}): UserInput {
  return {
    user_id: userId,
    name: `User ${userId}`,
    resigned: false,
    open_ids: { [A1]: deriveOpenId(A1, TA, userId) },
    union_ids: { devA: deriveUnionId("devA", TA, userId) },
    sync_off: [],
    ...over,
  };
}

/** A migrated store on a fresh schema with one tenant and app. */
async function seeded(url?: string, opts?: ConstructorParameters<typeof PgStore>[1]): Promise<{ store: PgStore; url: string }> {
  const u = url ?? (await freshPgUrl());
  const store = new PgStore(u, opts);
  await store.migrate();
  await store.upsertTenant({ tenant_key: TA, name: "Acme", api_enabled: true, sensitive_words: [] });
  await store.upsertApp({
    app_id: A1,
    tenant_key: TA,
    secret_hash: "x",
    scopes: [],
    enabled: true,
    visibility: "all",
    developer: "devA",
  });
  return { store, url: u };
}

/** `n` stores on the same database, each with its own pool: `n` instances. */
async function instances(url: string, n: number): Promise<PgStore[]> {
  return Array.from({ length: n }, () => new PgStore(url, { poolMax: 5 }));
}

async function closeAll(stores: Store[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []) {
  return withPgClient(async (c) => (await c.query<T>(text, values)).rows, url);
}

function isStorageError(re: RegExp, unavailable?: boolean) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof StorageError, `expected a StorageError, got ${String(e)}`);
    assert.match(e.message, re);
    if (unavailable !== undefined) assert.equal(e.unavailable, unavailable, e.message);
    return true;
  };
}

/** A TCP server that accepts connections and then drops them, or reads and never answers. */
async function fakeServer(behaviour: "drop" | "silent"): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    if (behaviour === "drop") {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  assert.ok(addr && typeof addr === "object");
  return {
    port: addr.port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------- URL and errors (no database needed)

describe("PgStore without a database", () => {
  test("pgTarget names host:port/database and never the password", () => {
    assert.equal(pgTarget("postgres://u:secret@db.example:6543/lark"), "db.example:6543/lark");
    assert.equal(pgTarget("postgresql://u:secret@10.0.0.1/lark?sslmode=require"), "10.0.0.1:5432/lark");
    assert.doesNotMatch(pgTarget("postgres://u:secret@h/d"), /secret/);
  });

  test("a URL that is not postgres:// → StorageError", () => {
    assert.throws(() => new PgStore("mysql://x@y/z"), StorageError);
    assert.throws(() => new PgStore("sqlite::memory:"), StorageError);
  });

  test("an unreachable server → StorageError naming host:port and the cause, quickly", async () => {
    const store = new PgStore("postgres://x:y@127.0.0.1:1/db");
    const t = Date.now();
    try {
      await assert.rejects(store.migrate(), isStorageError(/127\.0\.0\.1:1\/db.*unreachable.*ECONNREFUSED/, true));
      await assert.rejects(store.getTenant(TA), isStorageError(/unreachable/, true));
      assert.equal(await store.ping(), false);
      assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
    } finally {
      await store.close();
    }
  });

  test("a server that drops every connection → StorageError, unavailable", async () => {
    const { port, stop } = await fakeServer("drop");
    const store = new PgStore(`postgres://x:y@127.0.0.1:${port}/db`, { connectionTimeoutMs: 2000 });
    try {
      await assert.rejects(store.migrate(), isStorageError(new RegExp(`127\\.0\\.0\\.1:${port}/db.*unreachable`), true));
      assert.equal(await store.ping(), false);
    } finally {
      await store.close();
      await stop();
    }
  });

  test("a server that never answers → StorageError after connectionTimeoutMs, not a hang", async () => {
    const { port, stop } = await fakeServer("silent");
    const store = new PgStore(`postgres://x:y@127.0.0.1:${port}/db`, { connectionTimeoutMs: 300 });
    const t = Date.now();
    try {
      await assert.rejects(store.migrate(), isStorageError(/unreachable.*timeout/i, true));
      assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    } finally {
      await store.close();
      await stop();
    }
  });

  test("close is idempotent; a closed store pings false and refuses calls with a StorageError", async () => {
    const store = new PgStore("postgres://x:y@127.0.0.1:1/db");
    await store.close();
    await store.close();
    assert.equal(await store.ping(), false);
    await assert.rejects(store.getTenant(TA), isStorageError(/closed/));
  });
});

// ---------------------------------------------------------------------------- with a database

describe("PgStore on PostgreSQL", { skip: SKIP }, () => {
  test("migrate records the schema version; a newer schema → StorageError saying so", async () => {
    const url = await freshPgUrl();
    const store = new PgStore(url);
    try {
      await store.migrate();
      const [row] = await sql<{ value: string }>(url, "SELECT value FROM meta WHERE key = 'schema_version'");
      assert.equal(row?.value, String(PG_MIGRATIONS.length));
      await sql(url, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");
      // On the open store, and on a new one.
      await assert.rejects(store.migrate(), isStorageError(/999.*newer than this larkstatus/));
      const again = new PgStore(url);
      try {
        await assert.rejects(again.migrate(), isStorageError(/schema version 999 is newer than this larkstatus/, false));
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });

  test("migration 4 hashes existing tokens (they keep authenticating) and keeps no token column or value", async () => {
    const url = await freshPgUrl();
    // A schema as larkstatus left it at version 3: tokens stored as issued.
    await withPgClient(async (c) => {
      await c.query(`CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)`);
      for (const m of PG_MIGRATIONS.slice(0, 3)) await c.query(m);
      await c.query("INSERT INTO meta VALUES ('schema_version', '3')");
      await c.query("INSERT INTO tenants VALUES ($1, 'Acme', true, '[]')", [TA]);
      await c.query("INSERT INTO apps VALUES ($1, $2, 'x', '[]', true, '\"all\"', 'devA')", [A1, TA]);
      for (const t of ["t-old-plaintext-one-0000000000000000000000", "t-old-plaintext-two-0000000000000000000000"]) {
        await c.query("INSERT INTO tokens VALUES ($1, 'tenant', $2, $3, $4, $5)", [t, A1, TA, T0, T0 + 7_200_000]);
      }
    }, url);
    const store = new PgStore(url);
    try {
      await store.migrate();
      const owner = await store.tokenOwner(tokenHash("t-old-plaintext-one-0000000000000000000000"));
      assert.equal(owner?.token.app_id, A1);
      assert.equal(owner?.token.sealed, null);
      assert.equal(owner?.app?.app_id, A1);
      assert.equal((await store.latestToken(A1, "tenant", T0))?.sealed, null);
      const cols = await sql<{ column_name: string }>(
        url,
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'tokens' ORDER BY ordinal_position",
      );
      assert.deepEqual(
        cols.map((c) => c.column_name),
        ["token_hash", "sealed", "kind", "app_id", "tenant_key", "issued_at", "expires_at"],
      );
      const rows = await sql<{ row: string }>(url, "SELECT row_to_json(t)::text AS row FROM tokens t");
      assert.equal(rows.length, 2);
      assert.ok(!rows.some((r) => r.row.includes("plaintext")), JSON.stringify(rows));
      // The primary key and the per-app index came back on the new table.
      const idx = await sql<{ indexname: string }>(
        url,
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'tokens' ORDER BY 1",
      );
      assert.deepEqual(
        idx.map((r) => r.indexname),
        ["tokens_app", "tokens_pkey"],
      );
    } finally {
      await store.close();
    }
  });

  test("concurrent migrate() from 3 instances applies each migration once", async () => {
    const url = await freshPgUrl();
    const stores = await instances(url, 3);
    try {
      // A second run of migration 1 would fail ("relation already exists"): all three must succeed.
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s) => s.migrate()));
      const [row] = await sql<{ value: string }>(url, "SELECT value FROM meta WHERE key = 'schema_version'");
      assert.equal(row?.value, String(PG_MIGRATIONS.length));
      const idx = await sql<{ indexname: string }>(
        url,
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '%tenant_user' ORDER BY 1",
      );
      assert.deepEqual(
        idx.map((r) => r.indexname),
        ["open_ids_tenant_user", "union_ids_tenant_user"],
      );
    } finally {
      await closeAll(stores);
    }
  });

  test("a wrong password → StorageError naming the server (reached, so not 'unavailable')", async () => {
    const u = new URL(TEST_PG_URL as string);
    u.password = "definitely-wrong";
    const store = new PgStore(u.toString());
    try {
      await assert.rejects(store.migrate(), isStorageError(/cannot connect to PostgreSQL at .*:\d+\/.*password/, false));
      assert.doesNotMatch(u.toString().replace("definitely-wrong", ""), /definitely-wrong/);
    } finally {
      await store.close();
    }
  });

  test("a bounded pool: when every connection is busy, a call fails after connectionTimeoutMs", async () => {
    const { store, url } = await seeded(undefined, { poolMax: 1, connectionTimeoutMs: 300 });
    const blocker = new pg.Client(url);
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM tenants WHERE tenant_key = $1 FOR UPDATE", [TA]);
      // Takes the only connection, then waits for the tenant lock.
      const pending = store.createStatus(TA, statusOf(1, "A", 1), T0, 10);
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(store.getTenant(TA), isStorageError(/no free PostgreSQL connection.*1 in the pool/, true));
      await blocker.query("COMMIT");
      assert.equal((await pending).ok, true);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  test("a connection killed mid-call → StorageError 'unreachable' (unavailable); the pool then recovers", async () => {
    // A name of its own, so that only this store's connection is killed.
    const appName = `larkstatus_kill_${process.pid}_${Date.now()}`;
    const { store, url } = await seeded(`${await freshPgUrl()}&application_name=${appName}`, { poolMax: 2 });
    const blocker = new pg.Client(url);
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM tenants WHERE tenant_key = $1 FOR UPDATE", [TA]);
      const pending = store.createStatus(TA, statusOf(1, "A", 1), T0, 10).then(
        () => undefined,
        (e: unknown) => e,
      );
      let killed = 0;
      for (let i = 0; i < 50 && killed === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const rows = await blocker.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
           WHERE application_name = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          [appName],
        );
        killed = rows.rows.length;
      }
      assert.equal(killed, 1, "the store's connection was found waiting for the tenant lock");
      assert.ok(isStorageError(/unreachable/, true)(await pending));
      await blocker.query("ROLLBACK");
      assert.equal(await store.ping(), true);
      assert.equal((await store.createStatus(TA, statusOf(1, "A", 1), T0, 10)).ok, true);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  test("30 concurrent creates from 3 instances: exactly 10 succeed, live priorities stay unique", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (stores[i % 3] as PgStore).createStatus(TA, statusOf(i + 1, `T${i}`, i % 10), T0 + i, 10),
        ),
      );
      const tally = (r: StatusWriteResult) => (r.ok ? "ok" : r.conflict);
      const counts: Record<string, number> = {};
      for (const r of results) counts[tally(r)] = (counts[tally(r)] ?? 0) + 1;
      assert.equal(counts.ok, 10, JSON.stringify(counts));
      assert.equal((counts.limit ?? 0) + (counts.duplicate_priority ?? 0), 20, JSON.stringify(counts));
      const live = await sql<{ priority: number }>(
        url,
        "SELECT priority FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL",
        [TA],
      );
      assert.equal(live.length, 10);
      assert.equal(new Set(live.map((r) => r.priority)).size, 10);
      const names = await sql<{ n: string }>(url, "SELECT count(*) AS n FROM status_names WHERE tenant_key = $1", [TA]);
      assert.equal(names[0]?.n, "10", "only the created statuses reserved names");
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("the live limit holds on its own under concurrency (distinct priorities, maxLive 5)", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (stores[i % 3] as PgStore).createStatus(TA, statusOf(round * 10 + i + 1, `R${round}-${i}`, i), T0, 5),
          ),
        );
        if (round === 0) {
          assert.equal(results.filter((r) => r.ok).length, 5);
          assert.ok(results.every((r) => r.ok || r.conflict === "limit"));
        } else {
          assert.ok(results.every((r) => !r.ok && r.conflict === "limit"));
        }
      }
      const live = await sql(url, "SELECT 1 FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL", [TA]);
      assert.equal(live.length, 5);
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("concurrent creates racing for one title or one priority: one wins", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      const sameTitle = await Promise.all(
        Array.from({ length: 9 }, (_, i) => (stores[i % 3] as PgStore).createStatus(TA, statusOf(i + 1, "Same", i), T0, 10)),
      );
      assert.equal(sameTitle.filter((r) => r.ok).length, 1);
      assert.ok(sameTitle.every((r) => r.ok || r.conflict === "duplicate_name"));
      const samePriority = await Promise.all(
        Array.from({ length: 9 }, (_, i) => (stores[i % 3] as PgStore).createStatus(TA, statusOf(i + 20, `P${i}`, 9), T0, 10)),
      );
      const winner = sameTitle.find((r) => r.ok);
      const expected = winner?.ok && winner.status.priority === 9 ? 0 : 1;
      assert.equal(samePriority.filter((r) => r.ok).length, expected);
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("concurrent updates to one priority or one title across instances: one wins, nothing half-written", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      for (let i = 0; i < 6; i++) assert.ok((await store.createStatus(TA, statusOf(i + 1, `S${i}`, i), T0, 10)).ok);
      const toPriority = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (stores[i % 3] as PgStore).updateStatus(TA, statusOf(i + 1, `S${i}`, 9), T0 + 1)),
      );
      assert.equal(toPriority.filter((r) => r.ok).length, 1);
      assert.ok(toPriority.every((r) => r.ok || r.conflict === "duplicate_priority"));
      const afterP = (await store.listStatuses(TA, 50)).items;
      assert.equal(new Set(afterP.map((s) => s.priority)).size, 6);

      const toTitle = await Promise.all(
        afterP.map((s, i) => (stores[i % 3] as PgStore).updateStatus(TA, { ...s, title: "Renamed" }, T0 + 2)),
      );
      assert.equal(toTitle.filter((r) => r.ok).length, 1);
      const names = await sql<{ name: string; system_status_id: string }>(
        url,
        "SELECT name, system_status_id FROM status_names WHERE tenant_key = $1",
        [TA],
      );
      const live = (await store.listStatuses(TA, 50)).items;
      assert.deepEqual(names.map((r) => r.name).sort(), live.map((s) => s.title).sort(), "names match the live titles");
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("deletes and creates racing at the limit never exceed it", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      for (let i = 0; i < 10; i++) assert.ok((await store.createStatus(TA, statusOf(i + 1, `S${i}`, i), T0, 10)).ok);
      await Promise.all([
        ...Array.from({ length: 3 }, (_, i) =>
          (stores[i] as PgStore).deleteStatus(TA, statusOf(i + 1, "", 0).system_status_id, T0),
        ),
        ...Array.from({ length: 12 }, (_, i) =>
          (stores[i % 3] as PgStore).createStatus(TA, statusOf(i + 100, `N${i}`, i % 3), T0 + 1, 10),
        ),
      ]);
      const live = await sql(url, "SELECT priority FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL", [TA]);
      assert.ok(live.length <= 10, `${live.length} live`);
      assert.equal(new Set(live.map((r) => r.priority)).size, live.length);
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("a unique violation that slips past the tenant lock is still a conflict, not an exception", async () => {
    const { store, url } = await seeded();
    const rogue = new pg.Client(url);
    await rogue.connect();
    try {
      // A writer that ignores the tenant lock holds priority 5 and name "Rogue", uncommitted.
      await rogue.query("BEGIN");
      await rogue.query(
        `INSERT INTO statuses (system_status_id, tenant_key, title, i18n_title, icon_key, color, priority, sync_setting,
           sync_default, version, created_at, updated_at) VALUES ('7999999999999999999', $1, 'Rogue', '{}', 'Coffee', 'BLUE', 5, '{}', true, 1, 0, 0)`,
        [TA],
      );
      await rogue.query("INSERT INTO status_names VALUES ($1, 'Rogue', '7999999999999999999')", [TA]);
      const byPriority = store.createStatus(TA, statusOf(1, "Mine", 5), T0, 10);
      const byName = store.createStatus(TA, statusOf(2, "Rogue", 6), T0, 10);
      await new Promise((r) => setTimeout(r, 200));
      await rogue.query("COMMIT");
      assert.deepEqual(await byPriority, { ok: false, conflict: "duplicate_priority" });
      assert.deepEqual(await byName, { ok: false, conflict: "duplicate_name" });
      assert.equal(await store.getStatus(TA, statusOf(1, "", 0).system_status_id, true), undefined);
      assert.equal(await store.getStatus(TA, statusOf(2, "", 0).system_status_id, true), undefined);
    } finally {
      await rogue.end();
      await store.close();
    }
  });

  test("20 concurrent opens/closes of the same users across instances: each row ends as the last call left it", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      const users = Array.from({ length: 30 }, (_, i) => `u${String(i).padStart(2, "0")}`);
      await store.upsertUsers(
        TA,
        users.map((u) => userIn(u)),
      );
      const s = await store.createStatus(TA, statusOf(1, "Busy", 1), T0, 10);
      assert.ok(s.ok);
      const snap: StatusSnapshot = snapshotOf(s.status);
      const statusId = s.status.system_status_id;
      // Half the users already have a row; the other half get theirs created inside the race.
      await store.openUserStatuses(
        TA,
        statusId,
        snap,
        users.slice(0, 15).map((u) => ({ user_id: u, end_time: T0_S + 1 })),
        A1,
        T0,
      );

      for (let round = 0; round < 3; round++) {
        // Each call writes its own `now` into updated_at, so a row names the call that wrote it
        // last. Which call that is depends on commit order, which the test cannot see (promises
        // settle in another order across pools); what must hold is that the row is exactly what
        // that one call leaves, never a mix of two calls or a write lost.
        const calls = Array.from({ length: 20 }, (_, i) => {
          // Each call: a shuffled subset of users (different orders must not deadlock).
          const mine = users.filter((_, j) => (i + j + round) % 3 !== 0).sort(() => Math.random() - 0.5);
          return { i, mine, open: i % 2 === 0, end: T0_S + 1000 * (round + 1) + i, now: T0 + 1000 * round + i };
        });
        await Promise.all(
          calls.map((c) => {
            const st = stores[c.i % 3] as PgStore;
            return c.open
              ? st.openUserStatuses(
                  TA,
                  statusId,
                  snap,
                  c.mine.map((u) => ({ user_id: u, end_time: c.end })),
                  A1,
                  c.now,
                )
              : st.closeUserStatuses(TA, statusId, c.mine, c.now);
          }),
        );
        const rows = await sql<{ user_id: string; open: boolean; end_time: string; updated_at: string }>(
          url,
          "SELECT user_id, open, end_time, updated_at FROM user_statuses WHERE tenant_key = $1 AND system_status_id = $2",
          [TA, statusId],
        );
        const byUser = new Map(rows.map((r) => [r.user_id, r]));
        for (const u of users) {
          const touching = calls.filter((c) => c.mine.includes(u));
          const got = byUser.get(u);
          if (!got) {
            // Only a user no open ever reached has no row.
            assert.ok(
              !touching.some((c) => c.open) && round === 0 && !users.slice(0, 15).includes(u),
              `round ${round}: no row for ${u}`,
            );
            continue;
          }
          if (touching.length === 0) continue;
          const writer = calls.find((c) => c.now === Number(got.updated_at));
          assert.ok(writer && touching.includes(writer), `round ${round}: ${u} was last written by a call that did not touch it`);
          assert.equal(got.open, writer.open, `round ${round}: ${u}`);
          if (writer.open) assert.equal(Number(got.end_time), writer.end, `round ${round}: end_time of ${u}`);
        }
      }
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("3 instances seeding the same users at once, while batches open and close them: no deadlock, no error", async () => {
    const { store, url } = await seeded();
    const stores = await instances(url, 3);
    try {
      const users = Array.from({ length: 3000 }, (_, i) => `s${String(i).padStart(4, "0")}`);
      const s = await store.createStatus(TA, statusOf(1, "Busy", 1), T0, 10);
      assert.ok(s.ok);
      const status = s.status;
      const batch = (k: number) => users.filter((_, j) => (j * 7 + k) % 60 === 0).reverse();
      await Promise.all([
        // Each instance seeds all users, in a different input order and in several calls.
        ...stores.map(async (st, k) => {
          const order = k === 1 ? [...users].reverse() : users;
          for (let i = 0; i < order.length; i += 1000) {
            await st.upsertUsers(
              TA,
              order.slice(i, i + 1000).map((u) => userIn(u, { name: `seed ${k}` })),
            );
          }
        }),
        ...Array.from({ length: 12 }, (_, k) =>
          k % 2 === 0
            ? (stores[k % 3] as PgStore).openUserStatuses(
                TA,
                status.system_status_id,
                snapshotOf(status),
                batch(k).map((u) => ({ user_id: u, end_time: T0_S + 60 })),
                A1,
                T0,
              )
            : (stores[k % 3] as PgStore).closeUserStatuses(TA, status.system_status_id, batch(k), T0),
        ),
      ]);
      const [counts] = await sql<{ u: string; o: string }>(
        url,
        "SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM open_ids) AS o",
      );
      assert.deepEqual(counts, { u: "3000", o: "3000" });
    } finally {
      await closeAll([store, ...stores]);
    }
  });

  test("refreshStatistics gives the planner the seeded row counts (ANALYZE), which a fresh table lacks", async () => {
    const { store, url } = await seeded();
    try {
      await store.upsertUsers(
        TA,
        Array.from({ length: 300 }, (_, i) => userIn(`stat-${i}`)),
      );
      const reltuples = () =>
        withPgClient(
          async (c) => Number((await c.query("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")).rows[0]?.reltuples),
          url,
        );
      // Never analyzed: PostgreSQL does not know the count (-1) until autovacuum gets to it.
      assert.equal(await reltuples(), -1);
      await store.refreshStatistics();
      assert.equal(await reltuples(), 300);
    } finally {
      await store.close();
    }
  });

  test("the hot path is one round trip per store call: a 50-user open, its close, a token with its owner", async () => {
    const { store } = await seeded();
    try {
      const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
      await store.upsertUsers(
        TA,
        users.map((u) => userIn(u)),
      );
      const s = await store.createStatus(TA, statusOf(1, "Busy", 1), T0, 10);
      assert.ok(s.ok);
      await store.insertToken({
        token_hash: tokenHash("t-owner"),
        sealed: null,
        kind: "tenant",
        app_id: A1,
        tenant_key: TA,
        issued_at: T0,
        expires_at: T0 + 1000,
      });
      const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const original = proto.query;
      let calls = 0;
      proto.query = function (this: unknown, ...args: unknown[]) {
        calls++;
        return original.apply(this, args);
      };
      const counted = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
        calls = 0;
        const out = await fn();
        return [out, calls];
      };
      try {
        const [rows, openCalls] = await counted(() =>
          store.openUserStatuses(
            TA,
            s.status.system_status_id,
            snapshotOf(s.status),
            users.map((u) => ({ user_id: u, end_time: T0_S + 60 })),
            A1,
            T0,
          ),
        );
        assert.equal(openCalls, 1);
        assert.ok(rows);
        assert.equal(rows.size, 50);
        assert.ok([...rows.values()].every((r) => r.length === 1 && r[0]?.open === true));
        const [, closeCalls] = await counted(() => store.closeUserStatuses(TA, s.status.system_status_id, users, T0 + 1));
        assert.equal(closeCalls, 1);
        assert.equal((await store.userStatuses(TA, "u7"))[0]?.open, false);
        const [owner, ownerCalls] = await counted(() => store.tokenOwner(tokenHash("t-owner")));
        assert.equal(ownerCalls, 1);
        assert.equal(owner?.token.app_id, A1);
        assert.equal(owner?.app?.app_id, A1);
        assert.equal(owner?.tenant?.tenant_key, TA);
      } finally {
        proto.query = original;
      }
    } finally {
      await store.close();
    }
  });

  test("upsertUsers writes 20 000 users with their ids in a few seconds, and re-upserts them", async () => {
    const { store, url } = await seeded();
    try {
      const users = Array.from({ length: 20_000 }, (_, i) =>
        userIn(`e${i}`, { sync_off: i % 7 === 0 ? ["7000000000000000001"] : [] }),
      );
      let t = Date.now();
      await store.upsertUsers(TA, users);
      const first = Date.now() - t;
      t = Date.now();
      await store.upsertUsers(
        TA,
        users.map((u) => ({ ...u, name: `${u.name}!` })),
      );
      const second = Date.now() - t;
      assert.ok(first < 15_000 && second < 15_000, `${first} ms, ${second} ms`);
      const [counts] = await sql<{ u: string; o: string; x: string; p: string; renamed: string }>(
        url,
        `SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM open_ids) AS o, (SELECT count(*) FROM union_ids) AS x,
                (SELECT count(*) FROM sync_prefs) AS p, (SELECT count(*) FROM users WHERE name LIKE '%!') AS renamed`,
      );
      assert.deepEqual(counts, { u: "20000", o: "20000", x: "20000", p: String(Math.ceil(20_000 / 7)), renamed: "20000" });
      const [r] = await store.resolveUserIds(
        { app_id: A1, tenant_key: TA, secret_hash: "", scopes: [], enabled: true, visibility: "all", developer: "devA" },
        "open_id",
        [deriveOpenId(A1, TA, "e12345")],
      );
      assert.deepEqual(r, { kind: "user", user: { tenant_key: TA, user_id: "e12345", name: "User e12345!", resigned: false } });
    } finally {
      await store.close();
    }
  });
});

describe("PgStore: the audit entry shares the change's transaction", { skip: SKIP }, () => {
  test("a transaction that errors after the write (the audit INSERT refused) keeps neither the change nor an entry", async () => {
    const { store, url } = await seeded();
    try {
      await store.upsertUsers(TA, [userIn("u1"), userIn("u2")]);
      const res = await store.createStatus(TA, statusOf(1, "A", 1), T0, 10);
      assert.ok(res.ok);
      await store.openUserStatuses(
        TA,
        res.status.system_status_id,
        snapshotOf(res.status),
        [{ user_id: "u2", end_time: T0_S + 60 }],
        A1,
        T0,
      );
      await sql(
        url,
        `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
         CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_audit();`,
      );
      const entry = (op: string) => () => ({ at_ms: T0, tenant_key: TA, actor: "app" as const, op });
      const id = res.status.system_status_id;
      // The open: the function has written (and locked) the rows when the INSERT fails.
      await assert.rejects(
        store.openUserStatuses(TA, id, snapshotOf(res.status), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0, entry("open")),
        isStorageError(/audit refused/),
      );
      assert.deepEqual(await store.userStatuses(TA, "u1"), []);
      // The close: sent in one flight with its INSERT and COMMIT.
      await assert.rejects(store.closeUserStatuses(TA, id, ["u2"], T0, entry("close")), isStorageError(/audit refused/));
      assert.equal((await store.userStatuses(TA, "u2"))[0]?.open, true);
      await assert.rejects(store.createStatus(TA, statusOf(2, "B", 2), T0, 10, entry("create")), isStorageError(/audit refused/));
      assert.equal(await store.getStatus(TA, statusOf(2, "B", 2).system_status_id, true), undefined);
      await assert.rejects(
        store.upsertTenant({ tenant_key: TA, name: "Renamed", api_enabled: true, sensitive_words: [] }, entry("t")),
        isStorageError(/audit refused/),
      );
      assert.equal((await store.getTenant(TA))?.name, "Acme");
      assert.deepEqual(await sql(url, "SELECT count(*)::int AS n FROM audit"), [{ n: 0 }]);
      // The connections those transactions used are clean: the same calls succeed once the INSERT may.
      await sql(url, "DROP TRIGGER refuse_audit ON audit");
      for (let i = 0; i < 3; i++) {
        await store.closeUserStatuses(TA, id, ["u2"], T0, entry("close"));
        await store.openUserStatuses(
          TA,
          id,
          snapshotOf(res.status),
          [{ user_id: "u1", end_time: T0_S + 60 }],
          A1,
          T0,
          entry("open"),
        );
      }
      assert.equal((await store.userStatuses(TA, "u1"))[0]?.open, true);
      assert.deepEqual(await sql(url, "SELECT op, count(*)::int AS n FROM audit GROUP BY op ORDER BY op"), [
        { op: "close", n: 3 },
        { op: "open", n: 3 },
      ]);
    } finally {
      await store.close();
    }
  });

  test("concurrent audited opens and closes on the same users from two instances: every call has its entry, rows end as the last call left them", async () => {
    const { store, url } = await seeded();
    const [a, b] = await instances(url, 2);
    try {
      const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
      await store.upsertUsers(
        TA,
        users.map((u) => userIn(u)),
      );
      const res = await store.createStatus(TA, statusOf(1, "A", 1), T0, 10);
      assert.ok(res.ok);
      const id = res.status.system_status_id;
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const s = (i % 2 ? a : b) as PgStore;
        const who = users.slice(i % 10, (i % 10) + 10);
        const e = () => ({ at_ms: T0 + i, tenant_key: TA, actor: "app" as const, op: `call${i}` });
        calls.push(
          i % 3 === 0
            ? s.closeUserStatuses(TA, id, who, T0 + i, e)
            : s.openUserStatuses(
                TA,
                id,
                snapshotOf(res.status),
                who.map((u) => ({ user_id: u, end_time: T0_S + 600 })),
                A1,
                T0 + i,
                e,
              ),
        );
      }
      await Promise.all(calls);
      assert.deepEqual(await sql(url, "SELECT count(DISTINCT op)::int AS n FROM audit"), [{ n: 40 }]);
    } finally {
      await closeAll([store, a as PgStore, b as PgStore]);
    }
  });
});
