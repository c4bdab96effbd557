/**
 * The SQLite driver's directory writes and reads for the admin API: deleting a tenant with what it
 * owns, creating and changing apps, users with their ids, imports. Each method is synchronous and
 * runs inside one store call's savepoint (the store wraps it in `group.write` / `group.read`), so
 * a method that throws half way leaves nothing behind. Derived ids are computed in SQL by
 * functions that call the very functions the seed loader uses (`deriveOpenId`, `deriveUnionId`),
 * so a new app's ids for 10^6 users are one INSERT ... SELECT, not one statement per user.
 */
import type Database from "better-sqlite3";
import { deriveOpenId, deriveUnionId } from "../../domain/ids.js";
import type { App, User } from "../../domain/model.js";
import type { AppPatch, CreateAppResult, DirectoryUser, DirectoryUserInput, ImportCounts } from "../store.js";

type Row = Record<string, unknown>;

/** SQL function: the derived open_id of (app_id, tenant_key, user_id). */
export const OPEN_ID_FUNCTION = "larkstatus_open_id";
/** SQL function: the derived union_id of (developer, tenant_key, user_id). */
export const UNION_ID_FUNCTION = "larkstatus_union_id";

/** Registers the id derivations on a connection (before any statement uses them). */
export function registerIdFunctions(db: Database.Database): void {
  db.function(OPEN_ID_FUNCTION, { deterministic: true }, (a: unknown, t: unknown, u: unknown) =>
    deriveOpenId(String(a), String(t), String(u)),
  );
  db.function(UNION_ID_FUNCTION, { deterministic: true }, (d: unknown, t: unknown, u: unknown) =>
    deriveUnionId(String(d), String(t), String(u)),
  );
}

export function toApp(r: Row): App {
  return {
    app_id: r.app_id as string,
    tenant_key: r.tenant_key as string,
    secret_hash: r.secret_hash as string,
    scopes: JSON.parse(r.scopes as string) as string[],
    enabled: r.enabled === 1,
    visibility: JSON.parse(r.visibility as string) as App["visibility"],
    developer: r.developer as string,
  };
}

function appParams(app: App) {
  return {
    ...app,
    scopes: JSON.stringify(app.scopes),
    enabled: app.enabled ? 1 : 0,
    visibility: JSON.stringify(app.visibility),
  };
}

/**
 * What a tenant owns, in the order deleteTenant removes it: everything that refers to a tenant's
 * rows goes before those rows (the foreign keys of users, apps and statuses point at tenants).
 */
const DELETE_TENANT_SQL = [
  "DELETE FROM tokens WHERE tenant_key = ?",
  "DELETE FROM open_ids WHERE tenant_key = ?",
  "DELETE FROM union_ids WHERE tenant_key = ?",
  "DELETE FROM sync_prefs WHERE tenant_key = ?",
  "DELETE FROM user_statuses WHERE tenant_key = ?",
  "DELETE FROM status_snapshots WHERE system_status_id IN (SELECT system_status_id FROM statuses WHERE tenant_key = ?)",
  "DELETE FROM status_names WHERE tenant_key = ?",
  "DELETE FROM statuses WHERE tenant_key = ?",
  "DELETE FROM users WHERE tenant_key = ?",
  "DELETE FROM apps WHERE tenant_key = ?",
  "DELETE FROM tenants WHERE tenant_key = ?",
] as const;

export class SqliteDirectory {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      tenantExists: db.prepare("SELECT 1 FROM tenants WHERE tenant_key = ?").pluck(),
      deleteTenant: DELETE_TENANT_SQL.map((sql) => db.prepare(sql)),
      appExists: db.prepare("SELECT 1 FROM apps WHERE app_id = ?").pluck(),
      insertApp: db.prepare(
        `INSERT INTO apps (app_id, tenant_key, secret_hash, scopes, enabled, visibility, developer)
         VALUES (@app_id, @tenant_key, @secret_hash, @scopes, @enabled, @visibility, @developer)`,
      ),
      appOpenIds: db.prepare(
        `INSERT INTO open_ids (open_id, app_id, tenant_key, user_id)
         SELECT ${OPEN_ID_FUNCTION}(@app_id, @tenant_key, user_id), @app_id, @tenant_key, user_id FROM users WHERE tenant_key = @tenant_key`,
      ),
      appUnionIds: db.prepare(
        `INSERT INTO union_ids (union_id, developer, tenant_key, user_id)
         SELECT ${UNION_ID_FUNCTION}(@developer, @tenant_key, u.user_id), @developer, @tenant_key, u.user_id FROM users u
         WHERE u.tenant_key = @tenant_key AND NOT EXISTS (
           SELECT 1 FROM union_ids x WHERE x.developer = @developer AND x.tenant_key = @tenant_key AND x.user_id = u.user_id)`,
      ),
      updateApp: db.prepare(
        `UPDATE apps SET scopes = COALESCE(@scopes, scopes), visibility = COALESCE(@visibility, visibility),
           enabled = COALESCE(@enabled, enabled), secret_hash = COALESCE(@secret_hash, secret_hash)
         WHERE app_id = @app_id RETURNING *`,
      ),
      revokeTokens: db.prepare("DELETE FROM tokens WHERE app_id = ?"),
      listApps: db.prepare("SELECT * FROM apps WHERE app_id > ? ORDER BY app_id LIMIT ?"),
      listTenantApps: db.prepare("SELECT * FROM apps WHERE tenant_key = ? AND app_id > ? ORDER BY app_id LIMIT ?"),
      knownUsers: db
        .prepare("SELECT user_id FROM users WHERE tenant_key = ? AND user_id IN (SELECT value FROM json_each(?))")
        .pluck(),
      getUser: db.prepare("SELECT * FROM users WHERE tenant_key = ? AND user_id = ?"),
      listUsers: db.prepare("SELECT * FROM users WHERE tenant_key = ? AND user_id > ? ORDER BY user_id LIMIT ?"),
      openIdsOf: db.prepare(
        `SELECT user_id, app_id, open_id FROM open_ids WHERE tenant_key = ? AND user_id IN (SELECT value FROM json_each(?))
         ORDER BY user_id, app_id`,
      ),
      unionIdsOf: db.prepare(
        `SELECT user_id, developer, union_id FROM union_ids WHERE tenant_key = ? AND user_id IN (SELECT value FROM json_each(?))
         ORDER BY user_id, developer`,
      ),
      // A chunk of users is a JSON array of [user_id, name, resigned].
      existingOf: db
        .prepare("SELECT user_id FROM users WHERE tenant_key = ? AND user_id IN (SELECT value ->> 0 FROM json_each(?))")
        .pluck(),
      upsertUsers: db.prepare(
        `INSERT INTO users (tenant_key, user_id, name, resigned)
         SELECT @tenant_key, value ->> 0, value ->> 1, value ->> 2 FROM json_each(@rows) WHERE true
         ON CONFLICT(tenant_key, user_id) DO UPDATE SET name = excluded.name, resigned = excluded.resigned`,
      ),
      newUserOpenIds: db.prepare(
        `INSERT INTO open_ids (open_id, app_id, tenant_key, user_id)
         SELECT ${OPEN_ID_FUNCTION}(a.app_id, @tenant_key, j.value), a.app_id, @tenant_key, j.value
         FROM json_each(@users) j JOIN apps a ON a.tenant_key = @tenant_key`,
      ),
      newUserUnionIds: db.prepare(
        `INSERT INTO union_ids (union_id, developer, tenant_key, user_id)
         SELECT ${UNION_ID_FUNCTION}(d.developer, @tenant_key, j.value), d.developer, @tenant_key, j.value
         FROM json_each(@users) j JOIN (SELECT DISTINCT developer FROM apps WHERE tenant_key = @tenant_key) d`,
      ),
    };
  }

  tenantExists(tenantKey: string): boolean {
    return this.s.tenantExists.get(tenantKey) !== undefined;
  }

  deleteTenant(tenantKey: string): boolean {
    if (!this.tenantExists(tenantKey)) return false;
    for (const st of this.s.deleteTenant) st.run(tenantKey);
    return true;
  }

  createApp(app: App): CreateAppResult {
    if (!this.tenantExists(app.tenant_key)) return "no_tenant";
    if (this.s.appExists.get(app.app_id) !== undefined) return "app_taken";
    this.s.insertApp.run(appParams(app));
    this.s.appOpenIds.run({ app_id: app.app_id, tenant_key: app.tenant_key });
    this.s.appUnionIds.run({ developer: app.developer, tenant_key: app.tenant_key });
    return "created";
  }

  updateApp(appId: string, patch: AppPatch, revokeTokens: boolean): App | undefined {
    const r = this.s.updateApp.get({
      app_id: appId,
      scopes: patch.scopes === undefined ? null : JSON.stringify(patch.scopes),
      visibility: patch.visibility === undefined ? null : JSON.stringify(patch.visibility),
      enabled: patch.enabled === undefined ? null : patch.enabled ? 1 : 0,
      secret_hash: patch.secret_hash ?? null,
    }) as Row | undefined;
    if (!r) return undefined;
    if (revokeTokens) this.s.revokeTokens.run(appId);
    return toApp(r);
  }

  listApps(limit: number, opts: { tenantKey?: string; afterId?: string }): App[] {
    const after = opts.afterId ?? "";
    const rows = (
      opts.tenantKey === undefined ? this.s.listApps.all(after, limit) : this.s.listTenantApps.all(opts.tenantKey, after, limit)
    ) as Row[];
    return rows.map(toApp);
  }

  knownUserIds(tenantKey: string, userIds: readonly string[]): Set<string> {
    if (userIds.length === 0) return new Set();
    return new Set(this.s.knownUsers.all(tenantKey, JSON.stringify(userIds)) as string[]);
  }

  getUser(tenantKey: string, userId: string): DirectoryUser | undefined {
    const r = this.s.getUser.get(tenantKey, userId) as Row | undefined;
    return r ? this.withIds(tenantKey, [r])[0] : undefined;
  }

  listUsers(tenantKey: string, limit: number, afterUserId = ""): DirectoryUser[] {
    return this.withIds(tenantKey, this.s.listUsers.all(tenantKey, afterUserId, limit) as Row[]);
  }

  /** Users rows with their open and union ids, read with one statement each for the whole page. */
  private withIds(tenantKey: string, rows: Row[]): DirectoryUser[] {
    if (rows.length === 0) return [];
    const out = new Map<string, DirectoryUser>();
    for (const r of rows) {
      const user: User = {
        tenant_key: r.tenant_key as string,
        user_id: r.user_id as string,
        name: r.name as string,
        resigned: r.resigned === 1,
      };
      out.set(user.user_id, { ...user, open_ids: {}, union_ids: {} });
    }
    const ids = JSON.stringify([...out.keys()]);
    for (const r of this.s.openIdsOf.all(tenantKey, ids) as Row[]) {
      const u = out.get(r.user_id as string);
      if (u) u.open_ids[r.app_id as string] = r.open_id as string;
    }
    for (const r of this.s.unionIdsOf.all(tenantKey, ids) as Row[]) {
      const u = out.get(r.user_id as string);
      if (u) u.union_ids[r.developer as string] = r.union_id as string;
    }
    return [...out.values()];
  }

  /**
   * Writes one chunk of users of an existing tenant (distinct user_ids): creates or updates each;
   * the new ones get the derived ids of every app of the tenant, the others keep theirs.
   */
  writeUsers(tenantKey: string, users: readonly DirectoryUserInput[]): ImportCounts {
    if (users.length === 0) return { created: 0, updated: 0 };
    const rows = JSON.stringify(users.map((u) => [u.user_id, u.name, u.resigned]));
    const existing = new Set(this.s.existingOf.all(tenantKey, rows) as string[]);
    this.s.upsertUsers.run({ tenant_key: tenantKey, rows });
    const fresh = users.filter((u) => !existing.has(u.user_id)).map((u) => u.user_id);
    if (fresh.length > 0) {
      const json = JSON.stringify(fresh);
      this.s.newUserOpenIds.run({ tenant_key: tenantKey, users: json });
      this.s.newUserUnionIds.run({ tenant_key: tenantKey, users: json });
    }
    return { created: fresh.length, updated: users.length - fresh.length };
  }
}
