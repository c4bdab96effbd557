/**
 * The request journal (`--emulator on`): the last requests to /open-apis, kept in this process (each
 * instance keeps its own), newest first, with their bodies as sent and answered. Nothing secret is
 * kept: app secrets and token values are replaced by a marker before an entry is stored, and no
 * header is kept at all (so nothing from Authorization).
 */

import { REDACTED, redactTokens, redactUrl } from "../domain/secrets.js";

export { REDACTED };

/** The most characters kept of one body (its JSON text); a longer one is kept cut, and marked. */
export const BODY_MAX_CHARS = 64 * 1024;

/** The JSON keys whose values are secrets or tokens, wherever they appear in a body. */
const SECRET_KEYS = new Set(["app_secret", "tenant_access_token", "app_access_token"]);

/** The same keys in a body that is not valid JSON (a string value, closed or not). */
const SECRET_IN_TEXT = /("(?:app_secret|tenant_access_token|app_access_token)"\s*:\s*)"(?:[^"\\]|\\.)*"?/g;

/** One request as the journal keeps it. */
export interface JournalEntry {
  log_id: string;
  /** When it arrived, on the server's (emulated) clock, Unix ms. */
  at_ms: number;
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query string as sent, without the `?` ("" when none). */
  query: string;
  /** The calling app: the token's (status endpoints) or the body's `app_id` (token endpoints). */
  app_id?: string;
  /** The vendor operation the route serves (absent for a path no operation serves). */
  operation?: string;
  /** The body as parsed (JSON), or its text when it is not JSON; null when there was none. */
  request_body: unknown;
  request_body_truncated?: true;
  status: number;
  /** The body as sent. */
  response_body: unknown;
  response_body_truncated?: true;
  duration_ms: number;
}

/** What a request gives the journal; the journal redacts and bounds it. */
export interface JournalRecord {
  log_id: string;
  at_ms: number;
  method: string;
  path: string;
  query: string;
  app_id?: string | undefined;
  operation?: string | undefined;
  /** The parsed body (undefined when none), or its raw text when it was not JSON (`request_text`). */
  request_body: unknown;
  request_text?: string | undefined;
  /** The response payload as sent (a string for every JSON answer). */
  response_payload: unknown;
  status: number;
  duration_ms: number;
  /** The bearer token of the request, if any: never kept, and scrubbed wherever it is echoed. */
  authorization?: string | undefined;
}

export interface JournalFilter {
  operation?: string | undefined;
  app_id?: string | undefined;
  status?: number | undefined;
}

/** Stored form: the bodies as (redacted, bounded) JSON text, parsed back when read. */
interface Stored extends Omit<JournalEntry, "request_body" | "response_body"> {
  request_json: string;
  response_json: string;
}

/**
 * A JSON value with every secret key's value replaced by the marker, and every string scrubbed of
 * token-shaped text and of the request's own bearer value.
 */
function redactValue(v: unknown, bearer: string | undefined, depth = 0): unknown {
  if (typeof v === "string") return redactText(v, bearer);
  if (depth > 64 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, bearer, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = SECRET_KEYS.has(k) && x !== null && x !== undefined ? REDACTED : redactValue(x, bearer, depth + 1);
  }
  return out;
}

/** Text with secret keys' values and anything token-shaped (or the request's own token) replaced. */
function redactText(text: string, bearer: string | undefined): string {
  let out = redactTokens(text.replace(SECRET_IN_TEXT, `$1"${REDACTED}"`));
  if (bearer && bearer.length >= 8) out = out.split(bearer).join(REDACTED);
  return out;
}

/** The bearer value of an Authorization header (what must never be kept). */
function bearerOf(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^\s*\S+\s+(\S+)/.exec(authorization);
  return m?.[1] ?? authorization?.trim();
}

/** A body as kept: its redacted JSON text, cut to BODY_MAX_CHARS (then a JSON string of the cut text). */
function keep(value: unknown, bearer: string | undefined): { json: string; truncated: boolean } {
  let json: string;
  try {
    json = JSON.stringify(value === undefined ? null : redactValue(value, bearer)) ?? "null";
  } catch {
    json = JSON.stringify("[not serializable]");
  }
  if (json.length <= BODY_MAX_CHARS) return { json, truncated: false };
  return { json: JSON.stringify(json.slice(0, BODY_MAX_CHARS)), truncated: true };
}

/** A response payload as sent: JSON text parsed back, anything else as text. */
function payloadValue(payload: unknown): unknown {
  if (typeof payload !== "string") return payload === undefined || payload === null ? null : String(payload);
  if (payload === "") return null;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

export class Journal {
  /** A ring of at most `size` entries; `next` is where the newest goes. */
  private readonly ring: Array<Stored | undefined>;
  private next = 0;
  private count = 0;

  /** `size`: how many requests are kept (0: none; `--journal-size`). */
  constructor(readonly size: number) {
    this.ring = new Array<Stored | undefined>(Math.max(0, size));
  }

  /** Keeps one request (the oldest goes when full). */
  record(r: JournalRecord): void {
    if (this.size === 0) return;
    const bearer = bearerOf(r.authorization);
    const req = keep(r.request_text !== undefined ? r.request_text : r.request_body, bearer);
    const res = keep(payloadValue(r.response_payload), bearer);
    const entry: Stored = {
      log_id: r.log_id,
      at_ms: r.at_ms,
      method: r.method,
      path: redactText(redactUrl(r.path), bearer),
      query: redactText(redactUrl(r.query), bearer),
      ...(r.app_id !== undefined ? { app_id: r.app_id } : {}),
      ...(r.operation !== undefined ? { operation: r.operation } : {}),
      request_json: req.json,
      ...(req.truncated ? { request_body_truncated: true as const } : {}),
      status: r.status,
      response_json: res.json,
      ...(res.truncated ? { response_body_truncated: true as const } : {}),
      duration_ms: Math.round(r.duration_ms * 1000) / 1000,
    };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** The entries matching `filter`, newest first, at most `limit`. */
  list(filter: JournalFilter = {}, limit = Number.POSITIVE_INFINITY): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const s = this.ring[(this.next - i + this.size) % this.size] as Stored;
      if (filter.operation !== undefined && s.operation !== filter.operation) continue;
      if (filter.app_id !== undefined && s.app_id !== filter.app_id) continue;
      if (filter.status !== undefined && s.status !== filter.status) continue;
      const { request_json, response_json, ...rest } = s;
      out.push({
        log_id: rest.log_id,
        at_ms: rest.at_ms,
        method: rest.method,
        path: rest.path,
        query: rest.query,
        ...(rest.app_id !== undefined ? { app_id: rest.app_id } : {}),
        ...(rest.operation !== undefined ? { operation: rest.operation } : {}),
        request_body: JSON.parse(request_json),
        ...(rest.request_body_truncated ? { request_body_truncated: true as const } : {}),
        status: rest.status,
        response_body: JSON.parse(response_json),
        ...(rest.response_body_truncated ? { response_body_truncated: true as const } : {}),
        duration_ms: rest.duration_ms,
      });
    }
    return out;
  }

  /** Forgets every entry (DELETE /admin/v1/emulator/journal, and reset). */
  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
