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

/** Builds dist/ (tsconfig.build.json) unless it is newer than every file under src/. */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(DIST_MAIN).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (built > newestMtime(join(ROOT, "src"))) return;
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
