/**
 * Fresh databases and fast seeding for the benchmark: one tenant, one custom app, one system
 * status and N users, written straight through the Store (no seed file), users in chunks of 5,000
 * generated lazily so memory stays bounded at any N, with a progress bar on stderr.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { deriveOpenId, deriveUnionId, randomIds } from "../src/domain/ids.js";
import { SCOPE_EMPLOYEE_ID, SCOPE_STATUS_OPERATE, SCOPE_STATUS_UPDATE, withDefaults } from "../src/domain/model.js";
import { hashSecret } from "../src/domain/secrets.js";
import { openStore } from "../src/server.js";
import type { UserInput } from "../src/storage/store.js";

export const TENANT_KEY = "b0b0b0b0b0b0b0b0";
export const APP_ID = "cli_b0b0b0b0b0b0b0b0";
export const APP_SECRET = "bench-secret-not-for-production";
export const USER_CHUNK = 5000;

/** The employee id of user number i (0-based): u0000000, u0000001, ... */
export function userId(i: number): string {
  return `u${String(i).padStart(7, "0")}`;
}

/** The open_id the benchmark sends for user number i (derived as the seed loader derives it). */
export function openIdOf(i: number): string {
  return deriveOpenId(APP_ID, TENANT_KEY, userId(i));
}

export interface BenchDb {
  driver: "sqlite" | "postgres";
  /** The --db URL larkstatus is started with. */
  url: string;
  /** Where it lives, for the report (no password). */
  where: string;
  drop(): Promise<void>;
}

const dropOnExit = new Set<BenchDb>();

/** Drops every database this process created and has not dropped yet. */
export async function dropAllDbs(): Promise<void> {
  for (const db of [...dropOnExit]) await db.drop().catch(() => {});
}

/** A fresh SQLite file in a new temp dir, or a fresh schema in the PostgreSQL database `pgUrl`. */
export async function freshDb(driver: "sqlite" | "postgres", pgUrl: string | undefined): Promise<BenchDb> {
  if (driver === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "larkstatus-bench-"));
    const db: BenchDb = {
      driver,
      url: `sqlite:${join(dir, "bench.db")}`,
      where: `${join(dir, "bench.db")} (temporary)`,
      async drop() {
        dropOnExit.delete(db);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    dropOnExit.add(db);
    return db;
  }
  if (!pgUrl) throw new Error("--driver postgres needs --db postgres://... or BENCH_PG_URL");
  const schema = `bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withPg(pgUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  const u = new URL(pgUrl);
  u.searchParams.set("options", `-c search_path=${schema}`);
  const db: BenchDb = {
    driver,
    // URLSearchParams encodes spaces as "+", which libpq-style parsers may keep literally; use %20.
    url: u.toString().replace(/options=[^&]*/, `options=${encodeURIComponent(`-c search_path=${schema}`)}`),
    where: `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}, schema ${schema} (temporary)`,
    async drop() {
      dropOnExit.delete(db);
      await withPg(pgUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    },
  };
  dropOnExit.add(db);
  return db;
}

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL only: refreshes the planner statistics of this schema's tables. Right after a bulk
 * load, or after the first minutes of traffic filled `user_statuses`, PostgreSQL plans with
 * statistics of (nearly) empty tables until autovacuum catches up; a long-running deployment has
 * current statistics, so the benchmark measures with them. SQLite: nothing.
 */
export async function analyze(url: string): Promise<void> {
  if (!url.startsWith("postgres")) return;
  await withPg(url, async (c) => {
    const { rows } = await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()");
    for (const { t } of rows) await c.query(`ANALYZE "${t.replaceAll('"', '""')}"`);
  });
}

export interface Seeded {
  users: number;
  statusId: string;
  seconds: number;
  usersPerSecond: number;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`;
}

/**
 * Seeds tenant, app (with every scope), one status and `n` users into the database at `url`; on
 * PostgreSQL, then ANALYZEs the schema's tables.
 */
export async function seed(url: string, n: number): Promise<Seeded> {
  const store = openStore({ db: url, dbPool: 2 });
  const started = performance.now();
  try {
    await store.migrate();
    await store.upsertTenant({ tenant_key: TENANT_KEY, name: "Bench Inc", api_enabled: true, sensitive_words: [] });
    await store.upsertApp({
      app_id: APP_ID,
      tenant_key: TENANT_KEY,
      secret_hash: await hashSecret(APP_SECRET),
      scopes: [SCOPE_STATUS_UPDATE, SCOPE_STATUS_OPERATE, SCOPE_EMPLOYEE_ID],
      enabled: true,
      visibility: "all",
      developer: TENANT_KEY,
    });
    const now = Date.now();
    const statusId = randomIds({ now: () => now }).statusId();
    const created = await store.createStatus(
      TENANT_KEY,
      { system_status_id: statusId, ...withDefaults({ title: "Bench trip", icon_key: "GeneralBusinessTrip", priority: 0 }) },
      now,
      10,
    );
    if (!created.ok) throw new Error(`cannot create the bench status: ${created.conflict}`);

    const t0 = performance.now();
    let lastDraw = 0;
    const draw = (done: number, final = false) => {
      const t = performance.now();
      if (!final && t - lastDraw < 250) return;
      lastDraw = t;
      const secs = (t - t0) / 1000;
      const rate = done / Math.max(secs, 1e-3);
      const width = 24;
      const filled = Math.round((done / n) * width);
      process.stderr.write(
        `\r  seeding [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done.toLocaleString("en-US")}/${n.toLocaleString("en-US")} users` +
          `  ${Math.round(rate).toLocaleString("en-US")}/s  ${final ? `done in ${fmtDuration(secs)}` : `ETA ${fmtDuration((n - done) / rate)}`}   `,
      );
      if (final) process.stderr.write("\n");
    };
    draw(0, n === 0);
    for (let start = 0; start < n; start += USER_CHUNK) {
      const chunk: UserInput[] = [];
      for (let i = start; i < Math.min(n, start + USER_CHUNK); i++) {
        const uid = userId(i);
        chunk.push({
          user_id: uid,
          name: `Bench User ${i}`,
          resigned: false,
          open_ids: { [APP_ID]: deriveOpenId(APP_ID, TENANT_KEY, uid) },
          union_ids: { [TENANT_KEY]: deriveUnionId(TENANT_KEY, TENANT_KEY, uid) },
          sync_off: [],
        });
      }
      await store.upsertUsers(TENANT_KEY, chunk);
      const done = Math.min(n, start + USER_CHUNK);
      draw(done, done === n);
    }
    await analyze(url);
    const seconds = (performance.now() - started) / 1000;
    return { users: n, statusId, seconds, usersPerSecond: n / Math.max((performance.now() - t0) / 1000, 1e-3) };
  } finally {
    await store.close();
  }
}

/** The drivers a run measures: the one `--driver` names, else SQLite, and PostgreSQL too when it has a URL. */
export function benchDrivers(driver: string | undefined, pgUrl: string | undefined): ReadonlyArray<"sqlite" | "postgres"> {
  if (driver) return [driver as "sqlite" | "postgres"];
  return pgUrl ? ["sqlite", "postgres"] : ["sqlite"];
}

/** On exit or a signal: the children killed, and (on a signal) the databases the run made dropped. */
export function cleanUpOnExit(killChildren: () => void): void {
  process.on("exit", killChildren);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      killChildren();
      void dropAllDbs().finally(() => process.exit(130));
    });
  }
}
