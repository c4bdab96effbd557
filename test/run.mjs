#!/usr/bin/env node
/**
 * `npm test`: every suite on the embedded SQLite driver, then, when TEST_PG_URL is set, the whole
 * API suite again on PostgreSQL (the same files, LARKSTATUS_TEST_DRIVER=postgres). With
 * REQUIRE_SCALE_TESTS=1 (CI) a missing TEST_PG_URL or TEST_REDIS_URL is a failure, not a skip.
 * TEST_API_ON_PG=0 leaves out that second pass (the PostgreSQL storage contract and the
 * multi-instance tests still run in the first): CI's other Node lines use it.
 *
 * The process tests start the built server (dist/main.js, a second faster than src/main.ts through
 * tsx, and they start hundreds): dist/ is rebuilt here first whenever anything under src/ is newer
 * than it (test/testing/built.ts), so `npm test` after an edit tests the edit.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
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

function run(label, files, env) {
  process.stdout.write(`\n=== ${label}: ${files.length} files\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  return r.status === 0;
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

// Once, before any file starts.
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
