/**
 * The SQLite files on disk: who may read them (modes), what a read-only data directory says, and
 * the lock that keeps a second process off a file the first one serves (its store caches what it
 * reads, so two processes on one file would answer from stale caches).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { StorageError } from "../../src/storage/errors.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { LARKSTATUS, ROOT, startServerProcess } from "../conformance/server-process.js";
import { APP } from "../helpers.js";

const SEED = join(ROOT, "test", "fixtures", "seed.yaml");
const root = mkdtempSync(join(tmpdir(), "larkstatus-files-"));
// Readable by the unprivileged user the permission tests run as.
chmodSync(root, 0o755);
let n = 0;
const locked: string[] = [];
after(() => {
  // A non-root user cannot delete what is inside a read-only directory.
  for (const d of locked) chmodSync(d, 0o755);
  rmSync(root, { recursive: true, force: true });
});

/** Makes `dir` read-only (restored before clean-up). */
function readOnly(dir: string): void {
  locked.push(dir);
  chmodSync(dir, 0o555);
}

function freshDir(): string {
  const d = join(root, `case-${++n}`);
  mkdirSync(d, { mode: 0o755 });
  chmodSync(d, 0o755);
  return d;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

/** A store that has written something, so the WAL and its index exist. */
async function busyStore(path: string): Promise<SqliteStore> {
  const store = new SqliteStore(`sqlite:${path}`);
  await store.migrate();
  await store.upsertTenant({ tenant_key: "0000000000000001", name: "T", api_enabled: true, sensitive_words: [] });
  return store;
}

describe("SQLite file modes", () => {
  test("a data directory larkstatus creates is 0700; the database, its -wal, -shm and .lock are 0600", async () => {
    const path = join(freshDir(), "data", "nested", "larkstatus.db");
    const store = await busyStore(path);
    try {
      for (const dir of [join(path, ".."), join(path, "..", "..")]) assert.equal(octal(mode(dir)), "0700", dir);
      for (const suffix of ["", "-wal", "-shm", ".lock"])
        assert.equal(octal(mode(path + suffix)), "0600", `larkstatus.db${suffix}`);
    } finally {
      await store.close();
    }
  });

  test("files and directories the user made keep their modes", async () => {
    const dir = freshDir();
    const path = join(dir, "larkstatus.db");
    writeFileSync(path, "");
    chmodSync(path, 0o640);
    const store = await busyStore(path);
    try {
      assert.equal(octal(mode(dir)), "0755");
      assert.equal(octal(mode(path)), "0640");
      // SQLite gives the WAL and its index the database file's mode.
      assert.equal(octal(mode(`${path}-wal`)), "0640");
    } finally {
      await store.close();
    }
  });
});

// ---------------------------------------------------------------------------- read-only data directory

const isRoot = process.getuid?.() === 0;
const hasSetpriv = isRoot && spawnSync("setpriv", ["--version"]).status === 0;
const PERMISSION_SKIP = isRoot && !hasSetpriv ? "running as root without setpriv: root ignores permission bits" : false;

/**
 * `larkstatus serve --db sqlite:PATH` bound by permission bits. Root ignores them through two
 * capabilities, so as root the server runs without them (still uid 0, so it reads the checkout and
 * node_modules wherever they are, a 0700 temp folder included, which a switch to `nobody` could not).
 */
function serveAsUser(dbPath: string): { status: number | null; output: string } {
  const node = [process.execPath, ...LARKSTATUS, "serve", "--port", "0", "--db", `sqlite:${dbPath}`];
  const argv = isRoot ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", ...node] : node;
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LARKSTATUS_LOG_LEVEL: "warn", HOME: tmpdir() },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("a data directory larkstatus may not write", { skip: PERMISSION_SKIP }, () => {
  const cases: Array<[string, (dir: string) => { db: string; named: string }]> = [
    [
      "the directory exists, read-only, no database yet",
      (dir) => {
        readOnly(dir);
        return { db: join(dir, "larkstatus.db"), named: dir };
      },
    ],
    [
      "the directory does not exist and its parent is read-only",
      (dir) => {
        readOnly(dir);
        return { db: join(dir, "data", "larkstatus.db"), named: dir };
      },
    ],
    [
      "the database exists but is read-only for the user",
      (dir) => {
        chmodSync(dir, 0o777);
        const db = join(dir, "larkstatus.db");
        writeFileSync(db, "");
        chmodSync(db, 0o444);
        return { db, named: db };
      },
    ],
  ];
  for (const [name, arrange] of cases) {
    test(`${name}: start-up fails with "permission denied" and the path`, () => {
      const { db, named } = arrange(freshDir());
      const r = serveAsUser(db);
      assert.equal(r.status, 1, r.output);
      assert.match(r.output, /permission denied/i, r.output);
      assert.ok(r.output.includes(named), `the message names ${named}:\n${r.output}`);
      assert.doesNotMatch(r.output, /listening on/);
    });
  }
});

// ---------------------------------------------------------------------------- one process per file

describe("one process per SQLite file", () => {
  test("a second store on a file this process serves is refused; after close it opens", async () => {
    const path = join(freshDir(), "larkstatus.db");
    const first = await busyStore(path);
    try {
      assert.throws(
        () => new SqliteStore(`sqlite:${path}`),
        (e: unknown) => {
          assert.ok(e instanceof StorageError, String(e));
          assert.match(e.message, /is serving .*larkstatus\.db/);
          assert.match(e.message, /one process at a time/);
          return true;
        },
      );
      // The refused open took nothing from the first store.
      await first.upsertTenant({ tenant_key: "0000000000000002", name: "U", api_enabled: true, sensitive_words: [] });
      assert.equal((await first.getTenant("0000000000000002"))?.name, "U");
    } finally {
      await first.close();
    }
    const again = new SqliteStore(`sqlite:${path}`);
    await again.migrate();
    await again.close();
  });

  test("sqlite::memory: takes no lock", async () => {
    const a = new SqliteStore("sqlite::memory:");
    const b = new SqliteStore("sqlite::memory:");
    await a.close();
    await b.close();
  });

  test("a second process (serve or migrate) refuses with the owner's pid; after the owner is SIGKILLed the next one starts", async () => {
    const db = join(freshDir(), "larkstatus.db");
    const first = await startServerProcess(["--db", `sqlite:${db}`, "--seed", SEED]);
    const exited = new Promise<void>((resolve) => first.child.once("exit", () => resolve()));
    let token: string;
    try {
      const res = await fetch(`${first.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(APP),
      });
      token = ((await res.json()) as { tenant_access_token: string }).tenant_access_token;
      for (const command of ["serve", "migrate"]) {
        const r = spawnSync(process.execPath, [...LARKSTATUS, command, "--port", "0", "--db", `sqlite:${db}`], {
          cwd: ROOT,
          env: { ...process.env, LARKSTATUS_LOG_LEVEL: "warn" },
          encoding: "utf8",
          timeout: 30_000,
        });
        const out = `${r.stdout}${r.stderr}`;
        assert.equal(r.status, 1, `${command}: ${out}`);
        assert.match(out, new RegExp(`another larkstatus process \\(pid ${first.child.pid}, since [^)]+\\) is serving`), out);
        assert.ok(out.includes(db), out);
        assert.match(out, /use PostgreSQL for several instances/, out);
        assert.doesNotMatch(out, /listening on|migrated/);
      }
      // The first one never noticed.
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
    } finally {
      first.child.kill("SIGKILL");
      await exited;
    }
    // No clean shutdown: the OS released the lock with the process.
    const next = await startServerProcess(["--db", `sqlite:${db}`]);
    try {
      const res = await fetch(`${next.url}/open-apis/personal_settings/v1/system_statuses`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await next.stop(), 0, next.output());
    }
  });
});
