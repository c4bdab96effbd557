/**
 * The domain model in vendor terms (docs/wire-contract.md §3). Pure types and
 * constants: no HTTP, no SQL.
 */

export const ICON_KEYS = [
  "GeneralDoNotDisturb",
  "GeneralInMeetingBusy",
  "Coffee",
  "GeneralBusinessTrip",
  "GeneralWorkFromHome",
  "StatusEnjoyLife",
  "GeneralTravellingCar",
  "StatusBus",
  "StatusInFlight",
  "Typing",
  "EatingFood",
  "SICK",
  "GeneralSun",
  "GeneralMoonRest",
  "StatusReading",
  "Status_PrivateMessage",
  "StatusFlashOfInspiration",
  "GeneralVacation",
] as const;
export type IconKey = (typeof ICON_KEYS)[number];

export const COLORS = [
  "BLUE",
  "GRAY",
  "INDIGO",
  "WATHET",
  "GREEN",
  "TURQUOISE",
  "YELLOW",
  "LIME",
  "RED",
  "ORANGE",
  "PURPLE",
  "VIOLET",
  "CARMINE",
] as const;
export type Color = (typeof COLORS)[number];

export const UPDATE_FIELDS = ["TITLE", "I18N_TITLE", "ICON", "COLOR", "PRIORITY", "SYNC_SETTING"] as const;
export type UpdateField = (typeof UPDATE_FIELDS)[number];

export const USER_ID_TYPES = ["open_id", "union_id", "user_id"] as const;
export type UserIdType = (typeof USER_ID_TYPES)[number];

export const SCOPE_STATUS_UPDATE = "personal_settings:status:system_status_update";
export const SCOPE_STATUS_OPERATE = "personal_settings:status:system_status_operate";
export const SCOPE_EMPLOYEE_ID = "contact:user.employee_id:readonly";
/** Every scope larkstatus knows: the ones its endpoints require. An app may hold only these. */
export const KNOWN_SCOPES = [SCOPE_STATUS_UPDATE, SCOPE_STATUS_OPERATE, SCOPE_EMPLOYEE_ID] as const;

export const MAX_LIVE_STATUSES = 10;
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;
export const TITLE_MAX_WEIGHT = 20;
export const SYNC_TITLE_MAX_WEIGHT = 30;
export const SYNC_EXPLAIN_MAX_WEIGHT = 60;
export const BATCH_MAX = 50;
export const MAX_END_TIME_AHEAD_S = 365 * 24 * 3600;
export const LIST_PAGE_SIZE_MAX = 50;

export const DEFAULT_COLOR: Color = "BLUE";
export const DEFAULT_PRIORITY = 0;
export const DEFAULT_SYNC_TITLE = "自动开启";
export const DEFAULT_SYNC_EXPLAIN = "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。";

/** Localized texts; every key optional. */
export interface I18nText {
  zh_cn?: string;
  en_us?: string;
  ja_jp?: string;
}
export const I18N_KEYS = ["zh_cn", "en_us", "ja_jp"] as const;

export interface SyncSetting {
  is_open_by_default: boolean;
  title: string;
  i18n_title: I18nText;
  explain: string;
  i18n_explain: I18nText;
}

/** A system status exactly as it goes on the wire, every default filled in. */
export interface SystemStatus {
  system_status_id: string;
  title: string;
  i18n_title: I18nText;
  icon_key: IconKey;
  color: Color;
  priority: number;
  sync_setting: SyncSetting;
}

/** The stored status: the wire shape plus its tenant, version and lifecycle. */
export interface StatusRecord extends SystemStatus {
  tenant_key: string;
  version: number;
  created_at: number;
  updated_at: number;
  /** Milliseconds; null while live. */
  deleted_at: number | null;
}

/** What a user shows: the status as it was when the user's status was opened. */
export interface StatusSnapshot {
  title: string;
  i18n_title: I18nText;
  icon_key: IconKey;
  color: Color;
  priority: number;
  version: number;
}

export interface Tenant {
  tenant_key: string;
  name: string;
  api_enabled: boolean;
  sensitive_words: string[];
}

/** `"all"` or the list of the tenant's `user_id`s the app may see. */
export type Visibility = "all" | string[];

export interface App {
  app_id: string;
  tenant_key: string;
  /** A slow salted hash (see src/domain/secrets.ts); the secret itself is never stored. */
  secret_hash: string;
  scopes: string[];
  enabled: boolean;
  visibility: Visibility;
  /** Union ids are per developer × user. */
  developer: string;
}

export interface User {
  tenant_key: string;
  user_id: string;
  name: string;
  resigned: boolean;
}

/**
 * An issued access token as the store keeps it: never the token itself, so a copy of the database
 * yields no usable token (src/domain/secrets.ts).
 */
export interface TokenRecord {
  /** sha256 of the token value, lowercase hex: what API calls look the token up by. */
  token_hash: string;
  /**
   * The token sealed under a key derived from the app's secret, so the token endpoints can return
   * the same token again; null for a token stored before tokens were sealed (it still
   * authenticates, but a new one is issued instead of returning it).
   */
  sealed: string | null;
  kind: "tenant" | "app";
  app_id: string;
  tenant_key: string;
  issued_at: number;
  expires_at: number;
}

/** One (user, status) row: the user's open or closed status with the snapshot it was opened with. */
export interface UserStatusRow {
  user_id: string;
  system_status_id: string;
  open: boolean;
  /** Unix seconds. */
  end_time: number;
  snapshot: StatusSnapshot;
  opened_by: string;
  opened_at: number;
  /** The user's "auto open" toggle for this status, default resolved. */
  sync_on: boolean;
}

export type OpenResult =
  | "success_show"
  | "success_user_close_syn"
  | "success_user_in_higher_priority_system_status"
  | "invalid_user_id"
  | "invisible_user_id"
  | "resign_user_id"
  | "fail";

export type CloseResult = "success" | "invalid_user_id" | "invisible_user_id" | "resign_user_id" | "fail";

/** Fills every default of a status as the vendor does in responses. */
export function withDefaults(input: {
  title: string;
  i18n_title?: I18nText | undefined;
  icon_key: IconKey;
  color?: Color | undefined;
  priority?: number | undefined;
  sync_setting?: Partial<SyncSetting> | undefined;
}): Omit<SystemStatus, "system_status_id"> {
  return {
    title: input.title,
    i18n_title: { ...(input.i18n_title ?? {}) },
    icon_key: input.icon_key,
    color: input.color ?? DEFAULT_COLOR,
    priority: input.priority ?? DEFAULT_PRIORITY,
    sync_setting: syncWithDefaults(input.sync_setting),
  };
}

export function syncWithDefaults(s: Partial<SyncSetting> | undefined): SyncSetting {
  return {
    is_open_by_default: s?.is_open_by_default ?? true,
    title: s?.title ?? DEFAULT_SYNC_TITLE,
    i18n_title: { ...(s?.i18n_title ?? {}) },
    explain: s?.explain ?? DEFAULT_SYNC_EXPLAIN,
    i18n_explain: { ...(s?.i18n_explain ?? {}) },
  };
}

/** The wire shape of a stored status. */
export function toWire(s: StatusRecord | SystemStatus): SystemStatus {
  return {
    system_status_id: s.system_status_id,
    title: s.title,
    i18n_title: s.i18n_title,
    icon_key: s.icon_key,
    color: s.color,
    priority: s.priority,
    sync_setting: s.sync_setting,
  };
}

/** Every name of a status: its title plus its i18n titles (docs/wire-contract.md §3, "Names"). */
export function namesOf(s: { title: string; i18n_title: I18nText }): Set<string> {
  const names = new Set<string>([s.title]);
  for (const k of I18N_KEYS) {
    const v = s.i18n_title[k];
    if (v !== undefined) names.add(v);
  }
  return names;
}

export function snapshotOf(s: StatusRecord): StatusSnapshot {
  return {
    title: s.title,
    i18n_title: s.i18n_title,
    icon_key: s.icon_key,
    color: s.color,
    priority: s.priority,
    version: s.version,
  };
}
