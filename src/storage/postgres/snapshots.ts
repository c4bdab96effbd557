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
import { APPEND_ONLY_TABLES, type SnapshotInfo } from "../store.js";

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
  /** The snapshot's rows that T no longer has, removed from it. */
  saveDrop: string;
  /** T's rows that the snapshot lacks, added to it. */
  saveAdd: string;
  count: string;
  clear: string;
  /** For a table other tables refer to: its changed rows, updated in place. */
  update: string | undefined;
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
  const keys = await c.query(
    `SELECT t.relname::text AS t, a.attname::text AS col
     FROM pg_index i
     JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indisprimary AND t.relnamespace = current_schema()::regnamespace
     ORDER BY t.relname, array_position(i.indkey, a.attnum)`,
  );
  const keyOf = new Map<string, string[]>();
  for (const r of keys.rows as Array<{ t: string; col: string }>) keyOf.set(r.t, [...(keyOf.get(r.t) ?? []), r.col]);
  const referenced = new Set(
    (
      await c.query(
        "SELECT DISTINCT confrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
      )
    ).rows.map((r) => (r as { t: string }).t.replace(/^.*\./, "").replace(/"/g, "")),
  );
  const tables = PG_STATE_TABLES.map((table): TableSql => {
    const { cols, identity } = byTable.get(table) as { cols: string[]; identity: boolean };
    const snap = byTable.get(`snap_${table}`)?.cols ?? [];
    if (snap.join() !== ["snapshot_name", ...cols].join()) {
      throw new StorageError(
        `snap_${table} has columns (${snap.join(", ")}), not snapshot_name and those of ${table} (${cols.join(", ")}): a migration changed ${table} without its snap_ table`,
      );
    }
    const pk = keyOf.get(table) ?? [];
    if (pk.length === 0) throw new StorageError(`${table} has no primary key: a restore could not tell its rows apart`);
    const list = cols.map(q).join(", ");
    const key = pk.map(q).join(", ");
    const t = q(table);
    const s = q(`snap_${table}`);
    const override = identity ? "OVERRIDING SYSTEM VALUE " : "";
    const fromSnap = `SELECT ${list} FROM ${s} WHERE snapshot_name = $1`;
    const same = (a: string, b: string) => pk.map((col) => `${a}.${q(col)} = ${b}.${q(col)}`).join(" AND ");
    // Rows only ever inserted and deleted, never updated (the audit log): compared by key alone,
    // as on SQLite, so neither side's (large) rows are read to compare them.
    const byKey = APPEND_ONLY_TABLES.has(table);
    return {
      // Saving over a snapshot of the same name writes only what differs, as a restore does: the
      // baseline saved again at every start costs a read of the state when nothing changed.
      saveDrop: byKey
        ? `DELETE FROM ${s} x WHERE snapshot_name = $1 AND NOT EXISTS (SELECT 1 FROM ${t} y WHERE ${same("x", "y")})`
        : `DELETE FROM ${s} WHERE snapshot_name = $1 AND (${key}) IN (SELECT ${key} FROM (${fromSnap} EXCEPT SELECT ${list} FROM ${t}) d)`,
      saveAdd: byKey
        ? `INSERT INTO ${s} (snapshot_name, ${list}) SELECT $1, ${list} FROM ${t} y WHERE NOT EXISTS (SELECT 1 FROM ${s} x WHERE x.snapshot_name = $1 AND ${same("x", "y")})`
        : `INSERT INTO ${s} (snapshot_name, ${list}) SELECT $1, ${list} FROM (SELECT ${list} FROM ${t} EXCEPT ${fromSnap}) d`,
      count: `SELECT count(*) AS n FROM ${t}`,
      dropOne: `DELETE FROM ${s} WHERE snapshot_name = $1`,
      dropOthers: `DELETE FROM ${s} WHERE snapshot_name <> $1`,
      // Only the rows that differ are written (as on SQLite): the rows of T not in the snapshot
      // (equal in every column; EXCEPT takes NULLs as equal) go, then the snapshot's rows T lacks
      // come. A table other tables refer to (tenants) cannot lose a row its unchanged children
      // still point at (the foreign keys are not deferrable): its changed rows are updated in
      // place instead, after its children went and before they come back.
      clear: byKey
        ? `DELETE FROM ${t} y WHERE NOT EXISTS (SELECT 1 FROM ${s} x WHERE x.snapshot_name = $1 AND ${same("x", "y")})`
        : referenced.has(table)
          ? `DELETE FROM ${t} WHERE (${key}) NOT IN (SELECT ${key} FROM ${s} WHERE snapshot_name = $1)`
          : `DELETE FROM ${t} WHERE (${key}) IN (SELECT ${key} FROM (SELECT ${list} FROM ${t} EXCEPT ${fromSnap}) d)`,
      update: referenced.has(table)
        ? `UPDATE ${t} x SET (${list}) = ROW(${cols.map((col) => `s.${q(col)}`).join(", ")}) FROM ${s} s
           WHERE s.snapshot_name = $1 AND (${pk.map((col) => `x.${q(col)}`).join(", ")}) = (${pk.map((col) => `s.${q(col)}`).join(", ")})
             AND (${cols.map((col) => `x.${q(col)}`).join(", ")}) IS DISTINCT FROM (${cols.map((col) => `s.${q(col)}`).join(", ")})`
        : undefined,
      // An identity column (audit.id) takes the saved values; its sequence is left where it is,
      // past every id ever handed out, so later entries never reuse one.
      load: byKey
        ? `INSERT INTO ${t} (${list}) ${override}SELECT ${list} FROM ${s} x WHERE snapshot_name = $1 AND NOT EXISTS (SELECT 1 FROM ${t} y WHERE ${same("x", "y")})`
        : `INSERT INTO ${t} (${list}) ${override}${fromSnap} EXCEPT SELECT ${list} FROM ${t}`,
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
  const results = await Promise.all([
    c.query(sql.lockForSave),
    // Saves of one name serialize on its row.
    c.query(
      `INSERT INTO snapshots (name, created_ms, rows) VALUES ($1, $2, 0)
       ON CONFLICT (name) DO UPDATE SET created_ms = excluded.created_ms`,
      [name, createdMs],
    ),
    ...sql.tables.flatMap((t) => [c.query(t.saveDrop, [name]), c.query(t.saveAdd, [name]), c.query(t.count)]),
  ]);
  const rows = sum(results.slice(2).flatMap((r, i) => (i % 3 === 2 ? [(r.rows[0] as { n: number }).n] : [])));
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
  const [, , found] = await Promise.all([
    c.query(sql.lockForRestore),
    // With reset, no snapshot is saved or deleted meanwhile; otherwise this one is not deleted.
    c.query(reset ? "LOCK TABLE snapshots IN EXCLUSIVE MODE" : "SELECT 1"),
    c.query("SELECT rows FROM snapshots WHERE name = $1 FOR SHARE", [name]),
  ]);
  if (found.rowCount === 0) return undefined;
  const saved = (found.rows[0] as { rows: number }).rows;
  const n = sql.tables.length;
  const counts = await pipelined(c, [
    // Children first: the foreign keys to tenants hold at every statement.
    ...[...sql.tables].reverse().map((t): [string, unknown[]] => [t.clear, [name]]),
    ...sql.tables.flatMap(
      (t): Array<[string, unknown[]]> => [...(t.update ? [[t.update, [name]] as [string, unknown[]]] : []), [t.load, [name]]],
    ),
    ...(reset
      ? [
          ["DELETE FROM tokens"] as [string],
          ...sql.tables.map((t): [string, unknown[]] => [t.dropOthers, [name]]),
          ["DELETE FROM snapshots WHERE name <> $1", [name]] as [string, unknown[]],
        ]
      : []),
  ]);
  const tokensDropped = reset ? (counts[n + n + sql.tables.filter((t) => t.update).length] as number) : 0;
  return saved - tokensDropped;
}

/** Deletes `name` (in the caller's transaction); false when there is none. */
export async function deleteSnapshot(c: pg.ClientBase, sql: SnapshotSql, name: string): Promise<boolean> {
  const [gone] = await pipelined(c, [
    ["DELETE FROM snapshots WHERE name = $1", [name]],
    ...sql.tables.map((t): [string, unknown[]] => [t.dropOne, [name]]),
  ]);
  return gone !== 0;
}
