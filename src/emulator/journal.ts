/**
 * The request journal (`--emulator on`): the last requests to /open-apis, kept in this process (each
 * instance keeps its own), newest first, with their bodies as sent and answered. Nothing secret is
 * answered: app secrets and token values are replaced by a marker when entries are read, and no
 * header is kept at all (so nothing from Authorization; the request's own bearer value, should a
 * body or the URL echo it, is scrubbed when the entry is stored). Recording keeps references to the
 * texts the request already has (the body as received, the payload as sent): the work of redacting
 * and parsing is done when the journal is read, off the hot path.
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
  /** The parsed body (undefined when none), used only when its text (`request_text`, as received) is not known. */
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

/** Stored form: the bodies as texts (bounded), redacted and parsed when read. */
interface Stored extends Omit<JournalEntry, "request_body" | "response_body" | "path" | "query"> {
  path: string;
  query: string;
  /** The body as received (undefined: none); the payload as sent (undefined: none). */
  request_text: string | undefined;
  response_text: string | undefined;
}

/**
 * A JSON value with every secret key's value replaced by the marker, and every string scrubbed of
 * token-shaped text.
 */
function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return redactText(v);
  if (depth > 64 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = SECRET_KEYS.has(k) && x !== null && x !== undefined ? REDACTED : redactValue(x, depth + 1);
  }
  return out;
}

/** Text with secret keys' values and anything token-shaped replaced. */
function redactText(text: string): string {
  return redactTokens(text.replace(SECRET_IN_TEXT, `$1"${REDACTED}"`));
}

/** The bearer value of an Authorization header (what must never be kept). */
function bearerOf(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^\s*\S+\s+(\S+)/.exec(authorization);
  return m?.[1] ?? authorization?.trim();
}

/** A text as kept: at most BODY_MAX_CHARS + 1 characters (one more says it was longer). */
function bounded(text: string | undefined): string | undefined {
  return text === undefined || text.length <= BODY_MAX_CHARS ? text : text.slice(0, BODY_MAX_CHARS + 1);
}

/** A kept body as answered: its JSON value redacted, its text when not JSON, its cut text when too long. */
function bodyOf(text: string | undefined): { value: unknown; truncated: boolean } {
  if (text === undefined || text === "") return { value: null, truncated: false };
  if (text.length > BODY_MAX_CHARS) return { value: redactText(text.slice(0, BODY_MAX_CHARS)), truncated: true };
  try {
    return { value: redactValue(JSON.parse(text)), truncated: false };
  } catch {
    return { value: redactText(text), truncated: false };
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

  /** Keeps one request (the oldest goes when full): references to its texts, nothing computed. */
  record(r: JournalRecord): void {
    if (this.size === 0) return;
    let request = bounded(r.request_text ?? (r.request_body === undefined ? undefined : JSON.stringify(r.request_body)));
    let response = bounded(typeof r.response_payload === "string" ? r.response_payload : undefined);
    let path = r.path;
    let query = r.query;
    // A bearer value echoed back (in a body or the URL) goes now: the token itself is never kept.
    const bearer = bearerOf(r.authorization);
    if (bearer && bearer.length >= 8) {
      const scrub = (t: string | undefined) => (t?.includes(bearer) ? t.split(bearer).join(REDACTED) : t);
      request = scrub(request);
      response = scrub(response);
      path = scrub(path) as string;
      query = scrub(query) as string;
    }
    const entry: Stored = {
      log_id: r.log_id,
      at_ms: r.at_ms,
      method: r.method,
      path,
      query,
      ...(r.app_id !== undefined ? { app_id: r.app_id } : {}),
      ...(r.operation !== undefined ? { operation: r.operation } : {}),
      request_text: request,
      status: r.status,
      response_text: response,
      duration_ms: Math.round(r.duration_ms * 1000) / 1000,
    };
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** The entries matching `filter`, newest first, at most `limit`: redacted and parsed now. */
  list(filter: JournalFilter = {}, limit = Number.POSITIVE_INFINITY): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const s = this.ring[(this.next - i + this.size) % this.size] as Stored;
      if (filter.operation !== undefined && s.operation !== filter.operation) continue;
      if (filter.app_id !== undefined && s.app_id !== filter.app_id) continue;
      if (filter.status !== undefined && s.status !== filter.status) continue;
      const req = bodyOf(s.request_text);
      const res = bodyOf(s.response_text);
      out.push({
        log_id: s.log_id,
        at_ms: s.at_ms,
        method: s.method,
        path: redactText(redactUrl(s.path)),
        query: redactText(redactUrl(s.query)),
        ...(s.app_id !== undefined ? { app_id: s.app_id } : {}),
        ...(s.operation !== undefined ? { operation: s.operation } : {}),
        request_body: req.value,
        ...(req.truncated ? { request_body_truncated: true as const } : {}),
        status: s.status,
        response_body: res.value,
        ...(res.truncated ? { response_body_truncated: true as const } : {}),
        duration_ms: s.duration_ms,
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
