/**
 * `npm run bench:import`: the admin API's NDJSON import of N users (default 1,000,000) into a fresh
 * tenant with one app, on each driver, against the built server. Measures the import's wall time
 * (and its two phases, from the server's progress lines: validating into the spool, then writing in
 * one transaction), the server's peak RSS, the spool's size, and how long the rest of the API
 * stalls meanwhile (a probe of /healthz, the event loop, and of an admin read, the store, every
 * 20 ms). Then, on the tenant of N users: creating an app (derived ids for every user, set-based)
 * and deleting the tenant, with the same probes.
 *
 *   npm run bench:import                                  # both drivers (PostgreSQL with BENCH_PG_URL or --db)
 *   npm run bench:import -- --driver sqlite --users 100000
 *   npm run bench:import -- --no-write                   # print only (else bench/results/<date>-import.json)
 *   npm run bench:import -- --users 100000 --tag 100k    # writes bench/results/<date>-import-100k.json
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { killAllChildrenNow, ROOT, RssSampler, readRss, serveArgs, spawnChild, stopAllChildren } from "./procs.js";
import { benchDrivers, cleanUpOnExit, freshDb } from "./seed.js";

const ADMIN_TOKEN = "lsa_bench-import-admin-token-00000000000000000";
const TENANT = "1111222233334444";
const OTHER = "5555666677778888";

const { values } = parseArgs({
  options: {
    driver: { type: "string" },
    users: { type: "string", default: "1000000" },
    db: { type: "string" },
    "no-write": { type: "boolean", default: false },
    tag: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(
    "npm run bench:import -- [--driver sqlite|postgres] [--users N] [--db postgres://...] [--no-write] [--tag T]\n" +
      "Without --driver: SQLite, then PostgreSQL when --db or BENCH_PG_URL is given.\n",
  );
  process.exit(0);
}
const N = Number(values.users);
if (!Number.isSafeInteger(N) || N < 1) throw new Error(`--users must be a positive integer, got ${values.users}`);
const pgUrl = values.db ?? process.env.BENCH_PG_URL;
const drivers = benchDrivers(values.driver, pgUrl);
cleanUpOnExit(killAllChildrenNow);

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One HTTP call to the server; resolves with status and body text. */
function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  stream?: Readable,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(stream
            ? { "content-type": "application/x-ndjson" }
            : body !== undefined
              ? { "content-type": "application/json" }
              : {}),
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
    if (stream) stream.pipe(req);
    else req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The body, generated as it is sent (never held whole): `n` lines in pieces of 1,000; `sent.bytes` counts them. */
function ndjson(n: number, sent: { bytes: number }): Readable {
  return Readable.from(
    (function* () {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        lines.push(`{"user_id":"u${String(i).padStart(7, "0")}","name":"User ${i}"}\n`);
        if (lines.length === 1000 || i === n - 1) {
          const piece = Buffer.from(lines.join(""));
          sent.bytes += piece.length;
          lines.length = 0;
          yield piece;
        }
      }
    })(),
    { objectMode: false },
  );
}

/** Probes a path every 20 ms (one at a time) while running; reports the slowest answer. */
class Probe {
  private running = true;
  private worst = 0;
  private over100 = 0;
  private count = 0;
  private readonly done: Promise<void>;

  constructor(base: string, path: string) {
    this.done = (async () => {
      while (this.running) {
        const t0 = performance.now();
        await call(base, "GET", path).catch(() => undefined);
        const ms = performance.now() - t0;
        this.count++;
        this.worst = Math.max(this.worst, ms);
        if (ms > 100) this.over100 += ms;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  async stop(): Promise<{ probes: number; worstMs: number; msInProbesOver100ms: number }> {
    this.running = false;
    await this.done;
    return { probes: this.count, worstMs: Math.round(this.worst), msInProbesOver100ms: Math.round(this.over100) };
  }
}

/** The largest spool file seen under the temp dir while sampling. */
class SpoolSampler {
  private max = 0;
  private readonly timer = setInterval(() => this.sample(), 250);

  sample(): void {
    for (const d of readdirSync(tmpdir())) {
      if (!d.startsWith("larkstatus-import-")) continue;
      try {
        this.max = Math.max(this.max, statSync(join(tmpdir(), d, "spool.db")).size);
      } catch {
        // removed meanwhile
      }
    }
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.max;
  }
}

async function timed<T>(base: string, fn: () => Promise<T>) {
  const health = new Probe(base, "/healthz");
  const store = new Probe(base, `/admin/v1/tenants/${OTHER}`);
  const t0 = performance.now();
  const out = await fn();
  const ms = Math.round(performance.now() - t0);
  return { out, ms, stall: { healthz: await health.stop(), store: await store.stop() } };
}

async function runDriver(driver: "sqlite" | "postgres") {
  // The machine's 1-minute load average before and after: other work on it makes every number noisy.
  const loadBefore = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const db = await freshDb(driver, pgUrl);
  const server = spawnChild(process.execPath, serveArgs(db.url, { logLevel: "info", extra: ["--admin-token", ADMIN_TOKEN] }));
  // The server's progress lines, timed by the server's own clock (their `time`, Unix ms): their
  // arrival here is no timing, since the server's log is flushed only when its event loop turns,
  // which a synchronous (SQLite) write transaction holds for as long as it writes.
  const progress: Array<{ time: number; msg: string; users?: number }> = [];
  let pending = "";
  server.proc.stdout?.on("data", (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      if (!line.includes('"import: ')) continue;
      try {
        const rec = JSON.parse(line) as { time: number; msg: string; users?: number };
        progress.push({ time: rec.time, msg: rec.msg, ...(rec.users !== undefined ? { users: rec.users } : {}) });
        if (rec.users !== undefined && rec.users % 200_000 === 0) process.stderr.write(`  ${rec.msg} ${rec.users}\n`);
      } catch {
        // not a log record
      }
    }
  });
  try {
    const { url: base } = await server.listening;
    for (const [key, name] of [
      [TENANT, "Import Inc"],
      [OTHER, "Bystander"],
    ] as const) {
      const r = await call(base, "POST", "/admin/v1/tenants", { tenant_key: key, name });
      if (r.status !== 201) throw new Error(`create tenant: ${r.status} ${r.body}`);
    }
    const app = await call(base, "POST", `/admin/v1/tenants/${TENANT}/apps`, {
      scopes: ["personal_settings:status:system_status_operate"],
    });
    if (app.status !== 201) throw new Error(`create app: ${app.status} ${app.body}`);
    const rssBefore = readRss(server.pid)?.rss ?? 0;
    process.stderr.write(`${driver}: importing ${N.toLocaleString("en-US")} users\n`);
    const rss = new RssSampler(server.pid, 100);
    const spool = new SpoolSampler();
    const sent = { bytes: 0 };
    const t0 = Date.now();
    const imp = await timed(base, () =>
      call(base, "POST", `/admin/v1/tenants/${TENANT}/users/import`, undefined, ndjson(N, sent)),
    );
    const peak = rss.stop();
    const spoolBytes = spool.stop();
    if (imp.out.status !== 200) throw new Error(`import: ${imp.out.status} ${imp.out.body.slice(0, 500)}`);
    const counts = JSON.parse(imp.out.body) as { created: number; updated: number };
    if (counts.created !== N) throw new Error(`import created ${counts.created}, expected ${N}`);
    // The last progress line may still be in the pipe when the answer arrives.
    for (let i = 0; i < 100 && !progress.some((p) => p.msg === "import: done"); i++) await new Promise((r) => setTimeout(r, 20));
    const validatedAt = progress.find((p) => p.msg.startsWith("import: every line is valid"))?.time;
    const doneAt = progress.find((p) => p.msg === "import: done")?.time;
    // The last "users written" line is logged after the last chunk, before the commit and the refresh
    // of the planner statistics (N ≥ 1,000; a no-op on SQLite).
    const writtenAt = progress.find((p) => p.msg === "import: users written" && p.users === N)?.time;
    const phases =
      validatedAt !== undefined && doneAt !== undefined
        ? {
            validateMs: validatedAt - t0,
            writeMs: doneAt - validatedAt,
            ...(writtenAt !== undefined ? { commitAndStatisticsMs: doneAt - writtenAt } : {}),
          }
        : undefined;

    process.stderr.write(`${driver}: creating an app on the tenant of ${N.toLocaleString("en-US")} users\n`);
    const created = await timed(base, () =>
      call(base, "POST", `/admin/v1/tenants/${TENANT}/apps`, { scopes: [], developer: "another developer" }),
    );
    if (created.out.status !== 201) throw new Error(`create app: ${created.out.status} ${created.out.body}`);
    process.stderr.write(`${driver}: deleting the tenant\n`);
    const deleted = await timed(base, () => call(base, "DELETE", `/admin/v1/tenants/${TENANT}`));
    if (deleted.out.status !== 204) throw new Error(`delete: ${deleted.out.status} ${deleted.out.body}`);
    return {
      driver,
      where: db.where,
      users: N,
      appsBeforeImport: 1,
      import: {
        ms: imp.ms,
        usersPerSecond: Math.round(N / (imp.ms / 1000)),
        phases,
        stall: imp.stall,
        rssBeforeBytes: rssBefore,
        peakRssBytes: peak.peakRssBytes,
        spoolBytes,
        bodyBytes: sent.bytes,
      },
      createAppOnTenant: { ms: created.ms, stall: created.stall },
      deleteTenant: { ms: deleted.ms, stall: deleted.stall },
      loadAverage1m: { before: loadBefore, after: Math.round((loadavg()[0] ?? 0) * 100) / 100, cpus: cpus().length },
    };
  } finally {
    await server.stop();
    await db.drop();
  }
}

const MB = 1024 * 1024;
const results = [];
for (const d of drivers) results.push(await runDriver(d));
agent.destroy();
await stopAllChildren();

for (const r of results) {
  const i = r.import;
  process.stdout.write(
    [
      `\n${r.driver} (${r.where}): ${r.users.toLocaleString("en-US")} users, ${(i.bodyBytes / MB).toFixed(0)} MB of NDJSON`,
      `  import          ${(i.ms / 1000).toFixed(1)} s (${i.usersPerSecond.toLocaleString("en-US")} users/s)` +
        (i.phases
          ? `: validate into the spool ${(i.phases.validateMs / 1000).toFixed(1)} s, write ${(i.phases.writeMs / 1000).toFixed(1)} s` +
            (i.phases.commitAndStatisticsMs !== undefined
              ? ` (of which the commit and planner statistics, after the last chunk, ${(i.phases.commitAndStatisticsMs / 1000).toFixed(1)} s)`
              : "")
          : ""),
      `  server RSS      ${(i.rssBeforeBytes / MB).toFixed(0)} MB before, ${(i.peakRssBytes / MB).toFixed(0)} MB peak; spool ${(i.spoolBytes / MB).toFixed(0)} MB (${Math.round(i.spoolBytes / r.users)} B a user)`,
      `  API meanwhile   /healthz worst ${i.stall.healthz.worstMs} ms, store read worst ${i.stall.store.worstMs} ms`,
      `  app creation    ${(r.createAppOnTenant.ms / 1000).toFixed(1)} s; /healthz worst ${r.createAppOnTenant.stall.healthz.worstMs} ms, store read worst ${r.createAppOnTenant.stall.store.worstMs} ms`,
      `  tenant delete   ${(r.deleteTenant.ms / 1000).toFixed(1)} s; /healthz worst ${r.deleteTenant.stall.healthz.worstMs} ms, store read worst ${r.deleteTenant.stall.store.worstMs} ms`,
      `  machine         load average ${r.loadAverage1m.before} before, ${r.loadAverage1m.after} after, ${r.loadAverage1m.cpus} CPUs`,
      "",
    ].join("\n"),
  );
}

if (!values["no-write"]) {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
    } catch {
      return "unknown";
    }
  })();
  const date = new Date().toISOString().slice(0, 10);
  const file = join(ROOT, "bench", "results", `${date}-import${values.tag ? `-${values.tag}` : ""}.json`);
  writeFileSync(file, `${JSON.stringify({ date, commit, node: process.version, results }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
