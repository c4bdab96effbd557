#!/usr/bin/env node
/**
 * `npm test`: every suite on the embedded SQLite driver, then, when TEST_PG_URL is set, the whole
 * API suite again on PostgreSQL (the same files, LARKSTATUS_TEST_DRIVER=postgres). With
 * REQUIRE_SCALE_TESTS=1 (CI) a missing TEST_PG_URL or TEST_REDIS_URL is a failure, not a skip.
 * TEST_API_ON_PG=0 leaves out that second pass (the PostgreSQL storage contract and the
 * multi-instance tests still run in the first): CI's other Node lines use it.
 *
 * Files run side by side, TEST_CONCURRENCY at a time (default 2, at most the machine's cores; 1
 * runs them one after the other, as before). Each file is its own process (node:test's isolation),
 * and nothing they hold is shared: every PostgreSQL store is a fresh schema named after its process
 * (test/pg.ts), every Redis key prefix is random but the one seed of the 3-instance test
 * (test/scale/instances.test.ts, the only file on it), every port is 0 and every file a mkdtemp.
 * Files that must have the machine to themselves go in SERIAL below and run after the others.
 *
 * The process tests start the built server (dist/main.js, a second faster than src/main.ts through
 * tsx, and they start hundreds): dist/ is rebuilt here first whenever anything under src/ is newer
 * than it (test/testing/built.ts), so `npm test` after an edit tests the edit.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { tsImport } from "tsx/esm/api";

const root = join(import.meta.dirname, "..");

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out.sort();
}

const concurrency = Number(process.env.TEST_CONCURRENCY || Math.min(2, availableParallelism()));
if (!Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write(`TEST_CONCURRENCY must be a whole number ≥ 1, got "${process.env.TEST_CONCURRENCY}"\n`);
  process.exit(2);
}

/** Files that run alone, after the others (none needs it yet; see the comment above). */
const SERIAL = new Set([]);

function run(label, files, env) {
  const groups = [
    { files: files.filter((f) => !SERIAL.has(f)), concurrency },
    { files: files.filter((f) => SERIAL.has(f)), concurrency: 1 },
  ].filter((g) => g.files.length > 0);
  let ok = true;
  for (const g of groups) {
    const how = g.concurrency === 1 ? "one at a time" : `${g.concurrency} at a time`;
    process.stdout.write(`\n=== ${label}: ${g.files.length} files, ${how}\n`);
    const r = spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${g.concurrency}`, ...g.files], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    ok = r.status === 0 && ok;
  }
  return ok;
}

const all = find(join(root, "test"));
// Files whose servers come from makeApp(): they run once per driver.
const perDriver = all.filter(
  (f) => f.startsWith("test/api/") || f.startsWith("test/admin/") || f === "test/smoke.test.ts" || f === "test/openapi.test.ts",
);

if (process.env.REQUIRE_SCALE_TESTS === "1") {
  for (const v of ["TEST_PG_URL", "TEST_REDIS_URL"]) {
    if (!process.env[v]) {
      process.stderr.write(`${v} is not set but REQUIRE_SCALE_TESTS=1: the PostgreSQL/Redis tests would be skipped\n`);
      process.exit(1);
    }
  }
}

// Once, before any file starts: side by side, two files must never build dist/ at the same time.
const { ensureBuilt } = await tsImport("./testing/built.ts", import.meta.url);
ensureBuilt();

let ok = run("all suites, SQLite", all, { LARKSTATUS_TEST_DRIVER: "sqlite" });
if (process.env.TEST_PG_URL && process.env.TEST_API_ON_PG === "0") {
  process.stdout.write("\nTEST_API_ON_PG=0: the API suite did not run again on PostgreSQL.\n");
} else if (process.env.TEST_PG_URL) {
  ok = run("API suite, PostgreSQL", perDriver, { LARKSTATUS_TEST_DRIVER: "postgres" }) && ok;
} else {
  process.stdout.write("\nTEST_PG_URL is not set: the API suite ran on SQLite only (see README, Scaling out).\n");
}
process.exit(ok ? 0 : 1);
