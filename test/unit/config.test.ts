import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.js";

const SEED = "/srv/examples/seed.yaml";

function configError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(argv, env, SEED);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.name, "ConfigError");
    return e.message;
  }
  assert.fail(`expected loadConfig(${JSON.stringify(argv)}) to throw`);
}

describe("loadConfig", () => {
  test("defaults", () => {
    assert.deepEqual(
      { ...loadConfig([], {}, SEED) },
      {
        command: "serve",
        port: 3000,
        host: "127.0.0.1",
        db: "sqlite:./data/larkstatus.db",
        dbPool: 10,
        redis: undefined,
        seed: undefined,
        defaultSeed: SEED,
        rateLimit: "vendor",
        logLevel: "info",
        shutdownGraceMs: 5000,
        adminToken: undefined,
        auditRetentionMs: 30 * 86_400_000,
        emulator: true,
        journalSize: 1000,
        portFile: undefined,
        cli: undefined,
      },
    );
  });

  test("the result is frozen", () => {
    assert.ok(Object.isFrozen(loadConfig([], {}, SEED)));
  });

  test("flags set every setting", () => {
    const c = loadConfig(
      [
        "serve",
        "--port",
        "8080",
        "--host",
        "0.0.0.0",
        "--db",
        "postgres://u:p@127.0.0.1:5432/larkstatus",
        "--db-pool",
        "4",
        "--redis",
        "redis://127.0.0.1:6379",
        "--seed",
        "s.json",
        "--rate-limit",
        "off",
        "--log-level",
        "debug",
        "--shutdown-grace",
        "2s",
        "--audit-retention",
        "12h",
        "--emulator",
        "on",
        "--journal-size",
        "50",
        "--port-file",
        "url.txt",
      ],
      {},
      SEED,
    );
    assert.deepEqual(
      { ...c },
      {
        command: "serve",
        port: 8080,
        host: "0.0.0.0",
        db: "postgres://u:p@127.0.0.1:5432/larkstatus",
        dbPool: 4,
        redis: "redis://127.0.0.1:6379",
        seed: "s.json",
        defaultSeed: SEED,
        rateLimit: "off",
        logLevel: "debug",
        shutdownGraceMs: 2000,
        adminToken: undefined,
        auditRetentionMs: 12 * 3_600_000,
        emulator: true,
        journalSize: 50,
        portFile: "url.txt",
        cli: undefined,
      },
    );
  });

  test("environment twins set every setting", () => {
    const c = loadConfig(
      [],
      {
        LARKSTATUS_PORT: "4000",
        LARKSTATUS_HOST: "::1",
        LARKSTATUS_DB: "sqlite:/tmp/x.db",
        LARKSTATUS_SEED: "env.yaml",
        LARKSTATUS_RATE_LIMIT: "off",
        LARKSTATUS_LOG_LEVEL: "warn",
      },
      SEED,
    );
    assert.equal(c.port, 4000);
    assert.equal(c.host, "::1");
    assert.equal(c.db, "sqlite:/tmp/x.db");
    assert.equal(c.seed, "env.yaml");
    assert.equal(c.rateLimit, "off");
    assert.equal(c.logLevel, "warn");
  });

  test("flags beat their environment twins", () => {
    const c = loadConfig(
      ["--port=5000", "--host=h-flag", "--db=sqlite:flag.db", "--seed=flag.yaml", "--rate-limit=vendor", "--log-level=error"],
      {
        LARKSTATUS_PORT: "4000",
        LARKSTATUS_HOST: "h-env",
        LARKSTATUS_DB: "sqlite:env.db",
        LARKSTATUS_SEED: "env.yaml",
        LARKSTATUS_RATE_LIMIT: "off",
        LARKSTATUS_LOG_LEVEL: "warn",
      },
      SEED,
    );
    assert.equal(c.port, 5000);
    assert.equal(c.host, "h-flag");
    assert.equal(c.db, "sqlite:flag.db");
    assert.equal(c.seed, "flag.yaml");
    assert.equal(c.rateLimit, "vendor");
    assert.equal(c.logLevel, "error");
  });

  test("--emulator: on by default with SQLite, off with PostgreSQL; either way when asked; anything else refused", () => {
    assert.equal(loadConfig(["--db", "sqlite::memory:"], {}, SEED).emulator, true);
    assert.equal(loadConfig(["--db", "postgres://u:p@h:5432/d"], {}, SEED).emulator, false);
    assert.equal(loadConfig(["--db", "postgres://u:p@h:5432/d", "--emulator", "on"], {}, SEED).emulator, true);
    assert.equal(loadConfig([], { LARKSTATUS_EMULATOR: "off" }, SEED).emulator, false);
    assert.throws(() => loadConfig(["--emulator", "yes"], {}, SEED), {
      name: "ConfigError",
      message: '--emulator / LARKSTATUS_EMULATOR must be on or off, got "yes"',
    });
  });

  test("--journal-size: 0 to 100,000", () => {
    assert.equal(loadConfig(["--journal-size", "0"], {}, SEED).journalSize, 0);
    assert.equal(loadConfig([], { LARKSTATUS_JOURNAL_SIZE: "100000" }, SEED).journalSize, 100_000);
    for (const bad of ["-1", "100001", "1e3", "ten"]) {
      assert.throws(() => loadConfig([`--journal-size=${bad}`], {}, SEED), {
        name: "ConfigError",
        message: `--journal-size / LARKSTATUS_JOURNAL_SIZE must be an integer 0-100000, got "${bad}"`,
      });
    }
  });

  test("an empty environment variable counts as unset", () => {
    const c = loadConfig([], { LARKSTATUS_PORT: "", LARKSTATUS_DB: "" }, SEED);
    assert.equal(c.port, 3000);
    assert.equal(c.db, "sqlite:./data/larkstatus.db");
  });

  test("unrelated environment variables are ignored", () => {
    assert.equal(loadConfig([], { PORT: "9999", HOST: "x" }, SEED).port, 3000);
  });

  test("port 0 (pick a free port) and 65535 are accepted", () => {
    assert.equal(loadConfig(["--port", "0"], {}, SEED).port, 0);
    assert.equal(loadConfig(["--port", "65535"], {}, SEED).port, 65535);
  });

  test("commands: version, --version, -v; --help after a command", () => {
    assert.equal(loadConfig(["version"], {}, SEED).command, "version");
    assert.equal(loadConfig(["--version"], {}, SEED).command, "version");
    assert.equal(loadConfig(["-v"], {}, SEED).command, "version");
    assert.equal(loadConfig(["serve", "--help"], {}, SEED).command, "help");
    assert.equal(loadConfig(["migrate", "-h"], {}, SEED).command, "help");
  });

  const mistakes: Array<[string[], string]> = [
    [["--prot", "3"], 'unknown option --prot (did you mean --port?); "larkstatus help" lists the options'],
    [["--ratelimit", "off"], 'unknown option --ratelimit (did you mean --rate-limit?); "larkstatus help" lists the options'],
    [["--db-pol=3"], 'unknown option --db-pol (did you mean --db-pool?); "larkstatus help" lists the options'],
    [["--seeed", "x.yaml"], 'unknown option --seeed (did you mean --seed?); "larkstatus help" lists the options'],
    [["--frobnicate"], 'unknown option --frobnicate; "larkstatus help" lists the options'],
    [["--port"], "option --port needs a value, e.g. --port VALUE"],
    [["--help=yes"], "option --help takes no value"],
    [
      ["serv"],
      'unknown command "serv" (did you mean "serve"?); the commands are serve, migrate, help, version, tenants, apps, users, user-status, sync, import-users, audit, rotate-secret, reset, snapshot, clock, journal, faults',
    ],
    [
      ["launch"],
      'unknown command "launch"; the commands are serve, migrate, help, version, tenants, apps, users, user-status, sync, import-users, audit, rotate-secret, reset, snapshot, clock, journal, faults',
    ],
    [
      ["user-staus", "t", "u"],
      'unknown command "user-staus" (did you mean "user-status"?); the commands are serve, migrate, help, version, tenants, apps, users, user-status, sync, import-users, audit, rotate-secret, reset, snapshot, clock, journal, faults',
    ],
    [
      ["tenant"],
      'unknown command "tenant" (did you mean "tenants"?); the commands are serve, migrate, help, version, tenants, apps, users, user-status, sync, import-users, audit, rotate-secret, reset, snapshot, clock, journal, faults',
    ],
  ];
  for (const [argv, message] of mistakes) {
    test(`a mistake says what was wrong and the closest flag: ${argv.join(" ")}`, () => {
      assert.equal(configError(argv), message);
    });
  }

  test("commands: migrate, help, --help, -h", () => {
    assert.equal(loadConfig(["migrate"], {}, SEED).command, "migrate");
    assert.equal(loadConfig(["migrate", "--db", "sqlite:m.db"], {}, SEED).db, "sqlite:m.db");
    assert.equal(loadConfig(["help"], {}, SEED).command, "help");
    assert.equal(loadConfig(["--help"], {}, SEED).command, "help");
    assert.equal(loadConfig(["-h"], {}, SEED).command, "help");
    assert.equal(loadConfig(["serve"], {}, SEED).command, "serve");
  });

  const invalid: Array<[string, string[], NodeJS.ProcessEnv, RegExp[]]> = [
    ["non-numeric port flag", ["--port", "abc"], {}, [/--port/, /abc/]],
    ["port above 65535", ["--port", "65536"], {}, [/--port/, /65536/]],
    ["negative port", ["--port=-1"], {}, [/--port/, /-1/]],
    ["fractional port", ["--port", "80.5"], {}, [/--port/]],
    ["empty port flag", ["--port="], {}, [/--port/]],
    ["invalid port from the environment", [], { LARKSTATUS_PORT: "http" }, [/LARKSTATUS_PORT/, /http/]],
    ["postgres-less db scheme", ["--db", "mysql://x"], {}, [/--db/, /mysql:\/\/x/]],
    ["a db pool of 0", ["--db-pool", "0"], {}, [/--db-pool/, /"0"/]],
    ["a db pool that is not a number", [], { LARKSTATUS_DB_POOL: "many" }, [/LARKSTATUS_DB_POOL/, /many/]],
    ["a redis URL without the scheme", ["--redis", "127.0.0.1:6379"], {}, [/--redis/, /127\.0\.0\.1:6379/]],
    ["db without a path", ["--db", "sqlite:"], {}, [/--db/]],
    ["db as a bare path", ["--db", "./data/x.db"], {}, [/--db/]],
    ["invalid db from the environment", [], { LARKSTATUS_DB: "nope" }, [/LARKSTATUS_DB/]],
    ["rate limit", ["--rate-limit", "strict"], {}, [/--rate-limit/, /strict/]],
    ["rate limit from the environment", [], { LARKSTATUS_RATE_LIMIT: "on" }, [/LARKSTATUS_RATE_LIMIT/]],
    ["log level", ["--log-level", "verbose"], {}, [/--log-level/, /verbose/]],
    ["log level from the environment", [], { LARKSTATUS_LOG_LEVEL: "INFO" }, [/LARKSTATUS_LOG_LEVEL/]],
    ["unknown flag", ["--frobnicate", "1"], {}, [/--frobnicate/]],
    ["unknown command", ["launch"], {}, [/launch/]],
    ["extra positional argument", ["serve", "now"], {}, [/now/]],
    ["flag without its value", ["--port"], {}, [/--port/]],
  ];
  for (const [name, argv, env, patterns] of invalid) {
    test(`invalid: ${name} → ConfigError naming it`, () => {
      const msg = configError(argv, env);
      for (const p of patterns) assert.match(msg, p);
    });
  }

  test("a flag's invalid value is reported even when its env twin is valid", () => {
    assert.match(configError(["--port", "x"], { LARKSTATUS_PORT: "3000" }), /--port/);
  });

  test("a valid flag hides an invalid env twin", () => {
    assert.equal(loadConfig(["--port", "1234"], { LARKSTATUS_PORT: "bad" }, SEED).port, 1234);
  });
});

describe("loadConfig: the commands for a running server", () => {
  test("a CLI command: its arguments, the common flags, and the environment twins of --url and --admin-token", () => {
    const c = loadConfig(
      ["user-status", "a1b2c3d4e5f60718", "u001", "--json", "--db", "sqlite:/srv/x.db"],
      { LARKSTATUS_URL: "http://127.0.0.1:4000", LARKSTATUS_ADMIN_TOKEN: "t".repeat(20) },
      SEED,
    );
    assert.equal(c.command, "user-status");
    assert.equal(c.db, "sqlite:/srv/x.db");
    assert.equal(c.adminToken, "t".repeat(20));
    assert.deepEqual(
      { ...c.cli },
      {
        args: ["a1b2c3d4e5f60718", "u001"],
        url: "http://127.0.0.1:4000",
        json: true,
        limit: undefined,
        cursor: undefined,
        follow: false,
        filters: {},
      },
    );
    assert.equal(loadConfig(["tenants", "--url", "http://h:1"], { LARKSTATUS_URL: "http://env:2" }, SEED).cli?.url, "http://h:1");
    assert.equal(loadConfig(["tenants"], {}, SEED).cli?.url, undefined);
  });

  test("audit takes its filters, --limit, --cursor and --follow", () => {
    const c = loadConfig(
      ["audit", "--tenant", "t1", "--user", "u1", "--op", "user.sync", "--since", "2h", "--limit", "5", "--follow"],
      {},
      SEED,
    );
    assert.deepEqual(c.cli?.filters, { tenant: "t1", user: "u1", op: "user.sync", since: "2h" });
    assert.equal(c.cli?.limit, 5);
    assert.equal(c.cli?.follow, true);
  });

  test("an optional argument ([TENANT] of apps) may be given or left out", () => {
    assert.deepEqual(loadConfig(["apps"], {}, SEED).cli?.args, []);
    assert.deepEqual(loadConfig(["apps", "t1"], {}, SEED).cli?.args, ["t1"]);
  });

  const mistakes: Array<[string[], string]> = [
    [["user-status", "t"], "user-status needs USER (usage: larkstatus user-status TENANT USER)"],
    [["apps", "t1", "t2"], "unexpected arguments: t2 (usage: larkstatus apps [TENANT])"],
    [["users"], "users needs TENANT (usage: larkstatus users TENANT)"],
    [["tenants", "extra"], "unexpected arguments: extra (usage: larkstatus tenants)"],
    [
      ["sync", "t", "u", "7101214603622940001", "of"],
      'the last argument of sync must be on or off, got "of" (usage: larkstatus sync TENANT USER STATUS on|off)',
    ],
    [["tenants", "--follow"], "option --follow does not apply to tenants (it takes --limit, --cursor)"],
    [["user-status", "t", "u", "--limit", "3"], "option --limit does not apply to user-status"],
    [["tenants", "--port", "3000"], "option --port is for serve, not for tenants"],
    [["tenants", "--limit", "0"], '--limit must be an integer 1-1000000, got "0"'],
    [
      ["tenants", "--url", "127.0.0.1:3000"],
      '--url / LARKSTATUS_URL must be http://HOST:PORT (or https://), got "127.0.0.1:3000"',
    ],
    [["serve", "--json"], "option --json is for the commands that call a running server, not for serve"],
    [["--url", "http://h:1"], "option --url is for the commands that call a running server, not for serve"],
    [["migrate", "--follow"], "option --follow is for the commands that call a running server, not for migrate"],
  ];
  for (const [argv, message] of mistakes) {
    test(`refused with what was wrong: ${argv.join(" ")}`, () => {
      assert.equal(configError(argv), message);
    });
  }

  test("LARKSTATUS_URL in the environment does not bother serve", () => {
    assert.equal(loadConfig([], { LARKSTATUS_URL: "http://h:1" }, SEED).command, "serve");
  });
});
