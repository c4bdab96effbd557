/** The SQLite files on disk: who may read them (modes), and what a read-only data directory says. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { ROOT } from "../conformance/server-process.js";

const root = mkdtempSync(join(tmpdir(), "larkstatus-files-"));
// Readable by the unprivileged user the permission tests run as.
chmodSync(root, 0o755);
let n = 0;
after(() => rmSync(root, { recursive: true, force: true }));

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
  test("a data directory larkstatus creates is 0700; the database, its -wal and -shm are 0600", async () => {
    const path = join(freshDir(), "data", "nested", "larkstatus.db");
    const store = await busyStore(path);
    try {
      for (const dir of [join(path, ".."), join(path, "..", "..")]) assert.equal(octal(mode(dir)), "0700", dir);
      for (const suffix of ["", "-wal", "-shm"]) assert.equal(octal(mode(path + suffix)), "0600", `larkstatus.db${suffix}`);
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

/** `larkstatus serve --db sqlite:PATH` as an unprivileged user (root ignores permission bits). */
function serveAsUser(dbPath: string): { status: number | null; output: string } {
  const node = [
    process.execPath,
    "--import",
    "tsx",
    join(ROOT, "src", "main.ts"),
    "serve",
    "--port",
    "0",
    "--db",
    `sqlite:${dbPath}`,
  ];
  const argv = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", ...node] : node;
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
        chmodSync(dir, 0o555);
        return { db: join(dir, "larkstatus.db"), named: dir };
      },
    ],
    [
      "the directory does not exist and its parent is read-only",
      (dir) => {
        chmodSync(dir, 0o555);
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
