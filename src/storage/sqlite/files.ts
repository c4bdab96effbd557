/**
 * The SQLite driver's files on disk: creating them private, saying plainly when the data directory
 * cannot be written, and the lock that keeps a file to one serving process.
 *
 * Modes: a data directory larkstatus creates is 0700 and a database file it creates is 0600, made
 * before better-sqlite3 opens it (SQLite gives the -wal, -shm and journal files the database file's
 * mode). Files and directories the user made are left as they are.
 *
 * The lock: a SqliteStore caches what it reads (records, resolved ids) and evicts on its own writes,
 * so a second process on the same file would answer from stale caches. The store holds a lock for
 * its lifetime that the OS releases when the process ends, however it ends (no pid files to go
 * stale): a small companion SQLite file `<db>.lock` in which the owner first commits who it is (pid,
 * host, since when), then holds a write transaction (`BEGIN IMMEDIATE`, SQLite's RESERVED lock)
 * until it closes. Another opener fails to take that lock at once (busy timeout 0), reads the
 * owner's row (readers are not blocked by RESERVED) and refuses to start, naming it. `migrate`
 * opens a store too, so it takes the same lock.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StorageError } from "../errors.js";

const PERMISSION_CODES = new Set(["EACCES", "EPERM", "EROFS"]);

/** A file-system failure in words an operator can act on; the path is always named. */
function fileError(cause: unknown, what: string, path: string): StorageError {
  const code = (cause as NodeJS.ErrnoException).code ?? "";
  if (PERMISSION_CODES.has(code)) {
    const why = code === "EROFS" ? "read-only file system" : code;
    return new StorageError(
      `permission denied: cannot ${what} ${path} (${why}); the user running larkstatus must be able to write the data directory, which holds the database, its -wal and -shm files and its .lock file`,
      { cause },
    );
  }
  return new StorageError(`cannot ${what} ${path}: ${(cause as Error).message}`, { cause });
}

/** Creates `path` with `mode` unless it exists (never changes an existing file). */
function createIfMissing(path: string, mode: number, what: string): void {
  try {
    closeSync(openSync(path, "wx", mode));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(cause, what, path);
  }
}

function checkWritable(path: string, what: string): void {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (cause) {
    throw fileError(cause, what, path);
  }
}

/**
 * Makes sure the database file at `path` can be served: its directory exists (created 0700) and is
 * writable, the file exists (created 0600) and it and its -wal/-shm, when present, are writable.
 * Throws a StorageError saying "permission denied" and naming the path otherwise.
 */
export function prepareDatabaseFile(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw fileError(cause, "create the data directory", dir);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (cause) {
    throw fileError(cause, "write to the data directory", dir);
  }
  createIfMissing(path, 0o600, "create the database");
  checkWritable(path, "write the database");
  for (const suffix of ["-wal", "-shm"]) if (existsSync(path + suffix)) checkWritable(path + suffix, "write");
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

/** Whether `BEGIN IMMEDIATE` got the lock (false: another connection holds it). */
function tryBegin(db: Database.Database): boolean {
  try {
    db.exec("BEGIN IMMEDIATE");
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_BUSY") return false;
    throw e;
  }
}

/** The lock a SqliteStore holds on its database file for as long as it is open. */
export class DatabaseLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the lock of the database at `dbPath` (which exists), or throws a StorageError naming its owner. */
  static acquire(dbPath: string): DatabaseLock {
    const lockPath = `${realpathSync(dbPath)}.lock`;
    createIfMissing(lockPath, 0o600, "create the lock file");
    checkWritable(lockPath, "write the lock file");
    let db: Database.Database | undefined;
    try {
      db = new Database(lockPath, { timeout: 0 });
      // The owner row is a courtesy to the next opener, not data: no fsync for it (measured: the
      // acquisition drops from ~2.3 to ~0.4 ms). The journal still keeps the file whole if we crash.
      db.pragma("synchronous = OFF");
      if (!tryBegin(db)) throw refusal(db, dbPath);
      db.exec(
        "CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)",
      );
      db.prepare("INSERT OR REPLACE INTO owner (id, pid, host, since) VALUES (1, ?, ?, ?)").run(
        process.pid,
        hostname(),
        new Date().toISOString(),
      );
      // The commit needs the file to itself for a moment: let a refused opener finish reading.
      db.pragma("busy_timeout = 2000");
      db.exec("COMMIT");
      db.pragma("busy_timeout = 0");
      // Between the commit and this, another opener may have taken it: then it is the owner.
      if (!tryBegin(db)) throw refusal(db, dbPath);
      return new DatabaseLock(db);
    } catch (e) {
      db?.close();
      if (e instanceof StorageError) throw e;
      throw new StorageError(
        `cannot use the lock file ${lockPath}: ${(e as Error).message} (if no larkstatus process serves ${dbPath}, deleting the lock file is safe)`,
        { cause: e },
      );
    }
  }

  /** Releases the lock (idempotent). */
  release(): void {
    if (!this.db.open) return;
    try {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
    } finally {
      this.db.close();
    }
  }
}

/** The error a second opener gets, naming the owner when its row can be read. */
function refusal(db: Database.Database, dbPath: string): StorageError {
  let owner: Owner | undefined;
  try {
    db.pragma("busy_timeout = 1000");
    owner = db.prepare("SELECT pid, host, since FROM owner WHERE id = 1").get() as Owner | undefined;
  } catch {
    // The owner is between its first commit and its lock: it is starting; say so without details.
  }
  const why =
    "a SQLite file is served by one process at a time because the store caches what it reads; stop it, or use PostgreSQL for several instances";
  if (!owner) return new StorageError(`another larkstatus process is serving ${dbPath}; ${why}`);
  const where = owner.host === hostname() ? "" : ` on ${owner.host}`;
  if (owner.pid === process.pid && !where) {
    return new StorageError(
      `another store of this process (pid ${owner.pid}, since ${owner.since}) is serving ${dbPath}; ${why}`,
    );
  }
  return new StorageError(
    `another larkstatus process (pid ${owner.pid}${where}, since ${owner.since}) is serving ${dbPath}; ${why}`,
  );
}
