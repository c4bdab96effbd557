/**
 * `npm run bench`: seeds a tenant with one app, one status and N users, starts the built larkstatus
 * (`node dist/main.js serve --rate-limit off`) and the ceiling server (bench/ceiling.ts), drives
 * both with autocannon in alternating rounds, then measures latency at half the peak rate, token
 * issuance, create+list, start-up time and how batch latency grows with the population. Writes
 * bench/results/<date>-<driver>.json and regenerates docs/performance.md and docs/performance.svg.
 * See bench/README.md for what each number means.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  BATCH,
  BenchFailure,
  batchLoad,
  call,
  getToken,
  LatencyRecorder,
  type LoadResult,
  makePlan,
  PAIRS,
  type Plan,
  pacedBatchLoad,
  round3,
  stopCurrentLoad,
  type Target,
  tokenLoad,
} from "./load.js";
import {
  type Child,
  freePort,
  killAllChildrenNow,
  ROOT,
  RssSampler,
  spawnCeiling,
  spawnLarkstatus,
  spawnNpmStart,
  stopAllChildren,
} from "./procs.js";
import { type BenchResult, renderDocs, type StartupRun, type TargetCheck } from "./report.js";
import { APP_ID, APP_SECRET, analyze, dropAllDbs, freshDb, seed, withPg } from "./seed.js";

// ---------------------------------------------------------------- options

const USAGE = `npm run bench -- [options]

  --driver sqlite|postgres   store to benchmark (default sqlite)
  --db postgres://...        PostgreSQL database for --driver postgres (or BENCH_PG_URL); a fresh
                             schema is created in it and dropped at the end
  --users N                  users in the tenant (default 5000; up to 1000000)
  --duration S               seconds per measurement (default 10)
  --rounds R                 larkstatus/ceiling alternations (default 3)
  --connections C            autocannon connections (default 32)
  --scaling N1,N2,...        populations for the flatness measurement (default 10000,100000;
                             skipped with --quick). 1000000 takes minutes to seed.
  --scaling-rate R           evenly paced req/s of the scaling measurement (default 500, or a third
                             of the measured peak when that is lower, rounded down to a multiple of 25)
  --quick                    smoke mode: ~2 s measurements, 1 round, 2000 users, no scaling;
                             writes nothing unless --write is given
  --no-write                 do not write bench/results/*.json nor docs/performance.*
  --write                    write even in --quick mode
  --render                   only regenerate docs/performance.md and .svg from bench/results/
  --tag T                    write bench/results/<date>-<driver>-<T>.json instead (e.g. a wider
                             --scaling run kept next to the default run)
`;

interface Options {
  driver: "sqlite" | "postgres";
  pgUrl: string | undefined;
  users: number;
  durationS: number;
  rounds: number;
  connections: number;
  scaling: number[];
  /** undefined: 500, or half the measured peak when lower. */
  scalingRate: number | undefined;
  scalingDurationS: number;
  quick: boolean;
  write: boolean;
  tag: string | undefined;
  renderOnly: boolean;
  warmupS: number;
  createListIterations: number;
  startupRuns: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      driver: { type: "string", default: "sqlite" },
      db: { type: "string" },
      users: { type: "string" },
      duration: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      scaling: { type: "string" },
      "scaling-rate": { type: "string" },
      quick: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      tag: { type: "string" },
      render: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const int = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v.replaceAll("_", ""));
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}-${max}, got "${v}"`);
    return n;
  };
  const driver = values.driver;
  if (driver !== "sqlite" && driver !== "postgres") throw new Error(`--driver must be sqlite or postgres, got "${driver}"`);
  const quick = values.quick === true;
  const pgUrl = values.db ?? process.env.BENCH_PG_URL ?? undefined;
  if (driver === "postgres" && !pgUrl) throw new Error("--driver postgres needs --db postgres://... or BENCH_PG_URL");
  if (pgUrl && !/^postgres(ql)?:\/\//.test(pgUrl)) throw new Error("--db must be a postgres:// URL");
  const scaling =
    values.scaling !== undefined
      ? values.scaling
          .split(",")
          .filter((s) => s.trim() !== "")
          .map((s) => int("scaling", s.trim(), 0, BATCH, 1_000_000))
      : quick
        ? []
        : [10_000, 100_000];
  return {
    driver,
    pgUrl: driver === "postgres" ? pgUrl : undefined,
    users: int("users", values.users, quick ? 2000 : 5000, BATCH, 1_000_000),
    durationS: int("duration", values.duration, quick ? 2 : 10, 1, 600),
    rounds: int("rounds", values.rounds, quick ? 1 : 3, 1, 20),
    connections: int("connections", values.connections, 32, 1, 1024),
    scaling: [...new Set(scaling)].sort((a, b) => a - b),
    scalingRate: values["scaling-rate"] === undefined ? undefined : int("scaling-rate", values["scaling-rate"], 500, 1, 100_000),
    scalingDurationS: quick ? 2 : 5,
    quick,
    write: values["no-write"] ? false : quick ? values.write === true : true,
    renderOnly: values.render === true,
    tag:
      values.tag === undefined
        ? undefined
        : /^[A-Za-z0-9_-]{1,40}$/.test(values.tag)
          ? values.tag
          : fail(`--tag must be 1-40 of [A-Za-z0-9_-]`),
    warmupS: quick ? 1 : 3,
    createListIterations: quick ? 30 : 200,
    startupRuns: quick ? 3 : 5,
  };
}

// ---------------------------------------------------------------- helpers

const t00 = performance.now();
function log(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - t00) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails the run loudly when a measurement saw any error. */
function assertNoErrors(r: LoadResult, what: string): void {
  if (r.errors === 0) return;
  const b = r.errorBreakdown;
  throw new BenchFailure(
    `${what}: ${r.errors} errors in ${r.requests} requests (non-2xx ${b.non2xx}, bad body ${b.badBody}, ` +
      `socket errors ${b.socketErrors}, timeouts ${b.timeouts}). First responses:\n` +
      r.errorSamples.map((s) => `  HTTP ${s.status} [${s.why}] ${s.body}`).join("\n"),
  );
}

async function startLarkstatus(dbUrl: string): Promise<{ child: Child; url: string; listeningMs: number }> {
  const child = spawnLarkstatus(dbUrl);
  const { url, ms } = await child.listening;
  return { child, url, listeningMs: ms };
}

/** Whether GET /healthz answers 200 right now. */
function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Spawn → `listening` line, and spawn → first 200 from /healthz (polled every 5 ms). */
async function timeStartup(kind: "node" | "npm", dbUrl: string): Promise<StartupRun> {
  const port = await freePort();
  const child = kind === "node" ? spawnLarkstatus(dbUrl, port) : spawnNpmStart(dbUrl, port);
  try {
    const deadline = child.spawnedAt + 30_000;
    let healthzMs: number | undefined;
    let exited = false;
    child.proc.once("exit", () => {
      exited = true;
    });
    while (performance.now() < deadline && !exited) {
      if (await healthz(port)) {
        healthzMs = performance.now() - child.spawnedAt;
        break;
      }
      await sleep(5);
    }
    const listening = await child.listening;
    if (healthzMs === undefined) throw new BenchFailure(`${kind}: /healthz never answered 200:\n${child.output()}`);
    return { listeningMs: round3(listening.ms), healthzMs: round3(healthzMs) };
  } finally {
    await child.stop();
  }
}

/** A sequential loop of create → list → delete; per-op latency. */
async function createList(target: Target, iterations: number, maxSeconds: number): Promise<BenchResult["createList"]> {
  const base = "/open-apis/personal_settings/v1/system_statuses";
  const rec = { create: new LatencyRecorder(10_000), list: new LatencyRecorder(10_000), delete: new LatencyRecorder(10_000) };
  let errors = 0;
  const firstErrors: string[] = [];
  const bad = (what: string, r: { status: number; json: Record<string, unknown> }) => {
    errors++;
    if (firstErrors.length < 5) firstErrors.push(`${what}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  };
  const started = performance.now();
  const tag = Date.now().toString(36).slice(-5);
  let i = 0;
  for (; i < iterations && performance.now() - started < maxSeconds * 1000; i++) {
    let t = performance.now();
    const created = await call(
      target.url,
      "POST",
      base,
      { title: `bench ${tag} ${i}`, icon_key: "Coffee", priority: 1 + (i % 9) },
      target.token,
    );
    rec.create.record(performance.now() - t);
    type Created = { system_status?: { system_status_id?: string } } | undefined;
    const id = (created.json.data as Created)?.system_status?.system_status_id;
    if (created.status !== 200 || created.json.code !== 0 || !id) bad("create", created);
    t = performance.now();
    const listed = await call(target.url, "GET", `${base}?page_size=50`, undefined, target.token);
    rec.list.record(performance.now() - t);
    if (listed.status !== 200 || listed.json.code !== 0) bad("list", listed);
    if (id) {
      t = performance.now();
      const deleted = await call(target.url, "DELETE", `${base}/${id}`, undefined, target.token);
      rec.delete.record(performance.now() - t);
      if (deleted.status !== 200 || deleted.json.code !== 0) bad("delete", deleted);
    }
  }
  if (errors > 0) throw new BenchFailure(`create+list: ${errors} errors:\n  ${firstErrors.join("\n  ")}`);
  return {
    iterations: i,
    seconds: round3((performance.now() - started) / 1000),
    create: rec.create.summary(),
    list: rec.list.summary(),
    delete: rec.delete.summary(),
    errors,
  };
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

async function dbServerVersion(opts: Options): Promise<string> {
  if (opts.driver === "postgres" && opts.pgUrl) {
    return withPg(opts.pgUrl, async (c) => `PostgreSQL ${(await c.query("SHOW server_version")).rows[0]?.server_version}`);
  }
  const { default: Database } = await import("better-sqlite3");
  const d = new Database(":memory:");
  try {
    return `SQLite ${(d.prepare("select sqlite_version() as v").get() as { v: string }).v}`;
  } finally {
    d.close();
  }
}

function summarize(results: LoadResult[]) {
  return {
    rps: round3(median(results.map((r) => r.rps))),
    p50: round3(median(results.map((r) => r.latency.p50))),
    p99: round3(median(results.map((r) => r.latency.p99))),
    errors: results.reduce((n, r) => n + r.errors, 0),
    requests: results.reduce((n, r) => n + r.requests, 0),
  };
}

function brief(r: LoadResult): string {
  return `${Math.round(r.rps)} req/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, errors ${r.errors}`;
}

// ---------------------------------------------------------------- the run

async function run(opts: Options): Promise<BenchResult> {
  if (!existsSync(join(ROOT, "dist", "main.js")))
    throw new Error("dist/main.js is missing: run `npm run build` (npm run bench does)");
  const startedAt = new Date();
  const loadStart = os.loadavg();
  log(
    `driver ${opts.driver}, ${opts.users} users, ${opts.connections} connections, ${opts.rounds} round(s) of ${opts.durationS} s` +
      (opts.scaling.length ? `, scaling ${opts.scaling.join(",")}` : "") +
      (opts.quick ? " (quick)" : ""),
  );

  // 1. the population
  const db = await freshDb(opts.driver, opts.pgUrl);
  log(`database: ${db.where}`);
  const seeded = await seed(db.url, opts.users);
  log(`seeded ${opts.users} users in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.usersPerSecond)} users/s)`);
  const plan = makePlan(opts.users, opts.connections);
  log(`plan: ${plan.describe}`);

  // 2. both servers up; alternate rounds
  const ceilingChild = spawnCeiling();
  const ceilingUrl = (await ceilingChild.listening).url;
  const lark = await startLarkstatus(db.url);
  const larkRss = new RssSampler(lark.child.pid);
  const ceilingRss = new RssSampler(ceilingChild.pid);
  log(`larkstatus ${lark.url} (pid ${lark.child.pid}), ceiling ${ceilingUrl} (pid ${ceilingChild.pid})`);
  const firstToken = await getToken(lark.url);
  const larkTarget: Target = { name: "larkstatus", url: lark.url, token: firstToken, statusId: seeded.statusId };
  const ceilingTarget: Target = {
    name: "ceiling",
    url: ceilingUrl,
    token: await getToken(ceilingUrl),
    statusId: seeded.statusId,
  };

  log(`warm-up: ${opts.warmupS} s each`);
  assertNoErrors(await batchLoad(larkTarget, plan, opts.warmupS), "larkstatus warm-up");
  await analyze(db.url); // PostgreSQL: statistics now that user_statuses has rows (see seed.ts)
  assertNoErrors(await batchLoad(ceilingTarget, plan, opts.warmupS), "ceiling warm-up");

  const rounds: BenchResult["rounds"] = [];
  for (let r = 1; r <= opts.rounds; r++) {
    const l = await batchLoad(larkTarget, plan, opts.durationS);
    log(`round ${r}/${opts.rounds} larkstatus: ${brief(l)}`);
    assertNoErrors(l, `round ${r} larkstatus`);
    const c = await batchLoad(ceilingTarget, plan, opts.durationS);
    log(`round ${r}/${opts.rounds} ceiling:    ${brief(c)}`);
    assertNoErrors(c, `round ${r} ceiling`);
    rounds.push({ round: r, larkstatus: l, ceiling: c, ratio: round3(l.rps / c.rps) });
  }
  const larkPeak = larkRss.stop();
  const ceilingPeak = ceilingRss.stop();
  await lark.child.stop();
  await ceilingChild.stop();
  const larkSummary = summarize(rounds.map((r) => r.larkstatus));
  const ceilingSummary = summarize(rounds.map((r) => r.ceiling));
  const ratio = round3(larkSummary.rps / ceilingSummary.rps);
  log(`throughput ratio larkstatus/ceiling = ${ratio} (medians ${larkSummary.rps} / ${ceilingSummary.rps} req/s)`);

  // 3. a fresh larkstatus on the same database: half rate, tokens, create+list
  const lark2 = await startLarkstatus(db.url);
  const rss2 = new RssSampler(lark2.child.pid);
  const token2 = await getToken(lark2.url);
  const target2: Target = { ...larkTarget, url: lark2.url, token: token2 };
  assertNoErrors(await batchLoad(target2, plan, Math.min(opts.warmupS, 2)), "larkstatus warm-up (second process)");
  const halfRate = Math.max(1, Math.round(larkSummary.rps / 2));
  const paced = await pacedBatchLoad(target2, plan, halfRate, opts.durationS);
  log(`half rate ${halfRate} req/s, evenly paced: ${brief(paced)}`);
  assertNoErrors(paced, "half rate (paced)");
  const bursty = await batchLoad(target2, plan, opts.durationS, halfRate);
  log(`half rate ${halfRate} req/s, autocannon overallRate: ${brief(bursty)}`);
  assertNoErrors(bursty, "half rate (autocannon overallRate)");
  // The same paced load on a fresh ceiling: what this machine and client alone give at that rate.
  const ceiling2 = spawnCeiling();
  const ceilingTarget2: Target = { ...ceilingTarget, url: (await ceiling2.listening).url };
  assertNoErrors(await batchLoad(ceilingTarget2, plan, Math.min(opts.warmupS, 2)), "ceiling warm-up (paced reference)");
  const ceilingPaced = await pacedBatchLoad(ceilingTarget2, plan, halfRate, opts.durationS);
  log(`half rate ${halfRate} req/s, evenly paced, ceiling (reference): ${brief(ceilingPaced)}`);
  assertNoErrors(ceilingPaced, "half rate (paced), ceiling");
  await ceiling2.stop();
  const tokens = await tokenLoad(target2, APP_ID, APP_SECRET, opts.connections, opts.durationS);
  log(`token issuance: ${brief(tokens)}`);
  assertNoErrors(tokens, "token issuance");
  const sameToken = (await getToken(lark2.url)) === firstToken;
  const cl = await createList(target2, opts.createListIterations, Math.max(20, opts.durationS * 3));
  log(
    `create+list+delete: ${cl.iterations} loops, create p50 ${cl.create.p50} ms, list p50 ${cl.list.p50} ms, delete p50 ${cl.delete.p50} ms`,
  );
  const followPeak = rss2.stop();
  await lark2.child.stop();

  // 4. start-up on the existing database
  const nodeRuns: StartupRun[] = [];
  for (let i = 0; i < opts.startupRuns; i++) nodeRuns.push(await timeStartup("node", db.url));
  const npmRun = await timeStartup("npm", db.url);
  const startup = {
    users: opts.users,
    node: {
      runs: nodeRuns,
      medianListeningMs: round3(median(nodeRuns.map((r) => r.listeningMs))),
      medianHealthzMs: round3(median(nodeRuns.map((r) => r.healthzMs))),
    },
    npm: npmRun,
  };
  log(
    `start-up: node dist/main.js → listening ${startup.node.medianListeningMs} ms, → /healthz 200 ${startup.node.medianHealthzMs} ms` +
      ` (median of ${nodeRuns.length}); npm start → /healthz 200 ${npmRun.healthzMs} ms`,
  );
  await db.drop();

  // 5. scaling: batch latency vs population, at a rate every population should sustain
  const scalingRate = opts.scalingRate ?? Math.max(25, Math.min(500, Math.floor(larkSummary.rps / 3 / 25) * 25));
  const scalingRows: BenchResult["scaling"]["rows"] = [];
  for (const n of opts.scaling) {
    const sdb = await freshDb(opts.driver, opts.pgUrl);
    log(`scaling: ${n.toLocaleString("en-US")} users`);
    const s = await seed(sdb.url, n);
    const splan: Plan = makePlan(n, opts.connections);
    const restartMs = (await timeStartup("node", sdb.url)).healthzMs;
    const srv = await startLarkstatus(sdb.url);
    const srss = new RssSampler(srv.child.pid);
    const st: Target = { name: "larkstatus", url: srv.url, token: await getToken(srv.url), statusId: s.statusId };
    // Warm-up: JIT, caches, and a row in user_statuses for every user of the plan (then fresh
    // PostgreSQL statistics), so every population is measured in the same steady state.
    assertNoErrors(await batchLoad(st, splan, opts.scalingDurationS), `scaling ${n} warm-up`);
    await analyze(sdb.url);
    const sp = await pacedBatchLoad(st, splan, scalingRate, opts.scalingDurationS);
    assertNoErrors(sp, `scaling ${n} paced`);
    const closed = await batchLoad(st, splan, opts.scalingDurationS);
    assertNoErrors(closed, `scaling ${n} closed loop`);
    const peak = srss.stop();
    await srv.child.stop();
    await sdb.drop();
    log(
      `  paced ${scalingRate} req/s: ${brief(sp)}; closed loop ${Math.round(closed.rps)} req/s; peak RSS ${mb(peak.peakRssBytes)} MB`,
    );
    scalingRows.push({
      users: n,
      seedSeconds: round3(s.seconds),
      startupHealthzMs: restartMs,
      paced: sp,
      closed,
      peakRssMb: mb(peak.peakRssBytes),
      plan: splan.describe,
    });
  }
  const first = scalingRows[0];
  const last = scalingRows[scalingRows.length - 1];
  const growth = first && last && scalingRows.length > 1 ? round3(last.paced.latency.p50 / first.paced.latency.p50) : undefined;

  // 6. targets
  const ratioGoal = opts.driver === "sqlite" ? 0.4 : 0.15;
  const millionRow = scalingRows.find((r) => r.users >= 1_000_000);
  const targets: TargetCheck[] = [
    {
      name: `throughput ≥ ${ratioGoal} of the ceiling`,
      measured: `${ratio}`,
      met: ratio >= ratioGoal,
    },
    {
      name: "p99 at half the peak rate < 10 ms (evenly paced)",
      measured: `${paced.latency.p99} ms at ${halfRate} req/s (the ceiling at that rate: ${ceilingPaced.latency.p99} ms)`,
      met: paced.latency.p99 < 10,
    },
    {
      name: "peak RSS < 200 MB at 1,000,000 users",
      measured: millionRow
        ? `${millionRow.peakRssMb} MB`
        : `not measured (no 1,000,000-user scaling run); ${mb(Math.max(larkPeak.peakRssBytes, followPeak.peakRssBytes))} MB at ${opts.users} users`,
      met: millionRow ? millionRow.peakRssMb < 200 : null,
    },
    {
      name: "npm start → ready < 1.5 s on an existing database",
      measured: `${Math.round(npmRun.healthzMs)} ms (node dist/main.js: ${Math.round(startup.node.medianHealthzMs)} ms)`,
      met: npmRun.healthzMs < 1500,
    },
    {
      name: "batch latency flat in the population (p50 at the largest ≤ 1.5× the smallest)",
      measured:
        growth !== undefined && first && last
          ? `${growth}× (${first.paced.latency.p50} ms at ${first.users.toLocaleString("en-US")} → ${last.paced.latency.p50} ms at ${last.users.toLocaleString("en-US")})`
          : "not measured",
      met: growth !== undefined ? growth <= 1.5 : null,
    },
    { name: "errors = 0", measured: "0", met: true },
  ];

  const commit = git(["rev-parse", "HEAD"]);
  const finishedAt = new Date();
  return {
    schema: 1,
    driver: opts.driver,
    date: finishedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    quick: opts.quick,
    options: {
      users: opts.users,
      durationS: opts.durationS,
      rounds: opts.rounds,
      connections: opts.connections,
      scaling: opts.scaling,
      scalingRate,
      tag: opts.tag ?? null,
      scalingDurationS: opts.scalingDurationS,
      warmupS: opts.warmupS,
      pairsPerCycle: PAIRS,
      usersPerBatch: BATCH,
    },
    machine: {
      cpu: os.cpus()[0]?.model ?? "?",
      cores: os.cpus().length,
      totalMemGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAvgStart: loadStart.map((x) => Math.round(x * 100) / 100),
      loadAvgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    versions: {
      larkstatus: (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version,
      autocannon: pkgVersion("autocannon"),
      fastify: pkgVersion("fastify"),
      "better-sqlite3": pkgVersion("better-sqlite3"),
      pg: pkgVersion("pg"),
      database: await dbServerVersion(opts),
    },
    git: {
      commit,
      short: commit.slice(0, 7),
      dirty: git(["status", "--porcelain"]) !== "",
      srcDirty: git(["status", "--porcelain", "--", "src"]) !== "",
      srcDiffStat: git(["diff", "--shortstat", "HEAD", "--", "src"]),
    },
    population: { users: opts.users, seedSeconds: round3(seeded.seconds), seedUsersPerSecond: Math.round(seeded.usersPerSecond) },
    plan: plan.describe,
    rounds,
    summary: {
      larkstatus: larkSummary,
      ceiling: ceilingSummary,
      ratio,
      ratioMedianOfRounds: round3(median(rounds.map((r) => r.ratio))),
    },
    rss: {
      throughputPeakMb: mb(larkPeak.peakRssBytes),
      followUpPeakMb: mb(followPeak.peakRssBytes),
      ceilingPeakMb: mb(ceilingPeak.peakRssBytes),
    },
    halfRate: { targetRps: halfRate, paced, autocannon: bursty, ceilingPaced },
    token: { ...tokens, sameToken },
    createList: cl,
    startup,
    scaling: { rate: scalingRate, durationS: opts.scalingDurationS, rows: scalingRows, p50Growth: growth ?? null },
    targets,
  };
}

function printSummary(r: BenchResult): void {
  const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  const out: string[] = [];
  out.push(
    "",
    `larkstatus bench — ${r.driver}, ${r.population.users} users, ${r.options.rounds} round(s) × ${r.options.durationS} s`,
    "",
  );
  out.push(row(["target", "throughput (req/s)", "p50 (ms)", "p99 (ms)", "errors", "ratio"]));
  out.push(row(["---", "---", "---", "---", "---", "---"]));
  const s = r.summary;
  out.push(row(["larkstatus", s.larkstatus.rps, s.larkstatus.p50, s.larkstatus.p99, s.larkstatus.errors, s.ratio]));
  out.push(row(["ceiling", s.ceiling.rps, s.ceiling.p50, s.ceiling.p99, s.ceiling.errors, 1]));
  out.push("");
  for (const rr of r.rounds)
    out.push(`  round ${rr.round}: larkstatus ${rr.larkstatus.rps} req/s, ceiling ${rr.ceiling.rps} req/s, ratio ${rr.ratio}`);
  out.push(`  peak RSS (throughput rounds): ${r.rss.throughputPeakMb} MB; follow-up process: ${r.rss.followUpPeakMb} MB`);
  out.push(
    `  half rate ${r.halfRate.targetRps} req/s: paced p50 ${r.halfRate.paced.latency.p50} / p99 ${r.halfRate.paced.latency.p99} ms;` +
      ` autocannon overallRate p50 ${r.halfRate.autocannon.latency.p50} / p99 ${r.halfRate.autocannon.latency.p99} ms` +
      (r.halfRate.ceilingPaced
        ? `; ceiling paced p50 ${r.halfRate.ceilingPaced.latency.p50} / p99 ${r.halfRate.ceilingPaced.latency.p99} ms`
        : ""),
  );
  out.push(
    `  token: ${r.token.rps} req/s, p50 ${r.token.latency.p50} ms, p99 ${r.token.latency.p99} ms (same token every time: ${r.token.sameToken})`,
  );
  out.push(
    `  create+list+delete (${r.createList.iterations} loops): create p50/p99 ${r.createList.create.p50}/${r.createList.create.p99} ms,` +
      ` list ${r.createList.list.p50}/${r.createList.list.p99} ms, delete ${r.createList.delete.p50}/${r.createList.delete.p99} ms`,
  );
  out.push(
    `  start-up: node → listening ${r.startup.node.medianListeningMs} ms, → healthz ${r.startup.node.medianHealthzMs} ms; npm start → healthz ${r.startup.npm.healthzMs} ms`,
  );
  for (const x of r.scaling.rows) {
    out.push(
      `  scaling ${x.users}: paced ${r.scaling.rate} req/s p50 ${x.paced.latency.p50} ms p99 ${x.paced.latency.p99} ms; closed ${x.closed.rps} req/s; RSS ${x.peakRssMb} MB; seed ${x.seedSeconds} s; start-up ${x.startupHealthzMs} ms`,
    );
  }
  out.push("", "targets:");
  for (const t of r.targets) out.push(`  [${t.met === null ? "n/a" : t.met ? "met" : "MISSED"}] ${t.name}: ${t.measured}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

// ---------------------------------------------------------------- main

let interrupted = false;
async function cleanup(): Promise<void> {
  stopCurrentLoad();
  await stopAllChildren(3000);
  await dropAllDbs();
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping children and dropping databases\n`);
    const force = setTimeout(() => process.exit(130), 10_000);
    void cleanup().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  });
}
process.on("exit", killAllChildrenNow);

function writeDocs(dir: string): void {
  const docs = renderDocs(dir);
  writeFileSync(join(ROOT, "docs", "performance.md"), docs.markdown);
  writeFileSync(join(ROOT, "docs", "performance.svg"), docs.svg);
}

let exitCode = 0;
try {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.renderOnly) {
    writeDocs(join(ROOT, "bench", "results"));
    log("regenerated docs/performance.md and docs/performance.svg from bench/results/");
    process.exit(0);
  }
  const result = await run(opts);
  printSummary(result);
  if (opts.write) {
    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${result.date}-${result.driver}${opts.tag ? `-${opts.tag}` : ""}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    // bench/ is linted (`biome check .`): leave the file as Biome formats JSON.
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, "node_modules", "@biomejs", "biome", "bin", "biome"), "format", "--write", file],
        {
          cwd: ROOT,
          stdio: "ignore",
        },
      );
    } catch {
      log(`could not format ${file} with Biome; run \`npx biome format --write ${file}\``);
    }
    writeDocs(dir);
    log(`wrote ${file}, docs/performance.md and docs/performance.svg`);
  } else {
    log("not writing results (--quick or --no-write)");
  }
} catch (e) {
  exitCode = 1;
  if (!interrupted) process.stderr.write(`\nbench FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
  if (!(e instanceof BenchFailure) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
} finally {
  if (!interrupted) await cleanup();
}
process.exit(exitCode);
