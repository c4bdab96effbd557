/**
 * The PostgreSQL driver's directory SQL for the admin API (deleting a tenant, apps, users with
 * their ids, imports). Derived ids are computed in SQL exactly as `deriveOpenId` and
 * `deriveUnionId` compute them (the storage contract checks both against the JS functions), so a
 * new app's ids for 10^6 users are one INSERT ... SELECT.
 *
 * Locks (READ COMMITTED): a writer of users takes the tenant row FOR KEY SHARE (users writers do
 * not block one another, nor the status writers' FOR NO KEY UPDATE); creating an app and deleting
 * the tenant take it FOR UPDATE. So a user created while an app is being created either is seen
 * by the app's INSERT ... SELECT (committed first) or sees the app (it waited for it): never
 * neither, which would leave the user without that app's open_id.
 */

/** `'ou_' || first 32 hex of sha256('open_id:' || app || ':' || tenant || ':' || user)`, as deriveOpenId. */
function derivedId(prefix: "ou_" | "on_", label: "open_id" | "union_id", a: string, t: string, u: string): string {
  return `'${prefix}' || left(encode(sha256(convert_to('${label}:' || ${a} || ':' || ${t} || ':' || ${u}, 'UTF8')), 'hex'), 32)`;
}

export const openIdSql = (app: string, tenant: string, user: string): string => derivedId("ou_", "open_id", app, tenant, user);
export const unionIdSql = (developer: string, tenant: string, user: string): string =>
  derivedId("on_", "union_id", developer, tenant, user);

export const DIRECTORY_SQL = {
  lockTenantForUpdate: "SELECT 1 FROM tenants WHERE tenant_key = $1 FOR UPDATE",
  lockTenantForUsers: "SELECT 1 FROM tenants WHERE tenant_key = $1 FOR KEY SHARE",
  /**
   * What a tenant owns, in the order deleteTenant removes it. The tenant's statuses are locked
   * first and its users next, the order batch opens take their locks in (status, then users), so
   * a concurrent open waits instead of deadlocking; foreign keys point at tenants, deleted last.
   */
  deleteTenant: [
    "SELECT 1 FROM statuses WHERE tenant_key = $1 ORDER BY system_status_id FOR UPDATE",
    "DELETE FROM users WHERE tenant_key = $1",
    "DELETE FROM user_statuses WHERE tenant_key = $1",
    "DELETE FROM sync_prefs WHERE tenant_key = $1",
    "DELETE FROM open_ids WHERE tenant_key = $1",
    "DELETE FROM union_ids WHERE tenant_key = $1",
    "DELETE FROM tokens WHERE tenant_key = $1",
    "DELETE FROM status_names WHERE tenant_key = $1",
    "DELETE FROM statuses WHERE tenant_key = $1",
    "DELETE FROM apps WHERE tenant_key = $1",
    "DELETE FROM tenants WHERE tenant_key = $1",
  ],
  insertApp: `
    INSERT INTO apps (app_id, tenant_key, secret_hash, scopes, enabled, visibility, developer)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app_id) DO NOTHING RETURNING app_id`,
  appOpenIds: `
    INSERT INTO open_ids (open_id, app_id, tenant_key, user_id)
    SELECT ${openIdSql("$1::text", "$2::text", "u.user_id")}, $1, $2, u.user_id FROM users u WHERE u.tenant_key = $2`,
  appUnionIds: `
    INSERT INTO union_ids (union_id, developer, tenant_key, user_id)
    SELECT ${unionIdSql("$1::text", "$2::text", "u.user_id")}, $1, $2, u.user_id FROM users u
    WHERE u.tenant_key = $2 AND NOT EXISTS (
      SELECT 1 FROM union_ids x WHERE x.developer = $1 AND x.tenant_key = $2 AND x.user_id = u.user_id)`,
  /** One statement: the change and, when asked, the revocation commit together. */
  updateApp: `
    WITH up AS (
      UPDATE apps SET scopes = COALESCE($2, scopes), visibility = COALESCE($3, visibility),
        enabled = COALESCE($4::boolean, enabled), secret_hash = COALESCE($5, secret_hash)
      WHERE app_id = $1 RETURNING *
    ), revoked AS (
      DELETE FROM tokens WHERE app_id = $1 AND $6::boolean AND EXISTS (SELECT 1 FROM up)
    )
    SELECT * FROM up`,
  listApps: `
    SELECT * FROM apps WHERE ($1::text IS NULL OR tenant_key = $1) AND app_id > $2 ORDER BY app_id LIMIT $3`,
  knownUsers: "SELECT user_id FROM users WHERE tenant_key = $1 AND user_id = ANY($2::text[])",
  getUser: "SELECT * FROM users WHERE tenant_key = $1 AND user_id = $2",
  listUsers: "SELECT * FROM users WHERE tenant_key = $1 AND user_id > $2 ORDER BY user_id LIMIT $3",
  openIdsOf: `
    SELECT user_id, app_id, open_id FROM open_ids WHERE tenant_key = $1 AND user_id = ANY($2::text[]) ORDER BY user_id, app_id`,
  unionIdsOf: `
    SELECT user_id, developer, union_id FROM union_ids WHERE tenant_key = $1 AND user_id = ANY($2::text[])
    ORDER BY user_id, developer`,
  /**
   * One chunk of users in one round trip: upsert in key order (xmax = 0 tells an inserted row from
   * an updated one), then the new users' derived ids for every app of the tenant.
   */
  writeUsers: `
    WITH up AS (
      INSERT INTO users (tenant_key, user_id, name, resigned)
      SELECT $1, t.u, t.n, t.r FROM unnest($2::text[], $3::text[], $4::boolean[]) AS t(u, n, r) ORDER BY t.u COLLATE "C"
      ON CONFLICT (tenant_key, user_id) DO UPDATE SET name = excluded.name, resigned = excluded.resigned
      RETURNING user_id, (xmax = 0) AS created
    ), fresh AS (
      SELECT user_id FROM up WHERE created
    ), o AS (
      INSERT INTO open_ids (open_id, app_id, tenant_key, user_id)
      SELECT ${openIdSql("a.app_id", "$1::text", "f.user_id")}, a.app_id, $1, f.user_id
      FROM fresh f CROSS JOIN apps a WHERE a.tenant_key = $1
    ), x AS (
      INSERT INTO union_ids (union_id, developer, tenant_key, user_id)
      SELECT ${unionIdSql("d.developer", "$1::text", "f.user_id")}, d.developer, $1, f.user_id
      FROM fresh f CROSS JOIN (SELECT DISTINCT developer FROM apps WHERE tenant_key = $1) d
    )
    SELECT (count(*) FILTER (WHERE created))::int AS created, count(*)::int AS total FROM up`,
} as const;
