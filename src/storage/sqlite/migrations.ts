/** Versioned schema of the SQLite driver. Append only: a shipped migration never changes. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: the initial schema
  `
  CREATE TABLE tenants (
    tenant_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    api_enabled INTEGER NOT NULL,
    sensitive_words TEXT NOT NULL
  );
  CREATE TABLE apps (
    app_id TEXT PRIMARY KEY,
    tenant_key TEXT NOT NULL REFERENCES tenants(tenant_key),
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    visibility TEXT NOT NULL,
    developer TEXT NOT NULL
  );
  CREATE TABLE users (
    tenant_key TEXT NOT NULL REFERENCES tenants(tenant_key),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    resigned INTEGER NOT NULL,
    PRIMARY KEY (tenant_key, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE open_ids (
    open_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    tenant_key TEXT NOT NULL,
    user_id TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX open_ids_app_user ON open_ids (app_id, user_id);
  CREATE TABLE union_ids (
    union_id TEXT NOT NULL,
    developer TEXT NOT NULL,
    tenant_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (union_id, developer)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX union_ids_dev_user ON union_ids (developer, tenant_key, user_id);
  CREATE TABLE tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    app_id TEXT NOT NULL,
    tenant_key TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX tokens_app ON tokens (app_id, kind, issued_at);
  CREATE TABLE statuses (
    system_status_id TEXT PRIMARY KEY,
    tenant_key TEXT NOT NULL REFERENCES tenants(tenant_key),
    title TEXT NOT NULL,
    i18n_title TEXT NOT NULL,
    icon_key TEXT NOT NULL,
    color TEXT NOT NULL,
    priority INTEGER NOT NULL,
    sync_setting TEXT NOT NULL,
    sync_default INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
  );
  CREATE UNIQUE INDEX statuses_live_priority ON statuses (tenant_key, priority) WHERE deleted_at IS NULL;
  CREATE INDEX statuses_tenant ON statuses (tenant_key, deleted_at, priority, system_status_id);
  CREATE TABLE status_names (
    tenant_key TEXT NOT NULL,
    name TEXT NOT NULL,
    system_status_id TEXT NOT NULL,
    PRIMARY KEY (tenant_key, name)
  ) WITHOUT ROWID;
  CREATE TABLE user_statuses (
    tenant_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    system_status_id TEXT NOT NULL,
    open INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_key, user_id, system_status_id)
  ) WITHOUT ROWID;
  CREATE TABLE sync_prefs (
    tenant_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    system_status_id TEXT NOT NULL,
    sync_on INTEGER NOT NULL,
    PRIMARY KEY (tenant_key, user_id, system_status_id)
  ) WITHOUT ROWID;
  `,
  // 2: re-seeding a user deletes its ids by (tenant, user); without these it scanned every id
  `
  CREATE INDEX open_ids_tenant_user ON open_ids (tenant_key, user_id);
  CREATE INDEX union_ids_tenant_user ON union_ids (tenant_key, user_id);
  `,
  // 3: user_statuses rows small enough to live in their B-tree page. The snapshot JSON (~200 bytes)
  // made each row larger than a 1 KiB index page holds locally, so every row spilled to an overflow
  // page and every open/close wrote two pages per user. Snapshots now live once per (status,
  // version); a row keeps the version it shows.
  `
  CREATE TABLE status_snapshots (
    system_status_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (system_status_id, version)
  );
  INSERT INTO status_snapshots (system_status_id, version, snapshot)
    SELECT system_status_id, snapshot ->> 'version', snapshot FROM user_statuses WHERE true
    ON CONFLICT DO NOTHING;
  CREATE TABLE user_statuses_v3 (
    tenant_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    system_status_id TEXT NOT NULL,
    open INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    snapshot_version INTEGER NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_key, user_id, system_status_id)
  ) WITHOUT ROWID;
  INSERT INTO user_statuses_v3
    SELECT tenant_key, user_id, system_status_id, open, end_time, snapshot ->> 'version', opened_by, opened_at, updated_at
    FROM user_statuses;
  DROP TABLE user_statuses;
  ALTER TABLE user_statuses_v3 RENAME TO user_statuses;
  `,
  // 4: no token at rest. A token is kept as sha256(token) (what API calls look it up by) and a
  // copy sealed under a key derived from the app's secret (src/domain/secrets.ts). Existing tokens
  // are hashed here (larkstatus_sha256 is a function the store registers on its connection) and
  // keep working for API calls; having no sealed copy, they are not returned again by the token
  // endpoints (a new one is issued). The store runs this with secure_delete on, then VACUUMs the
  // file and truncates the WAL (the meta flag below asks for it, so a crash in between still gets
  // it on the next start): the pages that held the plaintext are overwritten, not just freed. A new
  // database (no schema_version yet) never held a token and needs neither.
  `
  CREATE TABLE tokens_v4 (
    token_hash TEXT PRIMARY KEY,
    sealed TEXT,
    kind TEXT NOT NULL,
    app_id TEXT NOT NULL,
    tenant_key TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO tokens_v4 (token_hash, sealed, kind, app_id, tenant_key, issued_at, expires_at)
    SELECT larkstatus_sha256(token), NULL, kind, app_id, tenant_key, issued_at, expires_at FROM tokens;
  DROP TABLE tokens;
  ALTER TABLE tokens_v4 RENAME TO tokens;
  CREATE INDEX tokens_app ON tokens (app_id, kind, issued_at);
  INSERT INTO meta (key, value) SELECT 'scrub_pending', '4' FROM meta WHERE key = 'schema_version'
    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
  `,
  // 5: the users who have a status open, page by page (the admin API's status users): a range of
  // this index per page instead of a scan of the tenant's rows. Its columns never change once a row
  // exists (open, close and expiry update other columns), so only a user's first open of a status
  // writes it.
  `
  CREATE INDEX user_statuses_status_user ON user_statuses (tenant_key, system_status_id, user_id);
  `,
  // 6: the audit log, one row per acknowledged change (never one per user), append-only but for
  // retention. Listed newest first by (at_ms, id), through its one index, which also serves the
  // time filters; every other filter is checked on the rows that index gives (a bounded number per
  // call). One index, not one per filter: each index is one more B-tree the change's transaction
  // writes, and four of them cost about 30% of batch throughput against 10% for one (bench, in the
  // README). users (the employee ids a batch named, space-separated) sits before the large results
  // column so a scan for one user reads no overflow page. AUTOINCREMENT: an id is never reused,
  // even once pruning has emptied the table.
  `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    tenant_key TEXT NOT NULL,
    actor TEXT NOT NULL,
    op TEXT NOT NULL,
    app_id TEXT,
    system_status_id TEXT,
    log_id TEXT,
    users TEXT,
    results TEXT,
    change TEXT
  );
  CREATE INDEX audit_at ON audit (at_ms, id);
  `,
  // 7: the emulator's named snapshots (src/storage/sqlite/snapshots.ts). One row per snapshot in
  // \`snapshots\`; per state table T, \`snap_T\` holds T's columns plus `snapshot_name`, so saving
  // and restoring are one INSERT ... SELECT per table inside the database. Every later migration
  // that changes a state table changes its snap_ table the same way (the store checks at start-up
  // that each snap_ table has exactly the columns of its table, and refuses to start otherwise).
  `
  CREATE TABLE snapshots (
    name TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    rows INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE snap_tenants AS SELECT '' AS snapshot_name, * FROM tenants WHERE false;
  CREATE INDEX snap_tenants_name ON snap_tenants (snapshot_name);
  CREATE TABLE snap_apps AS SELECT '' AS snapshot_name, * FROM apps WHERE false;
  CREATE INDEX snap_apps_name ON snap_apps (snapshot_name);
  CREATE TABLE snap_users AS SELECT '' AS snapshot_name, * FROM users WHERE false;
  CREATE INDEX snap_users_name ON snap_users (snapshot_name);
  CREATE TABLE snap_open_ids AS SELECT '' AS snapshot_name, * FROM open_ids WHERE false;
  CREATE INDEX snap_open_ids_name ON snap_open_ids (snapshot_name);
  CREATE TABLE snap_union_ids AS SELECT '' AS snapshot_name, * FROM union_ids WHERE false;
  CREATE INDEX snap_union_ids_name ON snap_union_ids (snapshot_name);
  CREATE TABLE snap_tokens AS SELECT '' AS snapshot_name, * FROM tokens WHERE false;
  CREATE INDEX snap_tokens_name ON snap_tokens (snapshot_name);
  CREATE TABLE snap_statuses AS SELECT '' AS snapshot_name, * FROM statuses WHERE false;
  CREATE INDEX snap_statuses_name ON snap_statuses (snapshot_name);
  CREATE TABLE snap_status_names AS SELECT '' AS snapshot_name, * FROM status_names WHERE false;
  CREATE INDEX snap_status_names_name ON snap_status_names (snapshot_name);
  CREATE TABLE snap_status_snapshots AS SELECT '' AS snapshot_name, * FROM status_snapshots WHERE false;
  CREATE INDEX snap_status_snapshots_name ON snap_status_snapshots (snapshot_name);
  CREATE TABLE snap_user_statuses AS SELECT '' AS snapshot_name, * FROM user_statuses WHERE false;
  CREATE INDEX snap_user_statuses_name ON snap_user_statuses (snapshot_name);
  CREATE TABLE snap_sync_prefs AS SELECT '' AS snapshot_name, * FROM sync_prefs WHERE false;
  CREATE INDEX snap_sync_prefs_name ON snap_sync_prefs (snapshot_name);
  CREATE TABLE snap_audit AS SELECT '' AS snapshot_name, * FROM audit WHERE false;
  CREATE INDEX snap_audit_name ON snap_audit (snapshot_name);
  `,
];

/** The SQL function migration 4 hashes existing tokens with: sha256 of the UTF-8 text, lowercase hex. */
export const SHA256_FUNCTION = "larkstatus_sha256";
/** The first schema version that keeps no token in plaintext (migration 4). */
export const TOKENS_HASHED_VERSION = 4;
