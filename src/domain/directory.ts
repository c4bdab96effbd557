/**
 * The directory as the admin API changes it: tenants, apps and users, with the same rules as the
 * seed file (the semantic checks both need are the functions below, which the seed loader calls
 * too). No HTTP: each method answers a result the admin layer turns into a response.
 */
import type { DirectoryUser, DirectoryUserInput, ImportCounts, Store } from "../storage/store.js";
import { type AuditEntry, adminEntry, type ChangeBy } from "./audit.js";
import type { Clock } from "./clock.js";
import type { IdGenerator } from "./ids.js";
import type { App, Tenant, Visibility } from "./model.js";
import { unknownScopeRule } from "./rules.js";
import { DEFAULT_SCRYPT_N, hashSecret } from "./secrets.js";

/** A directory write that did not happen, and why. */
export type Refusal =
  | { refused: "not_found"; what: string; id: string }
  | { refused: "conflict"; detail: string }
  /** A rule that needs the directory (a scope, a visibility user): `field` is a JSON path in the input. */
  | { refused: "invalid"; field: string; message: string };

/** A semantic problem of directory input: the field (a JSON path inside the checked object), the rule broken, the value. */
export interface FieldProblem {
  field: string;
  rule: string;
  /** The offending value, when it is worth echoing. */
  value?: unknown;
}

/**
 * The first problem of an app's scopes and visibility, in the order a seed file and the admin API
 * both check them: every scope must be one larkstatus knows (`unknownScopeRule`, with its "did you
 * mean"), and every user_id a visibility list names must be a user of the app's tenant (`isUser`).
 */
export function appProblem(
  app: { scopes?: readonly string[] | undefined; visibility?: Visibility | undefined },
  isUser: (userId: string) => boolean,
): FieldProblem | undefined {
  for (const [i, scope] of (app.scopes ?? []).entries()) {
    const rule = unknownScopeRule(scope);
    if (rule) return { field: `scopes[${i}]`, rule, value: scope };
  }
  if (Array.isArray(app.visibility)) {
    for (const [i, userId] of app.visibility.entries()) {
      if (!isUser(userId)) return { field: `visibility[${i}]`, rule: `user ${userId} is not a user of this tenant` };
    }
  }
  return undefined;
}

/** What an app of `tenantKey` is when a seed file or an admin call leaves a field out. */
export function appDefaults(tenantKey: string): Pick<App, "visibility" | "enabled" | "developer"> {
  return { visibility: "all", enabled: true, developer: tenantKey };
}

/** A new app as the admin API creates it. */
export interface AppInput {
  app_id?: string | undefined;
  scopes: string[];
  visibility?: Visibility | undefined;
  developer?: string | undefined;
  enabled?: boolean | undefined;
}

/** The fields of an app the admin API changes. */
export interface AppChange {
  enabled?: boolean | undefined;
  scopes?: string[] | undefined;
  visibility?: Visibility | undefined;
}

/** An app with its secret: answered when the app is created and when its secret is rotated, never again. */
export interface AppWithSecret {
  app: App;
  app_secret: string;
}

/** A user as `PUT .../users/{user_id}` writes it. */
export interface UserChange {
  name: string;
  resigned?: boolean | undefined;
}

export interface TenantInput {
  tenant_key?: string;
  name: string;
  api_enabled?: boolean;
  sensitive_words?: string[];
}

export type TenantPatch = Partial<Omit<Tenant, "tenant_key">>;

/** Users an import must write for the store's planner statistics to be refreshed after it. */
export const IMPORT_REFRESH_STATISTICS = 1000;

export class Directory {
  private readonly store: Store;
  private readonly ids: IdGenerator;
  readonly clock: Clock;

  private readonly scryptN: number;

  /** `scryptN`: the cost of new secret hashes (tests pass a small one; production keeps the default). */
  constructor(deps: { store: Store; ids: IdGenerator; clock: Clock; scryptN?: number }) {
    this.store = deps.store;
    this.ids = deps.ids;
    this.clock = deps.clock;
    this.scryptN = deps.scryptN ?? DEFAULT_SCRYPT_N;
  }

  /** Tenants by key, `limit + 1` of them so the caller can tell whether there are more. */
  listTenants(limit: number, afterKey?: string): Promise<Tenant[]> {
    return this.store.listTenants(limit + 1, afterKey);
  }

  getTenant(tenantKey: string): Promise<Tenant | undefined> {
    return this.store.getTenant(tenantKey);
  }

  /** The audit entry of an admin change to `tenantKey`, now. */
  private entry(by: ChangeBy, tenantKey: string, more: Partial<AuditEntry> = {}): AuditEntry {
    return adminEntry(by, this.clock.now(), tenantKey, more);
  }

  /** Creates a tenant (a key is made when none is given); a taken key is a conflict. */
  async createTenant(input: TenantInput, by: ChangeBy): Promise<Tenant | Refusal> {
    const tenant: Tenant = {
      tenant_key: input.tenant_key ?? this.ids.key("tenant"),
      name: input.name,
      api_enabled: input.api_enabled ?? true,
      sensitive_words: input.sensitive_words ?? [],
    };
    if (
      !(await this.store.insertTenant(tenant, (created) =>
        created ? this.entry(by, tenant.tenant_key, { change: tenant }) : undefined,
      ))
    ) {
      return { refused: "conflict", detail: `tenant_key ${tenant.tenant_key} is taken` };
    }
    return tenant;
  }

  /** Changes the given fields of a tenant. */
  async patchTenant(tenantKey: string, patch: TenantPatch, by: ChangeBy): Promise<Tenant | Refusal> {
    const current = await this.store.getTenant(tenantKey);
    if (!current) return { refused: "not_found", what: "tenant", id: tenantKey };
    const next: Tenant = { ...current, ...patch, tenant_key: tenantKey };
    // The entry records the fields the admin set (their new values).
    await this.store.upsertTenant(next, () => this.entry(by, tenantKey, { change: { ...patch } }));
    return next;
  }

  /** Deletes a tenant with everything it owns (one store transaction). */
  async deleteTenant(tenantKey: string, by: ChangeBy): Promise<true | Refusal> {
    const deleted = await this.store.deleteTenant(tenantKey, (done) => (done ? this.entry(by, tenantKey) : undefined));
    return deleted ? true : noTenant(tenantKey);
  }

  // ---------------------------------------------------------------- apps

  /** Apps by app_id (`limit + 1`, so the caller can tell whether there are more); of one tenant when given. */
  async listApps(limit: number, opts: { tenantKey?: string; afterId?: string }): Promise<App[] | Refusal> {
    if (opts.tenantKey !== undefined && !(await this.store.getTenant(opts.tenantKey))) return noTenant(opts.tenantKey);
    return this.store.listApps(limit + 1, opts);
  }

  getApp(appId: string): Promise<App | undefined> {
    return this.store.getApp(appId);
  }

  /**
   * Creates an app with a new secret (shown once: only its hash is stored). Its app_id is made
   * when none is given; a taken one (in any tenant) is a conflict. The store gives every user of
   * the tenant the app's derived ids in the same transaction.
   */
  async createApp(tenantKey: string, input: AppInput, by: ChangeBy): Promise<AppWithSecret | Refusal> {
    if (!(await this.store.getTenant(tenantKey))) return noTenant(tenantKey);
    const invalid = await this.appRefusal(tenantKey, input);
    if (invalid) return invalid;
    const defaults = appDefaults(tenantKey);
    const appSecret = this.ids.appSecret();
    const app: App = {
      app_id: input.app_id ?? this.ids.key("app"),
      tenant_key: tenantKey,
      secret_hash: await hashSecret(appSecret, this.scryptN),
      scopes: input.scopes,
      enabled: input.enabled ?? defaults.enabled,
      visibility: input.visibility ?? defaults.visibility,
      developer: input.developer ?? defaults.developer,
    };
    // The entry records the app as created, never its secret nor the secret's hash.
    const { secret_hash: _, ...recorded } = app;
    const r = await this.store.createApp(app, (res) =>
      res === "created" ? this.entry(by, tenantKey, { app_id: app.app_id, change: recorded }) : undefined,
    );
    if (r === "no_tenant") return noTenant(tenantKey);
    if (r === "app_taken") return { refused: "conflict", detail: `app_id ${app.app_id} is taken` };
    return { app, app_secret: appSecret };
  }

  /** Changes an app's enabled, scopes or visibility; disabling it revokes its tokens in the same transaction. */
  async patchApp(appId: string, change: AppChange, by: ChangeBy): Promise<App | Refusal> {
    const current = await this.store.getApp(appId);
    if (!current) return noApp(appId);
    const invalid = await this.appRefusal(current.tenant_key, change);
    if (invalid) return invalid;
    const patch = {
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      ...(change.scopes !== undefined ? { scopes: change.scopes } : {}),
      ...(change.visibility !== undefined ? { visibility: change.visibility } : {}),
    };
    const app = await this.store.updateApp(appId, patch, change.enabled === false, (a) =>
      a ? this.entry(by, a.tenant_key, { app_id: appId, change: patch }) : undefined,
    );
    return app ?? noApp(appId);
  }

  /** A new secret for the app; every token of the app is revoked in the same transaction. */
  async rotateSecret(appId: string, by: ChangeBy): Promise<AppWithSecret | Refusal> {
    if (!(await this.store.getApp(appId))) return noApp(appId);
    const appSecret = this.ids.appSecret();
    // The entry says that the secret changed (and the tokens were revoked), never what it became.
    const app = await this.store.updateApp(appId, { secret_hash: await hashSecret(appSecret, this.scryptN) }, true, (a) =>
      a ? this.entry(by, a.tenant_key, { app_id: appId }) : undefined,
    );
    return app ? { app, app_secret: appSecret } : noApp(appId);
  }

  /** The seed's rules for scopes and visibility, with the tenant's users looked up in the store. */
  private async appRefusal(tenantKey: string, app: AppChange): Promise<Refusal | undefined> {
    const named = Array.isArray(app.visibility) ? app.visibility : [];
    const known = named.length > 0 ? await this.store.knownUserIds(tenantKey, named) : new Set<string>();
    const p = appProblem(app, (u) => known.has(u));
    return p ? { refused: "invalid", field: p.field, message: p.rule } : undefined;
  }

  // ---------------------------------------------------------------- users

  /** The tenant's users by user_id (`limit + 1`, so the caller can tell whether there are more). */
  async listUsers(tenantKey: string, limit: number, afterUserId?: string): Promise<DirectoryUser[] | Refusal> {
    if (!(await this.store.getTenant(tenantKey))) return noTenant(tenantKey);
    return this.store.listUsers(tenantKey, limit + 1, afterUserId);
  }

  async getUser(tenantKey: string, userId: string): Promise<DirectoryUser | Refusal> {
    const user = await this.store.getUser(tenantKey, userId);
    if (user) return user;
    return (await this.store.getTenant(tenantKey)) ? { refused: "not_found", what: "user", id: userId } : noTenant(tenantKey);
  }

  /**
   * Creates or updates a user (`resigned` defaults to false, as in a seed file). A new user gets
   * the derived ids of every app of the tenant; an existing one keeps its ids and sync toggles.
   */
  async putUser(
    tenantKey: string,
    userId: string,
    change: UserChange,
    by: ChangeBy,
  ): Promise<{ user: DirectoryUser; created: boolean } | Refusal> {
    const written = { user_id: userId, name: change.name, resigned: change.resigned ?? false };
    const r = await this.store.putUser(tenantKey, written, (res) =>
      res === "no_tenant"
        ? undefined
        : this.entry(by, tenantKey, { users: [userId], change: { ...written, created: res === "created" } }),
    );
    if (r === "no_tenant") return noTenant(tenantKey);
    const user = await this.store.getUser(tenantKey, userId);
    // Only a tenant deleted in between leaves no user to answer with.
    return user ? { user, created: r === "created" } : noTenant(tenantKey);
  }

  /**
   * Writes validated users (in user_id order, without duplicates, re-iterable) as `putUser` does
   * for each, all in one store transaction. An import of IMPORT_REFRESH_STATISTICS users or more
   * is a bulk load: the store's planner statistics are refreshed after it (see there).
   */
  async importUsers(
    tenantKey: string,
    users: Iterable<readonly DirectoryUserInput[]>,
    by: ChangeBy,
    onProgress?: (written: number) => void,
  ): Promise<ImportCounts | Refusal> {
    // [ours] one entry with the counts, not the users' ids (an import may hold 10^6 of them): the
    // user filter does not find an import; the op filter does.
    const counts = await this.store.importUsers(tenantKey, users, onProgress, (c) =>
      c ? this.entry(by, tenantKey, { change: { ...c } }) : undefined,
    );
    if (!counts) return noTenant(tenantKey);
    // Planned with the row counts of before the import, PostgreSQL made the next app creation
    // quadratic in the tenant's users (over 12 minutes for 100,000 in bench:import); autovacuum
    // would catch up only later.
    if (counts.created + counts.updated >= IMPORT_REFRESH_STATISTICS) await this.store.refreshStatistics();
    return counts;
  }
}

function noTenant(tenantKey: string): Refusal {
  return { refused: "not_found", what: "tenant", id: tenantKey };
}

function noApp(appId: string): Refusal {
  return { refused: "not_found", what: "app", id: appId };
}

/** Whether a directory result is a refusal. */
export function isRefusal<T>(r: T | Refusal): r is Refusal {
  return typeof r === "object" && r !== null && "refused" in r;
}
