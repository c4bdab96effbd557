/**
 * The only reader of process.env and command-line flags. Every setting has a flag and an
 * environment twin; flags win. Validated once, typed, and frozen.
 */
import { parseArgs } from "node:util";
import { ADMIN_TOKEN_RE } from "./admin/token.js";
import type { CliFlag } from "./cli/command.js";
import { CLI_COMMANDS, cliCommand } from "./cli/commands.js";
import { closest, didYouMean } from "./domain/suggest.js";

export type RateLimitMode = "vendor" | "off";
/** The commands of the server process itself. */
export type ServerCommand = "serve" | "migrate" | "help" | "version";
/** A server command, or a CLI command's name (src/cli/commands.ts). */
export type Command = ServerCommand | (string & {});
const SERVER_COMMANDS: readonly ServerCommand[] = ["serve", "migrate", "help", "version"];
const COMMANDS: readonly string[] = [...SERVER_COMMANDS, ...CLI_COMMANDS.map((c) => c.name)];

/** What a CLI command was asked: its arguments and the CLI's own flags. */
export interface CliOptions {
  /** The command's positional arguments (as many as it declares). */
  args: readonly string[];
  /** The server to call; undefined: the one the discovery file beside `--db` names. */
  url: string | undefined;
  /** JSON for scripts instead of tables. */
  json: boolean;
  /** How many items a list prints (following cursors). */
  limit: number | undefined;
  /** Where a list continues (a next_cursor it printed). */
  cursor: string | undefined;
  /** audit: keep printing new entries. */
  follow: boolean;
  /** audit's filters, as given. */
  filters: { tenant?: string; user?: string; status?: string; app?: string; op?: string; since?: string; until?: string };
}

export interface Config {
  command: Command;
  port: number;
  host: string;
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://...`. */
  db: string;
  /** Most connections one instance opens to PostgreSQL. */
  dbPool: number;
  /** `redis://...`: shared rate-limit counters across instances; undefined = each instance limits alone. */
  redis: string | undefined;
  /** A seed file to load on start; undefined means "the default seed, into an empty database". */
  seed: string | undefined;
  /** The seed loaded into an empty database when no --seed is given. */
  defaultSeed: string;
  rateLimit: RateLimitMode;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** How long, after SIGTERM/SIGINT, requests on open connections are still answered (ms). */
  shutdownGraceMs: number;
  /** The admin API's bearer token; undefined: the server makes one (kept beside a SQLite file). */
  adminToken: string | undefined;
  /** How long audit entries are kept (ms); older ones are pruned in the background. */
  auditRetentionMs: number;
  /**
   * The emulator controls under /admin/v1/emulator (reset, snapshots, clock, faults, journal).
   * Default: on with SQLite (the developer's twin), off with PostgreSQL (an operator's service).
   */
  emulator: boolean;
  /** How many requests to /open-apis the journal keeps (newest first); 0 keeps none. */
  journalSize: number;
  /** A file the server writes its URL into once it listens (for `--port 0`); undefined: none. */
  portFile: string | undefined;
  /** Set for a CLI command (and only then). */
  cli: CliOptions | undefined;
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
  dbPool: { flag: "db-pool", env: "LARKSTATUS_DB_POOL", default: "10" },
  redis: { flag: "redis", env: "LARKSTATUS_REDIS", default: undefined },
  seed: { flag: "seed", env: "LARKSTATUS_SEED", default: undefined },
  rateLimit: { flag: "rate-limit", env: "LARKSTATUS_RATE_LIMIT", default: "vendor" },
  logLevel: { flag: "log-level", env: "LARKSTATUS_LOG_LEVEL", default: "info" },
  shutdownGrace: { flag: "shutdown-grace", env: "LARKSTATUS_SHUTDOWN_GRACE", default: "5s" },
  adminToken: { flag: "admin-token", env: "LARKSTATUS_ADMIN_TOKEN", default: undefined },
  auditRetention: { flag: "audit-retention", env: "LARKSTATUS_AUDIT_RETENTION", default: "30d" },
  emulator: { flag: "emulator", env: "LARKSTATUS_EMULATOR", default: undefined },
  journalSize: { flag: "journal-size", env: "LARKSTATUS_JOURNAL_SIZE", default: "1000" },
  portFile: { flag: "port-file", env: "LARKSTATUS_PORT_FILE", default: undefined },
  url: { flag: "url", env: "LARKSTATUS_URL", default: undefined },
} as const;

/** The settings a CLI command reads; the others are the server's (a CLI command refuses their flags). */
const CLI_SETTINGS = ["db", "adminToken", "url"] as const satisfies ReadonlyArray<keyof typeof SETTINGS>;

/** The CLI's per-call flags: arguments of one invocation, so without environment twins. */
const CLI_FLAGS = {
  json: { type: "boolean" },
  limit: { type: "string" },
  cursor: { type: "string" },
  follow: { type: "boolean" },
  tenant: { type: "string" },
  user: { type: "string" },
  status: { type: "string" },
  app: { type: "string" },
  op: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
} as const satisfies Record<CliFlag | "json", { type: "string" | "boolean" }>;

/** The most items a CLI list prints in one call. */
const CLI_LIMIT_MAX = 1_000_000;

function cliUsage(): string {
  const lines = CLI_COMMANDS.map((c) => [`  larkstatus ${[c.name, ...c.args].join(" ")}`, c.summary] as const);
  const width = Math.max(...lines.map(([u]) => u.length)) + 2;
  return lines.map(([u, s]) => `${u.padEnd(width)}${s}\n`).join("");
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export const USAGE = `larkstatus: a self-hostable Feishu/Lark personal_settings system-status server

Usage:
  larkstatus [serve] [options]     run the server (default command)
  larkstatus migrate [--db URL]    create or upgrade the database schema, then exit
  larkstatus help                  show this help (also --help, -h, or after any command)
  larkstatus version               print the version (also --version, -v)

Commands for a running server (its admin API; a local one is found by itself):
${cliUsage()}
Options (each has an environment twin):
  --port P          LARKSTATUS_PORT        port to listen on (default 3000; 0 picks a free port)
  --host H          LARKSTATUS_HOST        address to bind (default 127.0.0.1)
  --db URL          LARKSTATUS_DB          sqlite:PATH, sqlite::memory: or postgres://USER:PASS@HOST:PORT/DB
                                           (default sqlite:./data/larkstatus.db)
  --db-pool N       LARKSTATUS_DB_POOL     most PostgreSQL connections per instance (default 10)
  --redis URL       LARKSTATUS_REDIS       redis://HOST:PORT: rate limits shared by every instance;
                                           without it each instance limits alone
  --seed FILE       LARKSTATUS_SEED        JSON or YAML seed loaded (idempotently) on every start;
                                           without it, examples/seed.yaml is loaded into an empty database
  --rate-limit M    LARKSTATUS_RATE_LIMIT  vendor (default) or off
  --log-level L     LARKSTATUS_LOG_LEVEL   fatal|error|warn|info|debug|trace|silent (default info)
  --shutdown-grace D LARKSTATUS_SHUTDOWN_GRACE
                                           after SIGTERM/SIGINT, how long open connections are still
                                           answered: 5s (default), 500ms, 0...; ends once none is open
  --admin-token T   LARKSTATUS_ADMIN_TOKEN the admin API's bearer token (16-256 visible ASCII); without it
                                           the server makes one, kept in <db>.admin-token beside a SQLite file
  --audit-retention D LARKSTATUS_AUDIT_RETENTION
                                           how long audit log entries are kept: 30d (default), 12h, 90m...;
                                           older ones are deleted in the background
  --emulator on|off LARKSTATUS_EMULATOR    the emulator controls (reset, snapshots, clock, faults, journal)
                                           under /admin/v1/emulator; default on with SQLite, off with PostgreSQL
  --journal-size N  LARKSTATUS_JOURNAL_SIZE
                                           how many requests to /open-apis the journal keeps (default 1000; 0: none)
  --port-file FILE  LARKSTATUS_PORT_FILE   write the server's URL to FILE once it listens (with --port 0)

Options of the commands for a running server:
  --url URL         LARKSTATUS_URL         the server (default: the one serving --db, found through
                                           <db>.server.json, which it writes while it runs)
  --db URL          LARKSTATUS_DB          as above: whose <db>.server.json and <db>.admin-token to read
  --admin-token T   LARKSTATUS_ADMIN_TOKEN the admin token (default: <db>.admin-token)
  --json                                   JSON for scripts instead of tables (errors: one JSON line on stderr)
  --limit N, --cursor C                    lists: how many to print (default 100), where to continue
  --tenant T --user U --status S --app A --op OP --since T --until T
                                           audit filters; --since/--until: Unix ms, ISO 8601 or a duration
                                           ago (90m, 2h, 1d)
  --follow                                 audit: keep printing new entries until Ctrl-C
  A failure prints what was wrong (the server's detail and the offending field) and exits 1.
`;

/** The longest shutdown grace accepted (ms). */
const SHUTDOWN_GRACE_MAX_MS = 3_600_000;
/** The shortest and longest audit retention accepted (ms): one second, ten years. */
const AUDIT_RETENTION_MIN_MS = 1000;
const AUDIT_RETENTION_MAX_MS = 3650 * 86_400_000;

/** The most requests the journal may keep (each holds its request and response bodies, up to 1 MiB). */
const JOURNAL_SIZE_MAX = 100_000;

/** Milliseconds per duration unit. */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration: a number with a unit (ms, s, m, h, d; decimals allowed, e.g. `1.5s`,
 * `90m`, `30d`) or a bare `0`; undefined if it is not one, or is not a whole number of ms.
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The command-line options: every setting's flag, plus --help and --version. */
const OPTIONS = {
  ...(Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: "string" }])) as Record<
    (typeof SETTINGS)[keyof typeof SETTINGS]["flag"],
    { type: "string" }
  >),
  ...CLI_FLAGS,
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** parseArgs's own messages, made to name the flag, suggest the closest one and say what to do. */
function argsError(e: Error & { code?: string }): ConfigError {
  const flags = Object.keys(OPTIONS);
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const name = /Unknown option '(-{1,2}[^']*)'/.exec(e.message)?.[1] ?? "";
    const hint = closest(name.replace(/^-+/, "").split("=")[0] ?? "", flags);
    return new ConfigError(
      `unknown option ${name}${hint === undefined ? "" : ` (did you mean --${hint}?)`}; "larkstatus help" lists the options`,
    );
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /'(?:-\w, )?(--[\w-]+)/.exec(e.message)?.[1];
    if (name && /argument missing/.test(e.message)) return new ConfigError(`option ${name} needs a value, e.g. ${name} VALUE`);
    if (name) return new ConfigError(`option ${name} takes no value`);
  }
  return new ConfigError(e.message);
}

/** Builds the configuration from argv (without node and script) and an environment. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, defaultSeed: string): Config {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw argsError(e as Error);
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
  const cmd = values.help ? "help" : values.version ? "version" : (positional[0] ?? "serve");
  if (!COMMANDS.includes(cmd)) {
    throw new ConfigError(`unknown command "${cmd}"${didYouMean(cmd, COMMANDS)}; the commands are ${COMMANDS.join(", ")}`);
  }
  const cliCmd = cliCommand(cmd);
  if (!cliCmd && cmd !== "help" && cmd !== "version") {
    if (positional.length > 1) throw new ConfigError(`unexpected arguments: ${positional.slice(1).join(" ")}`);
    const cliOnly = [SETTINGS.url.flag, ...Object.keys(CLI_FLAGS)].find((f) => values[f] !== undefined);
    if (cliOnly) throw new ConfigError(`option --${cliOnly} is for the commands that call a running server, not for ${cmd}`);
  }
  const cli = cliCmd ? cliOptions(cliCmd, positional.slice(1), values, pick) : undefined;

  const portText = pick("port") as string;
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) {
    throw new ConfigError(`--port / LARKSTATUS_PORT must be an integer 0-65535, got "${portText}"`);
  }
  const db = pick("db") as string;
  const isSqlite = db.startsWith("sqlite:") && db !== "sqlite:";
  const isPostgres = /^postgres(ql)?:\/\/./.test(db);
  if (!isSqlite && !isPostgres) {
    throw new ConfigError(`--db / LARKSTATUS_DB must be sqlite:PATH, sqlite::memory: or postgres://..., got "${db}"`);
  }
  const poolText = pick("dbPool") as string;
  const dbPool = Number(poolText);
  if (!/^[0-9]+$/.test(poolText) || dbPool < 1 || dbPool > 1000) {
    throw new ConfigError(`--db-pool / LARKSTATUS_DB_POOL must be an integer 1-1000, got "${poolText}"`);
  }
  const redis = pick("redis");
  if (redis !== undefined && !/^rediss?:\/\/./.test(redis)) {
    throw new ConfigError(`--redis / LARKSTATUS_REDIS must be redis://HOST:PORT (or rediss://), got "${redis}"`);
  }
  const rateLimit = pick("rateLimit") as string;
  if (rateLimit !== "vendor" && rateLimit !== "off") {
    throw new ConfigError(`--rate-limit / LARKSTATUS_RATE_LIMIT must be vendor or off, got "${rateLimit}"`);
  }
  const logLevel = pick("logLevel") as string;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level / LARKSTATUS_LOG_LEVEL must be one of ${LOG_LEVELS.join("|")}, got "${logLevel}"`);
  }
  const adminToken = pick("adminToken");
  if (adminToken !== undefined && !ADMIN_TOKEN_RE.test(adminToken)) {
    throw new ConfigError("--admin-token / LARKSTATUS_ADMIN_TOKEN must be 16-256 visible ASCII characters (no spaces)");
  }
  const graceText = pick("shutdownGrace") as string;
  const shutdownGraceMs = parseDuration(graceText);
  if (shutdownGraceMs === undefined || shutdownGraceMs > SHUTDOWN_GRACE_MAX_MS) {
    throw new ConfigError(
      `--shutdown-grace / LARKSTATUS_SHUTDOWN_GRACE must be a duration such as 5s, 500ms or 0 (at most 3600s), got "${graceText}"`,
    );
  }
  const retentionText = pick("auditRetention") as string;
  const auditRetentionMs = parseDuration(retentionText);
  if (auditRetentionMs === undefined || auditRetentionMs < AUDIT_RETENTION_MIN_MS || auditRetentionMs > AUDIT_RETENTION_MAX_MS) {
    throw new ConfigError(
      `--audit-retention / LARKSTATUS_AUDIT_RETENTION must be a duration such as 30d, 12h or 90m (1s to 3650d), got "${retentionText}"`,
    );
  }
  const emulatorText = pick("emulator") ?? (isSqlite ? "on" : "off");
  if (emulatorText !== "on" && emulatorText !== "off") {
    throw new ConfigError(`--emulator / LARKSTATUS_EMULATOR must be on or off, got "${emulatorText}"`);
  }
  const journalText = pick("journalSize") as string;
  const journalSize = Number(journalText);
  if (!/^[0-9]+$/.test(journalText) || journalSize > JOURNAL_SIZE_MAX) {
    throw new ConfigError(
      `--journal-size / LARKSTATUS_JOURNAL_SIZE must be an integer 0-${JOURNAL_SIZE_MAX}, got "${journalText}"`,
    );
  }
  const portFile = pick("portFile");
  return Object.freeze({
    command: cmd,
    port,
    host: pick("host") as string,
    db,
    dbPool,
    redis,
    seed: pick("seed"),
    defaultSeed,
    rateLimit,
    logLevel: logLevel as Config["logLevel"],
    shutdownGraceMs,
    adminToken,
    auditRetentionMs,
    emulator: emulatorText === "on",
    journalSize,
    portFile,
    cli,
  });
}

/** The options of CLI command `cmd`: its arguments counted and checked, only the flags it takes. */
function cliOptions(
  cmd: NonNullable<ReturnType<typeof cliCommand>>,
  args: string[],
  values: Record<string, string | boolean | undefined>,
  pick: (key: keyof typeof SETTINGS) => string | undefined,
): CliOptions {
  const usage = `usage: larkstatus ${[cmd.name, ...cmd.args].join(" ")}`;
  // An optional argument is written `[NAME]`, after the required ones.
  const required = cmd.args.filter((a) => !a.startsWith("[")).length;
  if (args.length < required || args.length > cmd.args.length) {
    const what =
      args.length < required
        ? `${cmd.name} needs ${cmd.args.slice(args.length, required).join(" ")}`
        : `unexpected arguments: ${args.slice(cmd.args.length).join(" ")}`;
    throw new ConfigError(`${what} (${usage})`);
  }
  const serverFlag = (Object.keys(SETTINGS) as Array<keyof typeof SETTINGS>)
    .filter((k) => !(CLI_SETTINGS as readonly string[]).includes(k))
    .map((k) => SETTINGS[k].flag)
    .find((f) => values[f] !== undefined);
  if (serverFlag) throw new ConfigError(`option --${serverFlag} is for serve, not for ${cmd.name}`);
  const takes: readonly string[] = cmd.flags ?? [];
  const stray = (Object.keys(CLI_FLAGS) as Array<keyof typeof CLI_FLAGS>).find(
    (f) => f !== "json" && values[f] !== undefined && !takes.includes(f),
  );
  if (stray) {
    throw new ConfigError(
      `option --${stray} does not apply to ${cmd.name}${takes.length ? ` (it takes ${takes.map((f) => `--${f}`).join(", ")})` : ""}`,
    );
  }
  const problem = cmd.check?.(args);
  if (problem) throw new ConfigError(`${problem} (${usage})`);
  const str = (f: string) => values[f] as string | undefined;
  let limit: number | undefined;
  const limitText = str("limit");
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!/^[0-9]+$/.test(limitText) || limit < 1 || limit > CLI_LIMIT_MAX) {
      throw new ConfigError(`--limit must be an integer 1-${CLI_LIMIT_MAX}, got "${limitText}"`);
    }
  }
  const url = pick("url");
  if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) {
    throw new ConfigError(`--url / LARKSTATUS_URL must be http://HOST:PORT (or https://), got "${url}"`);
  }
  const filters: CliOptions["filters"] = {};
  for (const f of ["tenant", "user", "status", "app", "op", "since", "until"] as const) {
    const v = str(f);
    if (v !== undefined) filters[f] = v;
  }
  return Object.freeze({
    args: Object.freeze([...args]),
    url,
    json: values.json === true,
    limit,
    cursor: str("cursor"),
    follow: values.follow === true,
    filters: Object.freeze(filters),
  });
}
