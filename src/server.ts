/**
 * Starts larkstatus from a Config: store → migrations → seed → app → listen. Used by main.ts and
 * by tests that need a real server on a real port.
 */
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { type AdminToken, adminTokenFile, resolveAdminToken } from "./admin/token.js";
import { buildApp } from "./app.js";
import { discoveryFile, localUrl, removeDiscovery, writeDiscovery } from "./cli/discovery.js";
import type { Config } from "./config.js";
import { AuditLog } from "./domain/audit.js";
import { type Clock, systemClock } from "./domain/clock.js";
import { type IdGenerator, randomIds } from "./domain/ids.js";
import { EmulatorClock } from "./emulator/clock.js";
import { Emulator } from "./emulator/emulator.js";
import { Faults } from "./emulator/faults.js";
import { Journal } from "./emulator/journal.js";
import { MemoryRateLimiter, type RateLimiter } from "./http/rate-limit.js";
import { connectRedis, RedisRateLimiter } from "./http/redis-rate-limit.js";
import { checkPortFile, removePortFile, writePortFile } from "./port-file.js";
import { loadSeedFile, type SeedProgress, type SeedSummary } from "./seed/load.js";
import { PgStore } from "./storage/postgres/pg-store.js";
import { SqliteStore, sqlitePath } from "./storage/sqlite/sqlite-store.js";
import type { Store } from "./storage/store.js";

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** The admin API's token and where it came from. */
  admin: AdminToken;
  /** `<db>.server.json`, which tells the CLI where this server is (SQLite files only). */
  discovery: string | undefined;
  /** The `--port-file` this server wrote its URL to; undefined when none was asked for. */
  portFile: string | undefined;
  /** The seed file loaded on start (absolute path) and what it held; undefined when none was. */
  seeded: { file: string; summary: SeedSummary } | undefined;
  /**
   * Shuts down: stops accepting connections; answers what arrives on open ones for up to
   * `graceMs` (default 0), with `Connection: close`, ending early once none is open; then closes
   * idle connections, waits for requests in flight (at most IN_FLIGHT_LIMIT_MS, then cuts them),
   * and closes Redis and the store.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long, after the shutdown grace, requests still in flight may take before their connections are cut. */
export const IN_FLIGHT_LIMIT_MS = 10_000;

/** The store a --db URL names: SQLite (embedded default) or PostgreSQL (scale-out). */
export function openStore(config: Pick<Config, "db" | "dbPool">): Store {
  return config.db.startsWith("sqlite:") ? new SqliteStore(config.db) : new PgStore(config.db, { poolMax: config.dbPool });
}

export async function startServer(
  config: Config,
  opts: { clock?: Clock; ids?: IdGenerator; onSeedProgress?: SeedProgress; version?: string } = {},
): Promise<RunningServer> {
  // A port file that cannot be written fails the start before anything opens or listens.
  if (config.portFile !== undefined) checkPortFile(config.portFile);
  const store = openStore(config);
  // With the emulator controls on, the one clock of the server is the emulator's (kept in the store).
  const emulatorClock = config.emulator ? new EmulatorClock(opts.clock ?? systemClock, store) : undefined;
  const clock: Clock = emulatorClock ?? opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds(clock);
  let redis: ReturnType<typeof connectRedis> | undefined;
  try {
    await store.migrate();
    await emulatorClock?.refresh();
    const emulator =
      emulatorClock &&
      new Emulator({
        clock: emulatorClock,
        shared: store instanceof PgStore,
        snapshots: store,
        journal: new Journal(config.journalSize),
        faults: new Faults(),
      });
    let seeded: RunningServer["seeded"];
    const seedDeps = { store, ids, now: () => clock.now(), ...(opts.onSeedProgress ? { onProgress: opts.onSeedProgress } : {}) };
    const seedFile = config.seed !== undefined ? resolve(config.seed) : (await store.isEmpty()) ? config.defaultSeed : undefined;
    if (seedFile !== undefined) seeded = { file: seedFile, summary: await loadSeedFile(seedFile, seedDeps) };
    if (seeded) await store.refreshStatistics();
    // What a reset goes back to: the state once the seeds ran (whatever the database held before).
    await emulator?.captureBaseline();
    // With --redis, rate limits are shared by every instance; while Redis is unreachable each
    // instance falls back to its own counters and /readyz reports it.
    let rateLimiter: RateLimiter | undefined;
    const readiness: Record<string, () => Promise<boolean>> = {};
    if (config.redis) {
      redis = connectRedis(config.redis);
      const shared = new RedisRateLimiter(redis, clock, { fallback: new MemoryRateLimiter(clock) });
      rateLimiter = shared;
      readiness.redis = () => shared.ping();
    }
    const dbPath = config.db.startsWith("sqlite:") ? sqlitePath(config.db) : undefined;
    const admin = resolveAdminToken(config.adminToken, dbPath && dbPath !== ":memory:" ? adminTokenFile(dbPath) : undefined);
    const app = await buildApp({
      adminToken: admin.token,
      store,
      clock,
      ids,
      rateLimit: config.rateLimit,
      readiness,
      ...(rateLimiter ? { rateLimiter } : {}),
      ...(emulator ? { emulator } : {}),
      logger: config.logLevel === "silent" ? false : { level: config.logLevel },
      ...(opts.version ? { version: opts.version } : {}),
    });
    const address = await app.listen({ port: config.port, host: config.host });
    // Retention: entries older than --audit-retention go in the background, in short batches.
    const audit = new AuditLog({ store, clock });
    audit.startPruning(config.auditRetentionMs, (err) => app.log.error({ err }, "pruning the audit log failed; retrying later"));
    const port = (app.server.address() as { port: number }).port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    // Beside the database and its admin token, so the CLI finds both from --db alone.
    const discovery = dbPath && dbPath !== ":memory:" ? discoveryFile(dbPath) : undefined;
    if (discovery) {
      try {
        writeDiscovery(discovery, {
          url: localUrl(config.host, port),
          pid: process.pid,
          version: opts.version ?? "0.0.0",
          started_at: new Date(clock.now()).toISOString(),
        });
      } catch (e) {
        // Serving matters more than being found: the CLI can still be given --url.
        app.log.warn({ err: e, file: discovery }, "cannot write the discovery file; the CLI needs --url");
      }
    }
    // Last: a runner that waits for the port file finds a server that is ready in every way.
    const portFileUrl = localUrl(config.host, port);
    if (config.portFile !== undefined) {
      try {
        writePortFile(config.portFile, portFileUrl);
      } catch (e) {
        if (discovery) removeDiscovery(discovery, process.pid);
        await audit.stopPruning();
        await app.close();
        throw e;
      }
    }
    return {
      app,
      store,
      admin,
      discovery,
      portFile: config.portFile,
      url: address.startsWith("http") ? `http://${host}:${port}` : address,
      seeded,
      async close(graceMs = 0) {
        // First: a CLI or a runner that looks from now on is told no server runs, rather than
        // meet a draining one.
        if (discovery) removeDiscovery(discovery, process.pid);
        if (config.portFile !== undefined) removePortFile(config.portFile, portFileUrl);
        await app.connections.drain(graceMs);
        app.log.info(
          { open: app.connections.openCount },
          "shutdown grace is over: closing idle connections, waiting for requests in flight",
        );
        app.connections.close();
        // A request that outlives the bound (a client that never finishes sending, say) must not
        // hold the process forever.
        const cut = setTimeout(() => {
          app.log.warn({ open: app.connections.openCount }, "requests still in flight after the shutdown bound: cutting them");
          app.connections.destroyAll();
        }, IN_FLIGHT_LIMIT_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        await audit.stopPruning();
        redis?.disconnect();
        await store.close();
      },
    };
  } catch (e) {
    redis?.disconnect();
    await store.close();
    throw e;
  }
}
