/**
 * The SQLite driver's snapshots of the whole state (migration 7): per state table T, `snap_T` holds
 * T's rows of every snapshot, keyed by the snapshot's name. Saving is one INSERT ... SELECT per
 * table, restoring one DELETE and one INSERT ... SELECT per table (of the rows that differ), all
 * inside the database. Each
 * method is synchronous and runs inside one store call's savepoint (the store wraps it in
 * `group.write`), so a method that throws half way leaves nothing behind, and no other call runs
 * between its first statement and its last.
 *
 * Column lists are read from the catalog, and the table set is checked against it, so a column or
 * table added by a later migration without its snap_ twin stops the store at start-up instead of
 * being silently left out of snapshots.
 */
import type Database from "better-sqlite3";
import { StorageError } from "../errors.js";
import { APPEND_ONLY_TABLES, type SnapshotInfo } from "../store.js";

/**
 * Every table of the state, parents first (the foreign keys of apps, users and statuses point at
 * tenants): restores delete in the reverse order and insert in this one. Not `meta`.
 */
export const SQLITE_STATE_TABLES = [
  "tenants",
  "apps",
  "users",
  "open_ids",
  "union_ids",
  "tokens",
  "statuses",
  "status_names",
  "status_snapshots",
  "user_statuses",
  "sync_prefs",
  "audit",
] as const;

/** Tables that are not state: the store's own, the snapshots, SQLite's. */
function isStateTable(name: string): boolean {
  return name !== "meta" && name !== "snapshots" && !name.startsWith("snap_") && !name.startsWith("sqlite_");
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

interface TableStatements {
  /** The snapshot's rows that T no longer has, removed from it. */
  saveDrop: Database.Statement;
  /** T's rows that the snapshot lacks, added to it. */
  saveAdd: Database.Statement;
  count: Database.Statement;
  dropOne: Database.Statement;
  dropOthers: Database.Statement;
  clear: Database.Statement;
  load: Database.Statement;
}

export class SqliteSnapshots {
  private readonly tables: TableStatements[];
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const columns = (table: string) =>
      db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").pluck().all(table) as string[];
    const present = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    const state = present.filter(isStateTable).sort();
    const known = [...SQLITE_STATE_TABLES].sort();
    if (state.join() !== known.join()) {
      throw new StorageError(
        `the snapshot tables do not match the schema: state tables are ${state.join(", ")}, snapshots know ${known.join(", ")}`,
      );
    }
    this.tables = SQLITE_STATE_TABLES.map((table) => {
      const info = db.prepare("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid").all(table) as Array<{
        name: string;
        pk: number;
      }>;
      const cols = info.map((c) => c.name);
      const snap = columns(`snap_${table}`);
      if (snap.join() !== ["snapshot_name", ...cols].join()) {
        throw new StorageError(
          `snap_${table} has columns (${snap.join(", ")}), not snapshot_name and those of ${table} (${cols.join(", ")}): a migration changed ${table} without its snap_ table`,
        );
      }
      const key = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => q(c.name))
        .join(", ");
      if (key === "") throw new StorageError(`${table} has no primary key: a restore could not tell its rows apart`);
      const list = cols.map(q).join(", ");
      const t = q(table);
      const s = q(`snap_${table}`);
      // Rows that are only ever inserted and deleted, never updated (the audit log): the key alone
      // tells whether a row is in the snapshot, so neither side's (large) rows are read to compare.
      const byKey = APPEND_ONLY_TABLES.has(table);
      return {
        // Saving over a snapshot of the same name writes only what differs, as a restore does: the
        // baseline saved again at every start costs a read of the state when nothing changed.
        saveDrop: db.prepare(
          byKey
            ? `DELETE FROM ${s} WHERE snapshot_name = @name AND (${key}) NOT IN (SELECT ${key} FROM ${t})`
            : `DELETE FROM ${s} WHERE snapshot_name = @name AND (${key}) IN (SELECT ${key} FROM (SELECT ${list} FROM ${s} WHERE snapshot_name = @name EXCEPT SELECT ${list} FROM ${t}))`,
        ),
        saveAdd: db.prepare(
          byKey
            ? `INSERT INTO ${s} (snapshot_name, ${list}) SELECT @name, ${list} FROM ${t} WHERE (${key}) NOT IN (SELECT ${key} FROM ${s} WHERE snapshot_name = @name)`
            : `INSERT INTO ${s} (snapshot_name, ${list}) SELECT @name, ${list} FROM (SELECT ${list} FROM ${t} EXCEPT SELECT ${list} FROM ${s} WHERE snapshot_name = @name)`,
        ),
        count: db.prepare(`SELECT count(*) FROM ${t}`).pluck(),
        dropOne: db.prepare(`DELETE FROM ${s} WHERE snapshot_name = ?`),
        dropOthers: db.prepare(`DELETE FROM ${s} WHERE snapshot_name <> ?`),
        // Only the rows that differ are written: the rows of T that are not in the snapshot (exactly
        // equal in every column; EXCEPT takes NULLs as equal) go, then the snapshot's rows that T
        // lacks come. What is left equals the snapshot row for row. For a reset after a test that
        // changed a few rows of 10,000 users, this reads both sides instead of rewriting every row
        // and index entry (bench/reset.ts, 10,000 users: median 480 ms rewriting all, 160 ms so).
        clear: db.prepare(
          byKey
            ? `DELETE FROM ${t} WHERE (${key}) NOT IN (SELECT ${key} FROM ${s} WHERE snapshot_name = ?)`
            : `DELETE FROM ${t} WHERE (${key}) IN (SELECT ${key} FROM (SELECT ${list} FROM ${t} EXCEPT SELECT ${list} FROM ${s} WHERE snapshot_name = ?))`,
        ),
        load: db.prepare(
          byKey
            ? `INSERT INTO ${t} (${list}) SELECT ${list} FROM ${s} WHERE snapshot_name = ? AND (${key}) NOT IN (SELECT ${key} FROM ${t})`
            : `INSERT INTO ${t} (${list}) SELECT ${list} FROM ${s} WHERE snapshot_name = ? EXCEPT SELECT ${list} FROM ${t}`,
        ),
      };
    });
    this.s = {
      put: db.prepare(
        `INSERT INTO snapshots (name, created_ms, rows) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET created_ms = excluded.created_ms, rows = excluded.rows`,
      ),
      get: db.prepare("SELECT name, created_ms, rows FROM snapshots WHERE name = ?"),
      list: db.prepare("SELECT name, created_ms, rows FROM snapshots ORDER BY name"),
      drop: db.prepare("DELETE FROM snapshots WHERE name = ?"),
      dropOthers: db.prepare("DELETE FROM snapshots WHERE name <> ?"),
      clearTokens: db.prepare("DELETE FROM tokens"),
    };
  }

  save(name: string, createdMs: number): SnapshotInfo {
    let rows = 0;
    for (const t of this.tables) {
      t.saveDrop.run({ name });
      t.saveAdd.run({ name });
      rows += t.count.get() as number;
    }
    this.s.put.run(name, createdMs, rows);
    return { name, created_ms: createdMs, rows };
  }

  list(): SnapshotInfo[] {
    return this.s.list.all() as SnapshotInfo[];
  }

  restore(name: string, reset: boolean): number | undefined {
    const saved = this.s.get.get(name) as SnapshotInfo | undefined;
    if (saved === undefined) return undefined;
    // A changed tenant row goes and comes back while its unchanged users stay: the foreign keys are
    // checked once the whole state is back (deferred to the end of the transaction, when the rows
    // are the snapshot's, which held them), not at each statement.
    this.db.pragma("defer_foreign_keys = ON");
    try {
      for (let i = this.tables.length - 1; i >= 0; i--) (this.tables[i] as TableStatements).clear.run(name);
      for (const t of this.tables) t.load.run(name);
    } finally {
      this.db.pragma("defer_foreign_keys = OFF");
    }
    let rows = saved.rows;
    if (reset) {
      rows -= this.s.clearTokens.run().changes;
      for (const t of this.tables) t.dropOthers.run(name);
      this.s.dropOthers.run(name);
    }
    return rows;
  }

  delete(name: string): boolean {
    if (this.s.drop.run(name).changes === 0) return false;
    for (const t of this.tables) t.dropOne.run(name);
    return true;
  }
}
