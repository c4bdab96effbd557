/**
 * The one admin API client every CLI command shares (fetch-based), and how it finds its server:
 * `--url` / `LARKSTATUS_URL`, else the discovery file a local server keeps beside its SQLite
 * database; the token from `--admin-token` / `LARKSTATUS_ADMIN_TOKEN`, else `<db>.admin-token`.
 * Every failure becomes a CliError whose message says what was wrong and what to do.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ADMIN_TOKEN_RE, adminTokenFile } from "../admin/token.js";
import { discoveryFile, processAlive, readDiscovery } from "./discovery.js";

/** A failure the CLI reports and exits non-zero for; `problem` is the server's problem document, if it answered one. */
export class CliError extends Error {
  readonly problem: Record<string, unknown> | undefined;

  constructor(message: string, problem?: Record<string, unknown>) {
    super(message);
    this.name = "CliError";
    this.problem = problem;
  }
}

/** Where the CLI sends its calls, and with which token. */
export interface Target {
  url: string;
  token: string;
  /** Where the token came from, for the message of a 401. */
  tokenFrom: string;
  /** The discovery file the URL came from, if it did. */
  discovered?: { file: string; pid: number };
}

const HOW_TO_START = "start one with `npx larkstatus` (or `npm start`), or point --url / LARKSTATUS_URL at one";

/** The SQLite file of a `--db` URL, or undefined for `sqlite::memory:` and PostgreSQL. */
function sqliteFile(db: string): string | undefined {
  if (!db.startsWith("sqlite:")) return undefined;
  const path = db.slice("sqlite:".length);
  return path === ":memory:" || path === "" ? undefined : path;
}

/**
 * The server and token for the given settings: `url` and `adminToken` when given (flags or
 * environment), else what the local server on `db` left beside it.
 */
export function resolveTarget(s: { db: string; url: string | undefined; adminToken: string | undefined }): Target {
  const file = sqliteFile(s.db);
  let url = s.url;
  let discovered: Target["discovered"];
  if (url === undefined) {
    if (file === undefined) {
      throw new CliError(
        `--db ${s.db.startsWith("sqlite:") ? s.db : "postgres://…"} keeps no discovery file: give the server's --url (or LARKSTATUS_URL) and --admin-token`,
      );
    }
    const where = discoveryFile(file);
    let found: ReturnType<typeof readDiscovery>;
    try {
      found = readDiscovery(where);
    } catch (e) {
      throw new CliError(`cannot read ${where}: ${(e as Error).message}`);
    }
    if (!found) throw new CliError(`no larkstatus server is running on ${s.db} (no ${where}): ${HOW_TO_START}`);
    if (!processAlive(found.pid)) {
      throw new CliError(
        `the larkstatus server recorded in ${where} (pid ${found.pid}) is not running (it was stopped without a shutdown): ${HOW_TO_START}`,
      );
    }
    url = found.url;
    discovered = { file: where, pid: found.pid };
  }
  const base = { url: url.replace(/\/+$/, ""), ...(discovered ? { discovered } : {}) };
  if (s.adminToken !== undefined) return { ...base, token: s.adminToken, tokenFrom: "--admin-token" };
  const tokenFile = file === undefined ? undefined : adminTokenFile(file);
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = readFileSync(tokenFile, "utf8").trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new CliError(`cannot read ${tokenFile}: ${(e as Error).message}`);
    }
  }
  if (token === undefined || !ADMIN_TOKEN_RE.test(token)) {
    throw new CliError(
      `no admin token: give --admin-token or LARKSTATUS_ADMIN_TOKEN${tokenFile ? ` (a server on ${s.db} keeps its own in ${tokenFile}, which ${token === undefined ? "does not exist" : "does not hold one"})` : ""}`,
    );
  }
  return { ...base, token, tokenFrom: tokenFile as string };
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body. */
  json?: unknown;
  /**
   * A streamed body (chunked, read as it is sent) and its content type. Sent through node:http,
   * not fetch: fetch gives up on an answer whose headers take over 300 s (undici's headersTimeout,
   * which fetch cannot change), and an import of 10^6 users can take the server longer to write.
   */
  stream?: { body: AsyncIterable<Uint8Array>; contentType: string };
  signal?: AbortSignal;
  /** Milliseconds before a call without a stream is given up (default 30 s). An upload waits as long as it takes. */
  timeoutMs?: number;
}

/** What a server answered. */
interface Answer {
  status: number;
  type: string;
  text: string;
}

/**
 * Sends `body` as a chunked upload and answers what the server says, with no time limit. An
 * answer that comes before the upload ends (a refusal: a bad line, an unknown tenant) is taken at
 * once, and the rest of the body is no longer read.
 */
function upload(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    const src = Readable.from(body, { objectMode: false });
    let answered = false;
    const req = send(u, { method, headers, ...(signal ? { signal } : {}) }, (res) => {
      answered = true;
      // Nothing more is sent once the server has answered.
      src.destroy();
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", reject);
      res.once("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          text: Buffer.concat(chunks).toString("utf8"),
        });
        req.destroy();
      });
    });
    req.once("error", (e) => {
      if (!answered) reject(e);
    });
    pipeline(src, req).catch((e: unknown) => {
      // After an answer, the upload ends by being cut off: not a failure.
      if (!answered) reject(e);
    });
  });
}

/** A page of a list as the admin API answers it. */
export interface ListPage<T> {
  items: T[];
  next_cursor?: string;
}

/** The largest page the admin API gives. */
export const PAGE_MAX = 500;

/** Why fetch failed, in words: the codes of Node's network errors. */
function networkError(target: Target, e: unknown): CliError {
  const url = target.url;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  if (code === "ECONNREFUSED") {
    const d = target.discovered;
    return new CliError(
      d
        ? `the larkstatus server recorded in ${d.file} (pid ${d.pid}) does not answer at ${url} (connection refused; stopped without a shutdown?): ${HOW_TO_START}`
        : `no larkstatus server answers at ${url} (connection refused): ${HOW_TO_START}`,
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new CliError(`cannot resolve the host of ${url} (${code})`);
  if ((e as Error).name === "TimeoutError") return new CliError(`${url} did not answer in time`);
  return new CliError(`cannot reach ${url}: ${cause?.message ?? (e as Error).message}${code ? ` (${code})` : ""}`);
}

/**
 * The message of a problem document: its detail, and the offending fields (just named when the
 * detail already says what is wrong with the one field).
 */
export function problemMessage(p: Record<string, unknown>): string {
  const detail = typeof p.detail === "string" ? p.detail : String(p.title ?? "error");
  const errors = (Array.isArray(p.errors) ? (p.errors as Array<{ field?: unknown; message?: unknown }>) : []).filter(
    (x) => typeof x.field === "string",
  );
  const [only] = errors;
  if (errors.length === 1 && only && detail.includes(String(only.message))) {
    // "line 6: name is required" names its field already.
    return detail.startsWith(`${String(only.field)}: `) ? detail : `${detail} (field ${String(only.field)})`;
  }
  return `${detail}${errors.map((x) => `\n  field ${String(x.field)}: ${String(x.message ?? "")}`).join("")}`;
}

export class AdminClient {
  readonly target: Target;

  constructor(target: Target) {
    this.target = target;
  }

  /** One admin call under /admin/v1; answers the parsed JSON body of a success. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const url = `${this.target.url}/admin/v1${path}${qs.size > 0 ? `?${qs}` : ""}`;
    const timeoutMs = opts.stream ? 0 : (opts.timeoutMs ?? 30_000);
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (x): x is AbortSignal => x !== undefined,
    );
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.token}`, accept: "application/json" };
    let answer: Answer;
    try {
      if (opts.stream) {
        answer = await upload(
          url,
          method,
          { ...headers, "content-type": opts.stream.contentType },
          opts.stream.body,
          opts.signal,
        );
      } else {
        if (opts.json !== undefined) headers["content-type"] = "application/json";
        const res = await fetch(url, {
          method,
          headers,
          ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
          ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
        });
        answer = { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
      }
    } catch (e) {
      if (opts.signal?.aborted) throw new CliError("interrupted");
      throw networkError(this.target, e);
    }
    const { status, type, text } = answer;
    if (type.startsWith("application/problem+json")) {
      const problem = JSON.parse(text) as Record<string, unknown>;
      throw new CliError(this.explain(status, method, path, problem), problem);
    }
    // No content: a delete, a clear.
    if (status === 204) return undefined as T;
    if (!type.startsWith("application/json")) {
      throw new CliError(
        `${this.target.url} answered ${method} /admin/v1${path} with ${status} ${type || "and no content type"}: is it a larkstatus server?`,
      );
    }
    if (status < 200 || status > 299)
      throw new CliError(`${method} /admin/v1${path} failed with ${status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  /** What a problem means for the person at the terminal. */
  private explain(status: number, method: string, path: string, p: Record<string, unknown>): string {
    const message = problemMessage(p);
    if (status === 401) {
      return `the server refused the admin token from ${this.target.tokenFrom} (401: ${message}); a server on a SQLite file keeps its own in <db>.admin-token`;
    }
    // No route at the path (404), or the path without this method (405): a server older than the command.
    if ((status === 404 && typeof p.detail === "string" && p.detail.startsWith("no admin resource at")) || status === 405) {
      return `the server at ${this.target.url} has no ${method} /admin/v1${path}: a larkstatus without this command's endpoint (an older one?)`;
    }
    return message;
  }

  /**
   * Up to `limit` items of a list, following next_cursor from `cursor`, in pages of at most
   * PAGE_MAX; `next_cursor` is where the next call would continue.
   */
  async list<T>(path: string, query: Query, limit: number, cursor?: string): Promise<ListPage<T>> {
    const items: T[] = [];
    let next = cursor;
    do {
      const page = await this.request<ListPage<T>>("GET", path, {
        query: { ...query, limit: Math.min(PAGE_MAX, limit - items.length), cursor: next },
      });
      items.push(...page.items);
      next = page.next_cursor;
    } while (next !== undefined && items.length < limit);
    return next === undefined ? { items } : { items, next_cursor: next };
  }
}
