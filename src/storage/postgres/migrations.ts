/**
 * Versioned schema of the PostgreSQL driver. Append only: a shipped migration never changes.
 * Versions 1 and 2 are the same steps as on SQLite (src/storage/sqlite/migrations.ts); from 3 on
 * each driver numbers its own steps.
 *
 * Types: BIGINT for millisecond / second times, BOOLEAN for flags, TEXT for JSON (kept verbatim, so
 * objects come back with their keys in the order they were written, exactly as on SQLite; JSONB
 * would reorder them and reject "\u0000"). Keys and names use the "C" collation: bytewise order and
 * equality, as on SQLite, and one total order that every lock-taking statement shares.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: the initial schema
  `
  CREATE TABLE tenants (
    tenant_key TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    api_enabled BOOLEAN NOT NULL,
    sensitive_words TEXT NOT NULL
  );
  CREATE TABLE apps (
    app_id TEXT COLLATE "C" PRIMARY KEY,
    tenant_key TEXT COLLATE "C" NOT NULL REFERENCES tenants(tenant_key),
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    visibility TEXT NOT NULL,
    developer TEXT COLLATE "C" NOT NULL
  );
  CREATE TABLE users (
    tenant_key TEXT COLLATE "C" NOT NULL REFERENCES tenants(tenant_key),
    user_id TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    resigned BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_key, user_id)
  );
  CREATE TABLE open_ids (
    open_id TEXT COLLATE "C" PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    tenant_key TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL
  );
  CREATE UNIQUE INDEX open_ids_app_user ON open_ids (app_id, user_id);
  CREATE TABLE union_ids (
    union_id TEXT COLLATE "C" NOT NULL,
    developer TEXT COLLATE "C" NOT NULL,
    tenant_key TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (union_id, developer)
  );
  CREATE UNIQUE INDEX union_ids_dev_user ON union_ids (developer, tenant_key, user_id);
  CREATE TABLE tokens (
    token TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT NOT NULL,
    app_id TEXT COLLATE "C" NOT NULL,
    tenant_key TEXT COLLATE "C" NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX tokens_app ON tokens (app_id, kind, issued_at);
  CREATE TABLE statuses (
    system_status_id TEXT COLLATE "C" PRIMARY KEY,
    tenant_key TEXT COLLATE "C" NOT NULL REFERENCES tenants(tenant_key),
    title TEXT COLLATE "C" NOT NULL,
    i18n_title TEXT NOT NULL,
    icon_key TEXT NOT NULL,
    color TEXT NOT NULL,
    priority INTEGER NOT NULL,
    sync_setting TEXT NOT NULL,
    sync_default BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
  );
  CREATE UNIQUE INDEX statuses_live_priority ON statuses (tenant_key, priority) WHERE deleted_at IS NULL;
  CREATE INDEX statuses_tenant ON statuses (tenant_key, deleted_at, priority, system_status_id);
  CREATE TABLE status_names (
    tenant_key TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    system_status_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_key, name)
  );
  CREATE TABLE user_statuses (
    tenant_key TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    system_status_id TEXT COLLATE "C" NOT NULL,
    open BOOLEAN NOT NULL,
    end_time BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    opened_by TEXT COLLATE "C" NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_key, user_id, system_status_id)
  );
  CREATE TABLE sync_prefs (
    tenant_key TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    system_status_id TEXT COLLATE "C" NOT NULL,
    sync_on BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_key, user_id, system_status_id)
  );
  `,
  // 2: re-seeding a user deletes its ids by (tenant, user); without these it scanned every id
  `
  CREATE INDEX open_ids_tenant_user ON open_ids (tenant_key, user_id);
  CREATE INDEX union_ids_tenant_user ON union_ids (tenant_key, user_id);
  `,
  // 3: opening and closing in one round trip. Each function is one statement (its own implicit
  // transaction): it locks the users' rows in key order, then (VOLATILE, READ COMMITTED: a fresh
  // snapshot per statement) writes, so it keeps the lock-then-write semantics of the former
  // BEGIN / lock / write / COMMIT sequence, which took four round trips.
  `
  CREATE FUNCTION larkstatus_open(p_tenant TEXT, p_status TEXT, p_snapshot TEXT, p_users TEXT[], p_ends BIGINT[],
                                  p_app TEXT, p_now BIGINT, p_now_s BIGINT)
  RETURNS TABLE (user_id TEXT, system_status_id TEXT, open BOOLEAN, end_time BIGINT, snapshot TEXT, opened_by TEXT,
                 opened_at BIGINT, sync_on BOOLEAN)
  LANGUAGE plpgsql VOLATILE AS $fn$
  #variable_conflict use_column
  BEGIN
    -- A status deleted since the caller checked is not opened: FOR SHARE waits for a delete in
    -- flight (its UPDATE holds the row) and then sees its result; a delete waits for this open.
    PERFORM 1 FROM statuses s WHERE s.tenant_key = p_tenant AND s.system_status_id = p_status AND s.deleted_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
      RETURN;
    END IF;
    PERFORM 1 FROM users u WHERE u.tenant_key = p_tenant AND u.user_id = ANY(p_users) ORDER BY u.user_id FOR NO KEY UPDATE;
    RETURN QUERY
      WITH up AS (
        INSERT INTO user_statuses AS us (tenant_key, user_id, system_status_id, open, end_time, snapshot, opened_by, opened_at, updated_at)
        SELECT p_tenant, t.u, p_status, true, t.e, p_snapshot, p_app, p_now, p_now
        FROM unnest(p_users, p_ends) AS t(u, e)
        ORDER BY t.u COLLATE "C"
        ON CONFLICT (tenant_key, user_id, system_status_id) DO UPDATE SET
          snapshot = CASE WHEN us.open AND us.end_time > p_now_s THEN us.snapshot ELSE excluded.snapshot END,
          opened_at = CASE WHEN us.open AND us.end_time > p_now_s THEN us.opened_at ELSE excluded.opened_at END,
          open = true, end_time = excluded.end_time, opened_by = excluded.opened_by, updated_at = excluded.updated_at
        RETURNING us.user_id, us.system_status_id, us.open, us.end_time, us.snapshot, us.opened_by, us.opened_at
      ), r AS (
        SELECT * FROM up
        UNION ALL
        SELECT x.user_id, x.system_status_id, x.open, x.end_time, x.snapshot, x.opened_by, x.opened_at FROM user_statuses x
        WHERE x.tenant_key = p_tenant AND x.user_id = ANY(p_users) AND x.system_status_id <> p_status
      )
      SELECT r.user_id::text, r.system_status_id::text, r.open, r.end_time, r.snapshot, r.opened_by::text, r.opened_at,
             COALESCE(sp.sync_on, s.sync_default, true)
      FROM r
      LEFT JOIN statuses s ON s.system_status_id = r.system_status_id
      LEFT JOIN sync_prefs sp ON sp.tenant_key = p_tenant AND sp.user_id = r.user_id AND sp.system_status_id = r.system_status_id
      ORDER BY r.user_id, r.system_status_id;
  END
  $fn$;
  CREATE FUNCTION larkstatus_close(p_tenant TEXT, p_status TEXT, p_users TEXT[], p_now BIGINT)
  RETURNS void
  LANGUAGE plpgsql VOLATILE AS $fn$
  BEGIN
    PERFORM 1 FROM users u WHERE u.tenant_key = p_tenant AND u.user_id = ANY(p_users) ORDER BY u.user_id FOR NO KEY UPDATE;
    UPDATE user_statuses x SET open = false, updated_at = p_now
    WHERE x.tenant_key = p_tenant AND x.system_status_id = p_status AND x.user_id = ANY(p_users) AND x.open;
  END
  $fn$;
  `,
  // 4: no token at rest. A token is kept as sha256(token) (what API calls look it up by) and a
  // copy sealed under a key derived from the app's secret (src/domain/secrets.ts). Existing tokens
  // are hashed here and keep working for API calls; having no sealed copy, they are not returned
  // again by the token endpoints (a new one is issued). A new table rather than UPDATE + DROP
  // COLUMN: those leave the plaintext in dead tuples and dropped-column data until a rewrite; the
  // dropped table's files are unlinked at commit.
  `
  CREATE TABLE tokens_v4 (
    token_hash TEXT COLLATE "C" NOT NULL,
    sealed TEXT,
    kind TEXT NOT NULL,
    app_id TEXT COLLATE "C" NOT NULL,
    tenant_key TEXT COLLATE "C" NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  INSERT INTO tokens_v4 (token_hash, sealed, kind, app_id, tenant_key, issued_at, expires_at)
    SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex'), NULL, kind, app_id, tenant_key, issued_at, expires_at FROM tokens;
  DROP TABLE tokens;
  ALTER TABLE tokens_v4 RENAME TO tokens;
  ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY (token_hash);
  CREATE INDEX tokens_app ON tokens (app_id, kind, issued_at);
  `,
  // 5: the users who have a status open, page by page (the admin API's status users): a range of
  // this index per page instead of a scan of the tenant's rows. Its columns never change once a row
  // exists (open, close and expiry update other columns), so updates stay HOT-eligible and only a
  // user's first open of a status writes it. Built inside the migration's transaction (not
  // CONCURRENTLY): on a large table, writes to user_statuses wait while it builds.
  `
  CREATE INDEX user_statuses_status_user ON user_statuses (tenant_key, system_status_id, user_id);
  `,
  // 6: the audit log, as on SQLite (migration 6 there): one row per acknowledged change, listed
  // newest first by (at_ms, id) through its one index (the other filters are checked on the rows it
  // gives; an index per filter was one more B-tree for every change to write). Written in the change's own
  // transaction (src/storage/postgres/pg-store.ts says how a batch keeps that to two round trips).
  `
  CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    tenant_key TEXT COLLATE "C" NOT NULL,
    actor TEXT COLLATE "C" NOT NULL,
    op TEXT COLLATE "C" NOT NULL,
    app_id TEXT COLLATE "C",
    system_status_id TEXT COLLATE "C",
    log_id TEXT,
    users TEXT COLLATE "C",
    results TEXT,
    change TEXT
  );
  CREATE INDEX audit_at ON audit (at_ms, id);
  `,
  // 7: the emulator's named snapshots (src/storage/postgres/snapshots.ts), as on SQLite (migration
  // 7 there): one row per snapshot in \`snapshots\`; per state table T, \`snap_T\` holds T's columns
  // (LIKE: types and NOT NULL, no keys, no identity) plus `snapshot_name`. Every later migration
  // that changes a state table changes its snap_ table the same way (the store checks at start-up).
  `
  CREATE TABLE snapshots (
    name TEXT COLLATE "C" PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    rows BIGINT NOT NULL
  );
  CREATE TABLE snap_tenants (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE tenants);
  CREATE INDEX snap_tenants_name ON snap_tenants (snapshot_name);
  CREATE TABLE snap_apps (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE apps);
  CREATE INDEX snap_apps_name ON snap_apps (snapshot_name);
  CREATE TABLE snap_users (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE users);
  CREATE INDEX snap_users_name ON snap_users (snapshot_name);
  CREATE TABLE snap_open_ids (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE open_ids);
  CREATE INDEX snap_open_ids_name ON snap_open_ids (snapshot_name);
  CREATE TABLE snap_union_ids (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE union_ids);
  CREATE INDEX snap_union_ids_name ON snap_union_ids (snapshot_name);
  CREATE TABLE snap_tokens (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE tokens);
  CREATE INDEX snap_tokens_name ON snap_tokens (snapshot_name);
  CREATE TABLE snap_statuses (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE statuses);
  CREATE INDEX snap_statuses_name ON snap_statuses (snapshot_name);
  CREATE TABLE snap_status_names (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE status_names);
  CREATE INDEX snap_status_names_name ON snap_status_names (snapshot_name);
  CREATE TABLE snap_user_statuses (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE user_statuses);
  CREATE INDEX snap_user_statuses_name ON snap_user_statuses (snapshot_name);
  CREATE TABLE snap_sync_prefs (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE sync_prefs);
  CREATE INDEX snap_sync_prefs_name ON snap_sync_prefs (snapshot_name);
  CREATE TABLE snap_audit (snapshot_name TEXT COLLATE "C" NOT NULL, LIKE audit);
  CREATE INDEX snap_audit_name ON snap_audit (snapshot_name);
  `,
];
