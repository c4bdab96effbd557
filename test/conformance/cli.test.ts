/**
 * The CLI (`larkstatus <command>`) as a child process against a real server process: it finds the
 * server and its admin token beside the SQLite file by itself (the discovery file the server
 * writes), prints aligned tables or --json, names what was wrong and exits 1, and says how to start
 * a server when none runs.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, type ServerProcess, startServerProcess, tempDb } from "./server-process.js";

const MAIN = join(ROOT, "src", "main.ts");
const SEED = join(ROOT, "test", "fixtures", "seed.yaml");
const ACME = "a1b2c3d4e5f60718";
const TRIP = "7101214603622940001";
const LEAVE = "7101214603622940002";
const APP = { app_id: "cli_a1b2c3d4e5f60718", app_secret: "acme-secret" };

/** Temporary directories of this file, removed at the end. */
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh SQLite URL in a directory removed at the end. */
function freshDb(): string {
  const db = tempDb();
  dirs.push(dirname(db.slice("sqlite:".length)));
  return db;
}

/** A one-line NDJSON file (one line is also a JSON document, so the body parses whatever the route). */
function ndjsonFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "larkstatus-cli-"));
  dirs.push(dir);
  const file = join(dir, "users.ndjson");
  writeFileSync(file, '{"user_id":"x1","name":"X"}\n');
  return file;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `larkstatus ...args` (the current source, through tsx) and waits for it to exit. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LARKSTATUS_")));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: ROOT,
      env: { ...clean, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`larkstatus ${args.join(" ")} did not exit in 30 s:\n${stdout}\n${stderr}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** Waits until a process with this pid is gone (reaped). */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    assert.ok(Date.now() < deadline, `pid ${pid} still exists`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens `status` for users through the vendor API, each for `seconds`. */
async function openVia(url: string, status: string, users: string[], seconds: number): Promise<string[]> {
  const tok = (await (
    await fetch(`${url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(APP),
    })
  ).json()) as { tenant_access_token: string };
  const end = String(Math.floor(Date.now() / 1000) + seconds);
  const res = await fetch(`${url}/open-apis/personal_settings/v1/system_statuses/${status}/batch_open?user_id_type=user_id`, {
    method: "POST",
    headers: { authorization: `Bearer ${tok.tenant_access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ user_list: users.map((user_id) => ({ user_id, end_time: end })) }),
  });
  const body = (await res.json()) as { data: { result_list: Array<{ result: string }> } };
  return body.data.result_list.map((r) => r.result);
}

describe("the CLI against a running server", () => {
  let db: string;
  let server: ServerProcess;
  const withDb = (...args: string[]) => [...args, "--db", db];

  before(async () => {
    db = freshDb();
    server = await startServerProcess(["--db", db, "--seed", SEED]);
  });
  after(async () => {
    await server?.stop();
  });

  test("the server writes <db>.server.json (0600) beside <db>.admin-token, naming its URL and pid", () => {
    const file = `${db.slice("sqlite:".length)}.server.json`;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const d = JSON.parse(readFileSync(file, "utf8")) as { url: string; pid: number; version: string; started_at: string };
    assert.equal(d.url, server.url);
    assert.equal(d.pid, server.child.pid);
    assert.match(d.started_at, /^\d{4}-\d\d-\d\dT/);
  });

  test("tenants: an aligned table, found from --db alone", async () => {
    const r = await cli(withDb("tenants"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "TENANT_KEY        NAME     API_ENABLED  SENSITIVE_WORDS",
        "00000000000000c4  Initech  no           -",
        "0f1e2d3c4b5a6978  Globex   yes          -",
        "a1b2c3d4e5f60718  Acme     yes          forbidden,机密",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "");
  });

  test("tenants --json: the admin API's list, and --limit pages it with a cursor to continue", async () => {
    const r = await cli(withDb("tenants", "--json"));
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { items: Array<{ tenant_key: string }>; next_cursor?: string };
    assert.deepEqual(
      body.items.map((t) => t.tenant_key),
      ["00000000000000c4", "0f1e2d3c4b5a6978", ACME],
    );
    assert.equal(body.next_cursor, undefined);
    const first = await cli(withDb("tenants", "--limit", "2"));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split("\n").length, 3, "a header and two rows");
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const rest = await cli(withDb("tenants", "--cursor", cursor, "--json"));
    assert.deepEqual(
      (JSON.parse(rest.stdout) as { items: Array<{ tenant_key: string }> }).items.map((t) => t.tenant_key),
      [ACME],
    );
  });

  test("user-status: what shows, every row and the toggles, as tables and as --json", async () => {
    assert.deepEqual(await openVia(server.url, LEAVE, ["u004"], 7200), ["success_show"]);
    assert.deepEqual(await openVia(server.url, TRIP, ["u004"], 3600), ["success_show"]);
    const r = await cli(withDb("user-status", ACME, "u004"));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(
      lines[0] as string,
      /^u004 \(Di Park\) of tenant a1b2c3d4e5f60718 shows 出差 \/ Business trip \/ 出張中 \[7101214603622940001, priority 1\] until \S+Z, opened by cli_a1b2c3d4e5f60718 \(at \S+Z\)$/,
    );
    assert.equal(lines[2], "STATUS               TITLE  OPEN  EXPIRED  SYNC  SHOWN  END                   OPENED_BY");
    assert.match(lines[3] as string, /^7101214603622940001 {2}出差 {3}yes {3}no {7}on {4}yes {4}\S+Z {2}cli_a1b2c3d4e5f60718$/);
    assert.match(lines[4] as string, /^7101214603622940002 {2}请假 {3}yes {3}no {7}on {4}no {5}\S+Z {2}cli_a1b2c3d4e5f60718$/);
    assert.deepEqual(lines.slice(6), [
      "AUTO_OPEN            TITLE  SYNC  SET_BY",
      "7101214603622940001  出差   on    default",
      "7101214603622940002  请假   on    default",
      "",
    ]);
    const j = await cli(withDb("user-status", ACME, "u004", "--json"));
    assert.equal(j.code, 0, j.stderr);
    const v = JSON.parse(j.stdout) as { user_id: string; shown: { system_status_id: string }; statuses: unknown[] };
    assert.equal(v.user_id, "u004");
    assert.equal(v.shown.system_status_id, TRIP);
    assert.equal(v.statuses.length, 2);
  });

  test("sync off: the new view at once, and the next open answers success_user_close_syn; on again", async () => {
    assert.deepEqual(await openVia(server.url, TRIP, ["u005"], 3600), ["success_show"]);
    const off = await cli(withDb("sync", ACME, "u005", TRIP, "off"));
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stderr, `auto open of ${TRIP} for u005: off\n`);
    assert.match(off.stdout, /^u005 \(Ed Sato\) of tenant a1b2c3d4e5f60718 shows no status/);
    assert.match(off.stdout, /\n7101214603622940001 {2}出差 {3}off {3}user\n/);
    assert.deepEqual(await openVia(server.url, TRIP, ["u005"], 3600), ["success_user_close_syn"]);
    const on = await cli(withDb("sync", ACME, "u005", TRIP, "on", "--json"));
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.stderr, "", "--json prints no note");
    assert.equal((JSON.parse(on.stdout) as { shown: { system_status_id: string } }).shown.system_status_id, TRIP);
    assert.deepEqual(await openVia(server.url, TRIP, ["u005"], 3600), ["success_show"]);
  });

  const refusals: Array<[string, string[], RegExp]> = [
    ["an unknown user", ["user-status", ACME, "nobody"], /^larkstatus: no user "nobody"\n$/],
    ["an unknown tenant", ["user-status", "ffffffffffffffff", "u001"], /^larkstatus: no tenant "ffffffffffffffff"\n$/],
    [
      "an unknown status",
      ["sync", ACME, "u001", "7101214603622949999", "off"],
      /^larkstatus: no system status "7101214603622949999"\n$/,
    ],
    [
      "a malformed user id",
      ["user-status", ACME, "not.an.id"],
      /^larkstatus: user_id must match pattern .* \(field user_id\)\n$/,
    ],
    [
      "a malformed status id",
      ["sync", ACME, "u001", "7101", "off"],
      /^larkstatus: system_status_id must match pattern .* \(field system_status_id\)\n$/,
    ],
  ];
  for (const [name, args, stderr] of refusals) {
    test(`${name}: the server's detail and field on stderr, exit 1, nothing on stdout`, async () => {
      const r = await cli(withDb(...args));
      assert.equal(r.code, 1);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, "");
    });
  }

  test("--json: a refusal is one JSON line on stderr holding the problem document", async () => {
    const r = await cli(withDb("user-status", ACME, "nobody", "--json"));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const e = JSON.parse(r.stderr) as { error: string; problem: { status: number; type: string; detail: string } };
    assert.equal(e.error, 'no user "nobody"');
    assert.equal(e.problem.status, 404);
    assert.equal(e.problem.type, "urn:larkstatus:problem:not-found");
  });

  test("a wrong admin token (LARKSTATUS_ADMIN_TOKEN) is a 401 that says where the right one is", async () => {
    const r = await cli(withDb("tenants"), { LARKSTATUS_ADMIN_TOKEN: "lsa_not-the-token-0000000000" });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^larkstatus: the server refused the admin token from --admin-token \(401: .*\); .*<db>\.admin-token\n$/,
    );
  });

  test("--url and LARKSTATUS_URL override the discovery file; a closed port says how to start a server", async () => {
    const token = readFileSync(`${db.slice("sqlite:".length)}.admin-token`, "utf8").trim();
    const ok = await cli(["tenants", "--json", "--url", server.url], {
      LARKSTATUS_ADMIN_TOKEN: token,
      LARKSTATUS_DB: "sqlite::memory:",
    });
    assert.equal(ok.code, 0, ok.stderr);
    const port = await closedPort();
    const closed = await cli(withDb("tenants"), { LARKSTATUS_URL: `http://127.0.0.1:${port}` });
    assert.equal(closed.code, 1);
    assert.match(
      closed.stderr,
      new RegExp(`^larkstatus: no larkstatus server answers at http://127\\.0\\.0\\.1:${port} \\(connection refused\\)`),
    );
    assert.match(
      closed.stderr,
      /: start one with `npx larkstatus` \(or `npm start`\), or point --url \/ LARKSTATUS_URL at one\n$/,
    );
  });

  // NOTE: the audit endpoint is built on another branch; until it lands here, its error path is
  // what is tested. The other commands run against the real endpoints (below).
  const missing: Array<[string[], string]> = [[["audit", "--user", "u001", "--tenant", ACME], "GET /admin/v1/audit"]];
  for (const [args, route] of missing) {
    test(`${args[0]}: without its endpoint on this server, says which one is missing and exits 1`, async () => {
      const r = await cli(withDb(...args));
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `larkstatus: the server at ${server.url} has no ${route}: a larkstatus without this command's endpoint (an older one?)\n`,
      );
    });
  }

  test("import-users: a file that cannot be read is refused before anything is sent", async () => {
    const r = await cli(withDb("import-users", ACME, join(ROOT, "no-such-file.ndjson")));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^larkstatus: import-users: cannot read .*no-such-file\.ndjson: no such file\n$/);
  });
});

describe("the CLI without a running server", () => {
  test("no discovery file: says no server runs on that --db and how to start one", async () => {
    const db = freshDb();
    const r = await cli(["tenants", "--db", db]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `larkstatus: no larkstatus server is running on ${db} (no ${db.slice("sqlite:".length)}.server.json): start one with \`npx larkstatus\` (or \`npm start\`), or point --url / LARKSTATUS_URL at one\n`,
    );
  });

  test("a clean shutdown removes the discovery file; a killed server's stale file is recognised", async () => {
    const db = freshDb();
    const file = `${db.slice("sqlite:".length)}.server.json`;
    const clean = await startServerProcess(["--db", db]);
    assert.ok(existsSync(file));
    assert.equal(await clean.stop(), 0);
    assert.equal(existsSync(file), false, "removed on a clean shutdown");

    const killed = await startServerProcess(["--db", db]);
    const pid = killed.child.pid as number;
    const exited = new Promise((r) => killed.child.once("exit", r));
    killed.child.kill("SIGKILL");
    await exited;
    await gone(pid);
    assert.ok(existsSync(file), "a SIGKILL leaves it behind");
    const r = await cli(["tenants", "--db", db]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`^larkstatus: the larkstatus server recorded in .*server\\.json \\(pid ${pid}\\) is not running`),
    );
    // The next start replaces it.
    const again = await startServerProcess(["--db", db]);
    try {
      assert.equal((JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid, again.child.pid);
      assert.equal((await cli(["tenants", "--db", db, "--json"])).code, 0);
    } finally {
      await again.stop();
    }
  });

  test("usage mistakes: a did-you-mean for a mistyped command, the usage line for a missing argument", async () => {
    const typo = await cli(["user-staus", ACME, "u001"]);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^larkstatus: unknown command "user-staus" \(did you mean "user-status"\?\); the commands are /);
    const short = await cli(["sync", ACME, "u001", TRIP]);
    assert.equal(short.code, 1);
    assert.equal(short.stderr, "larkstatus: sync needs on|off (usage: larkstatus sync TENANT USER STATUS on|off)\n");
  });

  test("help lists the commands for a running server", async () => {
    const r = await cli(["help"]);
    assert.equal(r.code, 0);
    for (const usage of [
      "larkstatus tenants",
      "larkstatus user-status TENANT USER",
      "larkstatus sync TENANT USER STATUS on|off",
      "larkstatus import-users TENANT FILE",
      "larkstatus audit",
      "larkstatus rotate-secret APP",
    ]) {
      assert.ok(r.stdout.includes(usage), usage);
    }
  });
});
