/**
 * The SQLite driver's two performance mechanisms, on real database files: group commit
 * (src/storage/sqlite/group-commit.ts) and the WAL checkpoint worker (checkpointer.ts).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { Checkpointer } from "../../src/storage/sqlite/checkpointer.js";
import { GroupCommit } from "../../src/storage/sqlite/group-commit.js";

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "larkstatus-sqlite-internals-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshDb(): { db: Database.Database; path: string } {
  const path = join(dir, `g-${++n}.db`);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.exec(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
  `);
  return { db, path };
}

/** Whether `p` has settled after letting every queued microtask run (but no macrotask). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return done;
}

const ids = (db: Database.Database, table: string) =>
  (db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as { id: number }[]).map((r) => r.id);

describe("GroupCommit", () => {
  test("calls of one event-loop turn share one transaction, and settle only after its COMMIT", async () => {
    const { db, path } = freshDb();
    const other = new Database(path);
    try {
      const group = new GroupCommit(db, () => assert.fail("no abort expected"));
      const ins = db.prepare("INSERT INTO parent (id) VALUES (?)");
      const calls = [1, 2, 3].map((id) => group.write(() => ins.run(id).changes));
      // Written on the serving connection, not yet committed: another connection sees nothing...
      assert.equal(db.inTransaction, true);
      assert.deepEqual(ids(other, "parent"), []);
      // ...and no caller has its answer yet.
      assert.equal(await settled(calls[0] as Promise<number>), false);
      assert.deepEqual(await Promise.all(calls), [1, 1, 1]);
      assert.deepEqual(ids(other, "parent"), [1, 2, 3]);
      assert.deepEqual(group.stats, { groups: 1, calls: 3 });
      assert.equal(db.inTransaction, false);
      // The next turn opens the next group.
      await group.write(() => ins.run(4));
      assert.deepEqual(group.stats, { groups: 2, calls: 4 });
    } finally {
      other.close();
      db.close();
    }
  });

  test("a call that throws rolls back only its own writes; the rest of the group commits", async () => {
    const { db } = freshDb();
    try {
      const group = new GroupCommit(db, () => assert.fail("no abort expected"));
      const ins = db.prepare("INSERT INTO parent (id) VALUES (?)");
      const first = group.write(() => ins.run(1));
      const failing = group.write(() => {
        ins.run(2);
        ins.run(1); // duplicate key: the call fails after one of its writes
      });
      const last = group.write(() => ins.run(3));
      await assert.rejects(failing, /UNIQUE constraint failed/);
      await first;
      await last;
      assert.deepEqual(ids(db, "parent"), [1, 3]);
      assert.deepEqual(group.stats, { groups: 1, calls: 2 });
    } finally {
      db.close();
    }
  });

  test("a failed COMMIT rejects every call of the group, keeps none of its writes, and reports the abort", async () => {
    const { db } = freshDb();
    try {
      let aborts = 0;
      const group = new GroupCommit(db, () => aborts++);
      const fine = group.write(() => db.prepare("INSERT INTO parent (id) VALUES (1)").run());
      // A deferred foreign key is checked at COMMIT: the whole group fails there.
      const orphan = group.write(() => db.prepare("INSERT INTO child (id, pid) VALUES (1, 99)").run());
      const read = group.read(() => "seen inside the group");
      await assert.rejects(fine, /FOREIGN KEY constraint failed/);
      await assert.rejects(orphan, /FOREIGN KEY constraint failed/);
      await assert.rejects(read, /FOREIGN KEY constraint failed/);
      assert.equal(aborts, 1);
      assert.equal(db.inTransaction, false);
      assert.deepEqual(ids(db, "parent"), []);
      assert.deepEqual(ids(db, "child"), []);
      // The store stays usable.
      await group.write(() => db.prepare("INSERT INTO parent (id) VALUES (2)").run());
      assert.deepEqual(ids(db, "parent"), [2]);
    } finally {
      db.close();
    }
  });

  test("a read waits for the open group's COMMIT; with no group open it answers at once", async () => {
    const { db } = freshDb();
    try {
      const group = new GroupCommit(db, () => {});
      const idle = group.read(() => 1);
      assert.equal(await settled(idle), true);
      const write = group.write(() => db.prepare("INSERT INTO parent (id) VALUES (7)").run());
      const read = group.read(() => ids(db, "parent"));
      assert.equal(await settled(read), false);
      await write;
      assert.deepEqual(await read, [7]);
      assert.equal(await settled(group.drain()), true);
    } finally {
      db.close();
    }
  });

  test("drain() resolves once the open group has committed", async () => {
    const { db, path } = freshDb();
    const other = new Database(path);
    try {
      const group = new GroupCommit(db, () => {});
      void group.write(() => db.prepare("INSERT INTO parent (id) VALUES (5)").run());
      await group.drain();
      assert.deepEqual(ids(other, "parent"), [5]);
    } finally {
      other.close();
      db.close();
    }
  });
});

describe("Checkpointer", () => {
  test("the worker copies WAL frames into the database file without the serving connection's help", async () => {
    const { db, path } = freshDb();
    // The serving connection never checkpoints on its own here.
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE filler (x BLOB)");
    const fill = db.prepare("INSERT INTO filler (x) VALUES (randomblob(3000))");
    db.transaction(() => {
      for (let i = 0; i < 300; i++) fill.run();
    })();
    const pages = db.pragma("page_count", { simple: true }) as number;
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    // Everything is still in the WAL: the main file holds only what existed before.
    assert.ok((await stat(path)).size < pages * pageSize, "the main file already holds every page");
    const worker = new Checkpointer(path, 20);
    try {
      const deadline = Date.now() + 5000;
      while ((await stat(path)).size < pages * pageSize && Date.now() < deadline) await sleep(20);
      assert.equal((await stat(path)).size, pages * pageSize, "the worker did not backfill the WAL within 5 s");
    } finally {
      await worker.stop();
      db.close();
    }
  });
});
