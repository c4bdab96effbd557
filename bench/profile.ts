/**
 * `npm run bench:profile`: where larkstatus spends its CPU under the benchmark's batch load.
 * Seeds a fresh database like `npm run bench`, starts the built server with `node --cpu-prof`,
 * drives it closed-loop (32 connections, 50-user batch_open/batch_close pairs) for a few seconds,
 * stops it and prints the heaviest functions by self time and by inclusive time. The raw
 * `.cpuprofile` stays in the output directory (open it in Chrome DevTools → Performance).
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { batchLoad, getToken, makePlan, type Target } from "./load.js";
import { killAllChildrenNow, ROOT, spawnLarkstatus } from "./procs.js";
import { analyze, dropAllDbs, freshDb, seed } from "./seed.js";

const USAGE = `npm run bench:profile -- [options]

  --driver sqlite|postgres   store to profile (default sqlite)
  --db postgres://...        PostgreSQL database for --driver postgres (or BENCH_PG_URL)
  --users N                  users in the tenant (default 5000)
  --duration S               seconds of profiled load (default 8)
  --connections C            autocannon connections (default 32)
  --top N                    rows per table (default 25)
  --out DIR                  where the .cpuprofile goes (default bench/profiles/<timestamp>)
`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url ? f.url.replace(/^file:\/\//, "").replace(`${ROOT}/`, "") : "";
  const where = file
    ? ` ${file.includes("node_modules/") ? file.slice(file.lastIndexOf("node_modules/") + 13) : file}:${f.lineNumber + 1}`
    : "";
  return `${f.functionName || "(anonymous)"}${where}`;
}

/** Self and inclusive ms per function (a recursive function counts once per sample). */
export function summarizeProfile(p: CpuProfile): { totalMs: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    totalMs += ms;
    const node = byId.get(id) as ProfileNode;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = frameName(byId.get(cur) as ProfileNode);
      if (seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + ms);
    }
  }
  return { totalMs, self, inclusive };
}

function table(title: string, m: Map<string, number>, totalMs: number, top: number): string {
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `\n${title}`,
    ...rows.map(([name, ms]) => `${((100 * ms) / totalMs).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`),
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      driver: { type: "string", default: "sqlite" },
      db: { type: "string" },
      users: { type: "string", default: "5000" },
      duration: { type: "string", default: "8" },
      connections: { type: "string", default: "32" },
      top: { type: "string", default: "25" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const driver = values.driver === "postgres" ? "postgres" : values.driver === "sqlite" ? "sqlite" : undefined;
  if (!driver) throw new Error(`--driver must be sqlite or postgres, got "${values.driver}"`);
  const users = Number(values.users);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const top = Number(values.top);
  for (const [k, v] of Object.entries({ users, durationS, connections, top }))
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer`);
  const out = resolve(values.out ?? join(ROOT, "bench", "profiles", new Date().toISOString().replace(/[:.]/g, "-")));
  mkdirSync(out, { recursive: true });

  const db = await freshDb(driver, values.db ?? process.env.BENCH_PG_URL);
  try {
    const seeded = await seed(db.url, users);
    process.stderr.write(`seeded ${users} users in ${seeded.seconds.toFixed(1)} s\n`);
    const plan = makePlan(users, connections);
    // Warm-up on an unprofiled process, so every user has a row (the steady state the bench measures).
    const warm = spawnLarkstatus(db.url);
    const warmTarget: Target = { name: "larkstatus", url: (await warm.listening).url, token: "", statusId: seeded.statusId };
    warmTarget.token = await getToken(warmTarget.url);
    await batchLoad(warmTarget, plan, 2);
    await warm.stop();
    await analyze(db.url);

    const child = spawnLarkstatus(db.url, 0, ["--cpu-prof", "--cpu-prof-dir", out]);
    const target: Target = { name: "larkstatus", url: (await child.listening).url, token: "", statusId: seeded.statusId };
    target.token = await getToken(target.url);
    const r = await batchLoad(target, plan, durationS);
    await child.stop(15_000);
    process.stdout.write(
      `${driver}: ${r.rps} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors} (${connections} connections, ${durationS} s)\n`,
    );
    const file = readdirSync(out).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile written to ${out}`);
    const { totalMs, self, inclusive } = summarizeProfile(JSON.parse(readFileSync(join(out, file), "utf8")) as CpuProfile);
    process.stdout.write(`profile: ${join(out, file)} (${(totalMs / 1000).toFixed(1)} s sampled, whole process life)\n`);
    process.stdout.write(table("self time", self, totalMs, top));
    process.stdout.write(table("inclusive time", inclusive, totalMs, top));
    process.stdout.write("\n");
  } finally {
    await dropAllDbs();
  }
}

main().catch((err: unknown) => {
  killAllChildrenNow();
  process.stderr.write(`bench:profile failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
