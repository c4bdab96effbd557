/**
 * Versioned schema of the PostgreSQL driver. Append only: a shipped migration never changes.
 * Version N here is the same step as version N of the SQLite driver (src/storage/sqlite/migrations.ts).
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
];
