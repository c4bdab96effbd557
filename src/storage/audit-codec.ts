/**
 * How both drivers keep an audit entry in one row: a compact text form of a batch's per-user
 * results, and the user column the user filter searches. One row per call, never one per user:
 * a batch of 50 writes one row of about 2 KB (50 open_ids as sent are most of it).
 */
import type { AuditEntry, AuditKey, AuditPage, AuditRecord, AuditResult } from "../domain/audit.js";

/** One character per result the vendor answers (the set is closed: docs/wire-contract.md §3). */
const CODE_OF: Record<string, string> = {
  success: "o",
  success_show: "s",
  success_user_close_syn: "c",
  success_user_in_higher_priority_system_status: "h",
  invalid_user_id: "i",
  invisible_user_id: "v",
  resign_user_id: "r",
  fail: "f",
};
const RESULT_OF: Record<string, string> = Object.fromEntries(Object.entries(CODE_OF).map(([k, v]) => [v, k]));

/**
 * `[codes, ids, ends]` as JSON: `codes` one character per user (or the results themselves, should
 * one be outside the known set), `ids` the caller's ids as sent, `ends` empty (no end_time: a
 * close), one value (every user has it: the usual open), or one per user.
 */
export function encodeResults(results: readonly AuditResult[] | undefined): string | null {
  if (!results) return null;
  let codes = "";
  let known = true;
  const ids: string[] = new Array(results.length);
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as AuditResult;
    const c = CODE_OF[r.result];
    if (c === undefined) known = false;
    else codes += c;
    ids[i] = r.user_id;
  }
  const first = results[0]?.end_time;
  let ends: Array<string | number> = [];
  if (first !== undefined) {
    const same = results.every((r) => r.end_time === first);
    ends = same ? [first] : results.map((r) => r.end_time ?? "");
    // Decimal strings (every end_time we answer) are kept as numbers: 10 bytes, no quotes.
    ends = ends.map((e) => (typeof e === "string" && /^[1-9][0-9]{0,14}$/.test(e) ? Number(e) : e));
  }
  return JSON.stringify([known ? codes : results.map((r) => r.result), ids, ends]);
}

/** The results `encodeResults` encoded. */
export function decodeResults(text: string): AuditResult[] {
  const [codes, ids, ends] = JSON.parse(text) as [string | string[], string[], Array<string | number>];
  return ids.map((user_id, i): AuditResult => {
    const result = typeof codes === "string" ? (RESULT_OF[codes[i] as string] ?? "") : (codes[i] ?? "");
    const end = ends.length === 0 ? undefined : ends.length === 1 ? ends[0] : ends[i];
    return end === undefined || end === "" ? { user_id, result } : { user_id, result, end_time: String(end) };
  });
}

/**
 * The user column: the employee ids between single spaces (` u1 u2 `), searched for ` u1 `. An
 * employee user_id never holds a space (`[A-Za-z0-9_-]{1,64}`), and the filter is checked against
 * the same pattern.
 */
export function encodeUsers(users: readonly string[] | undefined): string | null {
  if (!users || users.length === 0) return null;
  return ` ${[...new Set(users)].join(" ")} `;
}

/** What the user column holds for `userId`. */
export function userNeedle(userId: string): string {
  return ` ${userId} `;
}

/** The columns of an entry, in the order both drivers' INSERT takes them. */
export function auditColumns(
  e: AuditEntry,
): [number, string, string, string, string | null, string | null, string | null, string | null, string | null, string | null] {
  return [
    e.at_ms,
    e.tenant_key,
    e.actor,
    e.op,
    e.app_id ?? null,
    e.system_status_id ?? null,
    e.log_id ?? null,
    encodeUsers(e.users),
    encodeResults(e.results),
    e.change === undefined ? null : JSON.stringify(e.change),
  ];
}

/** The INSERT column list matching `auditColumns`. */
export const AUDIT_INSERT_COLUMNS = "at_ms, tenant_key, actor, op, app_id, system_status_id, log_id, users, results, change";

/** A stored row back as a record (the user column is an index, not part of the entry). */
export function toAuditRecord(r: Record<string, unknown>): AuditRecord {
  const out: AuditRecord = {
    id: Number(r.id),
    at_ms: Number(r.at_ms),
    tenant_key: r.tenant_key as string,
    actor: r.actor as AuditRecord["actor"],
    op: r.op as string,
  };
  if (r.app_id !== null && r.app_id !== undefined) out.app_id = r.app_id as string;
  if (r.system_status_id !== null && r.system_status_id !== undefined) out.system_status_id = r.system_status_id as string;
  if (r.log_id !== null && r.log_id !== undefined) out.log_id = r.log_id as string;
  if (typeof r.results === "string") out.results = decodeResults(r.results);
  if (typeof r.change === "string") out.change = JSON.parse(r.change) as object;
  return out;
}

/** Entries a filtered list examines per call when it must read entries to filter them (every filter but the time bounds). */
export const AUDIT_SCAN_BUDGET = 5000;

/** The list order: newest first, the id breaking ties (both drivers' indexes serve it). */
export const NEWEST_FIRST = "ORDER BY at_ms DESC, id DESC";

/** The first `limit` of up to `limit + 1` entries, and where the next page starts if there were more. */
export function pageOf(entries: AuditRecord[], limit: number): AuditPage {
  if (entries.length <= limit) return { entries };
  const shown = entries.slice(0, limit);
  const last = shown[shown.length - 1] as AuditKey;
  return { entries: shown, next: { at_ms: last.at_ms, id: last.id } };
}
