/**
 * The PostgreSQL driver's snapshots of the whole state (migration 7): per state table T, `snap_T`
 * holds T's rows of every snapshot, keyed by the snapshot's name; saving and restoring are one
 * INSERT ... SELECT per table inside the database. The SQL is built once per store from the
 * catalog (column lists, checked against the snap_ tables), so a column or table a later migration
 * adds without its snap_ twin stops the store at start-up instead of being left out of snapshots.
 *
 * Locks, always taken in the same order (state tables, then `snapshots`), so these never deadlock
 * with one another:
 * - a restore takes ACCESS EXCLUSIVE on every state table first: calls of every instance wait for
 *   it and then see the new state (each statement of theirs reads a fresh snapshot once it has its
 *   lock), never a mix.
 * - a save takes SHARE on every state table: writers wait for it (milliseconds for the demo seed),
 *   so the snapshot is one consistent state; readers do not.
 * A call that holds a row lock and then needs a table the restore has already locked deadlocks
 * with it; PostgreSQL aborts one of the two and the store retries it (40P01).
 */
import type pg from "pg";
import { StorageError } from "../errors.js";
import type { SnapshotInfo } from "../store.js";

/** Every table of the state, parents first (apps, users and statuses refer to tenants). Not `meta`. */
export const PG_STATE_TABLES = [
  "tenants",
  "apps",
  "users",
  "open_ids",
  "union_ids",
  "tokens",
  "statuses",
  "status_names",
  "user_statuses",
  "sync_prefs",
  "audit",
] as const;

function isStateTable(name: string): boolean {
  return name !== "meta" && name !== "snapshots" && !name.startsWith("snap_");
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

interface TableSql {
  save: string;
  clear: string;
  dropOne: string;
  dropOthers: string;
  load: string;
}

/** The statements of every snapshot operation, for the schema as it is. */
export interface SnapshotSql {
  tables: TableSql[];
  lockForRestore: string;
  lockForSave: string;
}

/** Reads the catalog of the current schema and builds the statements (after migrate). */
export async function snapshotSql(c: pg.ClientBase): Promise<SnapshotSql> {
  const { rows } = await c.query(
    `SELECT c.table_name::text AS t, c.column_name::text AS col, c.is_identity = 'YES' AS identity
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, { cols: string[]; identity: boolean }>();
  for (const r of rows as Array<{ t: string; col: string; identity: boolean }>) {
    const e = byTable.get(r.t) ?? { cols: [], identity: false };
    e.cols.push(r.col);
    e.identity ||= r.identity;
    byTable.set(r.t, e);
  }
  const state = [...byTable.keys()].filter(isStateTable).sort();
  const known = [...PG_STATE_TABLES].sort();
  if (state.join() !== known.join()) {
    throw new StorageError(
      `the snapshot tables do not match the schema: state tables are ${state.join(", ")}, snapshots know ${known.join(", ")}`,
    );
  }
  const tables = PG_STATE_TABLES.map((table): TableSql => {
    const { cols, identity } = byTable.get(table) as { cols: string[]; identity: boolean };
    const snap = byTable.get(`snap_${table}`)?.cols ?? [];
    if (snap.join() !== ["snapshot_name", ...cols].join()) {
      throw new StorageError(
        `snap_${table} has columns (${snap.join(", ")}), not snapshot_name and those of ${table} (${cols.join(", ")}): a migration changed ${table} without its snap_ table`,
      );
    }
    const list = cols.map(q).join(", ");
    const s = q(`snap_${table}`);
    return {
      save: `INSERT INTO ${s} (snapshot_name, ${list}) SELECT $1, ${list} FROM ${q(table)}`,
      clear: `DELETE FROM ${q(table)}`,
      dropOne: `DELETE FROM ${s} WHERE snapshot_name = $1`,
      dropOthers: `DELETE FROM ${s} WHERE snapshot_name <> $1`,
      // An identity column (audit.id) takes the saved values; its sequence is left where it is,
      // past every id ever handed out, so later entries never reuse one.
      load: `INSERT INTO ${q(table)} (${list}) ${identity ? "OVERRIDING SYSTEM VALUE " : ""}SELECT ${list} FROM ${s} WHERE snapshot_name = $1`,
    };
  });
  const all = PG_STATE_TABLES.map(q).join(", ");
  return {
    tables,
    lockForRestore: `LOCK TABLE ${all} IN ACCESS EXCLUSIVE MODE`,
    lockForSave: `LOCK TABLE ${all} IN SHARE MODE`,
  };
}

/**
 * The rows each statement affected. The statements are sent together (the pool's connections run
 * in pipeline mode) and run in order; the first error fails the transaction, and every promise has
 * a handler whichever fails first.
 */
async function pipelined(c: pg.ClientBase, statements: Array<[string, unknown[]?]>): Promise<number[]> {
  const results = await Promise.all(statements.map(([text, values]) => c.query(text, values)));
  return results.map((r) => r.rowCount ?? 0);
}

const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

/** Saves the state under `name` (in the caller's transaction). */
export async function saveSnapshot(c: pg.ClientBase, sql: SnapshotSql, name: string, createdMs: number): Promise<SnapshotInfo> {
  const [, , ...counts] = await pipelined(c, [
    [sql.lockForSave],
    // Saves of one name serialize on its row.
    [
      `INSERT INTO snapshots (name, created_ms, rows) VALUES ($1, $2, 0)
       ON CONFLICT (name) DO UPDATE SET created_ms = excluded.created_ms`,
      [name, createdMs],
    ],
    ...sql.tables.map((t): [string, unknown[]] => [t.dropOne, [name]]),
    ...sql.tables.map((t): [string, unknown[]] => [t.save, [name]]),
  ]);
  const rows = sum(counts.slice(sql.tables.length));
  await c.query("UPDATE snapshots SET rows = $2 WHERE name = $1", [name, rows]);
  return { name, created_ms: createdMs, rows };
}

/** Restores `name` (in the caller's transaction); undefined when there is no such snapshot. */
export async function restoreSnapshot(
  c: pg.ClientBase,
  sql: SnapshotSql,
  name: string,
  reset: boolean,
): Promise<number | undefined> {
  const [, , found] = await pipelined(c, [
    [sql.lockForRestore],
    // With reset, no snapshot is saved or deleted meanwhile; otherwise this one is not deleted.
    [reset ? "LOCK TABLE snapshots IN EXCLUSIVE MODE" : "SELECT 1"],
    ["SELECT 1 FROM snapshots WHERE name = $1 FOR SHARE", [name]],
  ]);
  if (found === 0) return undefined;
  const n = sql.tables.length;
  const counts = await pipelined(c, [
    // Children first: the foreign keys to tenants hold at every statement. DELETE rather than
    // TRUNCATE: for the demo seed TRUNCATE took ~10x longer (new files for every table and index).
    ...[...sql.tables].reverse().map((t): [string] => [t.clear]),
    ...sql.tables.map((t): [string, unknown[]] => [t.load, [name]]),
    ...(reset
      ? [
          ["DELETE FROM tokens"] as [string],
          ...sql.tables.map((t): [string, unknown[]] => [t.dropOthers, [name]]),
          ["DELETE FROM snapshots WHERE name <> $1", [name]] as [string, unknown[]],
        ]
      : []),
  ]);
  return sum(counts.slice(n, 2 * n)) - (reset ? (counts[2 * n] as number) : 0);
}

/** Deletes `name` (in the caller's transaction); false when there is none. */
export async function deleteSnapshot(c: pg.ClientBase, sql: SnapshotSql, name: string): Promise<boolean> {
  const [gone] = await pipelined(c, [
    ["DELETE FROM snapshots WHERE name = $1", [name]],
    ...sql.tables.map((t): [string, unknown[]] => [t.dropOne, [name]]),
  ]);
  return gone !== 0;
}
