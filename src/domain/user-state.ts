/**
 * What users show, as the admin API reads and changes it: a user's status view, the users who have
 * a status open or show it, and the user's "auto open" toggle. The status shown is always the one
 * `effectiveStatus` (rules.ts) picks from the store's rows, the rule the vendor API's results use:
 * never a second copy of it. No HTTP: each method answers a result or a Refusal.
 */
import type { StatusHolder, Store } from "../storage/store.js";
import { adminEntry, type ChangeBy } from "./audit.js";
import type { Clock } from "./clock.js";
import type { Refusal } from "./directory.js";
import { MAX_LIVE_STATUSES, type StatusSnapshot, type User, type UserStatusRow } from "./model.js";
import { effectiveStatus } from "./rules.js";

/** The status a user's profile shows: the snapshot it was opened with, and until when. */
export interface ShownStatus {
  system_status_id: string;
  title: string;
  i18n_title: StatusSnapshot["i18n_title"];
  icon_key: StatusSnapshot["icon_key"];
  color: StatusSnapshot["color"];
  priority: number;
  /** The vendor's Unix seconds, as a string. */
  end_time: string;
  end_at: string;
  opened_by_app_id: string;
  opened_at_ms: number;
}

/** One of the user's rows, as the view lists it. */
export interface UserStatusEntry {
  system_status_id: string;
  /** The snapshot's title. */
  title: string;
  open: boolean;
  /** end_time has passed (end_time ≤ now): the row shows nothing, whatever `open` says. */
  expired: boolean;
  sync_on: boolean;
  /** This is the row the profile shows. */
  shown: boolean;
  end_time: string;
  end_at: string;
  opened_by_app_id: string;
  opened_at_ms: number;
}

/** The user's "auto open" toggle of one live status of the tenant. */
export interface SyncToggle {
  system_status_id: string;
  title: string;
  on: boolean;
  /** true: the user chose `on`; false: it is the status's `sync_setting.is_open_by_default`. */
  set_by_user: boolean;
}

/** What a user shows now, and why. */
export interface UserStatusView {
  tenant_key: string;
  user_id: string;
  name: string;
  resigned: boolean;
  /** The clock's time the view was computed at. */
  now_ms: number;
  shown: ShownStatus | null;
  statuses: UserStatusEntry[];
  sync: SyncToggle[];
}

/** One user who has a status open, in the list of a status's users. */
export interface StatusUser {
  user_id: string;
  end_time: string;
  end_at: string;
  sync_on: boolean;
  /** The user's profile shows this status now. */
  shown: boolean;
  opened_by_app_id: string;
  opened_at_ms: number;
}

/** A page of a status's users: `scanned_to` is the last user_id read, the key the next page starts after. */
export interface StatusUsersPage {
  items: StatusUser[];
  /** Set when there may be more: the page ends after this user. */
  scanned_to: string | undefined;
}

function endAt(endTimeS: number): string {
  return new Date(endTimeS * 1000).toISOString();
}

export class UserState {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(deps: { store: Store; clock: Clock }) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  private async tenantUser(tenantKey: string, userId: string): Promise<User | Refusal> {
    if (!(await this.store.getTenant(tenantKey))) return { refused: "not_found", what: "tenant", id: tenantKey };
    const user = await this.store.getUser(tenantKey, userId);
    return user ?? { refused: "not_found", what: "user", id: userId };
  }

  /** What the user's profile shows now, every row the user has, and the user's toggles. */
  async view(tenantKey: string, userId: string): Promise<UserStatusView | Refusal> {
    const user = await this.tenantUser(tenantKey, userId);
    if ("refused" in user) return user;
    const nowMs = this.clock.now();
    const nowS = Math.floor(nowMs / 1000);
    const [rows, prefs, live] = await Promise.all([
      this.store.userStatuses(tenantKey, userId),
      this.store.userSyncPrefs(tenantKey, userId),
      this.store.listStatuses(tenantKey, MAX_LIVE_STATUSES),
    ]);
    const best = effectiveStatus(rows, nowS);
    const sorted = [...rows].sort((a, b) => (a.system_status_id < b.system_status_id ? -1 : 1));
    return {
      tenant_key: tenantKey,
      user_id: user.user_id,
      name: user.name,
      resigned: user.resigned,
      now_ms: nowMs,
      shown: best ? shownOf(best) : null,
      statuses: sorted.map((r) => ({
        system_status_id: r.system_status_id,
        title: r.snapshot.title,
        open: r.open,
        expired: r.end_time <= nowS,
        sync_on: r.sync_on,
        shown: r === best,
        end_time: String(r.end_time),
        end_at: endAt(r.end_time),
        opened_by_app_id: r.opened_by,
        opened_at_ms: r.opened_at,
      })),
      sync: live.items.map((s) => {
        const mine = prefs.get(s.system_status_id);
        return {
          system_status_id: s.system_status_id,
          title: s.title,
          on: mine ?? s.sync_setting.is_open_by_default,
          set_by_user: mine !== undefined,
        };
      }),
    };
  }

  /**
   * Flips the user's "auto open" toggle of a live status, as the user does in the client, and
   * answers the new view. Later opens of the status answer `success_user_close_syn` while it is
   * off, and the view's `shown` follows at once (the rule reads the toggle).
   */
  async setSync(
    tenantKey: string,
    userId: string,
    statusId: string,
    on: boolean,
    by: ChangeBy,
  ): Promise<UserStatusView | Refusal> {
    const user = await this.tenantUser(tenantKey, userId);
    if ("refused" in user) return user;
    const r = await this.store.setSyncPref(tenantKey, userId, statusId, on, (res) =>
      res === "ok"
        ? adminEntry(by, this.clock.now(), tenantKey, {
            system_status_id: statusId,
            users: [userId],
            change: { user_id: userId, on },
          })
        : undefined,
    );
    if (r === "unknown_user") return { refused: "not_found", what: "user", id: userId };
    // [ours] a deleted status has no toggle (the client lists live statuses only): 404 like an unknown one.
    if (r === "unknown_status") return { refused: "not_found", what: "system status", id: statusId };
    return this.view(tenantKey, userId);
  }

  /**
   * The users with the status open and unexpired (`shownOnly`: only those whose profile shows it
   * now, by the effective-status rule), by user_id after `afterUserId`. Reads `limit` candidates
   * (plus one, to know whether more exist) and applies the rule to each, so a `shownOnly` page may
   * hold fewer than `limit` users; `scanned_to` still moves on. A deleted status is listed too: its
   * rows stay until they are closed or expire.
   */
  async statusUsers(
    tenantKey: string,
    statusId: string,
    opts: { limit: number; afterUserId?: string | undefined; shownOnly: boolean },
  ): Promise<StatusUsersPage | Refusal> {
    if (!(await this.store.getTenant(tenantKey))) return { refused: "not_found", what: "tenant", id: tenantKey };
    if (!(await this.store.getStatus(tenantKey, statusId, true))) {
      return { refused: "not_found", what: "system status", id: statusId };
    }
    const nowS = Math.floor(this.clock.now() / 1000);
    const holders = await this.store.statusHolders(tenantKey, statusId, nowS, opts.limit + 1, opts.afterUserId);
    const more = holders.length > opts.limit;
    const scanned = holders.slice(0, opts.limit);
    const items: StatusUser[] = [];
    for (const h of scanned) {
      const item = holderOf(h, statusId, nowS);
      if (item && (!opts.shownOnly || item.shown)) items.push(item);
    }
    return { items, scanned_to: more ? scanned[scanned.length - 1]?.user_id : undefined };
  }
}

function shownOf(r: UserStatusRow): ShownStatus {
  return {
    system_status_id: r.system_status_id,
    title: r.snapshot.title,
    i18n_title: r.snapshot.i18n_title,
    icon_key: r.snapshot.icon_key,
    color: r.snapshot.color,
    priority: r.snapshot.priority,
    end_time: String(r.end_time),
    end_at: endAt(r.end_time),
    opened_by_app_id: r.opened_by,
    opened_at_ms: r.opened_at,
  };
}

function holderOf(h: StatusHolder, statusId: string, nowS: number): StatusUser | undefined {
  const mine = h.rows.find((r) => r.system_status_id === statusId);
  if (!mine) return undefined;
  return {
    user_id: h.user_id,
    end_time: String(mine.end_time),
    end_at: endAt(mine.end_time),
    sync_on: mine.sync_on,
    shown: effectiveStatus(h.rows, nowS)?.system_status_id === statusId,
    opened_by_app_id: mine.opened_by,
    opened_at_ms: mine.opened_at,
  };
}
