/**
 * The directory as the admin API changes it: tenants, apps and users, with the same rules as the
 * seed file. No HTTP: each method answers a result the admin layer turns into a response.
 */
import type { Store } from "../storage/store.js";
import type { AuditEntry } from "./audit.js";
import type { Clock } from "./clock.js";
import type { IdGenerator } from "./ids.js";
import type { Tenant } from "./model.js";

/** A directory write that did not happen, and why. */
export type Refusal = { refused: "not_found"; what: string; id: string } | { refused: "conflict"; detail: string };

export interface TenantInput {
  tenant_key?: string;
  name: string;
  api_enabled?: boolean;
  sensitive_words?: string[];
}

export type TenantPatch = Partial<Omit<Tenant, "tenant_key">>;

/** Who asks for a directory change, for its audit entry: the admin operation's name and the request's log id. */
export interface ChangeBy {
  op: string;
  log_id?: string;
}

export class Directory {
  private readonly store: Store;
  private readonly ids: IdGenerator;
  readonly clock: Clock;

  constructor(deps: { store: Store; ids: IdGenerator; clock: Clock }) {
    this.store = deps.store;
    this.ids = deps.ids;
    this.clock = deps.clock;
  }

  /** Tenants by key, `limit + 1` of them so the caller can tell whether there are more. */
  listTenants(limit: number, afterKey?: string): Promise<Tenant[]> {
    return this.store.listTenants(limit + 1, afterKey);
  }

  getTenant(tenantKey: string): Promise<Tenant | undefined> {
    return this.store.getTenant(tenantKey);
  }

  /** The audit entry of an admin change to `tenantKey`. */
  private entry(by: ChangeBy, tenantKey: string, change: object): AuditEntry {
    return {
      at_ms: this.clock.now(),
      tenant_key: tenantKey,
      actor: "admin",
      op: by.op,
      ...(by.log_id === undefined ? {} : { log_id: by.log_id }),
      change,
    };
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
      !(await this.store.insertTenant(tenant, (created) => (created ? this.entry(by, tenant.tenant_key, tenant) : undefined)))
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
    await this.store.upsertTenant(next, () => this.entry(by, tenantKey, { ...patch }));
    return next;
  }
}

/** Whether a directory result is a refusal. */
export function isRefusal<T>(r: T | Refusal): r is Refusal {
  return typeof r === "object" && r !== null && "refused" in r;
}
