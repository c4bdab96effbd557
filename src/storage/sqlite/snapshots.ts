/**
 * The SQLite driver's snapshots of the whole state (migration 7): per state table T, `snap_T` holds
 * T's rows of every snapshot, keyed by the snapshot's name. Saving is one INSERT ... SELECT per
 * table, restoring one DELETE and one INSERT ... SELECT per table, all inside the database. Each
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
import type { SnapshotInfo } from "../store.js";

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
  save: Database.Statement;
  dropOne: Database.Statement;
  dropOthers: Database.Statement;
  clear: Database.Statement;
  load: Database.Statement;
}

export class SqliteSnapshots {
  private readonly tables: TableStatements[];
  private readonly s;

  constructor(db: Database.Database) {
    const columns = (table: string) =>
      (db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").pluck().all(table) as string[]).map(String);
    const present = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    const state = present.filter(isStateTable).sort();
    const known = [...SQLITE_STATE_TABLES].sort();
    if (state.join() !== known.join()) {
      throw new StorageError(
        `the snapshot tables do not match the schema: state tables are ${state.join(", ")}, snapshots know ${known.join(", ")}`,
      );
    }
    this.tables = SQLITE_STATE_TABLES.map((table) => {
      const cols = columns(table);
      const snap = columns(`snap_${table}`);
      if (snap.join() !== ["snapshot_name", ...cols].join()) {
        throw new StorageError(
          `snap_${table} has columns (${snap.join(", ")}), not snapshot_name and those of ${table} (${cols.join(", ")}): a migration changed ${table} without its snap_ table`,
        );
      }
      const list = cols.map(q).join(", ");
      const s = q(`snap_${table}`);
      return {
        save: db.prepare(`INSERT INTO ${s} (snapshot_name, ${list}) SELECT ?, ${list} FROM ${q(table)}`),
        dropOne: db.prepare(`DELETE FROM ${s} WHERE snapshot_name = ?`),
        dropOthers: db.prepare(`DELETE FROM ${s} WHERE snapshot_name <> ?`),
        clear: db.prepare(`DELETE FROM ${q(table)}`),
        load: db.prepare(`INSERT INTO ${q(table)} (${list}) SELECT ${list} FROM ${s} WHERE snapshot_name = ? ORDER BY rowid`),
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
      t.dropOne.run(name);
      rows += t.save.run(name).changes;
    }
    this.s.put.run(name, createdMs, rows);
    return { name, created_ms: createdMs, rows };
  }

  list(): SnapshotInfo[] {
    return this.s.list.all() as SnapshotInfo[];
  }

  restore(name: string, reset: boolean): number | undefined {
    if (this.s.get.get(name) === undefined) return undefined;
    // Children first: the foreign keys to tenants hold at every statement.
    for (let i = this.tables.length - 1; i >= 0; i--) (this.tables[i] as TableStatements).clear.run();
    let rows = 0;
    for (const t of this.tables) rows += t.load.run(name).changes;
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
