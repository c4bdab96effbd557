/**
 * Shared test set-up: a real app on a real (in-memory) SQLite store, a manual clock, sequential
 * ids and the fixture seed. Secrets are hashed with a small scrypt cost to keep tests fast.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after } from "node:test";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { buildApp } from "../src/app.js";
import { ManualClock } from "../src/domain/clock.js";
import { deriveOpenId, deriveUnionId, type IdGenerator, sequentialIds } from "../src/domain/ids.js";
import { EmulatorClock } from "../src/emulator/clock.js";
import { Emulator } from "../src/emulator/emulator.js";
import { loadSeedFile } from "../src/seed/load.js";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../src/storage/store.js";

export const FIXTURE_SEED = join(import.meta.dirname, "fixtures", "seed.yaml");
/** 2026-01-01T00:00:00Z, the fixed "now" of in-process tests. */
export const T0 = Date.UTC(2026, 0, 1);
export const T0_S = T0 / 1000;
export const TEST_SCRYPT_N = 1024;

export const ACME = "a1b2c3d4e5f60718";
export const GLOBEX = "0f1e2d3c4b5a6978";
export const INITECH = "00000000000000c4";
export const APP = { app_id: "cli_a1b2c3d4e5f60718", app_secret: "acme-secret" };
export const NARROW_APP = { app_id: "cli_00000000000000b2", app_secret: "narrow-secret" };
export const DISABLED_APP = { app_id: "cli_00000000000000d3", app_secret: "disabled-secret" };
export const GLOBEX_APP = { app_id: "cli_0f1e2d3c4b5a6978", app_secret: "globex-secret" };
export const INITECH_APP = { app_id: "cli_00000000000000c4", app_secret: "initech-secret" };
/** Seeded statuses of Acme: 出差 (priority 1) and 请假 (priority 2); Globex's own. */
export const TRIP = "7101214603622940001";
export const LEAVE = "7101214603622940002";
export const GLOBEX_STATUS = "7101214603622940009";

export const BASE = "/open-apis/personal_settings/v1/system_statuses";

/** The open_id of an Acme user for the main app (derived, or u003's explicit one). */
export function openId(userId: string, appId = APP.app_id, tenantKey = ACME): string {
  if (userId === "u003" && appId === APP.app_id) return "ou_0123456789abcdef0123456789abcdef";
  return deriveOpenId(appId, tenantKey, userId);
}

export function unionId(userId: string, tenantKey = ACME): string {
  if (userId === "u003" && tenantKey === ACME) return "on_0123456789abcdef0123456789abcdef";
  return deriveUnionId(tenantKey, tenantKey, userId);
}

/**
 * The store under test: SQLite in memory, or, with LARKSTATUS_TEST_DRIVER=postgres (npm test's
 * second pass), a fresh PostgreSQL schema in TEST_PG_URL, so the same suites run on both drivers.
 */
export const TEST_DRIVER = process.env.LARKSTATUS_TEST_DRIVER === "postgres" ? "postgres" : "sqlite";

/** `store.openUserStatuses` on a status the test knows is live: a refusal fails the test. */
export async function openOk(
  store: Store,
  ...args: Parameters<Store["openUserStatuses"]>
): Promise<NonNullable<Awaited<ReturnType<Store["openUserStatuses"]>>>> {
  const rows = await store.openUserStatuses(...args);
  assert.ok(rows, "openUserStatuses refused a status the test expects to be live");
  return rows;
}

export async function testStore(): Promise<Store> {
  if (TEST_DRIVER === "sqlite") return new SqliteStore("sqlite::memory:");
  const { freshPgUrl } = await import("./pg.js");
  const { PgStore } = await import("../src/storage/postgres/pg-store.js");
  return new PgStore(await freshPgUrl(), { poolMax: 4 });
}

if (TEST_DRIVER === "postgres") {
  // Each test file runs in its own process: drop the schemas it made once it is done.
  after(async () => {
    const { dropTestSchemas } = await import("./pg.js");
    await dropTestSchemas();
  });
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  /** The wall clock (with the emulator on, the server's clock is `emulator.clock` over it). */
  clock: ManualClock;
  /** With `makeApp({ emulator: true })`: the server's emulator controls. */
  emulator?: Emulator;
  ids: IdGenerator;
  /** A fresh tenant_access_token for the app (default: Acme's full-scope app). */
  token(creds?: { app_id: string; app_secret: string }): Promise<string>;
  /** inject() with `Authorization: Bearer <token>` and a JSON body. */
  call(opts: {
    method: InjectOptions["method"];
    url: string;
    token?: string | undefined;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The admin token of every in-process test app. */
export const ADMIN_TOKEN = "lsa_test-admin-token-0000000000000000000000000";

export async function makeApp(opts: { rateLimit?: "vendor" | "off"; seed?: string; emulator?: boolean } = {}): Promise<TestApp> {
  const clock = new ManualClock(T0);
  const store = await testStore();
  await store.migrate();
  // With the emulator controls, the server's clock is the emulator's, over `clock` as its wall clock.
  const emulatorClock = opts.emulator ? new EmulatorClock(clock, store) : undefined;
  await emulatorClock?.refresh();
  const serverClock = emulatorClock ?? clock;
  const ids = sequentialIds(serverClock);
  const emulator = emulatorClock && new Emulator({ clock: emulatorClock, shared: TEST_DRIVER === "postgres", snapshots: store });
  await loadSeedFile(opts.seed ?? FIXTURE_SEED, { store, ids, now: () => serverClock.now(), scryptN: TEST_SCRYPT_N });
  // What a reset goes back to, as startServer does.
  await emulator?.captureBaseline();
  const app = await buildApp({
    store,
    clock: serverClock,
    ids,
    rateLimit: opts.rateLimit ?? "off",
    logger: false,
    adminToken: ADMIN_TOKEN,
    ...(emulator ? { emulator } : {}),
  });
  const t: TestApp = {
    app,
    store,
    clock,
    ...(emulator ? { emulator } : {}),
    ids,
    async token(creds = APP) {
      const res = await app.inject({ method: "POST", url: "/open-apis/auth/v3/tenant_access_token/internal", payload: creds });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { tenant_access_token: string }).tenant_access_token;
    },
    async call({ method, url, token, body, headers }) {
      return app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
  return t;
}

/** Asserts a vendor error: HTTP status, code, msg, the JSON content type, log id header = error.log_id, and optionally the offending field. */
export function assertError(
  res: LightMyRequestResponse,
  expected: { status: number; code: number; msg: string; field?: string },
): Record<string, unknown> {
  assert.equal(res.statusCode, expected.status, res.body);
  assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
  const body = res.json() as {
    code: number;
    msg: string;
    data?: unknown;
    error: { log_id: string; field_violations?: { field: string }[] };
  };
  assert.equal(body.code, expected.code, res.body);
  assert.equal(body.msg, expected.msg);
  assert.equal(body.data, undefined, "an error has no data");
  assert.equal(typeof body.error.log_id, "string");
  assert.equal(res.headers["x-tt-logid"], body.error.log_id);
  assert.equal(res.headers["x-request-id"], body.error.log_id);
  if (expected.field !== undefined) {
    assert.ok(body.error.field_violations, `expected field_violations in ${res.body}`);
    assert.equal(body.error.field_violations[0]?.field, expected.field, res.body);
  }
  return body as unknown as Record<string, unknown>;
}

/** Asserts a success envelope and returns its data. */
export function assertOk<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
  const body = res.json() as { code: number; msg: string; data: T };
  assert.equal(body.code, 0, res.body);
  assert.equal(body.msg, "success");
  return body.data;
}

/** Unix seconds `s` after the test clock's now, as a string. */
export function inSeconds(t: TestApp, s: number): string {
  return String(Math.floor(t.clock.now() / 1000) + s);
}
