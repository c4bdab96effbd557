/**
 * The PostgreSQL driver: N stateless instances share one database. Every call that checks an
 * invariant is one READ COMMITTED transaction that first takes a row lock naming what it guards,
 * then re-reads under that lock (a new statement, hence a fresh snapshot), then writes; the unique
 * indexes stay the last word. Concretely:
 *
 * - statuses (10 live, unique live names, unique live priority): `createStatus`, `updateStatus` and
 *   `deleteStatus` lock the tenant row (FOR NO KEY UPDATE: it serializes status writers of the
 *   tenant but not the foreign-key checks of inserts elsewhere), then check and write in one
 *   statement. `statuses_live_priority` and the `status_names` primary key still refuse whatever
 *   slipped past the lock (a writer that does not take it); a 23505 maps to the same conflict.
 * - user statuses (each (user, status) ends in the state of the last acknowledged call):
 *   `openUserStatuses` and `closeUserStatuses` lock the users' rows in one global order (key order,
 *   "C" collation, the order `upsertUsers` writes in too), so concurrent batches on overlapping users
 *   serialize without deadlock, and a close waits for an open that is inserting a row the close
 *   could not see yet. Each is one statement calling a PL/pgSQL function (migration 3) that takes
 *   the locks, then writes under a fresh snapshot (the open: one INSERT ... ON CONFLICT DO UPDATE
 *   over `unnest`), so a batch costs one round trip.
 * - the statements every API call runs (token with its app and tenant, status, id resolution, open,
 *   close) are named prepared statements: parsed and planned once per connection.
 * - the audit log: a write's entry is inserted in the write's own transaction. A batch is then
 *   BEGIN, the function, the INSERT and COMMIT; the pool's connections run in pipeline mode, so
 *   statements whose inputs are known are sent together without waiting for each answer: a close
 *   (whose entry is known before it runs) is one round trip, an open two (BEGIN with the function;
 *   then, once the service has computed the per-user results from the rows it returned, the INSERT
 *   with COMMIT). The results rule stays in the domain; no SQL copy of it.
 * - deadlocks and serialization failures (40P01, 40001) retry the whole transaction a few times.
 *
 * pg's errors never leave this file: everything is a StorageError, with `unavailable` set when the
 * database cannot be reached.
 */
import pg from "pg";
import type { AuditEntry, AuditFilter, AuditKey, AuditOf, AuditPage } from "../../domain/audit.js";
import type {
  App,
  I18nText,
  StatusRecord,
  StatusSnapshot,
  SyncSetting,
  SystemStatus,
  Tenant,
  TokenRecord,
  User,
  UserIdType,
  UserStatusRow,
} from "../../domain/model.js";
import { namesOf } from "../../domain/model.js";
import { CLOCK_KEY, type ClockState, WALL_TIME } from "../../emulator/clock.js";
import {
  AUDIT_INSERT_COLUMNS,
  AUDIT_SCAN_BUDGET,
  auditColumns,
  NEWEST_FIRST,
  pageOf,
  toAuditRecord,
  userNeedle,
} from "../audit-codec.js";
import { StorageError } from "../errors.js";
import type {
  AppPatch,
  CreateAppResult,
  DirectoryUser,
  DirectoryUserInput,
  ImportCounts,
  ListPage,
  OpenEntry,
  PutUserResult,
  ResolvedId,
  SnapshotInfo,
  StatusConflict,
  StatusHolder,
  StatusWriteResult,
  Store,
  SyncPrefRefusal,
  TokenOwner,
  UserInput,
} from "../store.js";
import { DIRECTORY_SQL as DIR } from "./directory.js";
import { PG_MIGRATIONS } from "./migrations.js";
import * as snapshots from "./snapshots.js";

export interface PgStoreOptions {
  /** Most connections this instance opens (default 10). */
  poolMax?: number;
  /** How long to wait for a connection, new or from the pool, before failing (default 5000 ms). */
  connectionTimeoutMs?: number;
}

/** First key of the migration advisory lock ("LARK"); the second is the schema's hash. */
const MIGRATE_LOCK = 0x4c41524b;
/** Users per statement in upsertUsers. */
const USER_CHUNK = 2000;
/** The tables a seed writes, in the order refreshStatistics analyzes them. */
const SEEDED_TABLES = ["tenants", "apps", "users", "open_ids", "union_ids", "sync_prefs", "statuses", "status_names"] as const;
/** Attempts of a transaction that fails with a deadlock or a serialization failure. */
const TX_ATTEMPTS = 4;

type Row = Record<string, unknown>;

// ---------------------------------------------------------------------------- text that PG refuses

/**
 * PostgreSQL TEXT cannot hold U+0000, which a status title may contain (the API only bounds its
 * weighted length). Such a string, and any string starting with the marker, is stored as the marker
 * plus its JSON; every other string is stored verbatim. The mapping is injective, so exact-match name
 * uniqueness is unchanged.
 */
const MARK = "\u0001";

function encText(s: string): string {
  return s.includes("\u0000") || s.startsWith(MARK) ? MARK + JSON.stringify(s) : s;
}

function decText(s: string): string {
  return s.startsWith(MARK) ? (JSON.parse(s.slice(MARK.length)) as string) : s;
}

// ---------------------------------------------------------------------------- rows → domain

function toStatus(r: Row): StatusRecord {
  return {
    system_status_id: r.system_status_id as string,
    tenant_key: r.tenant_key as string,
    title: decText(r.title as string),
    i18n_title: JSON.parse(r.i18n_title as string) as I18nText,
    icon_key: r.icon_key as StatusRecord["icon_key"],
    color: r.color as StatusRecord["color"],
    priority: r.priority as number,
    sync_setting: JSON.parse(r.sync_setting as string) as SyncSetting,
    version: r.version as number,
    created_at: r.created_at as number,
    updated_at: r.updated_at as number,
    deleted_at: (r.deleted_at as number | null) ?? null,
  };
}

function toUserStatus(r: Row): UserStatusRow {
  return {
    user_id: r.user_id as string,
    system_status_id: r.system_status_id as string,
    open: r.open as boolean,
    end_time: r.end_time as number,
    snapshot: JSON.parse(r.snapshot as string) as StatusSnapshot,
    opened_by: r.opened_by as string,
    opened_at: r.opened_at as number,
    sync_on: r.sync_on as boolean,
  };
}

function toApp(r: Row): App {
  return {
    app_id: r.app_id as string,
    tenant_key: r.tenant_key as string,
    secret_hash: r.secret_hash as string,
    scopes: JSON.parse(r.scopes as string) as string[],
    enabled: r.enabled as boolean,
    visibility: JSON.parse(r.visibility as string) as App["visibility"],
    developer: r.developer as string,
  };
}

function toToken(r: Row): TokenRecord {
  return {
    token_hash: r.token_hash as string,
    sealed: (r.sealed as string | null) ?? null,
    kind: r.kind as TokenRecord["kind"],
    app_id: r.app_id as string,
    tenant_key: r.tenant_key as string,
    issued_at: r.issued_at as number,
    expires_at: r.expires_at as number,
  };
}

function toTenant(r: Row): Tenant {
  return {
    tenant_key: r.tenant_key as string,
    name: decText(r.name as string),
    api_enabled: r.api_enabled as boolean,
    sensitive_words: JSON.parse(r.sensitive_words as string) as string[],
  };
}

function toUser(r: Row): User {
  return {
    tenant_key: r.tenant_key as string,
    user_id: r.user_id as string,
    name: decText(r.name as string),
    resigned: r.resigned as boolean,
  };
}

/** BIGINT columns (times, COUNT) come back as numbers: every value we store is below 2^53. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 && format !== "binary"
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** UTF-8 byte order = code point order = the "C" collation's order of the key columns. */
function byKeyOrder<T>(items: T[], key: (t: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: Buffer.from(key(item), "utf8") }));
  keyed.sort((a, b) => Buffer.compare(a.k, b.k));
  return keyed.map((x) => x.item);
}

// ---------------------------------------------------------------------------- errors

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  errors?: unknown;
}

/** Node socket errors and SQLSTATEs that mean "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
  "53300", // too_many_connections
]);

const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed|Connection ended/i;

function errCode(e: unknown): string | undefined {
  const code = (e as PgLikeError | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function errMessage(e: unknown): string {
  const err = e as PgLikeError | undefined;
  const msg = typeof err?.message === "string" ? err.message : String(e);
  if (msg !== "") return msg;
  // Node's AggregateError (several addresses tried) has an empty message.
  const inner = Array.isArray(err?.errors) ? (err.errors as unknown[]) : [];
  return inner.map(errMessage).join("; ") || (errCode(e) ?? "unknown error");
}

function isUnavailable(e: unknown): boolean {
  const code = errCode(e);
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return UNAVAILABLE_MESSAGES.test(errMessage(e));
}

function isRetryable(e: unknown): boolean {
  const code = errCode(e);
  return code === "40P01" || code === "40001";
}

/** The conflict a unique violation stands for, if it is one of the invariant indexes. */
function conflictOfUniqueViolation(e: unknown): StatusConflict | undefined {
  if (errCode(e) !== "23505") return undefined;
  const constraint = (e as PgLikeError).constraint;
  if (constraint === "status_names_pkey") return "duplicate_name";
  if (constraint === "statuses_live_priority") return "duplicate_priority";
  return undefined;
}

/** `host:port/database` of a connection URL, without credentials. */
export function pgTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname) || u.searchParams.get("host") || "localhost";
    const port = u.port || u.searchParams.get("port") || "5432";
    const db = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "postgres";
    return `${host}:${port}/${db}`;
  } catch {
    return "(unparsable URL)";
  }
}

// ---------------------------------------------------------------------------- SQL

const SQL = {
  createStatus: `
    WITH chk AS (
      SELECT
        (SELECT count(*) FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL) AS live,
        EXISTS (SELECT 1 FROM status_names WHERE tenant_key = $1 AND name = ANY($10::text[]) AND system_status_id <> $2)
          AS dup_name,
        EXISTS (SELECT 1 FROM statuses WHERE tenant_key = $1 AND priority = $7 AND deleted_at IS NULL AND system_status_id <> $2)
          AS dup_priority
    ), ins AS (
      INSERT INTO statuses (system_status_id, tenant_key, title, i18n_title, icon_key, color, priority, sync_setting,
                            sync_default, version, created_at, updated_at, deleted_at)
      SELECT $2, $1, $3, $4, $5, $6, $7::int, $8, $9::boolean, 1, $11::bigint, $11::bigint, NULL FROM chk
      WHERE chk.live < $12::bigint AND NOT chk.dup_name AND NOT chk.dup_priority
      RETURNING *
    ), names AS (
      INSERT INTO status_names (tenant_key, name, system_status_id)
      SELECT $1, n, ins.system_status_id FROM ins CROSS JOIN unnest($10::text[]) AS n
    )
    SELECT chk.live, chk.dup_name, chk.dup_priority, ins.* FROM chk LEFT JOIN ins ON true`,
  updateStatus: `
    WITH chk AS (
      SELECT
        EXISTS (SELECT 1 FROM status_names WHERE tenant_key = $1 AND name = ANY($10::text[]) AND system_status_id <> $2)
          AS dup_name,
        EXISTS (SELECT 1 FROM statuses WHERE tenant_key = $1 AND priority = $7 AND deleted_at IS NULL AND system_status_id <> $2)
          AS dup_priority
    ), upd AS (
      UPDATE statuses SET title = $3, i18n_title = $4, icon_key = $5, color = $6, priority = $7::int, sync_setting = $8,
        sync_default = $9::boolean, version = version + 1, updated_at = $11::bigint
      WHERE system_status_id = $2 AND tenant_key = $1 AND deleted_at IS NULL
        AND NOT (SELECT dup_name FROM chk) AND NOT (SELECT dup_priority FROM chk)
      RETURNING *
    ), dropped AS (
      DELETE FROM status_names
      WHERE tenant_key = $1 AND system_status_id IN (SELECT system_status_id FROM upd) AND NOT (name = ANY($10::text[]))
    ), added AS (
      INSERT INTO status_names (tenant_key, name, system_status_id)
      SELECT $1, n, upd.system_status_id FROM upd CROSS JOIN unnest($10::text[]) AS n
      WHERE NOT EXISTS (SELECT 1 FROM status_names x WHERE x.tenant_key = $1 AND x.name = n AND x.system_status_id = $2)
    )
    SELECT chk.dup_name, chk.dup_priority, upd.* FROM chk LEFT JOIN upd ON true`,
  deleteStatus: `
    WITH del AS (
      UPDATE statuses SET deleted_at = $3, updated_at = $3
      WHERE tenant_key = $1 AND system_status_id = $2 AND deleted_at IS NULL
      RETURNING system_status_id
    ), names AS (
      DELETE FROM status_names WHERE tenant_key = $1 AND system_status_id IN (SELECT system_status_id FROM del)
    )
    SELECT count(*) AS n FROM del`,
  /** Serializes the status writers of one tenant; the next statement sees what the previous holder committed. */
  lockTenant: "SELECT 1 FROM tenants WHERE tenant_key = $1 FOR NO KEY UPDATE",
  /**
   * Open and close (migration 3): lock the users' rows in key order (concurrent batches on the same
   * users serialize, without deadlock), then write under a fresh snapshot; one round trip each.
   */
  openUserStatuses: "SELECT * FROM larkstatus_open($1, $2, $3, $4::text[], $5::bigint[], $6, $7::bigint, $8::bigint)",
  closeUserStatuses: "SELECT larkstatus_close($1, $2, $3::text[], $4::bigint)",
  tokenOwner: `
    SELECT t.token_hash, t.sealed, t.kind, t.app_id, t.tenant_key, t.issued_at, t.expires_at,
           a.app_id AS a_app_id, a.tenant_key AS a_tenant_key, a.secret_hash AS a_secret_hash, a.scopes AS a_scopes,
           a.enabled AS a_enabled, a.visibility AS a_visibility, a.developer AS a_developer,
           n.tenant_key AS n_tenant_key, n.name AS n_name, n.api_enabled AS n_api_enabled, n.sensitive_words AS n_sensitive_words
    FROM tokens t
    LEFT JOIN apps a ON a.app_id = t.app_id
    LEFT JOIN tenants n ON n.tenant_key = t.tenant_key
    WHERE t.token_hash = $1`,
  userStatuses: `
    SELECT us.user_id, us.system_status_id, us.open, us.end_time, us.snapshot, us.opened_by, us.opened_at,
           COALESCE(sp.sync_on, s.sync_default, true) AS sync_on
    FROM user_statuses us
    LEFT JOIN statuses s ON s.system_status_id = us.system_status_id
    LEFT JOIN sync_prefs sp ON sp.tenant_key = us.tenant_key AND sp.user_id = us.user_id AND sp.system_status_id = us.system_status_id
    WHERE us.tenant_key = $1 AND us.user_id = $2
    ORDER BY us.system_status_id`,
  /**
   * The users with `$2` open and unexpired at `$3`, after `$4`, at most `$5` (a range of
   * user_statuses_status_user, migration 5), each with all its rows, in one statement.
   */
  statusHolders: `
    WITH h AS (
      SELECT x.user_id FROM user_statuses x
      WHERE x.tenant_key = $1 AND x.system_status_id = $2 AND x.user_id > $4 AND x.open AND x.end_time > $3::bigint
      ORDER BY x.user_id LIMIT $5
    )
    SELECT us.user_id, us.system_status_id, us.open, us.end_time, us.snapshot, us.opened_by, us.opened_at,
           COALESCE(sp.sync_on, s.sync_default, true) AS sync_on
    FROM h
    JOIN user_statuses us ON us.tenant_key = $1 AND us.user_id = h.user_id
    LEFT JOIN statuses s ON s.system_status_id = us.system_status_id
    LEFT JOIN sync_prefs sp ON sp.tenant_key = us.tenant_key AND sp.user_id = us.user_id AND sp.system_status_id = us.system_status_id
    ORDER BY us.user_id, us.system_status_id`,
  upsertUsers: `
    INSERT INTO users (tenant_key, user_id, name, resigned)
    SELECT $1, t.u, t.n, t.r FROM unnest($2::text[], $3::text[], $4::boolean[]) AS t(u, n, r) ORDER BY t.u COLLATE "C"
    ON CONFLICT (tenant_key, user_id) DO UPDATE SET name = excluded.name, resigned = excluded.resigned`,
  deleteOpenIds: "DELETE FROM open_ids WHERE tenant_key = $1 AND user_id = ANY($2::text[])",
  insertOpenIds: `
    INSERT INTO open_ids (open_id, app_id, tenant_key, user_id)
    SELECT t.o, t.a, $1, t.u FROM unnest($2::text[], $3::text[], $4::text[]) AS t(o, a, u)`,
  deleteUnionIds: "DELETE FROM union_ids WHERE tenant_key = $1 AND user_id = ANY($2::text[])",
  insertUnionIds: `
    INSERT INTO union_ids (union_id, developer, tenant_key, user_id)
    SELECT t.o, t.d, $1, t.u FROM unnest($2::text[], $3::text[], $4::text[]) AS t(o, d, u)`,
  deletePrefs: "DELETE FROM sync_prefs WHERE tenant_key = $1 AND user_id = ANY($2::text[])",
  insertPrefs: `
    INSERT INTO sync_prefs (tenant_key, user_id, system_status_id, sync_on)
    SELECT $1, t.u, t.s, false FROM unnest($2::text[], $3::text[]) AS t(u, s)`,
  insertAudit: `INSERT INTO audit (${AUDIT_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  /** Oldest first; rows another instance is deleting are skipped, not waited for. */
  pruneAudit: `
    DELETE FROM audit WHERE id IN (
      SELECT id FROM audit WHERE at_ms < $1 ORDER BY at_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
} as const;

// ---------------------------------------------------------------------------- the store

export class PgStore implements Store {
  private readonly pool: pg.Pool;
  private readonly target: string;
  private readonly poolMax: number;
  private readonly connectionTimeoutMs: number;
  private ended = false;
  /** The snapshot statements, built from the catalog by migrate(). */
  private snapshotSql: snapshots.SnapshotSql | undefined;

  constructor(url: string, opts: PgStoreOptions = {}) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new StorageError("not a PostgreSQL URL: expected postgres://user:password@host:port/database");
    }
    this.target = pgTarget(url);
    this.poolMax = opts.poolMax ?? 10;
    this.connectionTimeoutMs = opts.connectionTimeoutMs ?? 5000;
    if (!Number.isInteger(this.poolMax) || this.poolMax < 1) throw new StorageError(`poolMax must be ≥ 1, got ${this.poolMax}`);
    this.pool = new pg.Pool({
      connectionString: url,
      max: this.poolMax,
      connectionTimeoutMillis: this.connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      // The URL's application_name, if any, wins (libpq semantics).
      fallback_application_name: "larkstatus",
      types: TYPES,
      // Statements issued without awaiting the previous one are sent at once (see the audit above).
      // Every other call awaits each statement, so for them nothing changes.
      pipeline: true,
    } as pg.PoolConfig);
    // An idle connection dropped by the server (restart, failover) is emitted here; without a
    // listener it would crash the process. The pool discards it; the next call opens a new one.
    this.pool.on("error", () => {});
    // The same for a connection lost while checked out: its error also goes to the pending query
    // (which turns it into a StorageError), and an unheard "error" event would crash the process.
    this.pool.on("connect", (client) => {
      client.on("error", () => {});
    });
  }

  // ------------------------------------------------------------------ plumbing

  /** A pg error (or anything else) in domain words. */
  private translate(e: unknown, what: string): StorageError {
    if (e instanceof StorageError) return e;
    const msg = errMessage(e);
    if (/timeout exceeded when trying to connect/i.test(msg)) {
      return new StorageError(
        `no free PostgreSQL connection within ${this.connectionTimeoutMs} ms (${this.poolMax} in the pool, all busy) while trying to ${what}`,
        { cause: e, unavailable: true },
      );
    }
    if (isUnavailable(e)) {
      return new StorageError(`PostgreSQL at ${this.target} is unreachable (${what}): ${msg}`, { cause: e, unavailable: true });
    }
    const code = errCode(e);
    if (code === "42P01" || code === "42703" || code === "3F000") {
      return new StorageError(`PostgreSQL at ${this.target}: the schema is missing or incomplete (run migrate): ${msg}`, {
        cause: e,
      });
    }
    return new StorageError(`PostgreSQL failed to ${what}: ${msg}${code ? ` (SQLSTATE ${code})` : ""}`, { cause: e });
  }

  private async client(what: string): Promise<pg.PoolClient> {
    if (this.ended) throw new StorageError(`store is closed (${what})`);
    try {
      return await this.pool.connect();
    } catch (cause) {
      const code = errCode(cause);
      // Refused, unknown host, timed out: unreachable. Wrong password, no such database: reached, refused us.
      if (code === "28P01" || code === "28000" || code === "3D000") {
        throw new StorageError(`cannot connect to PostgreSQL at ${this.target}: ${errMessage(cause)}`, { cause });
      }
      throw this.translate(cause, what);
    }
  }

  /**
   * One statement outside an explicit transaction (so in its own implicit one): a deadlock or
   * serialization failure retries it. A `name` makes it a prepared statement (parsed and planned
   * once per connection), for the statements every API call runs.
   */
  private async query(what: string, text: string, values: unknown[] = [], name?: string): Promise<Row[]> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.client(what);
      let broken: Error | undefined;
      try {
        return (await c.query(name === undefined ? { text, values } : { name, text, values })).rows as Row[];
      } catch (e) {
        if (isUnavailable(e)) broken = e as Error;
        if (!broken && attempt < TX_ATTEMPTS && isRetryable(e)) continue;
        throw this.translate(e, what);
      } finally {
        c.release(broken);
      }
    }
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED). A deadlock or serialization failure retries the
   * whole transaction; `recover` may turn an error into a result (after the rollback).
   */
  private tx<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>, recover?: (e: unknown) => T | undefined): Promise<T> {
    return this.attempts(
      what,
      async (c) => {
        await c.query("BEGIN");
        const out = await fn(c);
        await c.query("COMMIT");
        return out;
      },
      recover,
    );
  }

  /**
   * Runs `run` (a whole transaction, BEGIN to COMMIT) on a connection of its own, rolling back on
   * an error; a deadlock or serialization failure runs it again on a fresh connection, at most
   * TX_ATTEMPTS times. A connection whose ROLLBACK failed is discarded.
   */
  private async attempts<T>(
    what: string,
    run: (c: pg.PoolClient) => Promise<T>,
    recover?: (e: unknown) => T | undefined,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.client(what);
      let broken = false;
      try {
        return await run(c);
      } catch (e) {
        try {
          await c.query("ROLLBACK");
        } catch {
          broken = true;
        }
        if (!broken && attempt < TX_ATTEMPTS && isRetryable(e)) continue;
        const recovered = recover?.(e);
        if (recovered !== undefined) return recovered;
        throw this.translate(e, what);
      } finally {
        c.release(broken);
      }
    }
  }

  /**
   * One statement; with `audit`, in a transaction with the entry it makes of the statement's rows
   * (undefined: no entry, the transaction only commits the statement).
   */
  private async statement(
    what: string,
    text: string,
    values: unknown[],
    audit: ((rows: Row[]) => AuditEntry | undefined) | undefined,
  ): Promise<Row[]> {
    if (!audit) return this.query(what, text, values);
    return this.tx(what, async (c) => {
      const rows = (await c.query(text, values)).rows as Row[];
      const entry = audit(rows);
      if (entry) await c.query(SQL.insertAudit, auditColumns(entry));
      return rows;
    });
  }

  /** Inserts the entry `audit` makes of `result` on `c` (in the caller's transaction); passes `result` through. */
  private static async audited<R>(c: pg.PoolClient, audit: AuditOf<R> | undefined, result: R): Promise<R> {
    const entry = audit?.(result);
    if (entry) await c.query(SQL.insertAudit, auditColumns(entry));
    return result;
  }

  /**
   * A transaction in two flights on one connection (pipeline mode): BEGIN and `first` are sent
   * together; then `then`, given their rows, names the audit entry (or none), which is sent with
   * COMMIT. A deadlock or serialization failure retries the whole transaction, calling `then` again.
   */
  private pipelinedTx(what: string, first: Statement[], then: (rows: Row[][]) => AuditEntry | undefined): Promise<void> {
    return this.attempts(what, async (c) => {
      // Promise.all: every statement's promise has a handler, whichever fails first.
      const [, ...results] = await Promise.all([c.query("BEGIN"), ...first.map((st) => c.query(st))]);
      const entry = then(results.map((r) => r.rows as Row[]));
      await Promise.all([...(entry ? [c.query(auditStatement(entry))] : []), c.query("COMMIT")]);
    });
  }

  // ------------------------------------------------------------------ lifecycle

  async migrate(): Promise<void> {
    await this.tx("migrate the schema", async (c) => {
      // Instances starting together queue here; the first migrates, the others then find it done.
      await c.query("SELECT pg_advisory_xact_lock($1::int, hashtext(coalesce(current_schema(), '')))", [MIGRATE_LOCK]);
      // Checked first, so that a role without CREATE can still start on a migrated schema.
      const hasMeta = (await c.query("SELECT to_regclass('meta') IS NOT NULL AS present")).rows[0] as { present: boolean };
      if (!hasMeta.present) await c.query(`CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)`);
      const row = (await c.query("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0] as { value: string } | undefined;
      const current = row ? Number(row.value) : 0;
      if (!Number.isInteger(current) || current < 0) {
        throw new StorageError(`database schema version ${JSON.stringify(row?.value)} is not a version larkstatus wrote`);
      }
      if (current > PG_MIGRATIONS.length) {
        throw new StorageError(
          `database schema version ${current} is newer than this larkstatus (knows ${PG_MIGRATIONS.length}); upgrade larkstatus`,
        );
      }
      if (current < PG_MIGRATIONS.length) {
        for (let v = current; v < PG_MIGRATIONS.length; v++) await c.query(PG_MIGRATIONS[v] as string);
        await c.query(
          `INSERT INTO meta (key, value) VALUES ('schema_version', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [String(PG_MIGRATIONS.length)],
        );
      }
      this.snapshotSql = await snapshots.snapshotSql(c);
    });
  }

  async ping(): Promise<boolean> {
    if (this.ended) return false;
    try {
      await this.query("ping", "SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  async refreshStatistics(): Promise<void> {
    for (const table of SEEDED_TABLES) await this.query("refresh planner statistics", `ANALYZE ${table}`);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.query("read tenants", "SELECT 1 FROM tenants LIMIT 1")).length === 0;
  }

  async readClockState(): Promise<ClockState | undefined> {
    const [row] = await this.query("read the emulator clock", "SELECT value FROM meta WHERE key = $1", [CLOCK_KEY], "clock_read");
    return row ? (JSON.parse(row.value as string) as ClockState) : undefined;
  }

  async updateClockState(change: (current: ClockState) => ClockState): Promise<ClockState> {
    // A refusal (`change` throws) commits nothing and reaches the caller as itself.
    let refused: { error: unknown } | undefined;
    const out = await this.tx("change the emulator clock", async (c) => {
      // The row exists before it is locked, so two first changes serialize on it too.
      await c.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [
        CLOCK_KEY,
        JSON.stringify(WALL_TIME),
      ]);
      const { rows } = await c.query("SELECT value FROM meta WHERE key = $1 FOR UPDATE", [CLOCK_KEY]);
      const current = JSON.parse((rows[0] as { value: string }).value) as ClockState;
      let next: ClockState;
      try {
        next = change(current);
      } catch (error) {
        refused = { error };
        return current;
      }
      await c.query("UPDATE meta SET value = $2 WHERE key = $1", [CLOCK_KEY, JSON.stringify(next)]);
      return next;
    });
    if (refused) throw refused.error;
    return out;
  }

  async serverSecret(candidate: string): Promise<string> {
    await this.query(
      "store the server secret",
      "INSERT INTO meta (key, value) VALUES ('server_secret', $1) ON CONFLICT (key) DO NOTHING",
      [candidate],
    );
    // A separate statement: a concurrent first insert by another instance is visible here.
    const [row] = await this.query("read the server secret", "SELECT value FROM meta WHERE key = 'server_secret'");
    if (!row) throw new StorageError("the server secret vanished");
    return row.value as string;
  }

  // ------------------------------------------------------------------ directory

  async upsertTenant(t: Tenant, audit?: AuditOf<void>): Promise<void> {
    await this.statement(
      `write tenant ${t.tenant_key}`,
      `INSERT INTO tenants (tenant_key, name, api_enabled, sensitive_words) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_key) DO UPDATE SET name = excluded.name, api_enabled = excluded.api_enabled,
         sensitive_words = excluded.sensitive_words`,
      [t.tenant_key, encText(t.name), t.api_enabled, JSON.stringify(t.sensitive_words)],
      audit && (() => audit(undefined)),
    );
  }

  async insertTenant(t: Tenant, audit?: AuditOf<boolean>): Promise<boolean> {
    const rows = await this.statement(
      `create tenant ${t.tenant_key}`,
      `INSERT INTO tenants (tenant_key, name, api_enabled, sensitive_words) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_key) DO NOTHING RETURNING tenant_key`,
      [t.tenant_key, encText(t.name), t.api_enabled, JSON.stringify(t.sensitive_words)],
      audit && ((r) => audit(r.length === 1)),
    );
    return rows.length === 1;
  }

  async getTenant(tenantKey: string): Promise<Tenant | undefined> {
    const [r] = await this.query("read a tenant", "SELECT * FROM tenants WHERE tenant_key = $1", [tenantKey]);
    return r ? toTenant(r) : undefined;
  }

  async listTenants(limit: number, afterKey = ""): Promise<Tenant[]> {
    const rows = await this.query("list tenants", "SELECT * FROM tenants WHERE tenant_key > $1 ORDER BY tenant_key LIMIT $2", [
      afterKey,
      limit,
    ]);
    return rows.map(toTenant);
  }

  async upsertApp(app: App, audit?: AuditOf<void>): Promise<void> {
    await this.statement(
      `write app ${app.app_id}`,
      `INSERT INTO apps (app_id, tenant_key, secret_hash, scopes, enabled, visibility, developer)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (app_id) DO UPDATE SET tenant_key = excluded.tenant_key, secret_hash = excluded.secret_hash,
         scopes = excluded.scopes, enabled = excluded.enabled, visibility = excluded.visibility, developer = excluded.developer`,
      [
        app.app_id,
        app.tenant_key,
        app.secret_hash,
        JSON.stringify(app.scopes),
        app.enabled,
        JSON.stringify(app.visibility),
        app.developer,
      ],
      audit && (() => audit(undefined)),
    );
  }

  async getApp(appId: string): Promise<App | undefined> {
    const [r] = await this.query("read an app", "SELECT * FROM apps WHERE app_id = $1", [appId]);
    return r ? toApp(r) : undefined;
  }

  async deleteTenant(tenantKey: string, audit?: AuditOf<boolean>): Promise<boolean> {
    return this.tx(`delete tenant ${tenantKey}`, async (c) => {
      if ((await c.query(DIR.lockTenantForUpdate, [tenantKey])).rowCount === 0) return false;
      for (const sql of DIR.deleteTenant) await c.query(sql, [tenantKey]);
      return PgStore.audited(c, audit, true);
    });
  }

  async createApp(app: App, audit?: AuditOf<CreateAppResult>): Promise<CreateAppResult> {
    return this.tx(`create app ${app.app_id}`, async (c): Promise<CreateAppResult> => {
      if ((await c.query(DIR.lockTenantForUpdate, [app.tenant_key])).rowCount === 0) return "no_tenant";
      const inserted = await c.query(DIR.insertApp, [
        app.app_id,
        app.tenant_key,
        app.secret_hash,
        JSON.stringify(app.scopes),
        app.enabled,
        JSON.stringify(app.visibility),
        app.developer,
      ]);
      if (inserted.rowCount === 0) return "app_taken";
      await c.query(DIR.appOpenIds, [app.app_id, app.tenant_key]);
      await c.query(DIR.appUnionIds, [app.developer, app.tenant_key]);
      return PgStore.audited(c, audit, "created" as const);
    });
  }

  async updateApp(
    appId: string,
    patch: AppPatch,
    revokeTokens: boolean,
    audit?: AuditOf<App | undefined>,
  ): Promise<App | undefined> {
    const app = (rows: Row[]) => (rows[0] ? toApp(rows[0]) : undefined);
    const rows = await this.statement(
      `change app ${appId}`,
      DIR.updateApp,
      [
        appId,
        patch.scopes === undefined ? null : JSON.stringify(patch.scopes),
        patch.visibility === undefined ? null : JSON.stringify(patch.visibility),
        patch.enabled ?? null,
        patch.secret_hash ?? null,
        revokeTokens,
      ],
      audit && ((r) => (r.length ? audit(app(r)) : undefined)),
    );
    return app(rows);
  }

  async listApps(limit: number, opts: { tenantKey?: string; afterId?: string } = {}): Promise<App[]> {
    const rows = await this.query("list apps", DIR.listApps, [opts.tenantKey ?? null, opts.afterId ?? "", limit]);
    return rows.map(toApp);
  }

  async knownUserIds(tenantKey: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.query("read users", DIR.knownUsers, [tenantKey, [...new Set(userIds)]]);
    return new Set(rows.map((r) => r.user_id as string));
  }

  async getUser(tenantKey: string, userId: string): Promise<DirectoryUser | undefined> {
    const rows = await this.query("read a user", DIR.getUser, [tenantKey, userId]);
    return (await this.withIds(tenantKey, rows))[0];
  }

  async listUsers(tenantKey: string, limit: number, afterUserId = ""): Promise<DirectoryUser[]> {
    return this.withIds(tenantKey, await this.query("list users", DIR.listUsers, [tenantKey, afterUserId, limit]));
  }

  /** Users rows with their open and union ids (one statement each for the whole page). */
  private async withIds(tenantKey: string, rows: Row[]): Promise<DirectoryUser[]> {
    if (rows.length === 0) return [];
    const out = new Map<string, DirectoryUser>();
    for (const r of rows) {
      const u = toUser(r);
      out.set(u.user_id, { ...u, open_ids: {}, union_ids: {} });
    }
    const ids = [...out.keys()];
    const [open, union] = await Promise.all([
      this.query("read open ids", DIR.openIdsOf, [tenantKey, ids]),
      this.query("read union ids", DIR.unionIdsOf, [tenantKey, ids]),
    ]);
    for (const r of open) {
      const u = out.get(r.user_id as string);
      if (u) u.open_ids[r.app_id as string] = r.open_id as string;
    }
    for (const r of union) {
      const u = out.get(r.user_id as string);
      if (u) u.union_ids[r.developer as string] = r.union_id as string;
    }
    return [...out.values()];
  }

  async putUser(tenantKey: string, user: DirectoryUserInput, audit?: AuditOf<PutUserResult>): Promise<PutUserResult> {
    const result = (c: ImportCounts | undefined): PutUserResult =>
      c === undefined ? "no_tenant" : c.created === 1 ? "created" : "updated";
    return result(await this.importUsers(tenantKey, [[user]], undefined, audit && ((c) => audit(result(c)))));
  }

  async importUsers(
    tenantKey: string,
    chunks: Iterable<readonly DirectoryUserInput[]>,
    onChunk?: (written: number) => void,
    audit?: AuditOf<ImportCounts | undefined>,
  ): Promise<ImportCounts | undefined> {
    // A retried transaction (deadlock) iterates the chunks again from the start.
    return this.tx(`write users of tenant ${tenantKey}`, async (c) => {
      if ((await c.query(DIR.lockTenantForUsers, [tenantKey])).rowCount === 0) return undefined;
      const total: ImportCounts = { created: 0, updated: 0 };
      for (const chunk of chunks) {
        if (chunk.length === 0) continue;
        const r = (
          await c.query({
            name: "larkstatus_write_users",
            text: DIR.writeUsers,
            values: [tenantKey, chunk.map((u) => u.user_id), chunk.map((u) => encText(u.name)), chunk.map((u) => u.resigned)],
          })
        ).rows[0] as { created: number; total: number };
        total.created += r.created;
        total.updated += r.total - r.created;
        onChunk?.(total.created + total.updated);
      }
      return PgStore.audited(c, audit, total);
    });
  }

  async upsertUsers(tenantKey: string, users: UserInput[], audit?: AuditOf<void>): Promise<void> {
    if (users.length === 0) {
      const entry = audit?.(undefined);
      if (entry) await this.appendAudit(entry);
      return;
    }
    // A later entry for the same user replaces an earlier one, as sequential upserts would.
    const last = new Map<string, UserInput>();
    for (const u of users) {
      last.delete(u.user_id);
      last.set(u.user_id, u);
    }
    // Key order: the users' row locks are taken in the order open/close take them.
    const sorted = byKeyOrder([...last.values()], (u) => u.user_id);
    await this.tx(`write users of tenant ${tenantKey}`, async (c) => {
      for (let i = 0; i < sorted.length; i += USER_CHUNK) {
        const chunk = sorted.slice(i, i + USER_CHUNK);
        const ids = chunk.map((u) => u.user_id);
        await c.query(SQL.upsertUsers, [tenantKey, ids, chunk.map((u) => encText(u.name)), chunk.map((u) => u.resigned)]);

        const open: [string[], string[], string[]] = [[], [], []];
        const union: [string[], string[], string[]] = [[], [], []];
        const prefs: [string[], string[]] = [[], []];
        for (const u of chunk) {
          for (const [appId, openId] of Object.entries(u.open_ids)) {
            open[0].push(openId);
            open[1].push(appId);
            open[2].push(u.user_id);
          }
          for (const [dev, unionId] of Object.entries(u.union_ids)) {
            union[0].push(unionId);
            union[1].push(dev);
            union[2].push(u.user_id);
          }
          for (const statusId of new Set(u.sync_off)) {
            prefs[0].push(u.user_id);
            prefs[1].push(statusId);
          }
        }
        await c.query(SQL.deleteOpenIds, [tenantKey, ids]);
        if (open[0].length) await c.query(SQL.insertOpenIds, [tenantKey, ...open]);
        await c.query(SQL.deleteUnionIds, [tenantKey, ids]);
        if (union[0].length) await c.query(SQL.insertUnionIds, [tenantKey, ...union]);
        await c.query(SQL.deletePrefs, [tenantKey, ids]);
        if (prefs[0].length) await c.query(SQL.insertPrefs, [tenantKey, ...prefs]);
      }
      await PgStore.audited(c, audit, undefined);
    });
  }

  async resolveUserIds(app: App, idType: UserIdType, ids: readonly string[]): Promise<ResolvedId[]> {
    if (ids.length === 0) return [];
    const distinct = [...new Set(ids)];
    const asUser = (r: Row | undefined): ResolvedId =>
      r && r.name !== null && r.name !== undefined ? { kind: "user", user: toUser(r) } : { kind: "invalid" };

    if (idType === "user_id") {
      const rows = await this.query(
        "resolve user ids",
        "SELECT tenant_key, user_id, name, resigned FROM users WHERE tenant_key = $1 AND user_id = ANY($2::text[])",
        [app.tenant_key, distinct],
        "resolve_user",
      );
      const byId = new Map(rows.map((r) => [r.user_id as string, r]));
      return ids.map((id) => asUser(byId.get(id)));
    }

    if (idType === "open_id") {
      const rows = await this.query(
        "resolve open ids",
        `SELECT o.open_id, o.app_id, o.tenant_key, o.user_id, u.name, u.resigned
         FROM open_ids o LEFT JOIN users u ON u.tenant_key = o.tenant_key AND u.user_id = o.user_id
         WHERE o.open_id = ANY($1::text[])`,
        [distinct],
        "resolve_open",
      );
      const byId = new Map(rows.map((r) => [r.open_id as string, r]));
      return ids.map((id): ResolvedId => {
        const r = byId.get(id);
        if (!r) return { kind: "invalid" };
        if (r.tenant_key !== app.tenant_key) return { kind: "other_tenant" };
        if (r.app_id !== app.app_id) return { kind: "invalid" };
        return asUser(r);
      });
    }

    const rows = await this.query(
      "resolve union ids",
      `SELECT x.union_id, x.developer, x.tenant_key, x.user_id, u.name, u.resigned
       FROM union_ids x LEFT JOIN users u ON u.tenant_key = x.tenant_key AND u.user_id = x.user_id
       WHERE x.union_id = ANY($1::text[])`,
      [distinct],
      "resolve_union",
    );
    const byId = new Map<string, Row[]>();
    for (const r of rows) {
      const list = byId.get(r.union_id as string) ?? [];
      list.push(r);
      byId.set(r.union_id as string, list);
    }
    return ids.map((id): ResolvedId => {
      const found = byId.get(id) ?? [];
      const mine = found.find((r) => r.developer === app.developer && r.tenant_key === app.tenant_key);
      if (mine) return asUser(mine);
      if (found.some((r) => r.tenant_key !== app.tenant_key)) return { kind: "other_tenant" };
      return { kind: "invalid" };
    });
  }

  // ------------------------------------------------------------------ tokens

  async latestToken(appId: string, kind: TokenRecord["kind"], nowMs: number): Promise<TokenRecord | undefined> {
    const [r] = await this.query(
      "read tokens",
      "SELECT * FROM tokens WHERE app_id = $1 AND kind = $2 AND expires_at > $3 ORDER BY issued_at DESC LIMIT 1",
      [appId, kind, nowMs],
    );
    return r ? toToken(r) : undefined;
  }

  async insertToken(token: TokenRecord): Promise<void> {
    // One statement: purging the app's expired tokens and the insert commit together.
    await this.query(
      "store a token",
      `WITH purged AS (DELETE FROM tokens WHERE app_id = $4 AND expires_at <= $6)
       INSERT INTO tokens (token_hash, sealed, kind, app_id, tenant_key, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [token.token_hash, token.sealed, token.kind, token.app_id, token.tenant_key, token.issued_at, token.expires_at],
    );
  }

  async getToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const [r] = await this.query("read a token", "SELECT * FROM tokens WHERE token_hash = $1", [tokenHash]);
    return r ? toToken(r) : undefined;
  }

  async tokenOwner(tokenHash: string): Promise<TokenOwner | undefined> {
    const [r] = await this.query("read a token", SQL.tokenOwner, [tokenHash], "token_owner");
    if (!r) return undefined;
    const prefixed = (p: string): Row => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) if (k.startsWith(p)) out[k.slice(p.length)] = v;
      return out;
    };
    return {
      token: toToken(r),
      app: r.a_app_id === null ? undefined : toApp(prefixed("a_")),
      tenant: r.n_tenant_key === null ? undefined : toTenant(prefixed("n_")),
    };
  }

  async revokeTokens(appId: string): Promise<void> {
    await this.query("revoke tokens", "DELETE FROM tokens WHERE app_id = $1", [appId]);
  }

  // ------------------------------------------------------------------ system statuses

  private statusParams(tenantKey: string, status: SystemStatus, nowMs: number): unknown[] {
    return [
      tenantKey, // $1
      status.system_status_id, // $2
      encText(status.title), // $3
      JSON.stringify(status.i18n_title), // $4
      status.icon_key, // $5
      status.color, // $6
      status.priority, // $7
      JSON.stringify(status.sync_setting), // $8
      status.sync_setting.is_open_by_default, // $9
      [...namesOf(status)].map(encText), // $10
      nowMs, // $11
    ];
  }

  /** A unique violation that got past the tenant lock is still the conflict it stands for. */
  private static recoverConflict(e: unknown): StatusWriteResult | undefined {
    const conflict = conflictOfUniqueViolation(e);
    return conflict ? { ok: false, conflict } : undefined;
  }

  async createStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    maxLive: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult> {
    return this.tx(
      `create status ${status.system_status_id}`,
      async (c): Promise<StatusWriteResult> => {
        await c.query(SQL.lockTenant, [tenantKey]);
        const r = (await c.query(SQL.createStatus, [...this.statusParams(tenantKey, status, nowMs), maxLive])).rows[0] as Row;
        if ((r.live as number) >= maxLive) return { ok: false, conflict: "limit" };
        if (r.dup_name) return { ok: false, conflict: "duplicate_name" };
        if (r.dup_priority) return { ok: false, conflict: "duplicate_priority" };
        return PgStore.audited(c, audit, { ok: true, status: toStatus(r) });
      },
      PgStore.recoverConflict,
    );
  }

  async updateStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult> {
    return this.tx(
      `update status ${status.system_status_id}`,
      async (c): Promise<StatusWriteResult> => {
        await c.query(SQL.lockTenant, [tenantKey]);
        const r = (await c.query(SQL.updateStatus, this.statusParams(tenantKey, status, nowMs))).rows[0] as Row;
        if (r.dup_name) return { ok: false, conflict: "duplicate_name" };
        if (r.dup_priority) return { ok: false, conflict: "duplicate_priority" };
        if (r.system_status_id === null || r.system_status_id === undefined) {
          throw new StorageError(`status ${status.system_status_id} is not live`);
        }
        return PgStore.audited(c, audit, { ok: true, status: toStatus(r) });
      },
      PgStore.recoverConflict,
    );
  }

  async deleteStatus(tenantKey: string, statusId: string, nowMs: number, audit?: AuditOf<boolean>): Promise<boolean> {
    return this.tx(`delete status ${statusId}`, async (c) => {
      await c.query(SQL.lockTenant, [tenantKey]);
      const r = (await c.query(SQL.deleteStatus, [tenantKey, statusId, nowMs])).rows[0] as Row;
      // Nothing deleted, nothing to record.
      return (r.n as number) > 0 ? PgStore.audited(c, audit, true) : false;
    });
  }

  async getStatus(tenantKey: string, statusId: string, includeDeleted: boolean): Promise<StatusRecord | undefined> {
    const [r] = await this.query(
      "read a status",
      "SELECT * FROM statuses WHERE tenant_key = $1 AND system_status_id = $2",
      [tenantKey, statusId],
      "get_status",
    );
    if (!r || (r.deleted_at !== null && !includeDeleted)) return undefined;
    return toStatus(r);
  }

  async listStatuses(tenantKey: string, limit: number, after?: { priority: number; id: string }): Promise<ListPage> {
    const rows = after
      ? await this.query(
          "list statuses",
          `SELECT * FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL AND (priority, system_status_id) > ($2::int, $3)
           ORDER BY priority, system_status_id LIMIT $4`,
          [tenantKey, after.priority, after.id, limit + 1],
        )
      : await this.query(
          "list statuses",
          "SELECT * FROM statuses WHERE tenant_key = $1 AND deleted_at IS NULL ORDER BY priority, system_status_id LIMIT $2",
          [tenantKey, limit + 1],
        );
    return { items: rows.slice(0, limit).map(toStatus), has_more: rows.length > limit };
  }

  // ------------------------------------------------------------------ user statuses

  async openUserStatuses(
    tenantKey: string,
    statusId: string,
    snapshot: StatusSnapshot,
    entries: readonly OpenEntry[],
    appId: string,
    nowMs: number,
    audit?: AuditOf<Map<string, UserStatusRow[]>>,
  ): Promise<Map<string, UserStatusRow[]> | undefined> {
    if (entries.length === 0) {
      const out = new Map<string, UserStatusRow[]>();
      const entry = audit?.(out);
      if (entry) await this.appendAudit(entry);
      return out;
    }
    // A later entry for the same user wins; the result lists users in order of first appearance.
    const endOf = new Map<string, number>();
    for (const e of entries) endOf.set(e.user_id, e.end_time);
    const users = [...endOf.keys()];
    const params = [
      tenantKey,
      statusId,
      JSON.stringify(snapshot),
      users,
      users.map((u) => endOf.get(u)),
      appId,
      nowMs,
      Math.floor(nowMs / 1000),
    ];
    const rowsByUser = (rows: Row[]): Map<string, UserStatusRow[]> => {
      const out = new Map<string, UserStatusRow[]>();
      for (const u of users) out.set(u, []);
      for (const r of rows) out.get(r.user_id as string)?.push(toUserStatus(r));
      return out;
    };
    const what = `open status ${statusId}`;
    if (!audit) {
      const rows = await this.query(what, SQL.openUserStatuses, params, "larkstatus_open");
      // Every user gets at least its own row back, unless the function refused a status that is not live.
      return rows.length === 0 ? undefined : rowsByUser(rows);
    }
    let out: Map<string, UserStatusRow[]> | undefined;
    await this.pipelinedTx(what, [{ text: SQL.openUserStatuses, values: params, name: "larkstatus_open" }], ([rows]) => {
      if (!rows || rows.length === 0) {
        out = undefined;
        return undefined;
      }
      out = rowsByUser(rows);
      return audit(out);
    });
    return out;
  }

  async closeUserStatuses(
    tenantKey: string,
    statusId: string,
    userIds: readonly string[],
    nowMs: number,
    audit?: AuditOf<void>,
  ): Promise<void> {
    const entry = audit?.(undefined);
    if (userIds.length === 0) {
      if (entry) await this.appendAudit(entry);
      return;
    }
    const users = [...new Set(userIds)];
    const close: Statement = {
      text: SQL.closeUserStatuses,
      values: [tenantKey, statusId, users, nowMs],
      name: "larkstatus_close",
    };
    if (!entry) {
      await this.query(`close status ${statusId}`, close.text, close.values, close.name);
      return;
    }
    // The entry does not depend on the close: BEGIN, the close, the INSERT and COMMIT go out together.
    await this.pipelinedTx(`close status ${statusId}`, [close, auditStatement(entry)], () => undefined);
  }

  async userStatuses(tenantKey: string, userId: string): Promise<UserStatusRow[]> {
    return (await this.query("read user statuses", SQL.userStatuses, [tenantKey, userId])).map(toUserStatus);
  }

  // ------------------------------------------------------------------ what users show

  async userSyncPrefs(tenantKey: string, userId: string): Promise<Map<string, boolean>> {
    const rows = await this.query(
      "read sync toggles",
      "SELECT system_status_id, sync_on FROM sync_prefs WHERE tenant_key = $1 AND user_id = $2",
      [tenantKey, userId],
    );
    return new Map(rows.map((r) => [r.system_status_id as string, r.sync_on as boolean]));
  }

  async setSyncPref(
    tenantKey: string,
    userId: string,
    statusId: string,
    on: boolean,
    audit?: AuditOf<"ok" | SyncPrefRefusal>,
  ): Promise<"ok" | SyncPrefRefusal> {
    return this.tx(`set a sync toggle of ${userId}`, async (c): Promise<"ok" | SyncPrefRefusal> => {
      // The locks an open takes, in its order (the status shared, then the user's row): a toggle and
      // an open of the same user serialize, so the open's result reflects the toggle or precedes it;
      // a delete of the status in flight is waited for, then seen.
      const live = await c.query(
        "SELECT 1 FROM statuses WHERE tenant_key = $1 AND system_status_id = $2 AND deleted_at IS NULL FOR SHARE",
        [tenantKey, statusId],
      );
      const user = await c.query("SELECT 1 FROM users WHERE tenant_key = $1 AND user_id = $2 FOR NO KEY UPDATE", [
        tenantKey,
        userId,
      ]);
      if (user.rowCount === 0) return "unknown_user";
      if (live.rowCount === 0) return "unknown_status";
      await c.query(
        `INSERT INTO sync_prefs (tenant_key, user_id, system_status_id, sync_on) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_key, user_id, system_status_id) DO UPDATE SET sync_on = excluded.sync_on`,
        [tenantKey, userId, statusId, on],
      );
      return PgStore.audited(c, audit, "ok" as const);
    });
  }

  async statusHolders(
    tenantKey: string,
    statusId: string,
    nowS: number,
    limit: number,
    afterUserId = "",
  ): Promise<StatusHolder[]> {
    const rows = await this.query("read the users of a status", SQL.statusHolders, [
      tenantKey,
      statusId,
      nowS,
      afterUserId,
      limit,
    ]);
    const out: StatusHolder[] = [];
    for (const r of rows) {
      const last = out[out.length - 1];
      if (last && last.user_id === r.user_id) last.rows.push(toUserStatus(r));
      else out.push({ user_id: r.user_id as string, rows: [toUserStatus(r)] });
    }
    return out;
  }

  // ------------------------------------------------------------------ the audit log

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.query("write an audit entry", SQL.insertAudit, auditColumns(entry));
  }

  async listAudit(filter: AuditFilter, limit: number, after?: AuditKey): Promise<AuditPage> {
    const q = auditQuery(filter, after);
    const n = q.values.length;
    const values = [...q.values, limit + 1, AUDIT_SCAN_BUDGET];
    const [pn, pb] = [`$${n + 1}`, `$${n + 2}`];
    if (q.scanned === "") {
      const rows = await this.query(
        "list the audit log",
        `SELECT * FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT ${pn}`,
        values.slice(0, n + 1),
      );
      return pageOf(rows.map(toAuditRecord), limit);
    }
    // Filters no index serves: examine at most AUDIT_SCAN_BUDGET entries (in the order of the index
    // that serves the rest), so one call holds a connection and the database for a bounded time.
    const rows = await this.query(
      "list the audit log",
      `WITH c AS (SELECT id FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT ${pb})
       SELECT a.* FROM c JOIN audit a ON a.id = c.id WHERE ${q.scanned} ORDER BY a.at_ms DESC, a.id DESC LIMIT ${pn}`,
      values,
    );
    const page = pageOf(rows.map(toAuditRecord), limit);
    if (page.next) return page;
    const [last] = await this.query(
      "list the audit log",
      `SELECT at_ms, id FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT 1 OFFSET $${q.indexedValues + 1}::bigint - 1`,
      [...q.values.slice(0, q.indexedValues), AUDIT_SCAN_BUDGET],
    );
    return last ? { entries: page.entries, next: { at_ms: last.at_ms as number, id: Number(last.id) } } : page;
  }

  async pruneAudit(beforeMs: number, max: number): Promise<number> {
    const c = await this.client("prune the audit log");
    try {
      return (await c.query(SQL.pruneAudit, [beforeMs, max])).rowCount ?? 0;
    } catch (e) {
      throw this.translate(e, "prune the audit log");
    } finally {
      c.release();
    }
  }
  // ------------------------------------------------------------------ snapshots (the emulator)

  private get snapSql(): snapshots.SnapshotSql {
    if (!this.snapshotSql) throw new StorageError("store used before migrate()");
    return this.snapshotSql;
  }

  async saveSnapshot(name: string, createdMs: number): Promise<SnapshotInfo> {
    const sql = this.snapSql;
    return this.tx(`save snapshot ${name}`, (c) => snapshots.saveSnapshot(c, sql, name, createdMs));
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const rows = await this.query("list snapshots", "SELECT name, created_ms, rows FROM snapshots ORDER BY name");
    return rows as unknown as SnapshotInfo[];
  }

  async restoreSnapshot(name: string, opts: { reset?: boolean } = {}): Promise<number | undefined> {
    const sql = this.snapSql;
    return this.tx(`restore snapshot ${name}`, (c) => snapshots.restoreSnapshot(c, sql, name, opts.reset === true));
  }

  async deleteSnapshot(name: string): Promise<boolean> {
    const sql = this.snapSql;
    return this.tx(`delete snapshot ${name}`, (c) => snapshots.deleteSnapshot(c, sql, name));
  }
}

/** A statement to send as is (a name makes it a prepared statement). */
interface Statement {
  text: string;
  values: unknown[];
  name?: string;
}

function auditStatement(entry: AuditEntry): Statement {
  return { text: SQL.insertAudit, values: auditColumns(entry), name: "larkstatus_audit" };
}

/**
 * The WHERE clauses of an audit list: `indexed` (what migration 6's index serves: the time bounds and the cursor, in list
 * order) and `scanned` (checked on each row examined, on the joined alias `a`), with positional
 * parameters.
 */
function auditQuery(
  f: AuditFilter,
  after: AuditKey | undefined,
): { indexed: string; scanned: string; values: unknown[]; indexedValues: number } {
  const where: string[] = [];
  const scan: string[] = [];
  const values: unknown[] = [];
  const add = (list: string[], sql: (p: string) => string, value: unknown) => {
    if (value === undefined) return;
    values.push(value);
    list.push(sql(`$${values.length}`));
  };
  add(where, (p) => `at_ms >= ${p}::bigint`, f.since_ms);
  add(where, (p) => `at_ms <= ${p}::bigint`, f.until_ms);
  if (after) {
    values.push(after.at_ms, after.id);
    where.push(`(at_ms, id) < ($${values.length - 1}::bigint, $${values.length}::bigint)`);
  }
  // The indexed clauses' parameters come first ($1..$indexedValues).
  const indexedValues = values.length;
  add(scan, (p) => `a.tenant_key = ${p}::text`, f.tenant_key);
  add(scan, (p) => `a.system_status_id = ${p}::text`, f.system_status_id);
  add(scan, (p) => `a.app_id = ${p}::text`, f.app_id);
  add(scan, (p) => `strpos(a.users, ${p}::text) > 0`, f.user_id === undefined ? undefined : userNeedle(f.user_id));
  add(scan, (p) => `a.op = ${p}::text`, f.op);
  add(scan, (p) => `a.actor = ${p}::text`, f.actor);
  return { indexed: where.length ? `WHERE ${where.join(" AND ")}` : "", scanned: scan.join(" AND "), values, indexedValues };
}
