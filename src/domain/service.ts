/**
 * The vendor semantics of the personal_settings system-status API and its token endpoints, with no
 * HTTP and no SQL: handlers call one method here, the store keeps the state.
 */
import { ApiError, invalidField } from "../errors/codes.js";
import type { ResolvedId, Store } from "../storage/store.js";
import type { AuditEntry, AuditResult } from "./audit.js";
import type { Clock } from "./clock.js";
import { type IdGenerator, OPEN_ID_RE, STATUS_ID_RE, UNION_ID_RE, USER_ID_RE } from "./ids.js";
import {
  type App,
  type CloseResult,
  type Color,
  type I18nText,
  type IconKey,
  MAX_LIVE_STATUSES,
  namesOf,
  type OpenResult,
  type StatusRecord,
  type SyncSetting,
  type SystemStatus,
  snapshotOf,
  syncWithDefaults,
  type Tenant,
  type TokenRecord,
  toWire,
  type UpdateField,
  type UserIdType,
  type UserStatusRow,
  withDefaults,
} from "./model.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { checkSyncSetting, checkTitles, containsSensitiveWord, openOutcome, parseEndTime } from "./rules.js";
import { SecretVerifier } from "./secret-verifier.js";
import { sealToken, tokenHash, unsealToken } from "./secrets.js";

/** A token lives 2 hours; asking again returns the same token while 30 minutes or more remain. */
export const TOKEN_TTL_MS = 2 * 3600 * 1000;
export const TOKEN_REUSE_MIN_MS = 30 * 60 * 1000;

/** The authenticated caller of a personal_settings endpoint. */
export interface Caller {
  app: App;
  tenant: Tenant;
  /** The request's log id, recorded with the caller's changes in the audit log. */
  log_id?: string;
}

/**
 * A batch's input resolved: the user, or the failure result that applies first (`fail`: an
 * injected fault, after the others).
 */
type Resolved =
  | { userId: string }
  | { fail: "invalid_user_id" | "resign_user_id" | "invisible_user_id" | "fail"; userId?: string };

/** The inputs of a batch (by index) that an injected fault fails: nothing changes for them. */
export type FailedInputs = ReadonlySet<number>;

const NONE_FAILED: FailedInputs = new Set();

export interface StatusInput {
  title: string;
  i18n_title?: I18nText;
  icon_key: IconKey;
  color?: Color;
  priority?: number;
  sync_setting?: Partial<SyncSetting>;
}

export interface PatchInput {
  system_status: Partial<StatusInput>;
  update_fields: UpdateField[];
}

export interface ListOutput {
  items: SystemStatus[];
  has_more: boolean;
  page_token?: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds left. */
  expire: number;
}

/** The property of `system_status` that each update field names. */
export const UPDATE_FIELD_PROPERTY: Record<UpdateField, keyof StatusInput> = {
  TITLE: "title",
  I18N_TITLE: "i18n_title",
  ICON: "icon_key",
  COLOR: "color",
  PRIORITY: "priority",
  SYNC_SETTING: "sync_setting",
};

const CONFLICT_ERROR = {
  limit: "STATUS_LIMIT",
  duplicate_name: "DUPLICATE_NAME",
  duplicate_priority: "DUPLICATE_PRIORITY",
} as const;

function wellFormed(idType: UserIdType, id: string): boolean {
  if (idType === "open_id") return OPEN_ID_RE.test(id);
  if (idType === "union_id") return UNION_ID_RE.test(id);
  return USER_ID_RE.test(id);
}

/** What a sealed token is bound to: its row's identity, so a sealed copy cannot be moved to another row. */
function sealContext(t: Pick<TokenRecord, "token_hash" | "kind" | "app_id" | "tenant_key">): string {
  return `${t.kind}\n${t.app_id}\n${t.tenant_key}\n${t.token_hash}`;
}

function visible(app: App, userId: string): boolean {
  return app.visibility === "all" || app.visibility.includes(userId);
}

export class StatusService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  /** Checks secrets with a bounded cost and keeps what it verified (with the sealing keys) in memory. */
  private readonly verifier: SecretVerifier;
  private pageSecret: string | undefined;

  constructor(deps: { store: Store; clock: Clock; ids: IdGenerator; verifier?: SecretVerifier }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.verifier = deps.verifier ?? new SecretVerifier();
  }

  // ---------------------------------------------------------------- tokens

  /**
   * Checks app credentials as the token endpoints do (10003 / 10014); returns the app with the
   * key its tokens are sealed under.
   */
  private async checkCredentials(appId: unknown, appSecret: unknown): Promise<{ app: App; key: Buffer }> {
    if (typeof appId !== "string" || appId === "" || typeof appSecret !== "string" || appSecret === "") {
      throw new ApiError("INVALID_PARAM");
    }
    const app = await this.store.getApp(appId);
    if (!app) throw new ApiError("INVALID_PARAM");
    const verdict = await this.verifier.verify(app.app_id, appSecret, app.secret_hash);
    if (verdict.kind === "busy") {
      // [ours] the app's line of secret checks is full (a flood of distinct secrets): answered
      // without hashing, as the gateway's frequency limit, to retry in a second.
      throw new ApiError("RATE_LIMITED", {
        headers: { "x-ogw-ratelimit-limit": String(verdict.limit), "x-ogw-ratelimit-reset": "1" },
      });
    }
    if (verdict.kind === "wrong") throw new ApiError("APP_SECRET_INVALID");
    // [ours] a disabled app answers like a wrong secret.
    if (!app.enabled) throw new ApiError("APP_SECRET_INVALID");
    return { app, key: verdict.key };
  }

  /**
   * The app's current token of `kind`: the newest one while 30 minutes or more remain (unsealed
   * with the secret's key), else a new one. A token that does not unseal (sealed under a secret
   * since rotated, or stored before tokens were sealed) is not returned: a new one is issued.
   */
  private async currentToken(app: App, key: Buffer, kind: TokenRecord["kind"]): Promise<IssuedToken> {
    const now = this.clock.now();
    const latest = await this.store.latestToken(app.app_id, kind, now);
    if (latest && latest.expires_at - now >= TOKEN_REUSE_MIN_MS && latest.sealed !== null) {
      const token = unsealToken(key, latest.sealed, sealContext(latest));
      if (token !== undefined) return { token, expire: Math.floor((latest.expires_at - now) / 1000) };
    }
    const token = this.ids.token(kind);
    const rec: TokenRecord = {
      token_hash: tokenHash(token),
      sealed: null,
      kind,
      app_id: app.app_id,
      tenant_key: app.tenant_key,
      issued_at: now,
      expires_at: now + TOKEN_TTL_MS,
    };
    rec.sealed = sealToken(key, token, sealContext(rec));
    await this.store.insertToken(rec);
    return { token, expire: TOKEN_TTL_MS / 1000 };
  }

  /** `tenant_access_token/internal`. */
  async tenantAccessToken(appId: unknown, appSecret: unknown): Promise<IssuedToken> {
    const { app, key } = await this.checkCredentials(appId, appSecret);
    return this.currentToken(app, key, "tenant");
  }

  /** `app_access_token/internal`: the app token plus the tenant token of the same app. */
  async appAccessToken(appId: unknown, appSecret: unknown): Promise<{ app: IssuedToken; tenant: IssuedToken }> {
    const { app, key } = await this.checkCredentials(appId, appSecret);
    return { app: await this.currentToken(app, key, "app"), tenant: await this.currentToken(app, key, "tenant") };
  }

  /**
   * Resolves an `Authorization` header to its caller (9999166x / 99991671); `logId` (the request's)
   * goes with the caller into the audit entries of its changes.
   */
  async authenticate(authorization: string | undefined, logId?: string): Promise<Caller> {
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new ApiError("MISSING_TOKEN");
    const value = m[1] as string;
    if (value.startsWith("u-")) throw new ApiError("USER_TOKEN_NOT_SUPPORTED");
    if (!value.startsWith("t-")) throw new ApiError("TOKEN_BAD_PREFIX");
    const owner = await this.store.tokenOwner(tokenHash(value));
    const tok = owner?.token;
    if (!owner || tok?.kind !== "tenant" || tok.expires_at <= this.clock.now()) throw new ApiError("INVALID_TOKEN");
    const { app, tenant } = owner;
    if (!app?.enabled || app.tenant_key !== tok.tenant_key) throw new ApiError("INVALID_TOKEN");
    if (!tenant) throw new ApiError("INVALID_TOKEN");
    return logId === undefined ? { app, tenant } : { app, tenant, log_id: logId };
  }

  /** 99991672 unless the app holds `scope`. */
  requireScope(caller: Caller, scope: string): void {
    if (!caller.app.scopes.includes(scope)) {
      throw new ApiError("SCOPE_REQUIRED", {
        scope,
        permissionViolations: [
          { type: "action_scope_required", subject: scope, description: `the app lacks the scope ${scope}` },
        ],
      });
    }
  }

  /** 2005007 unless the tenant may use the API. */
  requireApiEnabled(caller: Caller): void {
    if (!caller.tenant.api_enabled) throw new ApiError("TENANT_NO_PERMISSION");
  }

  // ---------------------------------------------------------------- audit

  /** The audit entry of a change `caller` made now through `op` (an API operation's name). */
  private entry(caller: Caller, op: string, at: number, more: Partial<AuditEntry> = {}): AuditEntry {
    return {
      at_ms: at,
      tenant_key: caller.tenant.tenant_key,
      actor: "app",
      app_id: caller.app.app_id,
      op,
      ...(caller.log_id === undefined ? {} : { log_id: caller.log_id }),
      ...more,
    };
  }

  /** The employee ids a batch named: every input that resolved to a user, whatever its result. */
  private static namedUsers(who: readonly Resolved[]): string[] {
    return who.flatMap((w) => (w.userId === undefined ? [] : [w.userId]));
  }

  // ---------------------------------------------------------------- statuses

  private async liveStatus(caller: Caller, statusId: string, includeDeleted = false): Promise<StatusRecord> {
    const s = STATUS_ID_RE.test(statusId)
      ? await this.store.getStatus(caller.tenant.tenant_key, statusId, includeDeleted)
      : undefined;
    if (!s) throw invalidField("system_status_id", "no such system status in this tenant", statusId);
    return s;
  }

  private checkStatusId(statusId: string): void {
    if (!STATUS_ID_RE.test(statusId)) {
      throw invalidField("system_status_id", "system_status_id must be a 19-digit decimal string", statusId);
    }
  }

  private raiseConflict(res: { ok: false; conflict: keyof typeof CONFLICT_ERROR }): never {
    throw new ApiError(CONFLICT_ERROR[res.conflict]);
  }

  async create(caller: Caller, input: StatusInput): Promise<SystemStatus> {
    checkTitles("", input);
    checkSyncSetting("", input.sync_setting);
    const status: SystemStatus = { system_status_id: this.ids.statusId(), ...withDefaults(input) };
    if (containsSensitiveWord(namesOf(status), caller.tenant.sensitive_words)) throw new ApiError("SENSITIVE_WORD");
    const now = this.clock.now();
    const res = await this.store.createStatus(caller.tenant.tenant_key, status, now, MAX_LIVE_STATUSES, (r) =>
      r.ok
        ? this.entry(caller, "system_status.create", now, { system_status_id: status.system_status_id, change: toWire(r.status) })
        : undefined,
    );
    if (!res.ok) this.raiseConflict(res);
    return toWire(res.status);
  }

  async delete(caller: Caller, statusId: string): Promise<void> {
    this.checkStatusId(statusId);
    await this.liveStatus(caller, statusId);
    const now = this.clock.now();
    const deleted = await this.store.deleteStatus(caller.tenant.tenant_key, statusId, now, () =>
      this.entry(caller, "system_status.delete", now, { system_status_id: statusId }),
    );
    if (!deleted) {
      // Deleted by a concurrent call between our read and our write.
      throw invalidField("system_status_id", "no such system status in this tenant", statusId);
    }
  }

  /**
   * Applies the named fields of a patch. The HTTP layer has already checked each named field's
   * shape; here come the weighted lengths, then existence, then 2005003/2005002/2005005.
   */
  async patch(caller: Caller, statusId: string, input: PatchInput): Promise<SystemStatus> {
    this.checkStatusId(statusId);
    const fields = new Set(input.update_fields);
    const src = input.system_status;
    if (fields.has("TITLE")) checkTitles("system_status.", { title: src.title });
    if (fields.has("I18N_TITLE")) checkTitles("system_status.", { i18n_title: src.i18n_title });
    if (fields.has("SYNC_SETTING")) checkSyncSetting("system_status.", src.sync_setting);
    const current = await this.liveStatus(caller, statusId);
    const next: SystemStatus = toWire(current);
    if (fields.has("TITLE")) next.title = src.title as string;
    if (fields.has("I18N_TITLE")) next.i18n_title = { ...src.i18n_title };
    if (fields.has("ICON")) next.icon_key = src.icon_key as IconKey;
    if (fields.has("COLOR")) next.color = src.color as Color;
    if (fields.has("PRIORITY")) next.priority = src.priority as number;
    // [ours] SYNC_SETTING replaces the whole object, defaults filled, as on create.
    if (fields.has("SYNC_SETTING")) next.sync_setting = syncWithDefaults(src.sync_setting);
    if (
      (fields.has("TITLE") || fields.has("I18N_TITLE")) &&
      containsSensitiveWord(namesOf(next), caller.tenant.sensitive_words)
    ) {
      throw new ApiError("SENSITIVE_WORD");
    }
    const now = this.clock.now();
    const res = await this.store.updateStatus(caller.tenant.tenant_key, next, now, (r) =>
      r.ok
        ? this.entry(caller, "system_status.patch", now, {
            system_status_id: statusId,
            change: { update_fields: [...fields], system_status: toWire(r.status) },
          })
        : undefined,
    );
    if (!res.ok) this.raiseConflict(res);
    return toWire(res.status);
  }

  private async pageSecretKey(): Promise<string> {
    this.pageSecret ??= await this.store.serverSecret(this.ids.secret());
    return this.pageSecret;
  }

  async list(caller: Caller, pageSize: number, pageToken: string | undefined): Promise<ListOutput> {
    const secret = await this.pageSecretKey();
    const tenantKey = caller.tenant.tenant_key;
    let after: { priority: number; id: string } | undefined;
    if (pageToken !== undefined && pageToken !== "") {
      after = decodePageToken(secret, tenantKey, pageToken);
      if (!after) throw invalidField("page_token", "page_token was not issued by this server for this tenant", pageToken);
    }
    const page = await this.store.listStatuses(tenantKey, pageSize, after);
    const out: ListOutput = { items: page.items.map(toWire), has_more: page.has_more };
    const last = page.items[page.items.length - 1];
    // The vendor omits page_token on the last page; the Go SDK's iterator loops forever otherwise.
    if (page.has_more && last)
      out.page_token = encodePageToken(secret, tenantKey, { priority: last.priority, id: last.system_status_id });
    return out;
  }

  /**
   * Resolves the ids of a batch. Fails the whole request with 2005006 when any id belongs to
   * another tenant; otherwise returns, per input, the user or the failure result that applies
   * first (invalid → resigned → invisible → `fail` for the inputs in `failed`).
   */
  private async resolveBatch(
    caller: Caller,
    idType: UserIdType,
    ids: readonly string[],
    failed: FailedInputs,
  ): Promise<Resolved[]> {
    const lookups: string[] = [];
    const slot: number[] = [];
    ids.forEach((id, i) => {
      if (wellFormed(idType, id)) {
        slot[i] = lookups.length;
        lookups.push(id);
      } else {
        slot[i] = -1;
      }
    });
    const resolved = await this.store.resolveUserIds(caller.app, idType, lookups);
    if (resolved.some((r) => r.kind === "other_tenant")) throw new ApiError("OTHER_TENANT_USER");
    return ids.map((_, i): Resolved => {
      const r: ResolvedId | undefined = slot[i] === -1 ? undefined : resolved[slot[i] as number];
      if (r?.kind !== "user") return { fail: "invalid_user_id" };
      // A resigned or invisible user is still named (the audit's user filter finds the call).
      if (r.user.resigned) return { fail: "resign_user_id", userId: r.user.user_id };
      if (!visible(caller.app, r.user.user_id)) return { fail: "invisible_user_id", userId: r.user.user_id };
      if (failed.has(i)) return { fail: "fail", userId: r.user.user_id };
      return { userId: r.user.user_id };
    });
  }

  async batchOpen(
    caller: Caller,
    statusId: string,
    idType: UserIdType,
    userList: ReadonlyArray<{ user_id: string; end_time: string | number }>,
    failed: FailedInputs = NONE_FAILED,
  ): Promise<Array<{ user_id: string; end_time: string; result: OpenResult }>> {
    this.checkStatusId(statusId);
    const now = this.clock.now();
    const ends = userList.map((e, i) => parseEndTime(`user_list[${i}].end_time`, e.end_time, now));
    // [ours] a deleted status cannot be opened: it answers like an unknown id.
    const status = await this.liveStatus(caller, statusId);
    const who = await this.resolveBatch(
      caller,
      idType,
      userList.map((e) => e.user_id),
      failed,
    );
    const entries: Array<{ user_id: string; end_time: number }> = [];
    who.forEach((w, i) => {
      if (!("fail" in w)) entries.push({ user_id: w.userId, end_time: ends[i] as number });
    });
    const nowS = Math.floor(now / 1000);
    // The answer is computed from the rows the write returns, inside the write's transaction, so
    // the audit entry that records it commits with the change (the store calls this back).
    let answer: Array<{ user_id: string; end_time: string; result: OpenResult }> = [];
    const audit = (rows: Map<string, UserStatusRow[]>): AuditEntry => {
      answer = userList.map((e, i) => {
        const w = who[i] as Resolved;
        const result: OpenResult = "fail" in w ? w.fail : openOutcome(rows.get(w.userId) ?? [], statusId, nowS);
        return { user_id: e.user_id, end_time: String(ends[i]), result };
      });
      return this.entry(caller, "system_status.batch_open", now, {
        system_status_id: statusId,
        users: StatusService.namedUsers(who),
        results: answer,
      });
    };
    if (entries.length === 0) {
      // [ours] only failures: nothing changes, but the call is acknowledged, so it is recorded.
      await this.store.appendAudit(audit(new Map()));
      return answer;
    }
    const rows = await this.store.openUserStatuses(
      caller.tenant.tenant_key,
      statusId,
      snapshotOf(status),
      entries,
      caller.app.app_id,
      now,
      audit,
    );
    // Deleted by a concurrent call between our check and our write: nothing was opened (nor recorded).
    if (!rows) throw invalidField("system_status_id", "no such system status in this tenant", statusId);
    return answer;
  }

  async batchClose(
    caller: Caller,
    statusId: string,
    idType: UserIdType,
    userList: readonly string[],
    failed: FailedInputs = NONE_FAILED,
  ): Promise<Array<{ user_id: string; result: CloseResult }>> {
    this.checkStatusId(statusId);
    // [ours] a deleted status can still be closed for the users who still show it.
    await this.liveStatus(caller, statusId, true);
    const who = await this.resolveBatch(caller, idType, userList, failed);
    const users = who.flatMap((w) => ("fail" in w ? [] : [w.userId]));
    const answer = userList.map((id, i): { user_id: string; result: CloseResult } => {
      const w = who[i] as Resolved;
      return { user_id: id, result: "fail" in w ? w.fail : "success" };
    });
    const now = this.clock.now();
    const entry = this.entry(caller, "system_status.batch_close", now, {
      system_status_id: statusId,
      users: StatusService.namedUsers(who),
      results: answer satisfies AuditResult[],
    });
    // [ours] only failures: nothing changes, but the call is acknowledged, so it is recorded.
    if (users.length) await this.store.closeUserStatuses(caller.tenant.tenant_key, statusId, users, now, () => entry);
    else await this.store.appendAudit(entry);
    return answer;
  }
}
