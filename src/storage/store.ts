/**
 * The storage contract, in domain terms. Every driver (SQLite now, PostgreSQL later) implements it
 * and passes the same contract suite (test/storage). Invariants that must hold across concurrent
 * writers (10 live statuses, unique live names and priorities, all-or-nothing batches) are the
 * driver's job, enforced inside one transaction per call, never by callers.
 *
 * Every write that changes state takes an optional `audit` callback (its last parameter): the store
 * calls it with the write's result inside the write's transaction and inserts the entry it returns
 * in that same transaction, so a change never commits without its entry, nor an entry without its
 * change (src/domain/audit.ts).
 */

import type { AuditEntry, AuditFilter, AuditKey, AuditOf, AuditPage } from "../domain/audit.js";
import type {
  App,
  StatusRecord,
  StatusSnapshot,
  SystemStatus,
  Tenant,
  TokenRecord,
  User,
  UserIdType,
  UserStatusRow,
} from "../domain/model.js";
import type { ClockState } from "../emulator/clock.js";

/** How one input user id resolved within a tenant, for one app. */
export type ResolvedId =
  | { kind: "user"; user: User }
  | { kind: "invalid" }
  /** The id exists but belongs to another tenant (2005006). */
  | { kind: "other_tenant" };

/** Why a create or patch was refused by the invariants the store enforces. */
export type StatusConflict = "limit" | "duplicate_name" | "duplicate_priority";

export type StatusWriteResult = { ok: true; status: StatusRecord } | { ok: false; conflict: StatusConflict };

/** One user to open a status for. */
export interface OpenEntry {
  user_id: string;
  /** Unix seconds. */
  end_time: number;
}

/** A token and, when they exist, its app and tenant. */
export interface TokenOwner {
  token: TokenRecord;
  app: App | undefined;
  tenant: Tenant | undefined;
}

export interface ListPage {
  items: StatusRecord[];
  has_more: boolean;
}

/** Why `setSyncPref` wrote nothing. */
export type SyncPrefRefusal = "unknown_user" | "unknown_status";

/** A user who has a status open, with every row of that user (what the effective-status rule reads). */
export interface StatusHolder {
  user_id: string;
  /** All of the user's rows, the held status's among them, by system_status_id. */
  rows: UserStatusRow[];
}

/** A user as the seed loader writes it. */
export interface UserInput {
  user_id: string;
  name: string;
  resigned: boolean;
  /** open_id per app_id, for every app of the tenant. */
  open_ids: Record<string, string>;
  /** union_id per developer key, for every developer of the tenant's apps. */
  union_ids: Record<string, string>;
  /** status ids whose "auto open" toggle this user switched off. */
  sync_off: string[];
}

/** A user as the admin API writes it; the store derives its ids when it is new, and keeps them when it is not. */
export interface DirectoryUserInput {
  user_id: string;
  name: string;
  resigned: boolean;
}

/** A user with every id it has. */
export interface DirectoryUser extends User {
  /** open_id per app_id. */
  open_ids: Record<string, string>;
  /** union_id per developer. */
  union_ids: Record<string, string>;
}

/** The fields of an app the admin API changes (a rotated secret is a new `secret_hash`). */
export type AppPatch = Partial<Pick<App, "scopes" | "visibility" | "enabled" | "secret_hash">>;

/** How a new app was (not) written. */
export type CreateAppResult = "created" | "app_taken" | "no_tenant";

/** How `putUser` wrote a user. */
export type PutUserResult = "created" | "updated" | "no_tenant";

/**
 * State tables whose rows are inserted and deleted but never updated (the audit log): both drivers'
 * snapshots compare them by key alone. Every other table is compared row for row (EXCEPT), since
 * its rows change in place.
 */
export const APPEND_ONLY_TABLES: ReadonlySet<string> = new Set(["audit"]);

/** A saved snapshot of the whole state (the emulator's snapshots, src/emulator/emulator.ts). */
export interface SnapshotInfo {
  name: string;
  /** When it was saved (the server's clock), Unix ms. */
  created_ms: number;
  /** Rows it holds, over every table. */
  rows: number;
}

/** Users an import created and updated. */
export interface ImportCounts {
  created: number;
  updated: number;
}

export interface Store {
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<void>;
  /** Whether the store answers queries (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** True when no tenant exists yet (first start). */
  isEmpty(): Promise<boolean>;
  /**
   * After a bulk load (a seed): lets the database's query planner see the new row counts.
   * PostgreSQL plans with the statistics of (nearly) empty tables until autovacuum runs ANALYZE,
   * which measured 2× slower batches; SQLite's plans here do not depend on statistics.
   */
  refreshStatistics(): Promise<void>;
  /** The per-database secret that signs page tokens: `candidate` is stored on first use, then the stored one wins. */
  serverSecret(candidate: string): Promise<string>;
  /** The emulator clock's state (src/emulator/clock.ts); undefined until first changed. */
  readClockState(): Promise<ClockState | undefined>;
  /** Replaces the clock's state with what `change` makes of it, under a lock (every instance shares it). */
  updateClockState(change: (current: ClockState) => ClockState): Promise<ClockState>;

  // --- directory: tenants, apps, users (written by seeds and, later, the admin API) ---
  upsertTenant(tenant: Tenant, audit?: AuditOf<void>): Promise<void>;
  /** Inserts a new tenant; false (nothing written) when its key is taken. */
  insertTenant(tenant: Tenant, audit?: AuditOf<boolean>): Promise<boolean>;
  getTenant(tenantKey: string): Promise<Tenant | undefined>;
  /** Tenants by key, after `afterKey` when given: at most `limit`. */
  listTenants(limit: number, afterKey?: string): Promise<Tenant[]>;
  upsertApp(app: App, audit?: AuditOf<void>): Promise<void>;
  getApp(appId: string): Promise<App | undefined>;
  /** Inserts or updates users with their ids and sync toggles. */
  upsertUsers(tenantKey: string, users: UserInput[], audit?: AuditOf<void>): Promise<void>;
  /**
   * Deletes a tenant with everything it owns (apps and their tokens, users and their ids, sync
   * toggles, statuses, their names and snapshots, user statuses) in one transaction. False, having
   * changed nothing, when there is no such tenant.
   */
  deleteTenant(tenantKey: string, audit?: AuditOf<boolean>): Promise<boolean>;
  /**
   * Creates an app of an existing tenant, in one transaction with its ids: this app's derived
   * open_id (`deriveOpenId`) for every user of the tenant, and a derived union_id
   * (`deriveUnionId`) for every user who has none for the app's developer yet. Written set-based
   * (a tenant may have 10^6 users). `app_taken` when the app_id exists in any tenant.
   */
  createApp(app: App, audit?: AuditOf<CreateAppResult>): Promise<CreateAppResult>;
  /**
   * Changes the given fields of an app and, with `revokeTokens`, deletes its tokens in the same
   * transaction (a disabled app, a rotated secret). The app after the change, or undefined when
   * there is no such app.
   */
  updateApp(appId: string, patch: AppPatch, revokeTokens: boolean, audit?: AuditOf<App | undefined>): Promise<App | undefined>;
  /** Apps by app_id (only the tenant's, with `tenantKey`), after `afterId` when given: at most `limit`. */
  listApps(limit: number, opts?: { tenantKey?: string; afterId?: string }): Promise<App[]>;
  /** Those of `userIds` that are users of the tenant. */
  knownUserIds(tenantKey: string, userIds: readonly string[]): Promise<Set<string>>;
  /** A user with its ids. */
  getUser(tenantKey: string, userId: string): Promise<DirectoryUser | undefined>;
  /** The tenant's users by user_id, after `afterUserId` when given: at most `limit`. */
  listUsers(tenantKey: string, limit: number, afterUserId?: string): Promise<DirectoryUser[]>;
  /**
   * Creates or updates one user (name, resigned). A new user gets the derived ids of every app of
   * the tenant; an existing one keeps its ids and sync toggles.
   */
  putUser(tenantKey: string, user: DirectoryUserInput, audit?: AuditOf<PutUserResult>): Promise<PutUserResult>;
  /**
   * Creates or updates many users, as `putUser` does for each, in ONE transaction over every
   * chunk (the whole import or nothing). Chunks come in user_id order without duplicates (the
   * PostgreSQL driver locks users in that order, as the batch operations do), and `chunks` may be
   * iterated more than once (a transaction retried after a deadlock starts again). `onChunk` is told
   * the users written so far after each chunk. Undefined, having written nothing, when there is
   * no such tenant.
   */
  importUsers(
    tenantKey: string,
    chunks: Iterable<readonly DirectoryUserInput[]>,
    onChunk?: (written: number) => void,
    audit?: AuditOf<ImportCounts | undefined>,
  ): Promise<ImportCounts | undefined>;
  /** Resolves ids of one type for `app` within its tenant, in input order. */
  resolveUserIds(app: App, idType: UserIdType, ids: readonly string[]): Promise<ResolvedId[]>;

  // --- tokens (kept by hash: the store never sees a token value) ---
  /** The newest unexpired token of this kind for the app, if any. */
  latestToken(appId: string, kind: TokenRecord["kind"], nowMs: number): Promise<TokenRecord | undefined>;
  /** Stores a token (and purges the app's tokens expired by `token.issued_at`). */
  insertToken(token: TokenRecord): Promise<void>;
  /** The token whose `token_hash` is `tokenHash`. */
  getToken(tokenHash: string): Promise<TokenRecord | undefined>;
  /**
   * A token with the app and tenant it names, read together (every API call authenticates): what
   * `getToken`, then `getApp(token.app_id)` and `getTenant(token.tenant_key)` would return.
   */
  tokenOwner(tokenHash: string): Promise<TokenOwner | undefined>;
  /** Revokes every token of the app (secret rotated, app disabled). */
  revokeTokens(appId: string): Promise<void>;

  // --- system statuses ---
  /**
   * Inserts a status unless the tenant already has `maxLive` live statuses, or a live status
   * shares one of its names or its priority (checked in that order).
   */
  createStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    maxLive: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult>;
  /**
   * Replaces a live status's fields (bumping its version) unless another live status shares one of
   * its names or its priority.
   */
  updateStatus(
    tenantKey: string,
    status: SystemStatus,
    nowMs: number,
    audit?: AuditOf<StatusWriteResult>,
  ): Promise<StatusWriteResult>;
  /** Marks a live status deleted. False when there is no such live status. */
  deleteStatus(tenantKey: string, statusId: string, nowMs: number, audit?: AuditOf<boolean>): Promise<boolean>;
  /** A status of the tenant; deleted ones only when asked. */
  getStatus(tenantKey: string, statusId: string, includeDeleted: boolean): Promise<StatusRecord | undefined>;
  /** The tenant's live statuses by (priority, id), after the keyset cursor when given. */
  listStatuses(tenantKey: string, limit: number, after?: { priority: number; id: string }): Promise<ListPage>;

  // --- user statuses ---
  /**
   * Opens `statusId` for each entry (in order; a later entry for the same user wins). A row that is
   * still open and unexpired keeps its snapshot and takes the new end_time; otherwise the row takes
   * `snapshot`. Returns, per distinct user, all of that user's rows after the write; or undefined,
   * having written nothing, when `statusId` is not a live status of the tenant at the time of the
   * write (deleted since the caller checked, or unknown); then `audit` is not called.
   */
  openUserStatuses(
    tenantKey: string,
    statusId: string,
    snapshot: StatusSnapshot,
    entries: readonly OpenEntry[],
    appId: string,
    nowMs: number,
    audit?: AuditOf<Map<string, UserStatusRow[]>>,
  ): Promise<Map<string, UserStatusRow[]> | undefined>;
  /** Closes `statusId` for the users (closing what is not open is a no-op). */
  closeUserStatuses(
    tenantKey: string,
    statusId: string,
    userIds: readonly string[],
    nowMs: number,
    audit?: AuditOf<void>,
  ): Promise<void>;
  /** Every row of one user (for the effective status and, later, the admin API). */
  userStatuses(tenantKey: string, userId: string): Promise<UserStatusRow[]>;

  // --- what users show (the admin API's State) ---
  /** The "auto open" toggles a user set explicitly, by status id (statuses without one use their default). */
  userSyncPrefs(tenantKey: string, userId: string): Promise<Map<string, boolean>>;
  /**
   * Sets one user's "auto open" toggle for one status, in one transaction that first checks the
   * user exists and the status is a live status of the tenant; refused (nothing written) otherwise.
   * The choice is stored as given, so it outlives a later change of the status's default.
   */
  setSyncPref(
    tenantKey: string,
    userId: string,
    statusId: string,
    on: boolean,
    audit?: AuditOf<"ok" | SyncPrefRefusal>,
  ): Promise<"ok" | SyncPrefRefusal>;
  /**
   * The users whose row of `statusId` is open and unexpired at `nowS` (end_time > nowS), by
   * user_id (byte order) after `afterUserId` when given, at most `limit`, each with all its rows,
   * read together. Pages through an index on (tenant, status, user): a status open for 100,000
   * users costs one short range read per page.
   */
  statusHolders(tenantKey: string, statusId: string, nowS: number, limit: number, afterUserId?: string): Promise<StatusHolder[]>;
  // --- the audit log (src/domain/audit.ts) ---
  /** Writes an entry on its own: an acknowledged call that changed no row (a batch of only failures). */
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * Entries matching `filter`, newest first (at_ms, then id, descending), after `after`: at most
   * `limit`. Examines a bounded number of entries per call when the filter has a field it cannot
   * look up by index (see AuditPage.next).
   */
  listAudit(filter: AuditFilter, limit: number, after?: AuditKey): Promise<AuditPage>;
  /** Deletes up to `max` of the oldest entries with `at_ms < beforeMs`, in one short transaction; how many went. */
  pruneAudit(beforeMs: number, max: number): Promise<number>;

  // --- snapshots of the whole state (the emulator controls) ---
  // The state is every table but `meta` (schema version, server secret, the emulator clock): the
  // directory, tokens, statuses and their names and snapshots, user statuses, sync toggles, audit.
  /**
   * Saves the whole state under `name`, replacing a snapshot of that name, in one transaction that
   * sees one consistent state (concurrent writes land wholly before or wholly after it).
   */
  saveSnapshot(name: string, createdMs: number): Promise<SnapshotInfo>;
  /** Every snapshot, by name (byte order). */
  listSnapshots(): Promise<SnapshotInfo[]>;
  /**
   * Replaces the whole state with the snapshot's, exactly (every table's rows as saved), in ONE
   * transaction: a failure leaves the state as it was, and concurrent calls see the old state or
   * the new one, never a mix. Audit ids keep increasing afterwards (an id is never reused). With
   * `reset`, the same transaction also deletes every token and every other snapshot. The rows
   * restored, or undefined (nothing changed) when there is no such snapshot.
   */
  restoreSnapshot(name: string, opts?: { reset?: boolean }): Promise<number | undefined>;
  /** Deletes a snapshot; false when there is none of that name. */
  deleteSnapshot(name: string): Promise<boolean>;
}
