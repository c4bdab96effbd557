#!/usr/bin/env node
/**
 * Process entry: config → store → app → listen; SIGTERM/SIGINT drain and exit 0. The commands for
 * a running server (src/cli/) run instead when one is named. The server's modules (Fastify, the
 * drivers, the seed loader) are imported only by the commands that need them: a CLI command starts
 * in a fraction of the time.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { ConfigError, loadConfig, USAGE } from "./config.js";
import type { RunningServer } from "./server.js";
import { StorageError } from "./storage/errors.js";

/**
 * V8 lets the old generation grow up to 4× its live size between major collections; under a
 * sustained batch load the garbage of requests waiting for their commit is promoted and piles up.
 * Measured at 1,000,000 users (bench scaling): peak RSS 220 MB by default, 153 MB with growth
 * capped at 50%, with the same live heap (~35 MB). A `--heap-growing-percent` on the node command
 * line wins.
 */
export const HEAP_GROWING_PERCENT = 50;
if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

// A closed stdout or stderr (`larkstatus | head -1`, a log collector gone away) must never stop the
// service: without a listener, the EPIPE of the next write (the banner, a log line) is an
// unhandled 'error' event and ends the process. What is written after that is lost, by design.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

function progressBar(done: number, total: number): void {
  if (total < 20_000 || !process.stderr.isTTY) {
    if (done === total && total >= 20_000) process.stderr.write(`seeded ${total} users\n`);
    return;
  }
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\rseeding users [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write("\n");
}

async function main(): Promise<number> {
  const config = loadConfig(process.argv.slice(2), process.env, join(root, "examples", "seed.yaml"));
  if (config.command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (config.command === "version") {
    process.stdout.write(`larkstatus ${pkg.version}\n`);
    return 0;
  }
  if (config.cli) {
    const { runCli } = await import("./cli/run.js");
    return runCli(config, { stdout: process.stdout, stderr: process.stderr });
  }
  if (config.command === "migrate") {
    const { openStore } = await import("./server.js");
    const { pgTarget } = await import("./storage/postgres/pg-store.js");
    const store = openStore(config);
    await store.migrate();
    await store.close();
    // Never print a password: PostgreSQL URLs are shown as host:port/db.
    process.stdout.write(`migrated ${config.db.startsWith("sqlite:") ? config.db : `postgres ${pgTarget(config.db)}`}\n`);
    return 0;
  }

  // Signal handlers go in before anything is printed: a supervisor that reacts to the "listening"
  // line must never find the default (kill) disposition still in place.
  let server: RunningServer | undefined;
  let stopping: Promise<number> | undefined;
  let startupStopped = false;
  const stop = (signal: string): Promise<number> => {
    if (stopping) {
      // A second signal cuts the grace short; requests in flight are still waited for.
      server?.app.connections.endGrace();
      return stopping;
    }
    if (!server) {
      startupStopped = true;
      stopping = Promise.resolve(0);
      return stopping;
    }
    const graceMs = config.shutdownGraceMs;
    stopping = server.close(graceMs).then(
      () => 0,
      (e) => {
        process.stderr.write(`larkstatus: error while shutting down: ${(e as Error).message}\n`);
        return 1;
      },
    );
    // Logged once the listening socket is closed (close() does that before it first waits).
    server.app.log.info({ signal, graceMs }, "draining: no new connections; open ones are answered with Connection: close");
    return stopping;
  };
  const exited = new Promise<number>((resolveExit) => {
    process.on("SIGTERM", () => void stop("SIGTERM").then(resolveExit));
    process.on("SIGINT", () => void stop("SIGINT").then(resolveExit));
  });

  const { startServer } = await import("./server.js");
  if (startupStopped) return 0;
  server = await startServer(config, { onSeedProgress: progressBar, version: pkg.version });
  if (startupStopped) {
    // A signal arrived while starting: shut down now, without announcing.
    await server.close();
    return 0;
  }
  process.stdout.write(`listening on ${server.url}\n`);
  const { bannerText, demoCredentials, displayPath } = await import("./banner.js");
  const builtInSeed = config.defaultSeed;
  process.stdout.write(
    bannerText({
      url: server.url,
      seeded: server.seeded && { file: displayPath(server.seeded.file), summary: server.seeded.summary },
      builtInSeed: displayPath(builtInSeed),
      demo: await demoCredentials(server.store, builtInSeed),
      admin: { ...server.admin.source, token: server.admin.token },
    }),
  );
  return exited;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`larkstatus: ${e.message}\n`);
    // By name: the seed loader is not imported unless the server starts.
    else if ((e as Error).name === "SeedError") process.stderr.write(`larkstatus: invalid seed: ${(e as Error).message}\n`);
    else if (e instanceof StorageError) process.stderr.write(`larkstatus: storage: ${e.message}\n`);
    else if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") process.stderr.write(`larkstatus: ${(e as Error).message}\n`);
    else process.stderr.write(`larkstatus: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
