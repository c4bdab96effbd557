/** Runs the storage contract against SQLite (in memory and on disk), plus SQLite-only checks. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { SCOPE_STATUS_UPDATE, snapshotOf, withDefaults } from "../../src/domain/model.js";
import { hashSecret, tokenHash } from "../../src/domain/secrets.js";
import { StorageError } from "../../src/storage/errors.js";
import type { GroupCommit } from "../../src/storage/sqlite/group-commit.js";
import { SQLITE_MIGRATIONS } from "../../src/storage/sqlite/migrations.js";
import { SQLITE_STATE_TABLES } from "../../src/storage/sqlite/snapshots.js";
import { SqliteStore, sqlitePath } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { ACME, APP, BASE, T0 } from "../helpers.js";
import { auditContract } from "./audit-contract.js";
import { storageContract } from "./contract.js";
import { type SnapshotHooks, snapshotContract } from "./snapshot-contract.js";

let dir: string;
let n = 0;
const paths = new WeakMap<Store, string>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "larkstatus-sqlite-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fileStore(): Store {
  const path = join(dir, `db-${++n}`, "larkstatus.db");
  const store = new SqliteStore(`sqlite:${path}`);
  paths.set(store, path);
  return store;
}

storageContract("sqlite::memory:", async () => new SqliteStore("sqlite::memory:"));
auditContract("sqlite::memory:", async () => new SqliteStore("sqlite::memory:"));

storageContract("sqlite file", async () => fileStore(), {
  async reopen(store) {
    const path = paths.get(store);
    assert.ok(path, "reopen of a store this suite did not make");
    await store.close();
    const again = new SqliteStore(`sqlite:${path}`);
    paths.set(again, path);
    return again;
  },
  async failDeletesOf(store, table) {
    const path = paths.get(store);
    assert.ok(path, "a store this suite did not make");
    // Another connection to the same file: the store's own sees the new schema on its next statement.
    const other = new Database(path);
    try {
      other.exec(
        `CREATE TRIGGER refuse_delete_${table} BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      );
    } finally {
      other.close();
    }
  },
});

/**
 * The store's own connection (private): an in-memory database has no other way in. Used to read
 * every row and to break the schema, never to write state.
 */
const connectionOf = (store: Store) => (store as unknown as { db: Database.Database }).db;

const sqliteSnapshotHooks: SnapshotHooks = {
  async dump(store) {
    const db = connectionOf(store);
    return Object.fromEntries(
      SQLITE_STATE_TABLES.map((t) => [
        t,
        (db.prepare(`SELECT * FROM ${t}`).all() as unknown[]).map((r) => JSON.stringify(r)).sort(),
      ]),
    );
  },
  async failInsertsOf(store, table) {
    connectionOf(store).exec(
      `CREATE TRIGGER refuse_insert_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    );
  },
  async addColumn(store, table) {
    connectionOf(store).exec(`ALTER TABLE ${table} ADD COLUMN added_later TEXT`);
  },
};
snapshotContract("sqlite::memory:", async () => new SqliteStore("sqlite::memory:"), sqliteSnapshotHooks);
snapshotContract("sqlite file", async () => fileStore(), sqliteSnapshotHooks);

describe("SqliteStore specifics", () => {
  test("a new file database uses 1 KiB pages and WAL, and close() (which stops the checkpoint worker) is idempotent", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    const other = new Database(path);
    try {
      // The store's own connection is configured per connection; check what it applied through the file.
      assert.equal(other.pragma("page_size", { simple: true }), 1024);
      assert.equal(other.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      other.close();
    }
    // close() stops the worker; the test process would otherwise keep a thread.
    await store.close();
    await store.close();
  });

  test("cached tokens, apps, tenants and statuses never outlive this store's writes", async () => {
    const store = new SqliteStore("sqlite::memory:");
    await store.migrate();
    try {
      const T = "0000000000000002";
      const app = {
        app_id: "cli_0000000000000002",
        tenant_key: T,
        secret_hash: "x",
        scopes: ["a"],
        enabled: true,
        visibility: "all" as const,
        developer: T,
      };
      await store.upsertTenant({ tenant_key: T, name: "T", api_enabled: true, sensitive_words: [] });
      await store.upsertApp(app);
      const tok = {
        token_hash: "hash-of-t-cached",
        sealed: null,
        kind: "tenant" as const,
        app_id: app.app_id,
        tenant_key: T,
        issued_at: 1,
        expires_at: 10_000,
      };
      await store.insertToken(tok);
      assert.deepEqual(await store.getToken("hash-of-t-cached"), tok);
      assert.equal((await store.getApp(app.app_id))?.enabled, true);
      assert.equal((await store.getTenant(T))?.api_enabled, true);
      // Writes through the store are seen at once by the next read.
      await store.revokeTokens(app.app_id);
      assert.equal(await store.getToken("hash-of-t-cached"), undefined);
      await store.upsertApp({ ...app, enabled: false });
      assert.equal((await store.getApp(app.app_id))?.enabled, false);
      await store.upsertTenant({ tenant_key: T, name: "T", api_enabled: false, sensitive_words: [] });
      assert.equal((await store.getTenant(T))?.api_enabled, false);
      const status = {
        system_status_id: "7000000000000000001",
        title: "a",
        i18n_title: {},
        icon_key: "Coffee" as const,
        color: "BLUE" as const,
        priority: 0,
        sync_setting: { is_open_by_default: true, title: "t", i18n_title: {}, explain: "e", i18n_explain: {} },
      };
      assert.equal((await store.createStatus(T, status, 1, 10)).ok, true);
      assert.equal((await store.getStatus(T, status.system_status_id, false))?.title, "a");
      await store.updateStatus(T, { ...status, title: "b" }, 2);
      assert.equal((await store.getStatus(T, status.system_status_id, false))?.title, "b");
      await store.deleteStatus(T, status.system_status_id, 3);
      assert.equal(await store.getStatus(T, status.system_status_id, false), undefined);
      assert.equal((await store.getStatus(T, status.system_status_id, true))?.deleted_at, 3);
    } finally {
      await store.close();
    }
  });

  test("resolved ids are cached, and any directory write clears the cache", async () => {
    const store = new SqliteStore("sqlite::memory:");
    await store.migrate();
    try {
      const app = {
        app_id: "cli_0000000000000001",
        tenant_key: "0000000000000001",
        secret_hash: "x",
        scopes: [],
        enabled: true,
        visibility: "all" as const,
        developer: "0000000000000001",
      };
      await store.upsertTenant({ tenant_key: app.tenant_key, name: "T", api_enabled: true, sensitive_words: [] });
      await store.upsertApp(app);
      const user = (resigned: boolean) => ({
        user_id: "u1",
        name: "U",
        resigned,
        open_ids: { [app.app_id]: "ou_00000000000000000000000000000001" },
        union_ids: {},
        sync_off: [],
      });
      await store.upsertUsers(app.tenant_key, [user(false)]);
      const first = await store.resolveUserIds(app, "open_id", ["ou_00000000000000000000000000000001"]);
      assert.deepEqual(first, [
        { kind: "user", user: { tenant_key: app.tenant_key, user_id: "u1", name: "U", resigned: false } },
      ]);
      // The same answer comes from the cache (same object)...
      const again = await store.resolveUserIds(app, "open_id", ["ou_00000000000000000000000000000001"]);
      assert.equal(again[0], first[0]);
      // ...until a directory write: the user resigns and the next resolution says so.
      await store.upsertUsers(app.tenant_key, [user(true)]);
      const after = await store.resolveUserIds(app, "open_id", ["ou_00000000000000000000000000000001"]);
      assert.deepEqual(after, [{ kind: "user", user: { tenant_key: app.tenant_key, user_id: "u1", name: "U", resigned: true } }]);
    } finally {
      await store.close();
    }
  });

  test("re-seeding a user finds its ids by index, not by scanning every id (migration 2)", async () => {
    // The per-user deletes of upsertUsers ran a full scan of open_ids/union_ids, so a 10^6-user seed
    // was quadratic. The plan, not a timing, is what a unit test can pin (timings live in bench/).
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    await store.close();
    const db = new Database(path);
    try {
      for (const table of ["open_ids", "union_ids"]) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN DELETE FROM ${table} WHERE tenant_key = ? AND user_id = ?`).all("t", "u") as {
          detail: string;
        }[];
        const details = plan.map((r) => r.detail).join(" | ");
        assert.match(details, /USING (COVERING )?INDEX/, `${table}: ${details}`);
        assert.doesNotMatch(details, /^SCAN/, `${table}: ${details}`);
      }
    } finally {
      db.close();
    }
  });

  test("migration 3 moves row snapshots to status_snapshots and keeps what every row shows", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.close();
    // A database as larkstatus left it at schema version 2, with rows showing two versions.
    const old = new Database(path);
    old.pragma("page_size = 1024");
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    old.exec(SQLITE_MIGRATIONS[0] as string);
    old.exec(SQLITE_MIGRATIONS[1] as string);
    old.prepare("INSERT INTO meta VALUES ('schema_version', '2')").run();
    const T = "0000000000000003";
    const snap = (version: number) => ({
      title: `v${version}`,
      i18n_title: { en_us: `Version ${version}` },
      icon_key: "Coffee",
      color: "BLUE",
      priority: 1,
      version,
    });
    const row = old.prepare("INSERT INTO user_statuses VALUES (?, ?, '7000000000000000003', ?, ?, ?, 'cli_x', 10, 11)");
    row.run(T, "u1", 1, 2_000_000_000, JSON.stringify(snap(1)));
    row.run(T, "u2", 0, 1_000, JSON.stringify(snap(2)));
    row.run(T, "u3", 1, 2_000_000_000, JSON.stringify(snap(2)));
    old.close();

    const again = new SqliteStore(`sqlite:${path}`);
    try {
      await again.migrate();
      const shown = async (u: string) => (await again.userStatuses(T, u)).map((r) => [r.open, r.end_time, r.snapshot]);
      assert.deepEqual(await shown("u1"), [[true, 2_000_000_000, snap(1)]]);
      assert.deepEqual(await shown("u2"), [[false, 1_000, snap(2)]]);
      assert.deepEqual(await shown("u3"), [[true, 2_000_000_000, snap(2)]]);
    } finally {
      await again.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const cols = (db.prepare("PRAGMA table_info(user_statuses)").all() as { name: string }[]).map((c) => c.name);
      assert.ok(!cols.includes("snapshot") && cols.includes("snapshot_version"), cols.join(","));
      assert.equal((db.prepare("SELECT COUNT(*) AS n FROM status_snapshots").get() as { n: number }).n, 2);
    } finally {
      db.close();
    }
  });

  test("migration 4 hashes existing tokens (they keep authenticating, lose reuse) and leaves no plaintext in the file", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.close();
    // A database as larkstatus left it at schema version 3: tokens stored as issued, some revoked.
    const old = new Database(path);
    old.pragma("page_size = 1024");
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    for (const m of SQLITE_MIGRATIONS.slice(0, 3)) old.exec(m);
    old.prepare("INSERT INTO meta VALUES ('schema_version', '3')").run();
    old.prepare("INSERT INTO tenants VALUES (?, 'Acme', 1, '[]')").run(ACME);
    old
      .prepare("INSERT INTO apps VALUES (?, ?, ?, ?, 1, '\"all\"', ?)")
      .run(APP.app_id, ACME, await hashSecret(APP.app_secret, 1024), JSON.stringify([SCOPE_STATUS_UPDATE]), ACME);
    const tokens = Array.from({ length: 200 }, (_, i) => `t-${String(i).padStart(3, "0")}plaintext${"x".repeat(28)}`);
    const insert = old.prepare("INSERT INTO tokens VALUES (?, 'tenant', ?, ?, ?, ?)");
    for (const t of tokens) insert.run(t, APP.app_id, ACME, T0, T0 + 7_200_000);
    // Revoked tokens leave their bytes in free space and freed pages.
    old.prepare("DELETE FROM tokens WHERE token >= 't-050'").run();
    old.close();
    const kept = tokens.slice(0, 50);

    const clock = new ManualClock(T0 + 60_000);
    const again = new SqliteStore(`sqlite:${path}`);
    const app = await buildApp({ store: again, clock, ids: sequentialIds(clock), rateLimit: "off", logger: false });
    try {
      await again.migrate();
      const owner = await again.tokenOwner(tokenHash(kept[7] as string));
      assert.equal(owner?.token.app_id, APP.app_id);
      assert.equal(owner?.token.sealed, null);
      assert.equal(await again.tokenOwner(tokenHash(tokens[50] as string)), undefined, "revoked stays revoked");
      // A migrated token still authenticates...
      const list = await app.inject({ method: "GET", url: BASE, headers: { authorization: `Bearer ${kept[0]}` } });
      assert.equal(list.statusCode, 200, list.body);
      // ...but is not returned by the token endpoint (no sealed copy): a new one is issued.
      const res = await app.inject({ method: "POST", url: "/open-apis/auth/v3/tenant_access_token/internal", payload: APP });
      const issued = (res.json() as { tenant_access_token: string }).tenant_access_token;
      assert.ok(!tokens.includes(issued), issued);
    } finally {
      await app.close();
      await again.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const cols = (db.prepare("PRAGMA table_info(tokens)").all() as { name: string }[]).map((c) => c.name);
      assert.deepEqual(cols, ["token_hash", "sealed", "kind", "app_id", "tenant_key", "issued_at", "expires_at"]);
      assert.equal(db.prepare("SELECT 1 FROM meta WHERE key = 'scrub_pending'").get(), undefined);
    } finally {
      db.close();
    }
    for (const suffix of ["", "-wal"]) {
      const bytes = existsSync(path + suffix) ? readFileSync(path + suffix) : Buffer.alloc(0);
      for (const t of tokens) assert.equal(bytes.includes(Buffer.from(t)), false, `${t} is still in larkstatus.db${suffix}`);
      assert.equal(bytes.includes(Buffer.from("plaintext")), false, `larkstatus.db${suffix}`);
    }
  });

  test("user_statuses rows fit in their 1 KiB B-tree pages (no overflow page per row)", async () => {
    // Why migration 3 exists: with the snapshot inline every row spilled to an overflow page, so
    // each open or close wrote two pages per user.
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    const T = "0000000000000004";
    const statusId = "7000000000000000004";
    try {
      await store.upsertTenant({ tenant_key: T, name: "T", api_enabled: true, sensitive_words: [] });
      const created = await store.createStatus(
        T,
        {
          system_status_id: statusId,
          title: "s",
          i18n_title: {},
          icon_key: "Coffee",
          color: "BLUE",
          priority: 1,
          sync_setting: { is_open_by_default: true, title: "t", i18n_title: {}, explain: "e", i18n_explain: {} },
        },
        1,
        10,
      );
      assert.equal(created.ok, true);
      const long = "L".repeat(60);
      const snapshot = {
        title: long,
        i18n_title: { zh_cn: long, en_us: long, ja_jp: long },
        icon_key: "GeneralBusinessTrip" as const,
        color: "BLUE" as const,
        priority: 1,
        version: 1,
      };
      const entries = Array.from({ length: 300 }, (_, i) => ({
        user_id: `user-${String(i).padStart(16, "0")}`,
        end_time: 2_000_000_000,
      }));
      assert.ok(await store.openUserStatuses(T, statusId, snapshot, entries, "cli_0000000000000004", 1_000));
      assert.deepEqual((await store.userStatuses(T, "user-0000000000000007"))[0]?.snapshot, snapshot);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const pages = db
        .prepare("SELECT pagetype, COUNT(*) AS n FROM dbstat WHERE name = 'user_statuses' GROUP BY pagetype")
        .all() as {
        pagetype: string;
        n: number;
      }[];
      assert.ok(
        pages.some((p) => p.pagetype === "leaf"),
        JSON.stringify(pages),
      );
      assert.ok(!pages.some((p) => p.pagetype === "overflow"), JSON.stringify(pages));
    } finally {
      db.close();
    }
  });

  test("store calls of one turn share one commit; a failing call fails alone", async () => {
    const store = new SqliteStore("sqlite::memory:");
    await store.migrate();
    try {
      const T = "0000000000000005";
      await store.upsertTenant({ tenant_key: T, name: "T", api_enabled: true, sensitive_words: [] });
      const before = store.groupCommitStats;
      const status = (id: string, priority: number) => ({
        system_status_id: id,
        title: `s${priority}`,
        i18n_title: {},
        icon_key: "Coffee" as const,
        color: "BLUE" as const,
        priority,
        sync_setting: { is_open_by_default: true, title: "t", i18n_title: {}, explain: "e", i18n_explain: {} },
      });
      const created = store.createStatus(T, status("7000000000000000051", 1), 1, 10);
      const notLive = store.updateStatus(T, status("7000000000000000052", 2), 1);
      const closed = store.closeUserStatuses(T, "7000000000000000051", ["nobody"], 1);
      await assert.rejects(notLive, StorageError);
      assert.equal((await created).ok, true);
      await closed;
      const stats = store.groupCommitStats;
      assert.equal(stats.groups - before.groups, 1);
      assert.equal(stats.calls - before.calls, 2);
      assert.equal((await store.getStatus(T, "7000000000000000051", false))?.title, "s1");
    } finally {
      await store.close();
    }
  });

  test("a database whose schema is newer than the code → StorageError on migrate", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    const other = new Database(path);
    try {
      assert.equal(
        (other.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value,
        String(SQLITE_MIGRATIONS.length),
      );
      other.prepare("UPDATE meta SET value='999' WHERE key='schema_version'").run();
    } finally {
      other.close();
    }
    await store.close();
    const newer = new SqliteStore(`sqlite:${path}`);
    try {
      await assert.rejects(newer.migrate(), (e: unknown) => {
        assert.ok(e instanceof StorageError, String(e));
        assert.match(e.message, /999/);
        return true;
      });
    } finally {
      await newer.close();
    }
  });

  test("the newer-schema check also fires on a store that is still open", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    const other = new Database(path);
    other.prepare("UPDATE meta SET value='999' WHERE key='schema_version'").run();
    other.close();
    try {
      await assert.rejects(store.migrate(), StorageError);
    } finally {
      await store.close();
    }
  });

  test("using the store before migrate() is a StorageError", async () => {
    const store = new SqliteStore("sqlite::memory:");
    try {
      await assert.rejects(store.getTenant("a1b2c3d4e5f60718"), StorageError);
    } finally {
      await store.close();
    }
  });

  test("a file database is created with its directory, in WAL mode", async () => {
    const store = fileStore();
    const path = paths.get(store) as string;
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      db.close();
    }
  });

  test("an unopenable path (its parent is a file) → StorageError", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "x");
    assert.throws(() => new SqliteStore(`sqlite:${join(file, "x.db")}`), StorageError);
  });

  test("sqlitePath parses the URL forms", () => {
    assert.equal(sqlitePath("sqlite::memory:"), ":memory:");
    assert.equal(sqlitePath("sqlite:./data/larkstatus.db"), "./data/larkstatus.db");
    assert.equal(sqlitePath("sqlite:/abs/x.db"), "/abs/x.db");
    assert.throws(() => sqlitePath("sqlite:"), StorageError);
    assert.throws(() => sqlitePath("postgres://localhost/x"), StorageError);
  });

  test("close is idempotent", async () => {
    const store = new SqliteStore("sqlite::memory:");
    await store.migrate();
    await store.close();
    await store.close();
    assert.equal(await store.ping(), false);
  });
});

describe("SqliteStore: the audit entry shares the change's transaction", () => {
  test("a group whose COMMIT fails keeps neither the batch nor its entry (and no entry of any call of the group)", async () => {
    const store = new SqliteStore("sqlite::memory:");
    try {
      await store.migrate();
      await store.upsertTenant({ tenant_key: "aaaaaaaaaaaaaaaa", name: "Acme", api_enabled: true, sensitive_words: [] });
      await store.upsertUsers("aaaaaaaaaaaaaaaa", [
        { user_id: "u1", name: "u1", resigned: false, open_ids: {}, union_ids: {}, sync_off: [] },
      ]);
      const st = {
        system_status_id: "7000000000000000001",
        ...withDefaults({ title: "A", icon_key: "Coffee" as const, priority: 1 }),
      };
      const res = await store.createStatus("aaaaaaaaaaaaaaaa", st, T0, 10);
      assert.ok(res.ok);
      // The serving connection and its group commit: a deferred foreign key fails at COMMIT.
      const inner = store as unknown as { db: Database.Database; group: GroupCommit };
      inner.db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
      const entry = (op: string) => () => ({ at_ms: T0, tenant_key: "aaaaaaaaaaaaaaaa", actor: "app" as const, op });
      let called = 0;
      const open = store.openUserStatuses(
        "aaaaaaaaaaaaaaaa",
        st.system_status_id,
        snapshotOf(res.status),
        [{ user_id: "u1", end_time: T0 / 1000 + 60 }],
        "cli_aaaaaaaaaaaaaaa1",
        T0,
        (rows) => {
          called++;
          assert.equal(rows.get("u1")?.[0]?.open, true, "the callback sees the rows written in this transaction");
          return entry("open")();
        },
      );
      const alone = store.appendAudit(entry("alone")());
      const orphan = inner.group.write(() => inner.db.prepare("INSERT INTO child (id, pid) VALUES (1, 99)").run());
      await assert.rejects(open, /FOREIGN KEY constraint failed/);
      await assert.rejects(alone, /FOREIGN KEY constraint failed/);
      await assert.rejects(orphan, /FOREIGN KEY constraint failed/);
      assert.equal(called, 1);
      assert.deepEqual(await store.userStatuses("aaaaaaaaaaaaaaaa", "u1"), []);
      assert.deepEqual((await store.listAudit({}, 10)).entries, []);
      // The next group commits both again.
      await store.openUserStatuses(
        "aaaaaaaaaaaaaaaa",
        st.system_status_id,
        snapshotOf(res.status),
        [{ user_id: "u1", end_time: T0 / 1000 + 60 }],
        "cli_aaaaaaaaaaaaaaa1",
        T0,
        entry("open"),
      );
      assert.deepEqual(
        (await store.listAudit({}, 10)).entries.map((e) => e.op),
        ["open"],
      );
    } finally {
      await store.close();
    }
  });
});
