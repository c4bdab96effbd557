/**
 * The spool of an import: the validated users of an NDJSON upload, kept in a private temporary
 * SQLite file (never the store's database), keyed by user_id. It lets an import of 10^6 users hold
 * neither the body nor the users in memory (a few MiB of page cache), find a repeated user_id at
 * the line that repeats it, and give the users to the store afterwards in user_id order, in chunks,
 * as many times as the store asks (a retried transaction starts again). Validating the whole
 * upload into the spool before writing anything is what lets any bad line reject the whole import
 * while the store's transaction never waits on a slow client.
 *
 * The file lives in the OS temporary directory (`TMPDIR`), in a directory only its owner can
 * read, and is deleted by `close()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { DirectoryUserInput } from "./store.js";

/** Users per chunk handed to the store. */
export const SPOOL_CHUNK = 5000;

export class UserSpool implements Iterable<DirectoryUserInput[]> {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly lineOf: Database.Statement;
  private readonly after: Database.Statement;
  private count = 0;
  private sealed = false;

  private constructor(
    private readonly dir: string,
    private readonly chunkSize: number,
  ) {
    this.db = new Database(join(dir, "spool.db"));
    // Scratch data: no journal, no fsync, a small page cache (the OS caches the file).
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.pragma("locking_mode = EXCLUSIVE");
    this.db.pragma("cache_size = -4096");
    this.db.exec(
      `CREATE TABLE spool (user_id TEXT PRIMARY KEY, line INTEGER NOT NULL, name TEXT NOT NULL, resigned INTEGER NOT NULL)
       WITHOUT ROWID`,
    );
    this.insert = this.db.prepare("INSERT INTO spool VALUES (?, ?, ?, ?) ON CONFLICT(user_id) DO NOTHING");
    this.lineOf = this.db.prepare("SELECT line FROM spool WHERE user_id = ?").pluck();
    this.after = this.db.prepare("SELECT user_id, name, resigned FROM spool WHERE user_id > ? ORDER BY user_id LIMIT ?");
    // One transaction while filling: a statement's changes are not committed one by one.
    this.db.exec("BEGIN");
  }

  /** A new, empty spool in a fresh private directory under `parent` (default: the OS temp dir). */
  static open(opts: { parent?: string; chunkSize?: number } = {}): UserSpool {
    const dir = mkdtempSync(join(opts.parent ?? tmpdir(), "larkstatus-import-"));
    try {
      return new UserSpool(dir, opts.chunkSize ?? SPOOL_CHUNK);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Users added so far. */
  get size(): number {
    return this.count;
  }

  /** Adds the user read on `line`; when its user_id was already added, adds nothing and answers that line. */
  add(line: number, user: DirectoryUserInput): number | undefined {
    if (this.sealed) throw new Error("the spool is being read");
    if (this.insert.run(user.user_id, line, user.name, user.resigned ? 1 : 0).changes === 0) {
      return this.lineOf.get(user.user_id) as number;
    }
    this.count++;
    return undefined;
  }

  /** The users by user_id, `chunkSize` at a time; every iteration starts from the first. */
  *[Symbol.iterator](): Iterator<DirectoryUserInput[]> {
    if (!this.sealed) {
      this.db.exec("COMMIT");
      this.sealed = true;
    }
    let last = "";
    for (;;) {
      const rows = this.after.all(last, this.chunkSize) as Array<{ user_id: string; name: string; resigned: number }>;
      if (rows.length === 0) return;
      yield rows.map((r) => ({ user_id: r.user_id, name: r.name, resigned: r.resigned === 1 }));
      last = (rows[rows.length - 1] as { user_id: string }).user_id;
      if (rows.length < this.chunkSize) return;
    }
  }

  /** Closes and deletes the spool. */
  close(): void {
    try {
      if (this.db.open) this.db.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
