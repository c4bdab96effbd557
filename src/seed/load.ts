/**
 * Loads a seed file into a store. Validation is complete before anything is written, and every
 * error names the file, the path inside it and the rule broken. Loading is idempotent: the same
 * seed twice leaves the same state (statuses match by id, or by title when the seed gives none).
 */
import { readFile } from "node:fs/promises";
import type { ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import type { AuditEntry } from "../domain/audit.js";
import { appDefaults, appProblem } from "../domain/directory.js";
import type { IdGenerator } from "../domain/ids.js";
import { deriveOpenId, deriveUnionId } from "../domain/ids.js";
import { type App, I18N_KEYS, MAX_LIVE_STATUSES, type SystemStatus, toWire, withDefaults } from "../domain/model.js";
import { checkSyncSetting, checkTitles, containsSensitiveWord } from "../domain/rules.js";
import { hashSecret, verifySecret } from "../domain/secrets.js";
import { ApiError, violationValue } from "../errors/codes.js";
import { instanceSegments, jsonPath, newAjv, ruleOf, valueAt } from "../http/validation.js";
import type { Store, UserInput } from "../storage/store.js";
import { SeedFile, type SeedTenant } from "./schema.js";

export class SeedError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly rule: string,
    /** The offending value as the file has it, when one is at `path` (echoed in the message). */
    readonly value?: unknown,
  ) {
    super(`${file}: ${path === "" ? "(root)" : path}: ${rule}${value === undefined ? "" : ` (got ${shown(value)})`}`);
    this.name = "SeedError";
  }
}

/** A value as a seed error echoes it: JSON (strings quoted), cut to 80 characters. */
function shown(value: unknown): string {
  const text = violationValue(typeof value === "string" ? JSON.stringify(value) : value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

const ajv = newAjv({ coerceTypes: false });
const validateSeed = ajv.compile(SeedFile);

/** Reports progress of long imports; `done` of `total` users written. */
export type SeedProgress = (done: number, total: number) => void;

export interface SeedDeps {
  store: Store;
  ids: IdGenerator;
  now: () => number;
  onProgress?: SeedProgress;
  /** scrypt cost for new secret hashes (tests use a small one; production keeps the default). */
  scryptN?: number;
}

export interface SeedSummary {
  tenants: number;
  apps: number;
  users: number;
  statuses: number;
  /** The first app of the seed (its id only: a seed's secrets are never echoed). */
  firstAppId?: string;
}

/** Parses and validates a seed file's text (JSON or YAML) without touching any store. */
export function parseSeed(file: string, text: string): SeedFile {
  let doc: unknown;
  const json = /\.json$/i.test(file);
  try {
    doc = json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // The YAML library's message carries the line, the column and a code frame pointing at the
    // error: kept whole (several lines).
    throw new SeedError(file, "", `not valid ${json ? "JSON" : "YAML"}: ${(e as Error).message.trimEnd()}`);
  }
  if (!validateSeed(doc)) {
    const err = (validateSeed.errors ?? [])[0] as ErrorObject;
    const segs = instanceSegments(err);
    const value = valueAt(doc, segs);
    if (err.keyword === "required") segs.push(String((err.params as { missingProperty: string }).missingProperty));
    if (err.keyword === "additionalProperties")
      segs.push(String((err.params as { additionalProperty: string }).additionalProperty));
    const rule =
      err.keyword === "additionalProperties" ? "unknown field" : err.keyword === "required" ? "is required" : ruleOf(err);
    // A missing or unknown field has no value worth echoing; an object or array is named by its path.
    const echo =
      err.keyword === "required" || err.keyword === "additionalProperties" || typeof value === "object" ? undefined : value;
    throw new SeedError(file, jsonPath(segs), rule, echo);
  }
  checkSemantics(file, doc);
  return doc;
}

function checkSemantics(file: string, seed: SeedFile): void {
  const fail = (path: string, rule: string, value?: unknown): never => {
    throw new SeedError(file, path, rule, value);
  };
  const tenantKeys = new Set<string>();
  const appIds = new Set<string>();
  const explicitIds = new Map<string, string>();
  const statusIds = new Set<string>();
  seed.tenants.forEach((t, ti) => {
    const tp = `tenants[${ti}]`;
    if (tenantKeys.has(t.tenant_key)) fail(`${tp}.tenant_key`, `duplicate tenant_key ${t.tenant_key}`);
    tenantKeys.add(t.tenant_key);
    const userIds = new Set<string>();
    (t.users ?? []).forEach((u, ui) => {
      const up = `${tp}.users[${ui}]`;
      if (userIds.has(u.user_id)) fail(`${up}.user_id`, `duplicate user_id ${u.user_id} in this tenant`);
      userIds.add(u.user_id);
      const ids = [
        ...(u.union_id ? [[`${up}.union_id`, u.union_id]] : []),
        ...Object.entries(u.open_ids ?? {}).map(([a, o]) => [`${up}.open_ids.${a}`, o]),
      ];
      for (const [path, id] of ids as [string, string][]) {
        const prev = explicitIds.get(id);
        if (prev) fail(path, `id ${id} is already used at ${prev}`);
        explicitIds.set(id, path);
      }
    });
    const tenantApps = new Set((t.apps ?? []).map((a) => a.app_id));
    (t.users ?? []).forEach((u, ui) => {
      for (const appId of Object.keys(u.open_ids ?? {})) {
        if (!tenantApps.has(appId)) fail(`${tp}.users[${ui}].open_ids.${appId}`, `app ${appId} is not an app of this tenant`);
      }
    });
    (t.apps ?? []).forEach((a, ai) => {
      const ap = `${tp}.apps[${ai}]`;
      if (appIds.has(a.app_id)) fail(`${ap}.app_id`, `duplicate app_id ${a.app_id}`);
      appIds.add(a.app_id);
      // The admin API checks apps with the same function.
      const p = appProblem(a, (u) => userIds.has(u));
      if (p) fail(`${ap}.${p.field}`, p.rule, p.value);
    });
    const names = new Map<string, string>();
    const priorities = new Map<number, string>();
    (t.system_statuses ?? []).forEach((s, si) => {
      const sp = `${tp}.system_statuses[${si}]`;
      try {
        checkTitles(`${sp}.`, s);
        checkSyncSetting(`${sp}.`, s.sync_setting);
      } catch (e) {
        if (e instanceof ApiError) {
          const v = e.details.fieldViolations?.[0];
          fail(v?.field ?? sp, v?.description ?? e.message);
        }
        throw e;
      }
      const full = withDefaults(s);
      // Each name with the path it sits at, so an error points at the exact field.
      const named: Array<[string, string]> = [
        [`${sp}.title`, full.title],
        ...I18N_KEYS.flatMap((k): Array<[string, string]> => {
          const v = full.i18n_title[k];
          return v === undefined ? [] : [[`${sp}.i18n_title.${k}`, v]];
        }),
      ];
      for (const [path, n] of named) {
        if (containsSensitiveWord([n], t.sensitive_words ?? [])) fail(path, "contains a sensitive word of this tenant");
      }
      for (const [path, n] of named) {
        const prev = names.get(n);
        if (prev && prev !== sp)
          fail(path, `name "${n}" is already used by ${prev} (names are unique across title and i18n titles)`);
      }
      for (const [, n] of named) names.set(n, sp);
      const prevP = priorities.get(full.priority);
      if (prevP) fail(`${sp}.priority`, `priority ${full.priority} is already used by ${prevP}`);
      priorities.set(full.priority, sp);
      if (s.system_status_id) {
        if (statusIds.has(s.system_status_id)) fail(`${sp}.system_status_id`, `duplicate system_status_id ${s.system_status_id}`);
        statusIds.add(s.system_status_id);
      }
    });
  });
}

const USER_CHUNK = 5000;

/**
 * The audit entry of one seed write ([ours]: one per transaction the seed makes, so each change
 * commits with its own entry: a tenant, an app, a chunk of up to 5,000 users, a status created or
 * changed; a status already as the seed says is not written, so it has none).
 */
function seedEntry(tenantKey: string, op: string, now: number, more: Partial<AuditEntry>): AuditEntry {
  return { at_ms: now, tenant_key: tenantKey, actor: "seed", op, ...more };
}

/** Writes a validated seed into the store. */
export async function applySeed(file: string, seed: SeedFile, deps: SeedDeps): Promise<SeedSummary> {
  const { store } = deps;
  const summary: SeedSummary = { tenants: 0, apps: 0, users: 0, statuses: 0 };
  const totalUsers = seed.tenants.reduce((n, t) => n + (t.users?.length ?? 0), 0);
  let doneUsers = 0;
  for (const [ti, t] of seed.tenants.entries()) {
    const tenant = {
      tenant_key: t.tenant_key,
      name: t.name,
      api_enabled: t.api_enabled ?? true,
      sensitive_words: t.sensitive_words ?? [],
    };
    await store.upsertTenant(tenant, () => seedEntry(t.tenant_key, "seed.tenant", deps.now(), { change: tenant }));
    summary.tenants++;
    const apps = await applyApps(file, ti, t, deps);
    summary.apps += apps.length;
    if (!summary.firstAppId && t.apps?.[0]) summary.firstAppId = t.apps[0].app_id;
    const developers = [...new Set(apps.map((a) => a.developer))];
    const users = t.users ?? [];
    for (let i = 0; i < users.length; i += USER_CHUNK) {
      const chunk: UserInput[] = users.slice(i, i + USER_CHUNK).map((u) => ({
        user_id: u.user_id,
        name: u.name,
        resigned: u.resigned ?? false,
        open_ids: Object.fromEntries(
          apps.map((a) => [a.app_id, u.open_ids?.[a.app_id] ?? deriveOpenId(a.app_id, t.tenant_key, u.user_id)]),
        ),
        union_ids: Object.fromEntries(developers.map((d) => [d, u.union_id ?? deriveUnionId(d, t.tenant_key, u.user_id)])),
        sync_off: u.sync_off ?? [],
      }));
      try {
        await store.upsertUsers(t.tenant_key, chunk, () =>
          seedEntry(t.tenant_key, "seed.users", deps.now(), {
            users: chunk.map((u) => u.user_id),
            change: { users: chunk.length },
          }),
        );
      } catch (e) {
        throw new SeedError(file, `tenants[${ti}].users`, `cannot be stored: ${(e as Error).message}`);
      }
      doneUsers += chunk.length;
      deps.onProgress?.(doneUsers, totalUsers);
    }
    summary.users += users.length;
    summary.statuses += await applyStatuses(file, ti, t, deps);
  }
  return summary;
}

async function applyApps(file: string, ti: number, t: SeedTenant, deps: SeedDeps): Promise<App[]> {
  const { store, scryptN } = deps;
  const out: App[] = [];
  for (const [ai, a] of (t.apps ?? []).entries()) {
    const existing = await store.getApp(a.app_id);
    if (existing && existing.tenant_key !== t.tenant_key) {
      throw new SeedError(
        file,
        `tenants[${ti}].apps[${ai}].app_id`,
        `app ${a.app_id} already belongs to tenant ${existing.tenant_key}`,
      );
    }
    const sameSecret = existing ? await verifySecret(a.app_secret, existing.secret_hash) : false;
    const defaults = appDefaults(t.tenant_key);
    const app: App = {
      app_id: a.app_id,
      tenant_key: t.tenant_key,
      secret_hash: sameSecret && existing ? existing.secret_hash : await hashSecret(a.app_secret, scryptN),
      scopes: a.scopes,
      enabled: a.enabled ?? defaults.enabled,
      visibility: a.visibility ?? defaults.visibility,
      developer: a.developer ?? defaults.developer,
    };
    const { secret_hash: _, ...shown } = app;
    await store.upsertApp(app, () => seedEntry(t.tenant_key, "seed.app", deps.now(), { app_id: app.app_id, change: shown }));
    // A rotated secret or a disabled app invalidates every token the app holds.
    if (existing && (!sameSecret || !app.enabled)) await store.revokeTokens(a.app_id);
    out.push(app);
  }
  return out;
}

async function applyStatuses(
  file: string,
  ti: number,
  t: SeedTenant,
  deps: { store: Store; ids: IdGenerator; now: () => number },
): Promise<number> {
  const { store } = deps;
  const live = (await store.listStatuses(t.tenant_key, MAX_LIVE_STATUSES)).items;
  let n = 0;
  for (const [si, s] of (t.system_statuses ?? []).entries()) {
    const sp = `tenants[${ti}].system_statuses[${si}]`;
    const existing = s.system_status_id
      ? await store.getStatus(t.tenant_key, s.system_status_id, true)
      : live.find((x) => x.title === s.title);
    const desired: SystemStatus = {
      system_status_id: existing?.system_status_id ?? s.system_status_id ?? deps.ids.statusId(),
      ...withDefaults(s),
    };
    const audit = (r: Awaited<ReturnType<Store["createStatus"]>>) =>
      r.ok
        ? seedEntry(t.tenant_key, "seed.system_status", deps.now(), {
            system_status_id: desired.system_status_id,
            change: toWire(r.status),
          })
        : undefined;
    let res: Awaited<ReturnType<Store["createStatus"]>>;
    if (existing && existing.deleted_at === null) {
      if (JSON.stringify(toWire(existing)) === JSON.stringify(desired)) {
        n++;
        continue;
      }
      res = await store.updateStatus(t.tenant_key, desired, deps.now(), audit);
    } else if (existing) {
      throw new SeedError(file, `${sp}.system_status_id`, `status ${desired.system_status_id} was deleted; give it a new id`);
    } else {
      try {
        res = await store.createStatus(t.tenant_key, desired, deps.now(), MAX_LIVE_STATUSES, audit);
      } catch (e) {
        throw new SeedError(
          file,
          `${sp}.system_status_id`,
          `cannot be stored (is the id used by another tenant?): ${(e as Error).message}`,
        );
      }
    }
    if (!res.ok) {
      const rule = {
        limit: "the tenant already has 10 live statuses",
        duplicate_name: "a live status of this tenant already has this title or i18n title",
        duplicate_priority: "a live status of this tenant already has this priority",
      }[res.conflict];
      throw new SeedError(
        file,
        res.conflict === "duplicate_priority" ? `${sp}.priority` : res.conflict === "limit" ? sp : `${sp}.title`,
        rule,
      );
    }
    n++;
  }
  return n;
}

/** Reads, validates and applies a seed file. */
export async function loadSeedFile(file: string, deps: SeedDeps): Promise<SeedSummary> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SeedError(file, "", `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return applySeed(file, parseSeed(file, text), deps);
}
