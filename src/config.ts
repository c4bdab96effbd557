/**
 * The only reader of process.env and command-line flags. Every setting has a flag and an
 * environment twin; flags win. Validated once, typed, and frozen.
 */
import { parseArgs } from "node:util";

export type RateLimitMode = "vendor" | "off";
export type Command = "serve" | "migrate" | "help";

export interface Config {
  command: Command;
  port: number;
  host: string;
  /** `sqlite:PATH` or `sqlite::memory:`. */
  db: string;
  /** A seed file to load on start; undefined means "the default seed, into an empty database". */
  seed: string | undefined;
  /** The seed loaded into an empty database when no --seed is given. */
  defaultSeed: string;
  rateLimit: RateLimitMode;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Each setting: its flag, its environment twin, its default. */
export const SETTINGS = {
  port: { flag: "port", env: "LARKSTATUS_PORT", default: "3000" },
  host: { flag: "host", env: "LARKSTATUS_HOST", default: "127.0.0.1" },
  db: { flag: "db", env: "LARKSTATUS_DB", default: "sqlite:./data/larkstatus.db" },
  seed: { flag: "seed", env: "LARKSTATUS_SEED", default: undefined },
  rateLimit: { flag: "rate-limit", env: "LARKSTATUS_RATE_LIMIT", default: "vendor" },
  logLevel: { flag: "log-level", env: "LARKSTATUS_LOG_LEVEL", default: "info" },
} as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const USAGE = `larkstatus: a self-hostable Feishu/Lark personal_settings system-status server

Usage:
  larkstatus [serve] [options]     run the server (default command)
  larkstatus migrate [--db URL]    create or upgrade the database schema, then exit
  larkstatus help                  show this help

Options (each has an environment twin):
  --port P          LARKSTATUS_PORT        port to listen on (default 3000; 0 picks a free port)
  --host H          LARKSTATUS_HOST        address to bind (default 127.0.0.1)
  --db URL          LARKSTATUS_DB          sqlite:PATH or sqlite::memory: (default sqlite:./data/larkstatus.db)
  --seed FILE       LARKSTATUS_SEED        JSON or YAML seed loaded (idempotently) on every start;
                                           without it, examples/seed.yaml is loaded into an empty database
  --rate-limit M    LARKSTATUS_RATE_LIMIT  vendor (default) or off
  --log-level L     LARKSTATUS_LOG_LEVEL   fatal|error|warn|info|debug|trace|silent (default info)
`;

/** Builds the configuration from argv (without node and script) and an environment. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, defaultSeed: string): Config {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        db: { type: "string" },
        seed: { type: "string" },
        "rate-limit": { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const pick = (key: keyof typeof SETTINGS): string | undefined => {
    const s = SETTINGS[key];
    const flag = values[s.flag];
    if (typeof flag === "string") return flag;
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    return s.default;
  };

  const positional = parsed.positionals;
  if (positional.length > 1) throw new ConfigError(`unexpected arguments: ${positional.slice(1).join(" ")}`);
  const cmd = values.help ? "help" : (positional[0] ?? "serve");
  if (cmd !== "serve" && cmd !== "migrate" && cmd !== "help") {
    throw new ConfigError(`unknown command "${cmd}" (expected serve, migrate or help)`);
  }

  const portText = pick("port") as string;
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) {
    throw new ConfigError(`--port / LARKSTATUS_PORT must be an integer 0-65535, got "${portText}"`);
  }
  const db = pick("db") as string;
  if (!db.startsWith("sqlite:") || db === "sqlite:") {
    throw new ConfigError(`--db / LARKSTATUS_DB must be sqlite:PATH or sqlite::memory:, got "${db}"`);
  }
  const rateLimit = pick("rateLimit") as string;
  if (rateLimit !== "vendor" && rateLimit !== "off") {
    throw new ConfigError(`--rate-limit / LARKSTATUS_RATE_LIMIT must be vendor or off, got "${rateLimit}"`);
  }
  const logLevel = pick("logLevel") as string;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level / LARKSTATUS_LOG_LEVEL must be one of ${LOG_LEVELS.join("|")}, got "${logLevel}"`);
  }
  return Object.freeze({
    command: cmd,
    port,
    host: pick("host") as string,
    db,
    seed: pick("seed"),
    defaultSeed,
    rateLimit,
    logLevel: logLevel as Config["logLevel"],
  });
}
