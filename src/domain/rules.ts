/**
 * The vendor's rules that need no storage: weighted lengths, sensitive words, end_time, the
 * effective status and per-user results. Everything here is pure and unit-tested.
 */
import { invalidField } from "../errors/codes.js";
import {
  I18N_KEYS,
  type I18nText,
  KNOWN_SCOPES,
  MAX_END_TIME_AHEAD_S,
  type OpenResult,
  SYNC_EXPLAIN_MAX_WEIGHT,
  SYNC_TITLE_MAX_WEIGHT,
  type SyncSetting,
  TITLE_MAX_WEIGHT,
  type UserStatusRow,
} from "./model.js";
import { didYouMean } from "./suggest.js";
import { weightedLength } from "./weighted-length.js";

/**
 * Why `scope` cannot be granted to an app, or undefined when it can: larkstatus knows only the
 * scopes its endpoints require, so anything else is a typo that would surface much later as a
 * 99991672. The one check of every surface that grants scopes (seed files, later the admin API).
 */
export function unknownScopeRule(scope: string): string | undefined {
  if ((KNOWN_SCOPES as readonly string[]).includes(scope)) return undefined;
  const hint = didYouMean(scope, KNOWN_SCOPES, (s) => [s, s.slice(s.lastIndexOf(":") + 1)]);
  return `unknown scope${hint}; the known scopes are ${KNOWN_SCOPES.join(", ")}`;
}

/** Throws 2005001 naming `field` unless `text` has a weighted length in 1..max. */
export function checkWeighted(field: string, text: string, max: number): void {
  const n = weightedLength(text);
  if (n < 1 || n > max) {
    throw invalidField(field, `weighted length must be between 1 and ${max} (CJK counts 2), got ${n}`, text);
  }
}

function checkI18n(field: string, texts: I18nText | undefined, max: number): void {
  if (!texts) return;
  for (const k of I18N_KEYS) {
    const v = texts[k];
    if (v !== undefined) checkWeighted(`${field}.${k}`, v, max);
  }
}

/** Weighted-length rules of a title and its i18n titles. `prefix` is the JSON path of the status. */
export function checkTitles(prefix: string, s: { title?: string | undefined; i18n_title?: I18nText | undefined }): void {
  if (s.title !== undefined) checkWeighted(`${prefix}title`, s.title, TITLE_MAX_WEIGHT);
  checkI18n(`${prefix}i18n_title`, s.i18n_title, TITLE_MAX_WEIGHT);
}

/** Weighted-length rules of a sync setting. */
export function checkSyncSetting(prefix: string, s: Partial<SyncSetting> | undefined): void {
  if (!s) return;
  if (s.title !== undefined) checkWeighted(`${prefix}sync_setting.title`, s.title, SYNC_TITLE_MAX_WEIGHT);
  checkI18n(`${prefix}sync_setting.i18n_title`, s.i18n_title, SYNC_TITLE_MAX_WEIGHT);
  if (s.explain !== undefined) checkWeighted(`${prefix}sync_setting.explain`, s.explain, SYNC_EXPLAIN_MAX_WEIGHT);
  checkI18n(`${prefix}sync_setting.i18n_explain`, s.i18n_explain, SYNC_EXPLAIN_MAX_WEIGHT);
}

/** Whether any name contains any sensitive word (case-insensitive substring; docs/wire-contract.md §3, ours). */
export function containsSensitiveWord(names: Iterable<string>, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  const lowered = words.filter((w) => w.length > 0).map((w) => w.toLowerCase());
  for (const name of names) {
    const n = name.toLowerCase();
    if (lowered.some((w) => n.includes(w))) return true;
  }
  return false;
}

/**
 * Parses an `end_time` as sent on the wire (a decimal string or a number of Unix seconds) and
 * checks it lies in (now, now + 365 days]. Throws 2005001 naming `field` otherwise.
 */
export function parseEndTime(field: string, raw: string | number, nowMs: number): number {
  let seconds: number;
  if (typeof raw === "number") {
    if (!Number.isSafeInteger(raw)) throw invalidField(field, "end_time must be an integer number of Unix seconds", raw);
    seconds = raw;
  } else {
    if (!/^[0-9]{1,15}$/.test(raw)) throw invalidField(field, "end_time must be a decimal string of Unix seconds", raw);
    seconds = Number(raw);
  }
  const now = Math.floor(nowMs / 1000);
  if (seconds <= now) throw invalidField(field, "end_time must be in the future", raw);
  if (seconds > now + MAX_END_TIME_AHEAD_S) throw invalidField(field, "end_time must be at most 365 days ahead", raw);
  return seconds;
}

/**
 * The status a user shows at `nowS` (docs/fidelity.md, "Opening and closing"): among open rows that have
 * not ended and whose sync toggle is on, the smallest snapshot priority; ties go to the most
 * recently opened row, then the larger id (ours).
 */
export function effectiveStatus(rows: readonly UserStatusRow[], nowS: number): UserStatusRow | undefined {
  let best: UserStatusRow | undefined;
  for (const r of rows) {
    if (!r.open || r.end_time <= nowS || !r.sync_on) continue;
    if (
      !best ||
      r.snapshot.priority < best.snapshot.priority ||
      (r.snapshot.priority === best.snapshot.priority &&
        (r.opened_at > best.opened_at || (r.opened_at === best.opened_at && r.system_status_id > best.system_status_id)))
    ) {
      best = r;
    }
  }
  return best;
}

/** The per-user result of a successful open, from the user's rows after the open was applied. */
export function openOutcome(rows: readonly UserStatusRow[], statusId: string, nowS: number): OpenResult {
  const mine = rows.find((r) => r.system_status_id === statusId);
  if (mine && !mine.sync_on) return "success_user_close_syn";
  const shown = effectiveStatus(rows, nowS);
  return shown === undefined || shown.system_status_id === statusId
    ? "success_show"
    : "success_user_in_higher_priority_system_status";
}
