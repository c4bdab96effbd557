/**
 * `npm run bench:reset`: how long `POST /admin/v1/emulator/reset` takes against the built server
 * (emulator on), median and p95 of N resets after a few warm-up ones, in two states: (a) the demo
 * seed (examples/seed.yaml), (b) 10,000 users of one tenant with a status open for 2,000 of them.
 * Between two resets one user is changed (PUT), so each reset has something to undo. Reported per
 * reset: the client's round trip and the server's own `took_ms`. SQLite, then PostgreSQL when
 * BENCH_PG_URL (or --db) is set. Targets: under 50 ms for the demo seed, under 1 s for 10,000 users.
 *
 *   npm run bench:reset
 *   npm run bench:reset -- --driver sqlite --resets 20 --users 10000
 *   npm run bench:reset -- --no-write                    # print only (else bench/results/<date>-reset.json)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { snapshotOf } from "../src/domain/model.js";
import { openStore } from "../src/server.js";
import { killAllChildrenNow, ROOT, serveArgs, spawnChild } from "./procs.js";
import { APP_ID, benchDrivers, cleanUpOnExit, dropAllDbs, freshDb, seed, TENANT_KEY, userId } from "./seed.js";

const ADMIN_TOKEN = "lsa_bench-reset-admin-token-000000000000000000";
const DEMO_SEED = join(ROOT, "examples", "seed.yaml");

const { values } = parseArgs({
  options: {
    driver: { type: "string" },
    resets: { type: "string", default: "30" },
    users: { type: "string", default: "10000" },
    open: { type: "string", default: "2000" },
    db: { type: "string" },
    "no-write": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "npm run bench:reset -- [--driver sqlite|postgres] [--resets N] [--users N] [--open N] [--db postgres://...] [--no-write]\n",
  );
  process.exit(0);
}
const RESETS = Number(values.resets);
const USERS = Number(values.users);
const OPEN = Math.min(Number(values.open), USERS);
const WARMUP = 3;
const pgUrl = values.db ?? process.env.BENCH_PG_URL;
const drivers = benchDrivers(values.driver, pgUrl);
cleanUpOnExit(killAllChildrenNow);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

interface Stats {
  median_ms: number;
  p95_ms: number;
  max_ms: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { median_ms: r1(quantile(s, 0.5)), p95_ms: r1(quantile(s, 0.95)), max_ms: r1(s[s.length - 1] ?? Number.NaN) };
}

interface Scenario {
  scenario: string;
  driver: string;
  rows: number;
  resets: number;
  round_trip: Stats;
  server_took: Stats;
  target_ms: number;
  met: boolean;
}

/** Starts the built server on `dbUrl` (emulator on), runs WARMUP + RESETS resets, stops it. */
async function measure(
  driver: string,
  scenario: string,
  dbUrl: string,
  extra: string[],
  change: { tenant: string; user: string },
  targetMs: number,
): Promise<Scenario> {
  const server = spawnChild(
    process.execPath,
    serveArgs(dbUrl, { extra: ["--emulator", "on", "--admin-token", ADMIN_TOKEN, ...extra] }),
  );
  try {
    const { url: base } = await server.listening;
    const trips: number[] = [];
    const took: number[] = [];
    let rows = 0;
    for (let i = 0; i < WARMUP + RESETS; i++) {
      const put = await call(base, "PUT", `/admin/v1/tenants/${change.tenant}/users/${change.user}`, { name: `Changed ${i}` });
      if (put.status !== 200) throw new Error(`PUT user: ${put.status} ${put.body}`);
      const t0 = performance.now();
      const res = await call(base, "POST", "/admin/v1/emulator/reset");
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`reset: ${res.status} ${res.body}`);
      const out = JSON.parse(res.body) as { took_ms: number; rows: number };
      rows = out.rows;
      if (i >= WARMUP) {
        trips.push(ms);
        took.push(out.took_ms);
      }
    }
    const round_trip = stats(trips);
    const result = {
      scenario,
      driver,
      rows,
      resets: RESETS,
      round_trip,
      server_took: stats(took),
      target_ms: targetMs,
      met: round_trip.p95_ms < targetMs,
    };
    process.stderr.write(
      `${driver} ${scenario}: ${rows.toLocaleString("en-US")} rows, reset median ${round_trip.median_ms} ms, p95 ${round_trip.p95_ms} ms (server ${result.server_took.median_ms} / ${result.server_took.p95_ms} ms; target < ${targetMs} ms)\n`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

/** A database of USERS users (bench/seed.ts) with the bench status open for the first OPEN of them. */
async function bigDb(driver: "sqlite" | "postgres"): Promise<{ url: string; drop(): Promise<void> }> {
  const db = await freshDb(driver, pgUrl);
  const { statusId } = await seed(db.url, USERS);
  const store = openStore({ db: db.url, dbPool: 2 });
  try {
    await store.migrate();
    const status = await store.getStatus(TENANT_KEY, statusId, false);
    if (!status) throw new Error("the bench status is missing");
    const end = Math.floor(Date.now() / 1000) + 86_400;
    for (let i = 0; i < OPEN; i += 50) {
      const entries = Array.from({ length: Math.min(50, OPEN - i) }, (_, k) => ({ user_id: userId(i + k), end_time: end }));
      await store.openUserStatuses(TENANT_KEY, statusId, snapshotOf(status), entries, APP_ID, Date.now());
    }
  } finally {
    await store.close();
  }
  return db;
}

const results: Scenario[] = [];
const loadBefore = loadavg()[0] ?? 0;
try {
  for (const driver of drivers) {
    const demo = await freshDb(driver, pgUrl);
    try {
      results.push(await measure(driver, "demo seed", demo.url, ["--seed", DEMO_SEED], firstUserOf(DEMO_SEED), 50));
    } finally {
      await demo.drop();
    }
    process.stderr.write(`${driver}: seeding ${USERS.toLocaleString("en-US")} users, ${OPEN} with a status open\n`);
    const big = await bigDb(driver);
    try {
      results.push(await measure(driver, `${USERS} users`, big.url, [], { tenant: TENANT_KEY, user: userId(USERS - 1) }, 1000));
    } finally {
      await big.drop();
    }
  }
} finally {
  await dropAllDbs();
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, load_1m_before: r1(loadBefore), load_1m_after: r1(loadavg()[0] ?? 0) },
  warmup: WARMUP,
  results,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (!values["no-write"]) {
  const file = join(ROOT, "bench", "results", `${report.date.slice(0, 10)}-reset.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

/** The first tenant and user of a seed file (the user a PUT changes between resets). */
function firstUserOf(file: string): { tenant: string; user: string } {
  const doc = parse(readFileSync(file, "utf8")) as {
    tenants?: Array<{ tenant_key?: string; users?: Array<{ user_id?: string }> }>;
  };
  const t = doc.tenants?.find((x) => x.tenant_key && x.users?.[0]?.user_id);
  if (!t?.tenant_key || !t.users?.[0]?.user_id) throw new Error(`no tenant with a user and a tenant_key in ${file}`);
  return { tenant: t.tenant_key, user: t.users[0].user_id };
}
