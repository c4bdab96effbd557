/**
 * The CLI (`larkstatus <command>`) as a child process against a real server process: it finds the
 * server and its admin token beside the SQLite file by itself (the discovery file the server
 * writes), prints aligned tables or --json, names what was wrong and exits 1, and says how to start
 * a server when none runs.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LARKSTATUS, ROOT, type ServerProcess, startServerProcess, tempDb } from "./server-process.js";

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

/** An NDJSON file of these lines, in a directory removed at the end. */
function ndjsonFile(lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "larkstatus-cli-"));
  dirs.push(dir);
  const file = join(dir, "users.ndjson");
  writeFileSync(file, lines.map((l) => `${l}\n`).join(""));
  return file;
}

/** `n` users as import lines: imp00000 "User 0", ... */
function importLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ user_id: `imp${String(i).padStart(5, "0")}`, name: `User ${i}` }));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: this one without LARKSTATUS_*, plus `env`. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LARKSTATUS_")));
  return { ...clean, ...env };
}

/**
 * Runs `larkstatus ...args` (the current source, built: see server-process.ts) and waits for it to exit; `stdin`
 * is piped in when given.
 */
function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LARKSTATUS, ...args], {
      cwd: ROOT,
      env: cliEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end(stdin ?? "");
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

/** POST tenant_access_token/internal: the vendor's answer body. */
async function tenantToken(
  url: string,
  app_id: string,
  app_secret: string,
): Promise<{ code: number; tenant_access_token?: string }> {
  const res = await fetch(`${url}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ app_id, app_secret }),
  });
  return (await res.json()) as { code: number; tenant_access_token?: string };
}

/** A batch_open of `status` for the user of `openId` with `token`: the vendor's code. */
async function openCode(url: string, token: string, status: string, openId: string): Promise<number> {
  const end = String(Math.floor(Date.now() / 1000) + 600);
  const res = await fetch(`${url}/open-apis/personal_settings/v1/system_statuses/${status}/batch_open?user_id_type=open_id`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ user_list: [{ user_id: openId, end_time: end }] }),
  });
  return ((await res.json()) as { code: number }).code;
}

/** Runs `command` under a pseudo-terminal (`script`), so stdout and stderr are a TTY; answers what the terminal got. */
function onTerminal(command: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env: cliEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} did not exit in 60 s:\n${stdout}`));
    }, 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: "" });
    });
  });
}

/** Whether `script` (util-linux) is there to make a pseudo-terminal. */
const HAVE_SCRIPT = spawnSync("script", ["--version"]).status === 0;

/** A shell word of `s`. */
const sh = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

describe("the CLI against a running server", () => {
  let db: string;
  let server: ServerProcess;
  const withDb = (...args: string[]) => [...args, "--db", db];

  let token: string;
  /** The admin API's answer to GET /admin/v1{path}, with the server's own token. */
  const api = async (path: string, method = "GET", body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${server.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  };

  before(async () => {
    db = freshDb();
    server = await startServerProcess(["--db", db, "--seed", SEED]);
    token = readFileSync(`${db.slice("sqlite:".length)}.admin-token`, "utf8").trim();
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

  test("audit: the filtered log as a table, --json as the admin API answers it; a bad filter names the flag", async () => {
    assert.deepEqual(await openVia(server.url, LEAVE, ["u006", "nobody"], 3600), ["success_show", "invalid_user_id"]);
    const query = `?tenant_key=${ACME}&user_id=u006&op=system_status.batch_open`;
    const expected = (await api(`/audit${query}`)).body as { items: Array<{ at_ms: number; log_id: string }> };
    assert.equal(expected.items.length, 1);
    const entry = expected.items[0] as { at_ms: number; log_id: string };
    const json = await cli(withDb("audit", "--tenant", ACME, "--user", "u006", "--op", "system_status.batch_open", "--json"));
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), expected);
    const table = await cli(withDb("audit", "--tenant", ACME, "--user", "u006", "--op", "system_status.batch_open"));
    assert.equal(table.code, 0, table.stderr);
    const at = new Date(entry.at_ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    assert.equal(
      table.stdout,
      [
        "AT                    OP                        ACTOR  APP                   TENANT            STATUS               RESULTS",
        `${at}  system_status.batch_open  app    cli_a1b2c3d4e5f60718  a1b2c3d4e5f60718  ${LEAVE}  success_show×1 invalid_user_id×1`,
        "",
      ].join("\n"),
    );
    const bad = await cli(withDb("audit", "--since", "yesterday"));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^larkstatus: --since must be Unix milliseconds, an ISO 8601 time or a duration ago/);
    const refused = await cli(withDb("audit", "--user", "not a user id"));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /user_id/);
  });

  test("audit --follow --json: the latest entries, then each change as it is acknowledged, until interrupted (exit 0)", async () => {
    const child = spawn(process.execPath, [...LARKSTATUS, ...withDb("audit", "--follow", "--json", "--limit", "1")], {
      cwd: ROOT,
      env: cliEnv({}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const lines = () => stdout.split("\n").filter(Boolean);
    const until = async (n: number) => {
      const deadline = Date.now() + 15_000;
      while (lines().length < n) {
        if (Date.now() > deadline) throw new Error(`no ${n} lines in 15 s:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await until(1);
      assert.deepEqual(await openVia(server.url, TRIP, ["u006"], 60), ["success_show"]);
      await until(2);
      const sync = await api(`/tenants/${ACME}/users/u006/sync/${TRIP}`, "PUT", { on: true });
      assert.equal(sync.status, 200);
      await until(3);
      child.kill("SIGINT");
      assert.equal(await exited, 0, stderr);
      const ops = lines().map((l) => (JSON.parse(l) as { op: string }).op);
      assert.deepEqual(ops.slice(1), ["system_status.batch_open", "user.sync"]);
      assert.equal(new Set(lines()).size, 3, "no entry is printed twice");
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("users: a table with how many open_ids and union_ids each has; --json is the admin API's list", async () => {
    const r = await cli(withDb("users", ACME));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "USER_ID  NAME     RESIGNED  OPEN_IDS  UNION_IDS",
        "u001     Ann Lee  no        3         1",
        "u002     Bo Chen  yes       3         1",
        "u003     Cy Wu    no        3         1",
        "u004     Di Park  no        3         1",
        "u005     Ed Sato  no        3         1",
        "u006     Fay Ng   no        3         1",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "");
    const j = await cli(withDb("users", ACME, "--json"));
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout), (await api(`/tenants/${ACME}/users?limit=100`)).body);
  });

  test("users --app: each user's open_id for the app and union_id for its developer, as the API has them", async () => {
    const r = await cli(withDb("users", ACME, "--app", APP.app_id, "--limit", "3"));
    assert.equal(r.code, 0, r.stderr);
    const listed = (await api(`/tenants/${ACME}/users?limit=3`)).body as {
      items: Array<{ user_id: string; open_ids: Record<string, string>; union_ids: Record<string, string> }>;
      next_cursor: string;
    };
    assert.deepEqual(r.stdout.split("\n"), [
      "USER_ID  NAME     RESIGNED  OPEN_ID                              UNION_ID",
      ...listed.items.map(
        (u, i) =>
          `${u.user_id}     ${["Ann Lee  no ", "Bo Chen  yes", "Cy Wu    no "][i]}       ${u.open_ids[APP.app_id]}  ${u.union_ids[ACME]}`,
      ),
      "",
    ]);
    // u003's ids are the seed's own.
    assert.match(r.stdout, /\nu003 .* ou_0123456789abcdef0123456789abcdef {2}on_0123456789abcdef0123456789abcdef\n/);
    assert.equal(r.stderr, `more: add --cursor ${listed.next_cursor}\n`);
  });

  test("apps: every app with its tenant; apps TENANT: that tenant's; --json is the admin API's list", async () => {
    const all = await cli(withDb("apps"));
    assert.equal(all.code, 0, all.stderr);
    const full = "personal_settings:status:system_status_update,personal_settings:status:system_status_operate";
    assert.equal(
      all.stdout,
      [
        "APP_ID                TENANT_KEY        ENABLED  VISIBILITY  DEVELOPER         SCOPES",
        "cli_00000000000000b2  a1b2c3d4e5f60718  yes      u001,u003   a1b2c3d4e5f60718  personal_settings:status:system_status_operate",
        `cli_00000000000000c4  00000000000000c4  yes      all         00000000000000c4  ${full}`,
        "cli_00000000000000d3  a1b2c3d4e5f60718  no       all         a1b2c3d4e5f60718  personal_settings:status:system_status_update",
        `cli_0f1e2d3c4b5a6978  0f1e2d3c4b5a6978  yes      all         0f1e2d3c4b5a6978  ${full},contact:user.employee_id:readonly`,
        `cli_a1b2c3d4e5f60718  a1b2c3d4e5f60718  yes      all         a1b2c3d4e5f60718  ${full},contact:user.employee_id:readonly`,
        "",
      ].join("\n"),
    );
    const one = await cli(withDb("apps", ACME));
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout,
      [
        "APP_ID                ENABLED  VISIBILITY  DEVELOPER         SCOPES",
        "cli_00000000000000b2  yes      u001,u003   a1b2c3d4e5f60718  personal_settings:status:system_status_operate",
        "cli_00000000000000d3  no       all         a1b2c3d4e5f60718  personal_settings:status:system_status_update",
        `cli_a1b2c3d4e5f60718  yes      all         a1b2c3d4e5f60718  ${full},contact:user.employee_id:readonly`,
        "",
      ].join("\n"),
    );
    const allJson = await cli(withDb("apps", "--json"));
    assert.deepEqual(JSON.parse(allJson.stdout), (await api("/apps?limit=100")).body);
    const oneJson = await cli(withDb("apps", ACME, "--json"));
    assert.deepEqual(JSON.parse(oneJson.stdout), (await api(`/apps?tenant_key=${ACME}&limit=100`)).body);
    assert.equal((JSON.parse(oneJson.stdout) as { items: unknown[] }).items.length, 3);
  });

  test("rotate-secret: the new secret printed once; the old secret is 10014, its token 99991663, the new secret works", async () => {
    const NARROW = "cli_00000000000000b2";
    // The app has no employee-id scope: it names users by their open_id for it.
    const openId = ((await api(`/tenants/${ACME}/users/u001`)).body as { open_ids: Record<string, string> }).open_ids[
      NARROW
    ] as string;
    const old = await tenantToken(server.url, NARROW, "narrow-secret");
    assert.equal(old.code, 0);
    const r = await cli(withDb("rotate-secret", NARROW));
    assert.equal(r.code, 0, r.stderr);
    const secret = /^app_id {6}cli_00000000000000b2\napp_secret {2}([0-9A-Za-z]{32})\n$/.exec(r.stdout)?.[1];
    assert.ok(secret, r.stdout);
    assert.equal(r.stderr, "the secret is shown this once: store it now; the app's tokens no longer work\n");
    assert.equal((await tenantToken(server.url, NARROW, "narrow-secret")).code, 10014);
    assert.equal(await openCode(server.url, old.tenant_access_token as string, TRIP, openId), 99991663);
    const fresh = await tenantToken(server.url, NARROW, secret);
    assert.equal(fresh.code, 0);
    assert.equal(await openCode(server.url, fresh.tenant_access_token as string, TRIP, openId), 0);
    // --json: the app as the API shows it, with the secret; that one replaces the previous.
    const j = await cli(withDb("rotate-secret", NARROW, "--json"));
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.stderr, "");
    const body = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.deepEqual(body, { ...((await api(`/apps/${NARROW}`)).body as object), app_secret: body.app_secret });
    assert.equal((await tenantToken(server.url, NARROW, secret)).code, 10014);
    assert.equal((await tenantToken(server.url, NARROW, body.app_secret as string)).code, 0);
  });

  describe("import-users", () => {
    const FRESH = "00000000000000f1";
    before(async () => {
      assert.equal((await api("/tenants", "POST", { tenant_key: FRESH, name: "Imports" })).status, 201);
    });

    test("20,000 users from a file: the counts, no progress noise off a terminal, then readable", async () => {
      const r = await cli(withDb("import-users", FRESH, ndjsonFile(importLines(20_000))));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "created  20000\nupdated  0\n");
      assert.equal(r.stderr, "", "no progress when stderr is not a terminal");
      const first = await cli(withDb("users", FRESH, "--limit", "2"));
      assert.equal(
        first.stdout,
        [
          "USER_ID   NAME    RESIGNED  OPEN_IDS  UNION_IDS",
          "imp00000  User 0  no        0         0",
          "imp00001  User 1  no        0         0",
          "",
        ].join("\n"),
      );
      // Past one page of 500: the CLI follows the cursor.
      const many = await cli(withDb("users", FRESH, "--limit", "600", "--json"));
      const page = JSON.parse(many.stdout) as { items: Array<{ user_id: string }>; next_cursor?: string };
      assert.equal(page.items.length, 600);
      assert.equal(page.items[599]?.user_id, "imp00599");
      assert.ok(page.next_cursor);
      assert.deepEqual((await api(`/tenants/${FRESH}/users/imp19999`)).body, {
        tenant_key: FRESH,
        user_id: "imp19999",
        name: "User 19999",
        resigned: false,
        open_ids: {},
        union_ids: {},
      });
    });

    test("- reads standard input; --json prints the API's counts", async () => {
      const lines = [...importLines(3), JSON.stringify({ user_id: "imp-new", name: "New", resigned: true })];
      const r = await cli(withDb("import-users", FRESH, "-", "--json"), {}, `${lines.join("\n")}\n`);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { created: 1, updated: 3 });
      assert.equal(r.stderr, "");
      assert.equal(((await api(`/tenants/${FRESH}/users/imp-new`)).body as { resigned: boolean }).resigned, true);
    });

    test("a bad line: refused naming its line, exit 1, nothing written; --json: the one JSON line", async () => {
      const lines = importLines(10).map((l) => l.replace("imp", "bad"));
      lines[5] = '{"user_id":"bad00005"}';
      const file = ndjsonFile(lines);
      const r = await cli(withDb("import-users", FRESH, file));
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "larkstatus: line 6: name is required\n");
      assert.equal((await api(`/tenants/${FRESH}/users/bad00000`)).status, 404, "nothing written");
      const j = await cli(withDb("import-users", FRESH, file, "--json"));
      assert.equal(j.code, 1);
      assert.equal(j.stdout, "");
      assert.equal(j.stderr.split("\n").length, 2, "one line");
      const e = JSON.parse(j.stderr) as {
        error: string;
        problem: { status: number; errors: Array<{ field: string; message: string }> };
      };
      assert.equal(e.error, "line 6: name is required");
      assert.equal(e.problem.status, 400);
      assert.deepEqual(e.problem.errors, [{ field: "line 6", message: "name is required" }]);
    });

    test(
      "on a terminal: a progress line (bar, bytes, lines, then the wait for the server), and the counts",
      {
        skip: !HAVE_SCRIPT && "no `script` to make a pseudo-terminal",
      },
      async () => {
        const file = ndjsonFile(importLines(20_000));
        const command = [process.execPath, ...LARKSTATUS, "import-users", FRESH, file, "--db", db].map(sh).join(" ");
        const r = await onTerminal(command, {});
        assert.equal(r.code, 0, r.stdout);
        const draws = r.stdout.split("\r").filter((x) => x.startsWith("importing "));
        assert.ok(draws.length >= 3, r.stdout);
        assert.match(
          draws[0] as string,
          new RegExp(`^importing ${file} \\[[#.]{30}\\] +\\d+%  \\d+\\.\\d/0\\.8 MB  [0-9,]+ lines\\x1b\\[K$`),
        );
        assert.ok(
          draws.includes(
            `importing ${file} [${"#".repeat(30)}] 100%  0.8/0.8 MB  20,000 lines  sent; the server is writing the users\x1b[K`,
          ),
          r.stdout,
        );
        assert.ok(r.stdout.endsWith(`\x1b[K\r\ncreated  0\r\nupdated  20000\r\n`), JSON.stringify(r.stdout.slice(-200)));
        // --json on a terminal: for scripts, so no progress.
        const j = await onTerminal(`${command} --json`, {});
        assert.equal(j.code, 0, j.stdout);
        assert.equal(j.stdout.replace(/\r/g, ""), `${JSON.stringify({ created: 0, updated: 20000 }, null, 2)}\n`);
      },
    );
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
    ["apps: an unknown tenant", ["apps", "ffffffffffffffff"], /^larkstatus: no tenant "ffffffffffffffff"\n$/],
    ["users: an unknown tenant", ["users", "ffffffffffffffff"], /^larkstatus: no tenant "ffffffffffffffff"\n$/],
    [
      "users --app: an unknown app",
      ["users", ACME, "--app", "cli_ffffffffffffffff"],
      /^larkstatus: no app "cli_ffffffffffffffff"\n$/,
    ],
    [
      "users --app: another tenant's app",
      ["users", ACME, "--app", "cli_0f1e2d3c4b5a6978"],
      /^larkstatus: app "cli_0f1e2d3c4b5a6978" is of tenant "0f1e2d3c4b5a6978", not "a1b2c3d4e5f60718"\n$/,
    ],
    ["rotate-secret: an unknown app", ["rotate-secret", "cli_ffffffffffffffff"], /^larkstatus: no app "cli_ffffffffffffffff"\n$/],
    [
      "import-users: an unknown tenant",
      ["import-users", "ffffffffffffffff", join(ROOT, "package.json")],
      /^larkstatus: no tenant "ffffffffffffffff"\n$/,
    ],
    [
      "a malformed status id",
      ["sync", ACME, "u001", "7101", "off"],
      /^larkstatus: system_status_id must match pattern .* \(field system_status_id\)\n$/,
    ],
  ];
  for (const [name, args, stderr] of refusals) {
    test(`${name}: the server's detail and field on stderr, exit 1, nothing on stdout; --json: one JSON line`, async () => {
      const r = await cli(withDb(...args));
      assert.equal(r.code, 1);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, "");
      const j = await cli(withDb(...args, "--json"));
      assert.equal(j.code, 1);
      assert.equal(j.stdout, "");
      const lines = j.stderr.split("\n");
      assert.equal(lines.length, 2, j.stderr);
      assert.equal(`larkstatus: ${(JSON.parse(lines[0] as string) as { error: string }).error}\n`, r.stderr);
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
      "larkstatus apps [TENANT]",
      "larkstatus users TENANT",
      "larkstatus user-status TENANT USER",
      "larkstatus sync TENANT USER STATUS on|off",
      "larkstatus import-users TENANT FILE",
      "larkstatus audit",
      "larkstatus rotate-secret APP",
      "larkstatus reset",
      "larkstatus snapshot save|restore|delete|list [NAME]",
      "larkstatus clock [advance|set|freeze|unfreeze] [VALUE]",
      "larkstatus journal",
      "larkstatus faults add|list|clear|delete [RULE|ID]",
    ]) {
      assert.ok(r.stdout.includes(usage), usage);
    }
  });
});

describe("the emulator's commands against a running server", () => {
  let db: string;
  let server: ServerProcess;
  const withDb = (...args: string[]) => [...args, "--db", db];

  before(async () => {
    db = freshDb();
    // A SQLite file: the emulator controls are on by default.
    server = await startServerProcess(["--db", db, "--seed", SEED]);
  });
  after(async () => {
    await server?.stop();
  });

  test("clock: the emulated now; advance, freeze, unfreeze move it; a move back names the rule, exit 1", async () => {
    const now = await cli(withDb("clock", "--json"));
    assert.equal(now.code, 0, now.stderr);
    const before = JSON.parse(now.stdout) as { now_ms: number; frozen: boolean; offset_ms: number };
    assert.equal(before.frozen, false);
    const frozen = await cli(withDb("clock", "freeze"));
    assert.equal(frozen.code, 0, frozen.stderr);
    assert.match(frozen.stdout, /^now +\d{4}-\d\d-\d\dT[\d:.]+Z\nnow_ms +\d+\nfrozen +yes\noffset_ms +-?\d+\n$/);
    const at = Number(/now_ms +(\d+)/.exec(frozen.stdout)?.[1]);
    const advanced = await cli(withDb("clock", "advance", "2h", "--json"));
    assert.equal(advanced.code, 0, advanced.stderr);
    assert.equal((JSON.parse(advanced.stdout) as { now_ms: number }).now_ms, at + 7_200_000);
    const back = await cli(withDb("clock", "set", String(at)));
    assert.equal(back.code, 1);
    assert.match(back.stderr, /^larkstatus: the clock only moves forward/);
    assert.equal(back.stdout, "");
    const thawed = await cli(withDb("clock", "unfreeze", "--json"));
    assert.equal(thawed.code, 0, thawed.stderr);
    const after = JSON.parse(thawed.stdout) as { now_ms: number; frozen: boolean };
    assert.equal(after.frozen, false);
    assert.ok(after.now_ms >= at + 7_200_000);
  });

  test("snapshot, reset, faults and journal: tables for people, the admin API's answers with --json", async () => {
    const saved = await cli(withDb("snapshot", "save", "before"));
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, "saved snapshot before\n");
    const listed = await cli(withDb("snapshot", "list"));
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME +CREATED\nbefore +\d{4}-\d\d-\d\dT[\d:]+Z\n$/);
    const restored = await cli(withDb("snapshot", "restore", "before", "--json"));
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(typeof (JSON.parse(restored.stdout) as { took_ms: number }).took_ms, "number");
    const unknown = await cli(withDb("snapshot", "restore", "nope"));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^larkstatus: .*nope/);
    const added = await cli(withDb("faults", "add", "operation=system_status.list,error_code=99991400,times=1", "--json"));
    assert.equal(added.code, 0, added.stderr);
    const rule = JSON.parse(added.stdout) as { id: string; operation: string; error_code: number; times: number };
    assert.deepEqual([rule.operation, rule.error_code, rule.times], ["system_status.list", 99991400, 1]);
    const rules = await cli(withDb("faults", "list"));
    assert.equal(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, new RegExp(`^ID +OPERATION.*\n${rule.id} +system_status\\.list +`));
    const bad = await cli(withDb("faults", "add", "operation=system_status.lst,latency_ms=5"));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /operation/);
    // A vendor call the rule answers, then the journal shows it, with its code.
    const tok = await fetch(`${server.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(APP),
    });
    const { tenant_access_token } = (await tok.json()) as { tenant_access_token: string };
    const listRes = await fetch(`${server.url}/open-apis/personal_settings/v1/system_statuses?page_size=5`, {
      headers: { authorization: `Bearer ${tenant_access_token}` },
    });
    assert.equal(listRes.status, 429);
    const journal = await cli(withDb("journal", "--op", "system_status.list"));
    assert.equal(journal.code, 0, journal.stderr);
    assert.match(
      journal.stdout,
      /^AT +STATUS +CODE +APP +REQUEST +MS +LOG_ID\n\S+ +429 +99991400 +cli_a1b2c3d4e5f60718 +GET \/open-apis\/personal_settings\/v1\/system_statuses\?page_size=5 /,
    );
    assert.ok(!journal.stdout.includes(tenant_access_token), "no token in the journal");
    const cleared = await cli(withDb("faults", "clear"));
    assert.equal(cleared.code, 0, cleared.stderr);
    const reset = await cli(withDb("reset"));
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^reset to the start-up state in [\d.]+ ms\n$/);
    const none = await cli(withDb("snapshot", "list", "--json"));
    assert.deepEqual(JSON.parse(none.stdout), { items: [] }, "a reset deletes the snapshots");
  });

  test("usage mistakes are refused before anything is sent", async () => {
    const sideways = await cli(withDb("clock", "sideways"));
    assert.equal(sideways.code, 1);
    assert.equal(
      sideways.stderr,
      'larkstatus: clock takes advance, set, freeze or unfreeze, got "sideways" (usage: larkstatus clock [advance|set|freeze|unfreeze] [VALUE])\n',
    );
  });
});
