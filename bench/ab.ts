/**
 * `npm run bench:ab -- DIR...`: batch throughput of several builds side by side, in one run. Each
 * DIR is a checkout of larkstatus with `dist/` built (e.g. `git worktree add ../base <rev>` then
 * `npm run build` there, with node_modules linked or installed); each gets a fresh database seeded
 * by its own code (its own bench/seed.ts, so each migrates its own schema), its own server, and the
 * same closed-loop batch load as `npm run bench` (32 connections, batches of 50 open/close), in
 * alternation: round after round, every build in turn, so the noise of a shared machine falls on
 * all of them alike. Prints each build's req/s per round, the medians, and each median as a ratio of
 * the first build's. Writes nothing.
 *
 *   npm run bench:ab -- ../base .                         # SQLite
 *   npm run bench:ab -- --driver postgres ../base .       # PostgreSQL (BENCH_PG_URL or --db)
 *   npm run bench:ab -- --rounds 9 --duration 4 --users 2000 ../base .
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { batchLoad, getToken, makePlan, type Target } from "./load.js";
import { serveArgs, spawnChild, stopAllChildren } from "./procs.js";

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
    "npm run bench:ab -- [--driver sqlite|postgres] [--db postgres://...] [--rounds 7] [--duration 4] [--users 2000] [--connections 32] DIR...\n",
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

const builds: Array<{ dir: string; target: Target }> = [];
try {
  for (const given of positionals) {
    const dir = resolve(given);
    if (!existsSync(join(dir, "dist", "main.js"))) throw new Error(`${dir}/dist/main.js is missing: run npm run build there`);
    // The build's own seeding code: it migrates the schema that build expects.
    const { freshDb, seed } = (await import(join(dir, "bench", "seed.ts"))) as typeof import("./seed.js");
    const db = await freshDb(driver, pgUrl);
    const seeded = await seed(db.url, users);
    const child = spawnChild(process.execPath, serveArgs(db.url, { root: dir }));
    const { url } = await child.listening;
    builds.push({ dir, target: { name: "larkstatus", url, token: await getToken(url), statusId: seeded.statusId } });
    process.stderr.write(`[ab] ${dir}: ${url}\n`);
  }
  for (const b of builds) await batchLoad(b.target, plan, 2); // warm-up: every user gets its rows
  const rps = new Map<string, number[]>(builds.map((b) => [b.dir, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const b of builds) {
      const res = await batchLoad(b.target, plan, durationS);
      if (res.errors > 0) throw new Error(`${b.dir}: ${res.errors} errors in round ${r}`);
      rps.get(b.dir)?.push(res.rps);
    }
    process.stderr.write(
      `[ab] round ${r}/${rounds}: ${builds.map((b) => Math.round(rps.get(b.dir)?.at(-1) ?? 0)).join(" / ")} req/s\n`,
    );
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
  const first = median(rps.get(builds[0]?.dir as string) as number[]);
  process.stdout.write(`${driver}, ${users} users, ${rounds} rounds × ${durationS} s each, alternating\n`);
  for (const b of builds) {
    const v = rps.get(b.dir) as number[];
    process.stdout.write(
      `${b.dir}: ${v.map((x) => Math.round(x)).join(" ")} req/s; median ${Math.round(median(v))} (${(median(v) / first).toFixed(3)} of the first)\n`,
    );
  }
} finally {
  await stopAllChildren();
}
process.exit(0);
