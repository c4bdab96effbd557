/**
 * How both drivers keep an audit entry in one row: a batch's per-user results packed into bytes,
 * and, for the other writes that name users, the user column the user filter searches. One row per
 * call, never one per user: a batch of 50 open_ids is one row of about 1 KB, one page of the
 * embedded database (as text, the ids made it 2.3 KB, three pages of its write-ahead log).
 */
import type { AuditEntry, AuditKey, AuditPage, AuditRecord, AuditResult } from "../domain/audit.js";

/** One code per result the vendor answers (the set is closed: docs/wire-contract.md §3); 15: spelled out. */
const CODE_OF: Record<string, number> = {
  success: 1,
  success_show: 2,
  success_user_close_syn: 3,
  success_user_in_higher_priority_system_status: 4,
  invalid_user_id: 5,
  invisible_user_id: 6,
  resign_user_id: 7,
  fail: 8,
};
const RESULT_OF: Record<number, string> = Object.fromEntries(Object.entries(CODE_OF).map(([k, v]) => [v, k]));
const SPELLED = 15;
/** How an id is kept: 1 and 2 are an open_id / union_id as their 16 bytes, 0 its UTF-8 with a length. */
const ID_KINDS = [
  { tag: 1, re: /^ou_[0-9a-f]{32}$/, prefix: "ou_" },
  { tag: 2, re: /^on_[0-9a-f]{32}$/, prefix: "on_" },
] as const;
const VERSION = 1;

/** Bytes written one after another (varint lengths, as protobuf's). */
class Writer {
  private readonly parts: Buffer[] = [];
  byte(b: number): void {
    this.parts.push(Buffer.from([b]));
  }
  varint(n: number): void {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.parts.push(Buffer.from(out));
  }
  text(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.varint(b.length);
    this.parts.push(b);
  }
  raw(b: Buffer): void {
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  byte(): number {
    const v = this.b[this.at++];
    if (v === undefined) throw new Error("audit results: truncated");
    return v;
  }
  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }
  text(): string {
    const len = this.varint();
    const s = this.b.toString("utf8", this.at, this.at + len);
    this.at += len;
    return s;
  }
  raw(len: number): Buffer {
    const out = this.b.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  }
}

/** The bytes an id is kept as, after its kind (the needle the user filter searches for). */
export function packedId(id: string): Buffer {
  for (const k of ID_KINDS) if (k.re.test(id)) return Buffer.from(id.slice(3), "hex");
  const w = new Writer();
  w.text(id);
  return w.done();
}

/**
 * A batch's per-user results, packed (about 17 bytes a user for open_ids and union_ids, 1 + the id
 * for employee ids): a version byte; the count; how end_time is kept (0 none: a close, 1 one value
 * every user has: the usual open, 2 one per user) and the value(s); then per user one byte holding
 * the result's code (low 4 bits; 15: the result spelled out next) and the id's kind (high 4 bits),
 * then the id (`packedId`). A batch of 50 open_ids is about 870 bytes, so its entry fits in one
 * 1 KiB page of the embedded database.
 */
export function encodeResults(results: readonly AuditResult[] | undefined): Buffer | null {
  if (!results) return null;
  const w = new Writer();
  w.byte(VERSION);
  w.varint(results.length);
  const first = results[0]?.end_time;
  const same = first !== undefined && results.every((r) => r.end_time === first);
  const none = results.every((r) => r.end_time === undefined);
  w.byte(none ? 0 : same ? 1 : 2);
  if (same) w.text(first as string);
  else if (!none) for (const r of results) w.text(r.end_time ?? "");
  for (const r of results) {
    const code = CODE_OF[r.result] ?? SPELLED;
    const kind = ID_KINDS.find((k) => k.re.test(r.user_id));
    w.byte(((kind?.tag ?? 0) << 4) | code);
    if (code === SPELLED) w.text(r.result);
    w.raw(packedId(r.user_id));
  }
  return w.done();
}

/** The results `encodeResults` packed. */
export function decodeResults(packed: Uint8Array): AuditResult[] {
  const r = new Reader(Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength));
  if (r.byte() !== VERSION) throw new Error("audit results: unknown version");
  const n = r.varint();
  const mode = r.byte();
  const shared = mode === 1 ? r.text() : undefined;
  const ends = mode === 2 ? Array.from({ length: n }, () => r.text()) : undefined;
  const out: AuditResult[] = [];
  for (let i = 0; i < n; i++) {
    const head = r.byte();
    const code = head & 0x0f;
    const tag = head >> 4;
    const result = code === SPELLED ? r.text() : (RESULT_OF[code] ?? "");
    const kind = ID_KINDS.find((k) => k.tag === tag);
    const user_id = kind ? kind.prefix + r.raw(16).toString("hex") : r.text();
    const end = shared ?? ends?.[i];
    out.push(end === undefined || end === "" ? { user_id, result } : { user_id, result, end_time: end });
  }
  return out;
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
): [number, string, string, string, string | null, string | null, string | null, string | null, Buffer | null, string | null] {
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
  if (r.results instanceof Uint8Array) out.results = decodeResults(r.results);
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
