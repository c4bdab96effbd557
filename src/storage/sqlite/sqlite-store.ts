/**
 * The embedded default driver: one SQLite file (better-sqlite3, WAL). Every call runs synchronously
 * in its own savepoint of the event-loop turn's shared transaction (group commit, see
 * group-commit.ts) and settles after that transaction commits, so the invariants hold by
 * construction within a process; the unique indexes (live priority, live names) hold them against
 * any writer.
 */
import Database from "better-sqlite3";
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
import { tokenHash } from "../../domain/secrets.js";
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
  StatusHolder,
  StatusWriteResult,
  Store,
  SyncPrefRefusal,
  TokenOwner,
  UserInput,
} from "../store.js";
import { Checkpointer, FALLBACK_AUTOCHECKPOINT_PAGES } from "./checkpointer.js";
import { registerIdFunctions, SqliteDirectory, toApp } from "./directory.js";
import { DatabaseLock, prepareDatabaseFile } from "./files.js";
import { GroupCommit } from "./group-commit.js";
import { SHA256_FUNCTION, SQLITE_MIGRATIONS, TOKENS_HASHED_VERSION } from "./migrations.js";
import { SqliteSnapshots } from "./snapshots.js";

type Row = Record<string, unknown>;

interface StatusRow {
  system_status_id: string;
  tenant_key: string;
  title: string;
  i18n_title: string;
  icon_key: string;
  color: string;
  priority: number;
  sync_setting: string;
  version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

function toStatus(r: StatusRow): StatusRecord {
  return {
    system_status_id: r.system_status_id,
    tenant_key: r.tenant_key,
    title: r.title,
    i18n_title: JSON.parse(r.i18n_title) as I18nText,
    icon_key: r.icon_key as StatusRecord["icon_key"],
    color: r.color as StatusRecord["color"],
    priority: r.priority,
    sync_setting: JSON.parse(r.sync_setting) as SyncSetting,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
  };
}

interface UserStatusDbRow {
  user_id: string;
  system_status_id: string;
  open: number;
  end_time: number;
  snapshot_version: number;
  opened_by: string;
  opened_at: number;
  sync_on: number;
}

/** One row of a set-based id resolution (`i` is the input's index). */
interface ResolveRow {
  i: number;
  app_id?: string | null;
  developer?: string | null;
  /** The tenant the id itself belongs to (null: no such id). */
  id_tenant?: string | null;
  tenant_key: string | null;
  user_id: string | null;
  name: string | null;
  resigned: number | null;
}

function asUser(r: ResolveRow | undefined): ResolvedId {
  if (!r || r.user_id === null || r.tenant_key === null) return { kind: "invalid" };
  const user: User = { tenant_key: r.tenant_key, user_id: r.user_id, name: r.name ?? "", resigned: r.resigned === 1 };
  return { kind: "user", user };
}

function toTenant(r: Row): Tenant {
  return {
    tenant_key: r.tenant_key as string,
    name: r.name as string,
    api_enabled: r.api_enabled === 1,
    sensitive_words: JSON.parse(r.sensitive_words as string) as string[],
  };
}

function tenantParams(t: Tenant) {
  return {
    tenant_key: t.tenant_key,
    name: t.name,
    api_enabled: t.api_enabled ? 1 : 0,
    sensitive_words: JSON.stringify(t.sensitive_words),
  };
}

/** Parses `sqlite:PATH` / `sqlite::memory:` into a better-sqlite3 filename. */
export function sqlitePath(url: string): string {
  if (!url.startsWith("sqlite:")) throw new StorageError(`not a sqlite URL: ${url}`);
  const path = url.slice("sqlite:".length);
  if (path === "") throw new StorageError("sqlite URL needs a path, e.g. sqlite:./data/larkstatus.db or sqlite::memory:");
  return path;
}

/** How many resolved ids the store keeps in memory (about 25 MB at the bound). */
export const RESOLVE_CACHE_MAX = 100_000;
/** How many tokens, apps, tenants, statuses and status snapshots the store keeps in memory, each. */
export const RECORD_CACHE_MAX = 10_000;

/** An insertion-ordered map that drops its oldest entry when full. Found records only. */
class BoundedCache<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }

  remember(key: string, value: V): V {
    if (this.size >= this.max) this.delete(this.keys().next().value as string);
    this.set(key, value);
    return value;
  }
}

/** The most users one open/close statement carries; longer inputs run in chunks (the API sends ≤ 50). */
export const CHUNK = 50;

/**
 * Opens `n` users: parameters are the named ones plus (user_id, end_time) × n. Returns, per user,
 * the snapshot version and opened_at the row ended with (a still-open, unexpired row keeps both).
 */
function openSql(n: number): string {
  return `WITH e(u, t) AS (VALUES ${Array.from({ length: n }, () => "(?, ?)").join(", ")})
    INSERT INTO user_statuses (tenant_key, user_id, system_status_id, open, end_time, snapshot_version, opened_by, opened_at, updated_at)
    SELECT @tenant_key, u, @system_status_id, 1, t, @version, @opened_by, @now, @now FROM e WHERE true
    ON CONFLICT(tenant_key, user_id, system_status_id) DO UPDATE SET
      snapshot_version = CASE WHEN open = 1 AND end_time > @now_s THEN snapshot_version ELSE excluded.snapshot_version END,
      opened_at = CASE WHEN open = 1 AND end_time > @now_s THEN opened_at ELSE excluded.opened_at END,
      open = 1, end_time = excluded.end_time, opened_by = excluded.opened_by, updated_at = excluded.updated_at
    RETURNING user_id, snapshot_version, opened_at`;
}

/** A user's rows with the sync toggle resolved (the user's preference, else the status's default). */
const USER_STATUS_ROWS = `
  SELECT us.user_id, us.system_status_id, us.open, us.end_time, us.snapshot_version, us.opened_by, us.opened_at,
         COALESCE(sp.sync_on, s.sync_default, 1) AS sync_on
  FROM user_statuses us
  LEFT JOIN statuses s ON s.system_status_id = us.system_status_id
  LEFT JOIN sync_prefs sp ON sp.tenant_key = us.tenant_key AND sp.user_id = us.user_id AND sp.system_status_id = us.system_status_id`;

/** Closes `n` users: parameters are (updated_at, tenant_key, system_status_id, user_id × n). */
function closeSql(n: number): string {
  return `UPDATE user_statuses SET open = 0, updated_at = ?
    WHERE tenant_key = ? AND system_status_id = ? AND open = 1 AND user_id IN (${Array.from({ length: n }, () => "?").join(", ")})`;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Keeps the file to this store while it is open (files.ts); none for `:memory:`. */
  private lock: DatabaseLock | undefined;
  /** Runs WAL checkpoints in a worker thread (file databases only). */
  private checkpointer: Checkpointer | undefined;
  /**
   * Resolved user ids: per (id type, app) scope, id → resolution. Kept correct by this store: a
   * SQLite file has one serving process, and every write that can change a resolution (users, apps,
   * tenants) clears it. Nested maps so a lookup hashes only the id, not a composite key. At most
   * RESOLVE_CACHE_MAX ids in all; when full, a scope drops its oldest entry.
   */
  private readonly resolved = new Map<string, Map<string, ResolvedId>>();
  private resolvedCount = 0;
  /** Snapshots by `${status id}|${version}`: immutable once written. */
  private readonly snapshots = new BoundedCache<StatusSnapshot>(RECORD_CACHE_MAX);
  private readonly group: GroupCommit;
  /** The records every API call reads (auth, status), cached on the same terms: this store's writes evict them. */
  private readonly tenants = new BoundedCache<Tenant>(RECORD_CACHE_MAX);
  private readonly apps = new BoundedCache<App>(RECORD_CACHE_MAX);
  private readonly tokens = new BoundedCache<TokenRecord>(RECORD_CACHE_MAX);
  private readonly statuses = new BoundedCache<StatusRecord>(RECORD_CACHE_MAX);
  private prepared: ReturnType<SqliteStore["prepare"]> | undefined;
  /** The admin API's directory statements (directory.ts). */
  private dir: SqliteDirectory | undefined;
  /** The emulator's snapshot statements (snapshots.ts). */
  private snaps: SqliteSnapshots | undefined;
  /** Open/close statements by batch size (1..CHUNK). */
  private readonly bySize = new Map<string, Database.Statement>();

  constructor(url: string) {
    const path = sqlitePath(url);
    let db: Database.Database | undefined;
    try {
      if (path !== ":memory:") {
        // Private files, a plain "permission denied", then the one-process lock, all before
        // better-sqlite3 opens (and would create) the file.
        prepareDatabaseFile(path);
        this.lock = DatabaseLock.acquire(path);
      }
      db = new Database(path);
      this.db = db;
      // 1 KiB pages for a new database (an existing one keeps its size). A batch of 50 scattered
      // users dirties ~50 B-tree pages and every commit appends each whole page to the WAL, so the
      // page size is the write volume: measured on the 32-connection batch load, 4 KiB → 1 KiB is
      // about +30% throughput, and 512 B is slower again (deeper trees).
      this.db.pragma("page_size = 1024");
      this.db.pragma("journal_mode = WAL");
      if (path !== ":memory:") {
        this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
        this.checkpointer = new Checkpointer(path);
      }
      // NORMAL in WAL mode: a commit survives a process crash (the WAL is written before we answer);
      // only an OS crash or power loss may drop the last transactions.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      this.db.pragma("foreign_keys = ON");
      this.db.function(SHA256_FUNCTION, { deterministic: true }, (v: unknown) => tokenHash(String(v)));
      registerIdFunctions(this.db);
      this.group = new GroupCommit(this.db, () => this.forgetCaches());
    } catch (cause) {
      void this.checkpointer?.stop();
      db?.close();
      this.lock?.release();
      if (cause instanceof StorageError) throw cause;
      throw new StorageError(`cannot open SQLite database ${path}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Drops every cached record (a group commit failed: some may have been read from its writes). */
  private forgetCaches(): void {
    this.clearResolved();
    this.tenants.clear();
    this.apps.clear();
    this.tokens.clear();
    this.statuses.clear();
    this.snapshots.clear();
  }

  private clearResolved(): void {
    this.resolved.clear();
    this.resolvedCount = 0;
  }

  /** Transactions committed and the store calls they carried, since this store opened. */
  get groupCommitStats(): { groups: number; calls: number } {
    return { ...this.group.stats };
  }

  private get d(): SqliteDirectory {
    if (!this.dir) throw new StorageError("store used before migrate()");
    return this.dir;
  }

  private get s(): ReturnType<SqliteStore["prepare"]> {
    if (!this.prepared) throw new StorageError("store used before migrate()");
    return this.prepared;
  }

  async migrate(): Promise<void> {
    await this.group.drain();
    this.db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    const current = row ? Number(row.value) : 0;
    if (current > SQLITE_MIGRATIONS.length) {
      throw new StorageError(
        `database schema version ${current} is newer than this larkstatus (knows ${SQLITE_MIGRATIONS.length}); upgrade larkstatus`,
      );
    }
    const apply = this.db.transaction(() => {
      for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
        this.db.exec(SQLITE_MIGRATIONS[v] as string);
      }
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(SQLITE_MIGRATIONS.length));
    });
    // Upgrading a database that held plaintext tokens: the pages migration 4 frees are zeroed.
    const secureDelete = this.db.pragma("secure_delete", { simple: true }) as number;
    if (current > 0 && current < TOKENS_HASHED_VERSION) this.db.pragma("secure_delete = ON");
    try {
      apply.immediate();
      this.scrubIfPending();
    } finally {
      this.db.pragma(`secure_delete = ${secureDelete}`);
    }
    this.prepared = this.prepare();
    this.dir = new SqliteDirectory(this.db);
    this.snaps = new SqliteSnapshots(this.db);
  }

  /**
   * After migration 4 upgraded a database that held plaintext tokens: VACUUM rewrites every page
   * (pages freed before secure_delete was on, and free space inside reused pages, may still hold
   * old tokens), then the WAL, which holds copies of old pages, is truncated. Once per database;
   * it takes about as long as copying the file.
   */
  private scrubIfPending(): void {
    const pending = this.db.prepare("SELECT 1 FROM meta WHERE key = 'scrub_pending'").get();
    if (!pending) return;
    this.db.pragma("secure_delete = ON");
    this.db.exec("VACUUM");
    this.db.prepare("DELETE FROM meta WHERE key = 'scrub_pending'").run();
    this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  private prepare() {
    const db = this.db;
    return {
      getTenant: db.prepare("SELECT * FROM tenants WHERE tenant_key = ?"),
      upsertTenant: db.prepare(
        `INSERT INTO tenants (tenant_key, name, api_enabled, sensitive_words) VALUES (@tenant_key, @name, @api_enabled, @sensitive_words)
         ON CONFLICT(tenant_key) DO UPDATE SET name = excluded.name, api_enabled = excluded.api_enabled, sensitive_words = excluded.sensitive_words`,
      ),
      insertTenant: db.prepare(
        `INSERT INTO tenants (tenant_key, name, api_enabled, sensitive_words) VALUES (@tenant_key, @name, @api_enabled, @sensitive_words)
         ON CONFLICT(tenant_key) DO NOTHING`,
      ),
      listTenants: db.prepare("SELECT * FROM tenants WHERE tenant_key > ? ORDER BY tenant_key LIMIT ?"),
      getApp: db.prepare("SELECT * FROM apps WHERE app_id = ?"),
      upsertApp: db.prepare(
        `INSERT INTO apps (app_id, tenant_key, secret_hash, scopes, enabled, visibility, developer)
         VALUES (@app_id, @tenant_key, @secret_hash, @scopes, @enabled, @visibility, @developer)
         ON CONFLICT(app_id) DO UPDATE SET tenant_key = excluded.tenant_key, secret_hash = excluded.secret_hash,
           scopes = excluded.scopes, enabled = excluded.enabled, visibility = excluded.visibility, developer = excluded.developer`,
      ),
      upsertUser: db.prepare(
        `INSERT INTO users (tenant_key, user_id, name, resigned) VALUES (?, ?, ?, ?)
         ON CONFLICT(tenant_key, user_id) DO UPDATE SET name = excluded.name, resigned = excluded.resigned`,
      ),
      deleteUserOpenIds: db.prepare("DELETE FROM open_ids WHERE tenant_key = ? AND user_id = ?"),
      insertOpenId: db.prepare("INSERT INTO open_ids (open_id, app_id, tenant_key, user_id) VALUES (?, ?, ?, ?)"),
      deleteUserUnionIds: db.prepare("DELETE FROM union_ids WHERE tenant_key = ? AND user_id = ?"),
      insertUnionId: db.prepare("INSERT INTO union_ids (union_id, developer, tenant_key, user_id) VALUES (?, ?, ?, ?)"),
      deleteUserPrefs: db.prepare("DELETE FROM sync_prefs WHERE tenant_key = ? AND user_id = ?"),
      insertPref: db.prepare(
        "INSERT INTO sync_prefs (tenant_key, user_id, system_status_id, sync_on) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET sync_on = excluded.sync_on",
      ),
      latestToken: db.prepare(
        "SELECT * FROM tokens WHERE app_id = ? AND kind = ? AND expires_at > ? ORDER BY issued_at DESC LIMIT 1",
      ),
      insertToken: db.prepare(
        `INSERT INTO tokens (token_hash, sealed, kind, app_id, tenant_key, issued_at, expires_at)
         VALUES (@token_hash, @sealed, @kind, @app_id, @tenant_key, @issued_at, @expires_at)`,
      ),
      purgeTokens: db.prepare("DELETE FROM tokens WHERE app_id = ? AND expires_at <= ?"),
      getToken: db.prepare("SELECT * FROM tokens WHERE token_hash = ?"),
      revokeTokens: db.prepare("DELETE FROM tokens WHERE app_id = ?"),
      countLive: db.prepare("SELECT COUNT(*) AS n FROM statuses WHERE tenant_key = ? AND deleted_at IS NULL"),
      nameOwner: db.prepare("SELECT system_status_id FROM status_names WHERE tenant_key = ? AND name = ?"),
      priorityOwner: db.prepare(
        "SELECT system_status_id FROM statuses WHERE tenant_key = ? AND priority = ? AND deleted_at IS NULL",
      ),
      insertStatus: db.prepare(
        `INSERT INTO statuses (system_status_id, tenant_key, title, i18n_title, icon_key, color, priority, sync_setting, sync_default, version, created_at, updated_at, deleted_at)
         VALUES (@system_status_id, @tenant_key, @title, @i18n_title, @icon_key, @color, @priority, @sync_setting, @sync_default, 1, @now, @now, NULL)`,
      ),
      updateStatus: db.prepare(
        `UPDATE statuses SET title = @title, i18n_title = @i18n_title, icon_key = @icon_key, color = @color, priority = @priority,
           sync_setting = @sync_setting, sync_default = @sync_default, version = version + 1, updated_at = @now
         WHERE system_status_id = @system_status_id AND tenant_key = @tenant_key AND deleted_at IS NULL`,
      ),
      insertName: db.prepare("INSERT INTO status_names (tenant_key, name, system_status_id) VALUES (?, ?, ?)"),
      deleteNames: db.prepare("DELETE FROM status_names WHERE tenant_key = ? AND system_status_id = ?"),
      deleteStatus: db.prepare(
        "UPDATE statuses SET deleted_at = ?, updated_at = ? WHERE tenant_key = ? AND system_status_id = ? AND deleted_at IS NULL",
      ),
      getStatus: db.prepare("SELECT * FROM statuses WHERE tenant_key = ? AND system_status_id = ?"),
      listFirst: db.prepare(
        "SELECT * FROM statuses WHERE tenant_key = ? AND deleted_at IS NULL ORDER BY priority, system_status_id LIMIT ?",
      ),
      listAfter: db.prepare(
        `SELECT * FROM statuses WHERE tenant_key = ? AND deleted_at IS NULL AND (priority > ? OR (priority = ? AND system_status_id > ?))
         ORDER BY priority, system_status_id LIMIT ?`,
      ),
      // Set-based: one statement per batch (json_each over the batch), not one per user.
      insertSnapshot: db.prepare(
        "INSERT INTO status_snapshots (system_status_id, version, snapshot) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      ),
      getSnapshot: db.prepare("SELECT snapshot FROM status_snapshots WHERE system_status_id = ? AND version = ?"),
      // Users of a batch whose outcome needs more than the row just written: another status's row,
      // or a sync toggle of their own. Usually none, so the rows of the rest are not read back.
      usersWithMore: db
        .prepare(
          `SELECT user_id FROM user_statuses
             WHERE tenant_key = @tenant_key AND user_id IN (SELECT value FROM json_each(@users)) AND system_status_id <> @system_status_id
           UNION
           SELECT user_id FROM sync_prefs WHERE tenant_key = @tenant_key AND user_id IN (SELECT value FROM json_each(@users))`,
        )
        .pluck(),
      userStatuses: db.prepare(`${USER_STATUS_ROWS} WHERE us.tenant_key = ? AND us.user_id = ?`),
      manyUserStatuses: db.prepare(
        `${USER_STATUS_ROWS} WHERE us.tenant_key = ? AND us.user_id IN (SELECT value FROM json_each(?))`,
      ),
      resolveOpen: db.prepare(
        `SELECT j.key AS i, o.app_id, o.tenant_key AS id_tenant, u.tenant_key, u.user_id, u.name, u.resigned
         FROM json_each(?) j
         LEFT JOIN open_ids o ON o.open_id = j.value
         LEFT JOIN users u ON u.tenant_key = o.tenant_key AND u.user_id = o.user_id`,
      ),
      resolveUnion: db.prepare(
        `SELECT j.key AS i, x.developer, x.tenant_key AS id_tenant, u.tenant_key, u.user_id, u.name, u.resigned
         FROM json_each(?) j
         LEFT JOIN union_ids x ON x.union_id = j.value
         LEFT JOIN users u ON u.tenant_key = x.tenant_key AND u.user_id = x.user_id`,
      ),
      resolveEmployee: db.prepare(
        `SELECT j.key AS i, u.tenant_key, u.user_id, u.name, u.resigned
         FROM json_each(?) j LEFT JOIN users u ON u.tenant_key = ? AND u.user_id = j.value`,
      ),
      /** The status's default sync toggle (0/1) if it is live, else undefined. */
      liveSyncDefault: db
        .prepare("SELECT sync_default FROM statuses WHERE tenant_key = ? AND system_status_id = ? AND deleted_at IS NULL")
        .pluck(),
      getUser: db.prepare("SELECT tenant_key, user_id, name, resigned FROM users WHERE tenant_key = ? AND user_id = ?"),
      userPrefs: db.prepare("SELECT system_status_id, sync_on FROM sync_prefs WHERE tenant_key = ? AND user_id = ?").raw(true),
      // A range of user_statuses_status_user (migration 5), in user order. Named: without statistics
      // the planner prefers the primary key (tenant, user), whose user order also fits ORDER BY, and
      // would walk every row of the tenant to find one status's.
      holderIds: db
        .prepare(
          `SELECT user_id FROM user_statuses INDEXED BY user_statuses_status_user
           WHERE tenant_key = ? AND system_status_id = ? AND user_id > ? AND open = 1 AND end_time > ?
           ORDER BY user_id LIMIT ?`,
        )
        .pluck(),
      anyTenant: db.prepare("SELECT 1 FROM tenants LIMIT 1"),
      insertAudit: db.prepare(`INSERT INTO audit (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      pruneAudit: db.prepare("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at_ms < ? ORDER BY at_ms, id LIMIT ?)"),
      getMeta: db.prepare("SELECT value FROM meta WHERE key = ?"),
      insertMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING"),
      putMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    };
  }

  /**
   * The open/close statement for `n` users, prepared once per size. Bound parameter lists measured
   * faster than one `json_each` statement per batch (close: 76 → 44 µs, open: 124 → 105 µs for 50
   * users on the reference machine, scratch benchmark in the issue notes).
   */
  private sized(kind: "open" | "close", n: number): Database.Statement {
    const key = `${kind}${n}`;
    let st = this.bySize.get(key);
    if (!st) {
      st = kind === "open" ? this.db.prepare(openSql(n)).raw(true) : this.db.prepare(closeSql(n));
      this.bySize.set(key, st);
    }
    return st;
  }

  async ping(): Promise<boolean> {
    try {
      this.db.prepare("SELECT 1").get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.group.drain();
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.db.open) this.db.close();
    this.lock?.release();
    this.lock = undefined;
  }

  async refreshStatistics(): Promise<void> {
    // Every statement on the hot path is a primary-key or unique-index lookup: nothing to refresh.
  }

  async isEmpty(): Promise<boolean> {
    return this.group.read(() => this.s.anyTenant.get() === undefined);
  }

  async readClockState(): Promise<ClockState | undefined> {
    return this.group.read(() => {
      const row = this.s.getMeta.get(CLOCK_KEY) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as ClockState) : undefined;
    });
  }

  async updateClockState(change: (current: ClockState) => ClockState): Promise<ClockState> {
    return this.group.write(() => {
      const row = this.s.getMeta.get(CLOCK_KEY) as { value: string } | undefined;
      const next = change(row ? (JSON.parse(row.value) as ClockState) : WALL_TIME);
      this.s.putMeta.run(CLOCK_KEY, JSON.stringify(next));
      return next;
    });
  }

  async serverSecret(candidate: string): Promise<string> {
    return this.group.write(() => {
      this.s.insertMeta.run("server_secret", candidate);
      return (this.s.getMeta.get("server_secret") as { value: string }).value;
    });
  }

  async upsertTenant(t: Tenant, audit?: AuditOf<void>): Promise<void> {
    this.clearResolved();
    this.tenants.delete(t.tenant_key);
    return this.group.write(() => {
      this.s.upsertTenant.run(tenantParams(t));
      this.audited(audit, undefined);
    });
  }

  async insertTenant(t: Tenant, audit?: AuditOf<boolean>): Promise<boolean> {
    this.clearResolved();
    this.tenants.delete(t.tenant_key);
    return this.group.write(() => this.audited(audit, this.s.insertTenant.run(tenantParams(t)).changes === 1));
  }

  async getTenant(tenantKey: string): Promise<Tenant | undefined> {
    const hit = this.tenants.get(tenantKey);
    if (hit) return hit;
    return this.group.read(() => {
      const r = this.s.getTenant.get(tenantKey) as Row | undefined;
      return r ? this.tenants.remember(tenantKey, toTenant(r)) : undefined;
    });
  }

  async listTenants(limit: number, afterKey = ""): Promise<Tenant[]> {
    return this.group.read(() => (this.s.listTenants.all(afterKey, limit) as Row[]).map(toTenant));
  }

  async upsertApp(app: App, audit?: AuditOf<void>): Promise<void> {
    this.clearResolved();
    this.apps.delete(app.app_id);
    return this.group.write(() => {
      this.s.upsertApp.run({
        ...app,
        scopes: JSON.stringify(app.scopes),
        enabled: app.enabled ? 1 : 0,
        visibility: JSON.stringify(app.visibility),
      });
      this.audited(audit, undefined);
    });
  }

  async getApp(appId: string): Promise<App | undefined> {
    const hit = this.apps.get(appId);
    if (hit) return hit;
    return this.group.read(() => {
      const r = this.s.getApp.get(appId) as Row | undefined;
      return r ? this.apps.remember(appId, toApp(r)) : undefined;
    });
  }

  async deleteTenant(tenantKey: string, audit?: AuditOf<boolean>): Promise<boolean> {
    const d = this.d;
    // Everything cached may belong to the tenant (its apps, tokens, statuses, resolved ids).
    this.forgetCaches();
    try {
      return await this.group.write(() => d.deleteTenant(tenantKey) && this.audited(audit, true));
    } finally {
      this.forgetCaches();
    }
  }

  async createApp(app: App, audit?: AuditOf<CreateAppResult>): Promise<CreateAppResult> {
    const d = this.d;
    this.clearResolved();
    this.apps.delete(app.app_id);
    return this.group.write(() => {
      const r = d.createApp(app);
      return r === "created" ? this.audited(audit, r) : r;
    });
  }

  async updateApp(
    appId: string,
    patch: AppPatch,
    revokeTokens: boolean,
    audit?: AuditOf<App | undefined>,
  ): Promise<App | undefined> {
    const d = this.d;
    this.clearResolved();
    this.apps.delete(appId);
    if (revokeTokens) for (const [k, t] of this.tokens) if (t.app_id === appId) this.tokens.delete(k);
    return this.group.write(() => {
      const changed = d.updateApp(appId, patch, revokeTokens);
      return changed && this.audited(audit, changed);
    });
  }

  async listApps(limit: number, opts: { tenantKey?: string; afterId?: string } = {}): Promise<App[]> {
    const d = this.d;
    return this.group.read(() => d.listApps(limit, opts));
  }

  async knownUserIds(tenantKey: string, userIds: readonly string[]): Promise<Set<string>> {
    const d = this.d;
    return this.group.read(() => d.knownUserIds(tenantKey, userIds));
  }

  async getUser(tenantKey: string, userId: string): Promise<DirectoryUser | undefined> {
    const d = this.d;
    return this.group.read(() => d.getUser(tenantKey, userId));
  }

  async listUsers(tenantKey: string, limit: number, afterUserId?: string): Promise<DirectoryUser[]> {
    const d = this.d;
    return this.group.read(() => d.listUsers(tenantKey, limit, afterUserId));
  }

  async putUser(tenantKey: string, user: DirectoryUserInput, audit?: AuditOf<PutUserResult>): Promise<PutUserResult> {
    const result = (c: ImportCounts | undefined): PutUserResult =>
      c === undefined ? "no_tenant" : c.created === 1 ? "created" : "updated";
    return result(await this.importUsers(tenantKey, [[user]], undefined, audit && ((c) => audit(result(c)))));
  }

  /**
   * One savepoint for the whole import, run synchronously: the group-commit writer (and with it
   * the event loop) is held for as long as the import writes (measured by bench/import.ts). The
   * chunks come from a spool the caller filled and validated first, so nothing here waits on the
   * client.
   */
  async importUsers(
    tenantKey: string,
    chunks: Iterable<readonly DirectoryUserInput[]>,
    onChunk?: (written: number) => void,
    audit?: AuditOf<ImportCounts | undefined>,
  ): Promise<ImportCounts | undefined> {
    const d = this.d;
    this.clearResolved();
    return this.group.write(() => {
      if (!d.tenantExists(tenantKey)) return undefined;
      const total: ImportCounts = { created: 0, updated: 0 };
      for (const chunk of chunks) {
        const c = d.writeUsers(tenantKey, chunk);
        total.created += c.created;
        total.updated += c.updated;
        onChunk?.(total.created + total.updated);
      }
      return this.audited(audit, total);
    });
  }

  async upsertUsers(tenantKey: string, users: UserInput[], audit?: AuditOf<void>): Promise<void> {
    this.clearResolved();
    const s = this.s;
    try {
      await this.group.write(() => {
        for (const u of users) {
          s.upsertUser.run(tenantKey, u.user_id, u.name, u.resigned ? 1 : 0);
          s.deleteUserOpenIds.run(tenantKey, u.user_id);
          for (const [appId, openId] of Object.entries(u.open_ids)) s.insertOpenId.run(openId, appId, tenantKey, u.user_id);
          s.deleteUserUnionIds.run(tenantKey, u.user_id);
          for (const [dev, unionId] of Object.entries(u.union_ids)) s.insertUnionId.run(unionId, dev, tenantKey, u.user_id);
          s.deleteUserPrefs.run(tenantKey, u.user_id);
          for (const id of u.sync_off) s.insertPref.run(tenantKey, u.user_id, id, 0);
        }
        this.audited(audit, undefined);
      });
    } catch (cause) {
      throw new StorageError(`cannot write users of tenant ${tenantKey}: ${(cause as Error).message}`, { cause });
    }
  }

  async resolveUserIds(app: App, idType: UserIdType, ids: readonly string[]): Promise<ResolvedId[]> {
    const scopeKey = `${idType}\u0000${app.app_id}\u0000${app.tenant_key}\u0000${app.developer}`;
    let scope = this.resolved.get(scopeKey);
    if (!scope) {
      scope = new Map();
      this.resolved.set(scopeKey, scope);
    }
    const out: ResolvedId[] = new Array(ids.length);
    const missing: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const hit = scope.get(ids[i] as string);
      if (hit) out[i] = hit;
      else missing.push(i);
    }
    if (missing.length === 0) return out;
    const todo = missing;
    const cache = scope;
    return this.group.read(() => {
      const fresh = this.resolveFromDb(
        app,
        idType,
        todo.map((i) => ids[i] as string),
      );
      todo.forEach((i, k) => {
        const r = fresh[k] as ResolvedId;
        out[i] = r;
        this.rememberResolved(cache, ids[i] as string, r);
      });
      return out;
    });
  }

  private rememberResolved(scope: Map<string, ResolvedId>, id: string, r: ResolvedId): void {
    if (this.resolvedCount >= RESOLVE_CACHE_MAX) {
      const oldest = scope.keys().next();
      if (oldest.done) this.clearResolved();
      else {
        scope.delete(oldest.value);
        this.resolvedCount--;
      }
    }
    if (!scope.has(id)) this.resolvedCount++;
    scope.set(id, r);
  }

  private resolveFromDb(app: App, idType: UserIdType, ids: readonly string[]): ResolvedId[] {
    const json = JSON.stringify(ids);
    const rows = (
      idType === "user_id"
        ? this.s.resolveEmployee.all(json, app.tenant_key)
        : idType === "open_id"
          ? this.s.resolveOpen.all(json)
          : this.s.resolveUnion.all(json)
    ) as ResolveRow[];
    // One row per input for open_id/user_id; union ids may yield one row per developer.
    const byIndex: ResolveRow[][] = ids.map(() => []);
    for (const r of rows) byIndex[r.i]?.push(r);
    return byIndex.map((candidates): ResolvedId => {
      if (idType === "user_id") return asUser(candidates[0]);
      if (idType === "open_id") {
        const r = candidates[0];
        if (!r || r.id_tenant === null) return { kind: "invalid" };
        if (r.id_tenant !== app.tenant_key) return { kind: "other_tenant" };
        if (r.app_id !== app.app_id) return { kind: "invalid" };
        return asUser(r);
      }
      const mine = candidates.find((r) => r.developer === app.developer && r.id_tenant === app.tenant_key);
      if (mine) return asUser(mine);
      if (candidates.some((r) => r.id_tenant !== null && r.id_tenant !== app.tenant_key)) return { kind: "other_tenant" };
      return { kind: "invalid" };
    });
  }

  async latestToken(appId: string, kind: TokenRecord["kind"], nowMs: number): Promise<TokenRecord | undefined> {
    return this.group.read(() => this.s.latestToken.get(appId, kind, nowMs) as TokenRecord | undefined);
  }

  async insertToken(token: TokenRecord): Promise<void> {
    const s = this.s;
    await this.group.write(() => {
      s.purgeTokens.run(token.app_id, token.issued_at);
      s.insertToken.run(token);
    });
    for (const [k, t] of this.tokens) if (t.app_id === token.app_id && t.expires_at <= token.issued_at) this.tokens.delete(k);
  }

  async getToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const hit = this.tokens.get(tokenHash);
    if (hit) return hit;
    return this.group.read(() => {
      const r = this.s.getToken.get(tokenHash) as TokenRecord | undefined;
      return r ? this.tokens.remember(tokenHash, r) : undefined;
    });
  }

  async tokenOwner(tokenHash: string): Promise<TokenOwner | undefined> {
    // Three cached reads: on this driver they rarely touch the database.
    const tok = await this.getToken(tokenHash);
    if (!tok) return undefined;
    return { token: tok, app: await this.getApp(tok.app_id), tenant: await this.getTenant(tok.tenant_key) };
  }

  async revokeTokens(appId: string): Promise<void> {
    for (const [k, t] of this.tokens) if (t.app_id === appId) this.tokens.delete(k);
    return this.group.write(() => {
      this.s.revokeTokens.run(appId);
    });
  }

  /** The first conflict of `status` with the tenant's other live statuses, names before priority. */
  private conflictOf(tenantKey: string, status: SystemStatus): "duplicate_name" | "duplicate_priority" | undefined {
    for (const name of namesOf(status)) {
      const owner = this.s.nameOwner.get(tenantKey, name) as { system_status_id: string } | undefined;
      if (owner && owner.system_status_id !== status.system_status_id) return "duplicate_name";
    }
    const p = this.s.priorityOwner.get(tenantKey, status.priority) as { system_status_id: string } | undefined;
    if (p && p.system_status_id !== status.system_status_id) return "duplicate_priority";
    return undefined;
  }

  private statusParams(tenantKey: string, status: SystemStatus, nowMs: number) {
    return {
      system_status_id: status.system_status_id,
      tenant_key: tenantKey,
      title: status.title,
      i18n_title: JSON.stringify(status.i18n_title),
      icon_key: status.icon_key,
      color: status.color,
      priority: status.priority,
      sync_setting: JSON.stringify(status.sync_setting),
      sync_default: status.sync_setting.is_open_by_default ? 1 : 0,
      now: nowMs,
    };
  }

  private writeNames(tenantKey: string, status: SystemStatus): void {
    this.s.deleteNames.run(tenantKey, status.system_status_id);
    for (const name of namesOf(status)) this.s.insertName.run(tenantKey, name, status.system_status_id);
  }

  async createStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    maxLive: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult> {
    this.statuses.delete(`${tenantKey}|${status.system_status_id}`);
    const s = this.s;
    return this.group.write((): StatusWriteResult => {
      const { n } = s.countLive.get(tenantKey) as { n: number };
      if (n >= maxLive) return { ok: false, conflict: "limit" };
      const conflict = this.conflictOf(tenantKey, status);
      if (conflict) return { ok: false, conflict };
      s.insertStatus.run(this.statusParams(tenantKey, status, nowMs));
      this.writeNames(tenantKey, status);
      const res: StatusWriteResult = {
        ok: true,
        status: toStatus(s.getStatus.get(tenantKey, status.system_status_id) as StatusRow),
      };
      return this.audited(audit, res);
    });
  }

  async updateStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult> {
    this.statuses.delete(`${tenantKey}|${status.system_status_id}`);
    const s = this.s;
    return this.group.write((): StatusWriteResult => {
      const conflict = this.conflictOf(tenantKey, status);
      if (conflict) return { ok: false, conflict };
      const res = s.updateStatus.run(this.statusParams(tenantKey, status, nowMs));
      if (res.changes !== 1) throw new StorageError(`status ${status.system_status_id} is not live`);
      this.writeNames(tenantKey, status);
      const out: StatusWriteResult = {
        ok: true,
        status: toStatus(s.getStatus.get(tenantKey, status.system_status_id) as StatusRow),
      };
      return this.audited(audit, out);
    });
  }

  async deleteStatus(tenantKey: string, statusId: string, nowMs: number, audit?: AuditOf<boolean>): Promise<boolean> {
    this.statuses.delete(`${tenantKey}|${statusId}`);
    const s = this.s;
    return this.group.write(() => {
      const res = s.deleteStatus.run(nowMs, nowMs, tenantKey, statusId);
      if (res.changes === 0) return false;
      s.deleteNames.run(tenantKey, statusId);
      return this.audited(audit, true);
    });
  }

  async getStatus(tenantKey: string, statusId: string, includeDeleted: boolean): Promise<StatusRecord | undefined> {
    const key = `${tenantKey}|${statusId}`;
    const visible = (st: StatusRecord | undefined) => (st && st.deleted_at !== null && !includeDeleted ? undefined : st);
    const hit = this.statuses.get(key);
    if (hit) return visible(hit);
    return this.group.read(() => {
      const r = this.s.getStatus.get(tenantKey, statusId) as StatusRow | undefined;
      return visible(r ? this.statuses.remember(key, toStatus(r)) : undefined);
    });
  }

  async listStatuses(tenantKey: string, limit: number, after?: { priority: number; id: string }): Promise<ListPage> {
    return this.group.read(() => {
      const rows = (
        after
          ? this.s.listAfter.all(tenantKey, after.priority, after.priority, after.id, limit + 1)
          : this.s.listFirst.all(tenantKey, limit + 1)
      ) as StatusRow[];
      const has_more = rows.length > limit;
      return { items: rows.slice(0, limit).map(toStatus), has_more };
    });
  }

  /** The snapshot a row shows (rows keep the version they were opened with). */
  private snapshotOf(statusId: string, version: number): StatusSnapshot {
    const key = `${statusId}|${version}`;
    const hit = this.snapshots.get(key);
    if (hit) return hit;
    const r = this.s.getSnapshot.get(statusId, version) as { snapshot: string } | undefined;
    if (!r) throw new StorageError(`no snapshot of status ${statusId} version ${version}`);
    return this.snapshots.remember(key, JSON.parse(r.snapshot) as StatusSnapshot);
  }

  private toUserStatus(r: UserStatusDbRow): UserStatusRow {
    return {
      user_id: r.user_id,
      system_status_id: r.system_status_id,
      open: r.open === 1,
      end_time: r.end_time,
      snapshot: this.snapshotOf(r.system_status_id, r.snapshot_version),
      opened_by: r.opened_by,
      opened_at: r.opened_at,
      sync_on: r.sync_on === 1,
    };
  }

  async openUserStatuses(
    tenantKey: string,
    statusId: string,
    snapshot: StatusSnapshot,
    entries: readonly OpenEntry[],
    appId: string,
    nowMs: number,
    audit?: AuditOf<Map<string, UserStatusRow[]>>,
  ): Promise<Map<string, UserStatusRow[]> | undefined> {
    const s = this.s;
    const params = {
      tenant_key: tenantKey,
      system_status_id: statusId,
      version: snapshot.version,
      opened_by: appId,
      now: nowMs,
      now_s: Math.floor(nowMs / 1000),
    };
    // Entries apply in order, so a later entry for the same user wins. Writing only each user's
    // last entry gives the same row: an earlier entry would have left it open and unexpired, so the
    // last one keeps that snapshot and opened_at and sets its own end_time.
    const lastEnd = new Map<string, number>();
    for (const e of entries) lastEnd.set(e.user_id, e.end_time);
    const users = [...lastEnd.keys()];
    return this.group.write(() => {
      // Checked in the same savepoint as the write: a status deleted since the caller's check is
      // not opened (store calls run one at a time in this process). The same read gives the
      // default toggle of the users who have no preference of their own.
      const syncDefault = s.liveSyncDefault.get(tenantKey, statusId) as number | undefined;
      if (syncDefault === undefined) return undefined;
      // A snapshot is stored once per (status, version); rows refer to it by version. Written in
      // this call's savepoint whether or not it is cached, so a row never outlives its snapshot if
      // the call rolls back (a conflicting insert is a no-op that dirties no page).
      s.insertSnapshot.run(statusId, snapshot.version, JSON.stringify(snapshot));
      const written: Array<[string, number, number]> = [];
      for (let i = 0; i < users.length; i += CHUNK) {
        const chunk = users.slice(i, i + CHUNK);
        const pairs: Array<string | number> = [];
        for (const u of chunk) pairs.push(u, lastEnd.get(u) as number);
        for (const r of this.sized("open", chunk.length).all(params, ...pairs) as Array<[string, number, number]>)
          written.push(r);
      }
      const more = new Set(
        s.usersWithMore.all({ tenant_key: tenantKey, users: JSON.stringify(users), system_status_id: statusId }) as string[],
      );
      const out = new Map<string, UserStatusRow[]>();
      for (const u of users) out.set(u, []);
      if (more.size) {
        const rows = s.manyUserStatuses.all(tenantKey, JSON.stringify([...more])) as UserStatusDbRow[];
        for (const r of rows) out.get(r.user_id)?.push(this.toUserStatus(r));
      }
      // Everyone else has exactly the row just written, with the status's default toggle.
      for (const [userId, version, openedAt] of written) {
        if (more.has(userId)) continue;
        out.set(userId, [
          {
            user_id: userId,
            system_status_id: statusId,
            open: true,
            end_time: lastEnd.get(userId) as number,
            snapshot: this.snapshotOf(statusId, version),
            opened_by: appId,
            opened_at: openedAt,
            sync_on: syncDefault === 1,
          },
        ]);
      }
      // The caller computes the per-user results from these rows (the one rule, in the domain)
      // and its entry is inserted before this savepoint is released.
      return this.audited(audit, out);
    });
  }

  async closeUserStatuses(
    tenantKey: string,
    statusId: string,
    userIds: readonly string[],
    nowMs: number,
    audit?: AuditOf<void>,
  ): Promise<void> {
    return this.group.write(() => {
      for (let i = 0; i < userIds.length; i += CHUNK) {
        const chunk = userIds.slice(i, i + CHUNK);
        this.sized("close", chunk.length).run(nowMs, tenantKey, statusId, ...chunk);
      }
      this.audited(audit, undefined);
    });
  }

  async userStatuses(tenantKey: string, userId: string): Promise<UserStatusRow[]> {
    return this.group.read(() =>
      (this.s.userStatuses.all(tenantKey, userId) as UserStatusDbRow[]).map((r) => this.toUserStatus(r)),
    );
  }

  async userSyncPrefs(tenantKey: string, userId: string): Promise<Map<string, boolean>> {
    return this.group.read(
      () => new Map((this.s.userPrefs.all(tenantKey, userId) as Array<[string, number]>).map(([id, on]) => [id, on === 1])),
    );
  }

  async setSyncPref(
    tenantKey: string,
    userId: string,
    statusId: string,
    on: boolean,
    audit?: AuditOf<"ok" | SyncPrefRefusal>,
  ): Promise<"ok" | SyncPrefRefusal> {
    // No cache holds a toggle: opens read sync_prefs by SQL (usersWithMore, USER_STATUS_ROWS), and
    // resolved ids and records do not depend on it, so there is nothing to evict.
    const s = this.s;
    return this.group.write((): "ok" | SyncPrefRefusal => {
      if (s.getUser.get(tenantKey, userId) === undefined) return "unknown_user";
      if (s.liveSyncDefault.get(tenantKey, statusId) === undefined) return "unknown_status";
      s.insertPref.run(tenantKey, userId, statusId, on ? 1 : 0);
      return this.audited(audit, "ok" as const);
    });
  }

  async statusHolders(
    tenantKey: string,
    statusId: string,
    nowS: number,
    limit: number,
    afterUserId = "",
  ): Promise<StatusHolder[]> {
    return this.group.read(() => {
      const ids = this.s.holderIds.all(tenantKey, statusId, afterUserId, nowS, limit) as string[];
      if (ids.length === 0) return [];
      const byUser = new Map<string, UserStatusRow[]>(ids.map((u) => [u, []]));
      for (const r of this.s.manyUserStatuses.all(tenantKey, JSON.stringify(ids)) as UserStatusDbRow[]) {
        byUser.get(r.user_id)?.push(this.toUserStatus(r));
      }
      return ids.map((u) => ({
        user_id: u,
        rows: (byUser.get(u) as UserStatusRow[]).sort((a, b) => compareBytes(a.system_status_id, b.system_status_id)),
      }));
    });
  }

  // ------------------------------------------------------------------ the audit log

  /**
   * Inserts the entry `audit` makes of `result` (inside the caller's savepoint: a failure here
   * rolls the change back with it) and passes `result` through.
   */
  private audited<R>(audit: AuditOf<R> | undefined, result: R): R {
    const entry = audit?.(result);
    if (entry) this.s.insertAudit.run(...auditColumns(entry));
    return result;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    return this.group.write(() => {
      this.s.insertAudit.run(...auditColumns(entry));
    });
  }

  /** Prepared list statements by the shape of their filter. */
  private readonly auditStatements = new Map<string, Database.Statement>();

  private auditStatement(key: string, sql: () => string): Database.Statement {
    let st = this.auditStatements.get(key);
    if (!st) {
      st = this.db.prepare(sql());
      this.auditStatements.set(key, st);
    }
    return st;
  }

  async listAudit(filter: AuditFilter, limit: number, after?: AuditKey): Promise<AuditPage> {
    const q = auditQuery(filter, after);
    const params = { ...q.params, n: limit + 1, budget: AUDIT_SCAN_BUDGET };
    return this.group.read((): AuditPage => {
      if (q.scanned === "") {
        const rows = this.auditStatement(`i${q.key}`, () => `SELECT * FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT @n`).all(
          params,
        ) as Row[];
        return pageOf(rows.map(toAuditRecord), limit);
      }
      // Filters no index serves: examine at most AUDIT_SCAN_BUDGET entries (in the order of the
      // index that serves the rest), so one call holds the connection for a bounded time.
      const rows = this.auditStatement(
        `s${q.key}`,
        () =>
          `SELECT a.* FROM (SELECT id FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT @budget) c JOIN audit a ON a.id = c.id
           WHERE ${q.scanned} ORDER BY a.at_ms DESC, a.id DESC LIMIT @n`,
      ).all(params) as Row[];
      const page = pageOf(rows.map(toAuditRecord), limit);
      if (page.next) return page;
      const last = this.auditStatement(
        `b${q.key}`,
        () => `SELECT at_ms, id FROM audit ${q.indexed} ${NEWEST_FIRST} LIMIT 1 OFFSET @budget - 1`,
      ).get(params) as AuditKey | undefined;
      return last ? { entries: page.entries, next: { at_ms: last.at_ms, id: last.id } } : page;
    });
  }

  async pruneAudit(beforeMs: number, max: number): Promise<number> {
    return this.group.write(() => this.s.pruneAudit.run(beforeMs, max).changes);
  }

  // ------------------------------------------------------------------ snapshots (the emulator)

  private get snapshotStatements(): SqliteSnapshots {
    if (!this.snaps) throw new StorageError("store used before migrate()");
    return this.snaps;
  }

  async saveSnapshot(name: string, createdMs: number): Promise<SnapshotInfo> {
    const sn = this.snapshotStatements;
    return this.group.write(() => sn.save(name, createdMs));
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const sn = this.snapshotStatements;
    return this.group.read(() => sn.list());
  }

  /**
   * One savepoint, run synchronously: no other call of this process runs between its first
   * statement and its last, so every call sees the state before it or after it. The records cached
   * in process may all be stale: they go before it, and again once it committed (a read between
   * the write and the COMMIT reads the new state, which a failed COMMIT drops through onAbort).
   */
  async restoreSnapshot(name: string, opts: { reset?: boolean } = {}): Promise<number | undefined> {
    const sn = this.snapshotStatements;
    this.forgetCaches();
    try {
      return await this.group.write(() => {
        const rows = sn.restore(name, opts.reset === true);
        this.forgetCaches();
        return rows;
      });
    } finally {
      this.forgetCaches();
    }
  }

  async deleteSnapshot(name: string): Promise<boolean> {
    const sn = this.snapshotStatements;
    return this.group.write(() => sn.delete(name));
  }
}

/**
 * The WHERE clauses of an audit list: `indexed` (what migration 6's index serves: the time bounds and the cursor, in list
 * order) and `scanned` (what is checked on each row examined, on the joined alias `a`), with named
 * parameters and a key naming the shape (for the statement cache).
 */
function auditQuery(
  f: AuditFilter,
  after: AuditKey | undefined,
): { indexed: string; scanned: string; params: Record<string, string | number>; key: string } {
  const where: string[] = [];
  const scan: string[] = [];
  const params: Record<string, string | number> = {};
  let key = "";
  const add = (list: string[], flag: string, sql: string, name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    list.push(sql);
    params[name] = value;
    key += flag;
  };
  add(where, "a", "at_ms >= @since_ms", "since_ms", f.since_ms);
  add(where, "z", "at_ms <= @until_ms", "until_ms", f.until_ms);
  if (after) {
    where.push("(at_ms, id) < (@after_at, @after_id)");
    params.after_at = after.at_ms;
    params.after_id = after.id;
    key += "c";
  }
  add(scan, "t", "a.tenant_key = @tenant_key", "tenant_key", f.tenant_key);
  add(scan, "s", "a.system_status_id = @system_status_id", "system_status_id", f.system_status_id);
  add(scan, "p", "a.app_id = @app_id", "app_id", f.app_id);
  add(scan, "u", "instr(a.users, @needle) > 0", "needle", f.user_id === undefined ? undefined : userNeedle(f.user_id));
  add(scan, "o", "a.op = @op", "op", f.op);
  add(scan, "r", "a.actor = @actor", "actor", f.actor);
  return { indexed: where.length ? `WHERE ${where.join(" AND ")}` : "", scanned: scan.join(" AND "), params, key };
}

/** Byte order of two ASCII keys (ids), as the indexes order them. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
