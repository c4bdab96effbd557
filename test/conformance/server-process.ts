/**
 * Starts the real larkstatus process (the built `dist/main.js`: it starts in a fraction of what
 * `src/main.ts` through tsx takes; `ensureBuilt` rebuilds dist/ first when any file under src/ is
 * newer, so it always runs the current source) on a free port and a temporary SQLite file, for
 * tests that drive it over HTTP. `env` adds to (or overrides) the environment it runs with.
 * `npm test` (test/run.mjs) builds once before any file runs, so the check here finds it fresh.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST_MAIN, ensureBuilt } from "../testing/built.js";

export const ROOT = join(import.meta.dirname, "..", "..");
/** The larkstatus command every process test runs: `[process.execPath, ...LARKSTATUS, ...args]`. */
export const LARKSTATUS: readonly string[] = [DIST_MAIN];

// Never a stale build: a run of one file by hand rebuilds here when src/ changed.
ensureBuilt();

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function tempDb(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), "larkstatus-")), "test.db")}`;
}

export async function startServerProcess(
  args: string[],
  timeoutMs = 20_000,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...LARKSTATUS, "serve", "--port", "0", ...args], {
    cwd: ROOT,
    // A short shutdown grace: the clients of these tests keep connections open, and stop() would
    // otherwise wait out the default grace each time (shutdown.test.ts covers the grace itself).
    env: { ...process.env, LARKSTATUS_LOG_LEVEL: "warn", LARKSTATUS_SHUTDOWN_GRACE: "200ms", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}
