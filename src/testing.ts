/**
 * `import { startLarkstatus } from "larkstatus/testing"`: a larkstatus for a test suite, in the
 * test's own process. It runs on an in-memory SQLite database, on a free port, with the emulator
 * controls on, and hands back the URL, the seed's first app, the admin token and a small typed
 * client of the admin API (reset, clock, user status, journal, faults, snapshots).
 *
 * The test runner's LARKSTATUS_* environment is not read: the server is configured by the options
 * alone, so a suite behaves the same on every machine.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Static } from "@sinclair/typebox";
import type { ClockOut } from "./admin/emulator/clock.js";
import type { FaultBody, FaultOut } from "./admin/emulator/faults.js";
import type { JournalEntryOut } from "./admin/emulator/journal.js";
import type { SnapshotOut } from "./admin/emulator/snapshots.js";
import type { UserStatusViewOut } from "./admin/schemas.js";
import type { Config } from "./config.js";
import { systemClock } from "./domain/clock.js";

/** An app's credentials, as the seed gives them (the demo seed's are public). */
export interface AppCredentials {
  app_id: string;
  app_secret: string;
}

/** `GET /admin/v1/emulator/clock`. */
export type ClockView = Static<typeof ClockOut>;

/** `GET /admin/v1/tenants/{tenant_key}/users/{user_id}/status`: what the user's profile shows (`shown`). */
export type UserStatusView = Static<typeof UserStatusViewOut>;

/** A fault rule as `faults.add()` takes it (the admin API's body schema). */
export type FaultRule = Static<typeof FaultBody>;

/** A fault rule as the server keeps it. */
export type Fault = Static<typeof FaultOut>;

/** One request to `/open-apis` the journal kept (token and secret values redacted). */
export type JournalEntry = Static<typeof JournalEntryOut>;

/** What `journal()` keeps: every filter given must match. */
export interface JournalFilter {
  /** The vendor operation's name, e.g. `system_status.batch_open`. */
  operation?: string;
  app_id?: string;
  /** The HTTP status answered. */
  status?: number;
}

/** A named snapshot of the whole state. */
export type Snapshot = Static<typeof SnapshotOut>;

/** A failed admin call: the problem the server answered (RFC 9457), or the transport's failure. */
export class LarkstatusAdminError extends Error {
  /** The HTTP status; 0 when no answer came (the server is gone). */
  readonly status: number;
  /** The problem's kind (`invalid_input`, `not_found`, `conflict`, `forbidden`...), from its `type`. */
  readonly kind: string | undefined;
  readonly detail: string;
  /** The first offending field the problem names (`set_ms`, `body`...), if any. */
  readonly field: string | undefined;
  /** The whole problem document. */
  readonly problem: Record<string, unknown> | undefined;

  constructor(
    call: string,
    status: number,
    detail: string,
    problem: Record<string, unknown> | undefined,
    options?: { cause?: unknown },
  ) {
    const errors = Array.isArray(problem?.errors) ? (problem.errors as Array<{ field?: unknown }>) : [];
    const field = typeof errors[0]?.field === "string" ? errors[0].field : undefined;
    super(`${call}: ${status || "no answer"}: ${detail}${field === undefined ? "" : ` (field ${field})`}`, options);
    this.name = "LarkstatusAdminError";
    this.status = status;
    this.detail = detail;
    this.field = field;
    this.problem = problem;
    const type = typeof problem?.type === "string" ? problem.type : "";
    this.kind = type.startsWith("urn:larkstatus:problem:") ? type.slice(23).replace(/-/g, "_") : undefined;
  }
}

/**
 * A token cache for the official Node SDK (`new lark.Client({ ..., cache: lk.tokenCache })`) that
 * the admin client empties whenever the server's tokens stop being good: on a reset (which voids
 * every token), a snapshot restore, and any move of the clock (a token lives 2 hours of the
 * emulated clock). The SDK's own cache is shared by every client of the process and knows none of
 * that: after a reset it sends a void token (99991663).
 */
export class TokenCache {
  private readonly values = new Map<unknown, { value: unknown; expiredTime: number | undefined }>();

  private static key(key: string | symbol | object, namespace: string | undefined): unknown {
    return namespace ? `${namespace}/${key.toString()}` : key;
  }

  async get(key: string | symbol | object, options?: { namespace?: string }): Promise<unknown> {
    const hit = this.values.get(TokenCache.key(key, options?.namespace));
    return hit && (hit.expiredTime === undefined || hit.expiredTime > systemClock.now()) ? hit.value : undefined;
  }

  async set(
    key: string | symbol | object,
    value: unknown,
    expiredTime?: number,
    options?: { namespace?: string },
  ): Promise<boolean> {
    this.values.set(TokenCache.key(key, options?.namespace), { value, expiredTime });
    return true;
  }

  clear(): void {
    this.values.clear();
  }
}

/** A small typed client of the admin API (`/admin/v1`); each failed call throws a LarkstatusAdminError. */
export interface AdminClient {
  /** Everything back to what the start-up seed made: tokens, clock, journal, faults and snapshots cleared. */
  reset(): Promise<void>;
  clock: {
    get(): Promise<ClockView>;
    /** Moves forward by a duration (`"90m"`, `"2h"`, `"1d"`) or a number of ms. */
    advance(by: string | number): Promise<ClockView>;
    /** Moves to a Unix ms, not earlier than now (earlier: a 409). */
    set(ms: number): Promise<ClockView>;
    freeze(): Promise<ClockView>;
    unfreeze(): Promise<ClockView>;
  };
  /** What the user's profile shows now (`shown`, null when nothing) and every status row. */
  userStatus(tenantKey: string, userId: string): Promise<UserStatusView>;
  /** The last requests to `/open-apis`, newest first; `journal.clear()` empties it. */
  journal: ((filter?: JournalFilter) => Promise<JournalEntry[]>) & { clear(): Promise<void> };
  faults: {
    add(rule: FaultRule): Promise<Fault>;
    list(): Promise<Fault[]>;
    remove(id: string): Promise<void>;
    clear(): Promise<void>;
  };
  snapshots: {
    save(name: string): Promise<Snapshot>;
    list(): Promise<Snapshot[]>;
    restore(name: string): Promise<void>;
    delete(name: string): Promise<void>;
  };
  /** Any other admin call: `path` under /admin/v1 (`/tenants`); answers the parsed body (undefined for 204). */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The items of a list answer (`{items, next_cursor?}`), or the answer when it is an array already. */
function itemsOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const items = (body as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? (items as T[]) : [];
}

/**
 * The admin client of the server at `url` (`http://127.0.0.1:PORT`), with its admin token.
 * `tokenCache`, when given, is emptied after each call that voids or ages the server's tokens.
 */
export function adminClient(url: string, token: string, tokenCache?: TokenCache): AdminClient {
  const base = `${url.replace(/\/+$/, "")}/admin/v1`;
  const seg = encodeURIComponent;
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const call = `${method} /admin/v1${path}`;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new LarkstatusAdminError(call, 0, (e as Error).message, undefined, { cause: e });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const problem = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
      const detail = typeof problem?.detail === "string" ? problem.detail : text.slice(0, 500) || res.statusText;
      throw new LarkstatusAdminError(call, res.status, detail, problem);
    }
    return parsed as T;
  }
  /** A call after which the tokens an SDK holds may be void. */
  async function voiding<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await request<T>(method, path, body);
    } finally {
      tokenCache?.clear();
    }
  }
  const clock = (body: unknown) => voiding<ClockView>("POST", "/emulator/clock", body);
  const journal = async (filter: JournalFilter = {}) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return itemsOf<JournalEntry>(await request("GET", `/emulator/journal${qs ? `?${qs}` : ""}`));
  };
  return {
    async reset() {
      await voiding("POST", "/emulator/reset");
    },
    clock: {
      get: () => request<ClockView>("GET", "/emulator/clock"),
      advance: (by) => clock(typeof by === "number" ? { advance_ms: by } : { advance: by }),
      set: (ms) => clock({ set_ms: ms }),
      freeze: () => clock({ frozen: true }),
      unfreeze: () => clock({ frozen: false }),
    },
    userStatus: (tenantKey, userId) => request<UserStatusView>("GET", `/tenants/${seg(tenantKey)}/users/${seg(userId)}/status`),
    journal: Object.assign(journal, {
      async clear() {
        await request("DELETE", "/emulator/journal");
      },
    }),
    faults: {
      add: (rule) => request<Fault>("POST", "/emulator/faults", rule),
      list: async () => itemsOf<Fault>(await request("GET", "/emulator/faults")),
      async remove(id) {
        await request("DELETE", `/emulator/faults/${seg(id)}`);
      },
      async clear() {
        await request("DELETE", "/emulator/faults");
      },
    },
    snapshots: {
      save: (name) => request<Snapshot>("POST", "/emulator/snapshots", { name }),
      list: async () => itemsOf<Snapshot>(await request("GET", "/emulator/snapshots")),
      async restore(name) {
        await voiding("POST", `/emulator/snapshots/${seg(name)}/restore`);
      },
      async delete(name) {
        await request("DELETE", `/emulator/snapshots/${seg(name)}`);
      },
    },
    request,
  };
}

export interface StartOptions {
  /** A seed file (JSON or YAML) to load instead of the built-in demo seed (examples/seed.yaml). */
  seed?: string;
  /** The admin API's token (16-256 visible ASCII); default: one made for this server. */
  adminToken?: string;
  /** The server's log level (its log goes to stdout); default `silent`. */
  logLevel?: Config["logLevel"];
}

/** A running larkstatus. `A` is the type of `app`: always set with the built-in demo seed. */
export interface Larkstatus<A extends AppCredentials | undefined = AppCredentials | undefined> {
  /** `http://127.0.0.1:PORT`: the vendor API's base URL (the SDKs' `domain`) and the admin API's host. */
  url: string;
  /** The seed's first app (with the demo seed: cli_a1b2c3d4e5f60718, tenant a1b2c3d4e5f60718); undefined if it has none. */
  app: A;
  adminToken: string;
  admin: AdminClient;
  /**
   * Hand it to the Node SDK (`new lark.Client({ appId, appSecret, domain: url, cache: tokenCache })`):
   * `admin` empties it on reset, restore and clock moves, which void or age the server's tokens.
   */
  tokenCache: TokenCache;
  /** Stops the server (open connections are closed); calling it again does nothing. */
  stop(): Promise<void>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The built-in demo seed, beside src/ and dist/ in the repository and in the package. */
export const DEMO_SEED = join(ROOT, "examples", "seed.yaml");

/**
 * Starts a larkstatus in this process: `sqlite::memory:`, port 0 on 127.0.0.1, the emulator
 * controls on, the demo seed (or `seed`) loaded. Call `stop()` when done (an `after` hook).
 */
export function startLarkstatus(options?: StartOptions & { seed?: undefined }): Promise<Larkstatus<AppCredentials>>;
export function startLarkstatus(options: StartOptions): Promise<Larkstatus>;
export async function startLarkstatus(options: StartOptions = {}): Promise<Larkstatus> {
  // The server's modules load only when one is started: importing this module stays cheap.
  const [{ loadConfig }, { startServer }, { demoCredentials }] = await Promise.all([
    import("./config.js"),
    import("./server.js"),
    import("./banner.js"),
  ]);
  const argv = ["serve", "--db", "sqlite::memory:", "--port", "0", "--host", "127.0.0.1", "--emulator", "on"];
  argv.push("--log-level", options.logLevel ?? "silent");
  if (options.seed !== undefined) argv.push("--seed", options.seed);
  if (options.adminToken !== undefined) argv.push("--admin-token", options.adminToken);
  // An empty environment: the runner's LARKSTATUS_* variables never change this server.
  const config = loadConfig(argv, {}, DEMO_SEED);
  const server = await startServer(config);
  const app = await demoCredentials(server.store, server.seeded?.file ?? DEMO_SEED);
  let stopped: Promise<void> | undefined;
  const tokenCache = new TokenCache();
  return {
    url: server.url,
    app,
    adminToken: server.admin.token,
    admin: adminClient(server.url, server.admin.token, tokenCache),
    tokenCache,
    stop() {
      stopped ??= server.close(0);
      return stopped;
    },
  };
}
