/**
 * Group commit for the SQLite driver. Every store call that arrives in one event-loop turn runs in
 * one shared transaction, each call inside its own savepoint, and the transaction commits once, in
 * the turn's check phase (`setImmediate`). A call's promise settles only after that COMMIT, so a
 * response is still sent only after its change is in the WAL (durable against a process crash,
 * `synchronous = NORMAL`), and a call that fails rolls back to its savepoint without touching the
 * others. Reads made while a group is open see its uncommitted writes, so they wait for the same
 * COMMIT: nothing is answered from state that could still be rolled back.
 *
 * Why: a commit appends every page the transaction dirtied to the WAL. Concurrent batches share
 * the B-tree's interior pages and the commit's fixed cost, so one commit per turn writes fewer
 * pages than one per call (measured in docs/performance.md).
 */
import type Database from "better-sqlite3";

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private waiters: Waiter[] = [];
  private scheduled = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;
  /** Transactions committed and calls they carried (for tests and the benchmark's curiosity). */
  readonly stats = { groups: 0, calls: 0 };

  /**
   * @param onAbort called when a group's transaction is lost (a failed COMMIT, or SQLite rolled it
   *   back on an I/O error): every cache filled from its uncommitted state must go.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly onAbort: () => void,
  ) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT call");
    this.release = db.prepare("RELEASE call");
    this.rollbackTo = db.prepare("ROLLBACK TO call");
  }

  /** Runs `fn` in the open group (starting one if none), in its own savepoint; settles after COMMIT. */
  write<T>(fn: () => T): Promise<T> {
    let value: T;
    try {
      if (!this.db.inTransaction) this.start();
      this.savepoint.run();
      try {
        value = fn();
        this.release.run();
      } catch (err) {
        if (this.db.inTransaction) {
          this.rollbackTo.run();
          this.release.run();
        } else {
          // SQLite rolled the whole transaction back (I/O error, disk full): the group is lost.
          this.abort(err);
        }
        throw err;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.afterCommit(value);
  }

  /** Runs `fn` now; when a group is open (its writes are visible to `fn`), settles after its COMMIT. */
  read<T>(fn: () => T): Promise<T> {
    let value: T;
    try {
      value = fn();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.db.inTransaction ? this.afterCommit(value) : Promise.resolve(value);
  }

  /** Resolves once no group is open (after the current one's COMMIT, or at once). */
  drain(): Promise<void> {
    return this.db.inTransaction ? this.afterCommit(undefined).catch(() => undefined) : Promise.resolve();
  }

  private start(): void {
    this.begin.run();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private afterCommit<T>(value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve: () => resolve(value), reject });
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (this.db.inTransaction) {
      try {
        this.commit.run();
      } catch (err) {
        if (this.db.inTransaction) {
          try {
            this.rollback.run();
          } catch {
            // The connection is unusable; the next call reports it.
          }
        }
        this.onAbort();
        for (const w of waiters) w.reject(err);
        return;
      }
      this.stats.groups++;
      this.stats.calls += waiters.length;
    }
    for (const w of waiters) w.resolve();
  };

  private abort(err: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.onAbort();
    for (const w of waiters) w.reject(err);
  }
}
