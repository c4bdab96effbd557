/** A real server on a SQLite file makes its admin token into <db>.admin-token (0600) and keeps it across restarts. */
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { test } from "node:test";
import { startServerProcess, tempDb } from "./server-process.js";

test("the admin token lives beside the database, the banner says where, and a restart keeps it", async () => {
  const db = tempDb();
  const file = `${db.slice("sqlite:".length)}.admin-token`;
  let token = "";
  for (const run of [1, 2]) {
    const server = await startServerProcess(["--db", db]);
    try {
      const deadline = Date.now() + 10_000;
      while (!server.output().includes("admin API:")) {
        assert.ok(Date.now() < deadline, server.output());
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(server.output().includes(`admin API: ${server.url}/admin/v1 (Bearer token in ${file};`), server.output());
      const kept = readFileSync(file, "utf8").trim();
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(server.output().includes(kept), false, "the banner names the file, not the token");
      if (run === 1) token = kept;
      else assert.equal(kept, token, "a restart keeps the token");
      const ok = await fetch(`${server.url}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      const denied = await fetch(`${server.url}/admin/v1/tenants`);
      assert.equal(denied.status, 401);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  }
});
