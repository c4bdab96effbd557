/**
 * The built server (dist/), as a user or a test runner of another language starts it. Rebuilt
 * here when any source file is newer than the build, so a test never runs a stale dist/.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const DIST_MAIN = join(ROOT, "dist", "main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ (tsconfig.build.json) unless it is newer than every file under src/ and both
 * tsconfigs. `npm test` (test/run.mjs) calls it once before any test file starts, so the files that
 * run side by side never build at the same time.
 */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(DIST_MAIN).mtimeMs;
  } catch {
    // Not built yet.
  }
  const config = ["tsconfig.json", "tsconfig.build.json"].map((f) => statSync(join(ROOT, f)).mtimeMs);
  if (built > Math.max(newestMtime(join(ROOT, "src")), ...config)) return;
  process.stderr.write(`${built ? "dist/ is older than src/" : "no dist/ yet"}: building it (tsconfig.build.json)\n`);
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
