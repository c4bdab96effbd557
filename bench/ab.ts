/**
 * `npm run bench:ab -- DIR...`: batch throughput of several builds side by side, in one run. Each
 * DIR is a checkout of larkstatus with `dist/` built (e.g. `git worktree add ../base <rev>` then
 * `npm run build` there, with node_modules linked or installed); each gets a fresh database seeded
 * by its own code (its own bench/seed.ts, so each migrates its own schema), its own server, and the
 * same closed-loop batch load as `npm run bench` (32 connections, batches of 50 open/close), in
 * alternation: round after round, every build in turn (in a rotated order each round), so the noise
 * of a shared machine falls on all of them alike. Prints each build's req/s and server CPU time per
 * request (user + system, from /proc: a second view, less stretched by other work on the machine) and
 * the bytes it wrote per request (write(2) calls: WAL, checkpoints, responses; barely moved by load) per
 * round, the medians, and each median as a ratio of the first build's. `DIR@ARGS` runs DIR's build
 * with extra server arguments, so one build can be compared with itself under other flags. Writes
 * nothing.
 *
 *   npm run bench:ab -- ../base .                         # SQLite
 *   npm run bench:ab -- --driver postgres ../base .       # PostgreSQL (BENCH_PG_URL or --db)
 *   npm run bench:ab -- --rounds 9 --duration 4 --users 2000 ../base .
 *   npm run bench:ab -- . ".@--emulator off"             # one build, two sets of flags
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { batchLoad, getToken, makePlan, type Target } from "./load.js";
import { readCpuMs, readWrittenBytes, serveArgs, spawnChild, stopAllChildren } from "./procs.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    driver: { type: "string", default: "sqlite" },
    db: { type: "string" },
    rounds: { type: "string", default: "7" },
    duration: { type: "string", default: "4" },
    users: { type: "string", default: "2000" },
    connections: { type: "string", default: "32" },
    help: { type: "boolean", default: false },
  },
});
if (values.help || positionals.length === 0) {
  process.stdout.write(
    "npm run bench:ab -- [--driver sqlite|postgres] [--db postgres://...] [--rounds 7] [--duration 4] [--users 2000] [--connections 32] DIR[@ARGS]...\n",
  );
  process.exit(values.help ? 0 : 1);
}
const driver = values.driver as "sqlite" | "postgres";
if (driver !== "sqlite" && driver !== "postgres") throw new Error(`--driver must be sqlite or postgres, got "${driver}"`);
const pgUrl = values.db ?? process.env.BENCH_PG_URL;
if (driver === "postgres" && !pgUrl) throw new Error("--driver postgres needs --db postgres://... or BENCH_PG_URL");
const num = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
};
const rounds = num("rounds", values.rounds as string);
const durationS = num("duration", values.duration as string);
const users = num("users", values.users as string);
const plan = makePlan(users, num("connections", values.connections as string));

const builds: Array<{ dir: string; target: Target; pid: number }> = [];
try {
  for (const given of positionals) {
    // DIR, or DIR@ARGS: the same build with server arguments of its own (e.g. ".@--emulator off").
    const at = given.indexOf("@");
    const root = resolve(at < 0 ? given : given.slice(0, at));
    const extra =
      at < 0
        ? []
        : given
            .slice(at + 1)
            .split(" ")
            .filter(Boolean);
    const dir = at < 0 ? root : `${root}@${extra.join(" ")}`;
    if (builds.some((b) => b.dir === dir)) throw new Error(`${dir} is given twice`);
    if (!existsSync(join(root, "dist", "main.js"))) throw new Error(`${root}/dist/main.js is missing: run npm run build there`);
    // The build's own seeding code: it migrates the schema that build expects.
    const { freshDb, seed } = (await import(join(root, "bench", "seed.ts"))) as typeof import("./seed.js");
    const db = await freshDb(driver, pgUrl);
    const seeded = await seed(db.url, users);
    const child = spawnChild(process.execPath, serveArgs(db.url, { root, extra }));
    const { url } = await child.listening;
    builds.push({
      dir,
      pid: child.pid,
      target: { name: "larkstatus", url, token: await getToken(url), statusId: seeded.statusId },
    });
    process.stderr.write(`[ab] ${dir}: ${url}\n`);
  }
  for (const b of builds) await batchLoad(b.target, plan, 2); // warm-up: every user gets its rows
  const rps = new Map<string, number[]>(builds.map((b) => [b.dir, []]));
  const cpu = new Map<string, number[]>(builds.map((b) => [b.dir, []]));
  const written = new Map<string, number[]>(builds.map((b) => [b.dir, []]));
  for (let r = 1; r <= rounds; r++) {
    // Each round in another order (a rotation), so no build is always the one measured first.
    for (let k = 0; k < builds.length; k++) {
      const b = builds[(k + r - 1) % builds.length] as (typeof builds)[number];
      const cpuBefore = readCpuMs(b.pid);
      const wBefore = readWrittenBytes(b.pid);
      const res = await batchLoad(b.target, plan, durationS);
      const cpuAfter = readCpuMs(b.pid);
      const wAfter = readWrittenBytes(b.pid);
      if (res.errors > 0) throw new Error(`${b.dir}: ${res.errors} errors in round ${r}`);
      rps.get(b.dir)?.push(res.rps);
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.get(b.dir)?.push(((cpuAfter - cpuBefore) * 1000) / res.requests);
      if (wBefore !== undefined && wAfter !== undefined) written.get(b.dir)?.push((wAfter - wBefore) / 1024 / res.requests);
    }
    process.stderr.write(
      `[ab] round ${r}/${rounds}: ${builds.map((b) => `${Math.round(rps.get(b.dir)?.at(-1) ?? 0)} req/s ${Math.round(cpu.get(b.dir)?.at(-1) ?? 0)} µs CPU`).join(" / ")}\n`,
    );
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
  const first = median(rps.get(builds[0]?.dir as string) as number[]);
  const firstCpu = median(cpu.get(builds[0]?.dir as string) as number[]);
  process.stdout.write(`${driver}, ${users} users, ${rounds} rounds × ${durationS} s each, alternating\n`);
  for (const b of builds) {
    const v = rps.get(b.dir) as number[];
    const c = cpu.get(b.dir) as number[];
    const w = written.get(b.dir) as number[];
    process.stdout.write(
      `${b.dir}: ${v.map((x) => Math.round(x)).join(" ")} req/s; median ${Math.round(median(v))} (${(median(v) / first).toFixed(3)} of the first)\n` +
        `  server CPU per request: ${c.map((x) => Math.round(x)).join(" ")} µs; median ${Math.round(median(c))} (${(median(c) / firstCpu).toFixed(3)} of the first)\n` +
        `  bytes written per request (WAL, checkpoints, responses): median ${median(w).toFixed(1)} KiB\n`,
    );
  }
} finally {
  await stopAllChildren();
}
process.exit(0);
