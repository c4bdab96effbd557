/**
 * Durability on the embedded default: a response is sent only after its change is committed to the
 * WAL, so a process killed right after answering (SIGKILL: no shutdown, no checkpoint) loses
 * nothing it acknowledged, even when concurrent calls shared one group commit; and each
 * acknowledged change is there with its audit entry (written in the same transaction).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { decodeResults } from "../../src/storage/audit-codec.js";
import { APP } from "../helpers.js";
import { ROOT, startServerProcess, tempDb } from "./server-process.js";

const SEED = `${ROOT}/test/fixtures/seed.yaml`;
const TRIP = "7101214603622940001";
const LEAVE = "7101214603622940002";
const USERS = ["u001", "u004", "u005", "u006"];

/** Acknowledged calls: the log id each response carried, and what it answered. */
const acknowledged = new Map<string, { path: string; body: Record<string, unknown> }>();

async function call(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
  const answer = (await res.json()) as Record<string, unknown>;
  acknowledged.set(res.headers.get("x-tt-logid") as string, { path, body: answer });
  return answer;
}

test("acknowledged opens and closes survive a SIGKILL right after the responses, each with its audit entry", async () => {
  const db = tempDb();
  const server = await startServerProcess(["--db", db, "--seed", SEED]);
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  const now = Math.floor(Date.now() / 1000);
  const endOf = (user: string, status: string) => now + 3600 + USERS.indexOf(user) * 10 + (status === TRIP ? 1 : 2);
  try {
    const tok = await call(server.url, "/open-apis/auth/v3/tenant_access_token/internal", {
      app_id: APP.app_id,
      app_secret: APP.app_secret,
    });
    const token = tok.tenant_access_token as string;
    const path = (status: string, op: string) =>
      `/open-apis/personal_settings/v1/system_statuses/${status}/${op}?user_id_type=user_id`;
    // 8 opens in flight at once: one per (user, status), each with its own end_time.
    const opens = await Promise.all(
      USERS.flatMap((user) =>
        [TRIP, LEAVE].map((status) =>
          call(
            server.url,
            path(status, "batch_open"),
            { user_list: [{ user_id: user, end_time: String(endOf(user, status)) }] },
            token,
          ),
        ),
      ),
    );
    for (const r of opens) assert.equal(r.code, 0, JSON.stringify(r));
    // Then 4 closes in flight at once: LEAVE for every user.
    const closes = await Promise.all(
      USERS.map((user) => call(server.url, path(LEAVE, "batch_close"), { user_list: [user] }, token)),
    );
    for (const r of closes) assert.equal(r.code, 0, JSON.stringify(r));
  } finally {
    // No SIGTERM: the process gets no chance to flush, checkpoint or close anything.
    server.child.kill("SIGKILL");
    await exited;
  }
  // What a restart would read: the database file plus its WAL.
  const file = new Database(db.slice("sqlite:".length), { readonly: true });
  try {
    const rows = file
      .prepare(
        `SELECT user_id, system_status_id, open, end_time FROM user_statuses
         WHERE tenant_key = 'a1b2c3d4e5f60718' ORDER BY user_id, system_status_id`,
      )
      .all() as Array<{ user_id: string; system_status_id: string; open: number; end_time: number }>;
    assert.deepEqual(
      rows,
      USERS.flatMap((user) =>
        [TRIP, LEAVE].map((status) => ({
          user_id: user,
          system_status_id: status,
          open: status === TRIP ? 1 : 0,
          end_time: endOf(user, status),
        })),
      ),
    );
    // One audit entry per acknowledged open and close, with the results each was answered.
    const entries = file
      .prepare("SELECT op, system_status_id, log_id, results FROM audit WHERE actor = 'app' ORDER BY id")
      .all() as Array<{ op: string; system_status_id: string; log_id: string; results: string }>;
    const calls = [...acknowledged].filter(([, c]) => c.path.includes("/batch_"));
    assert.equal(calls.length, 12);
    assert.equal(entries.length, calls.length);
    for (const [logId, c] of calls) {
      const mine = entries.filter((e) => e.log_id === logId);
      assert.equal(mine.length, 1, `one entry for ${logId}`);
      const e = mine[0] as (typeof entries)[number];
      assert.equal(e.op, c.path.includes("batch_open") ? "system_status.batch_open" : "system_status.batch_close");
      assert.ok(c.path.includes(`/${e.system_status_id}/`));
      const answered = (c.body.data as { result_list: Array<{ user_id: string; result: string; end_time?: string }> })
        .result_list;
      assert.deepEqual(decodeResults(e.results), answered);
    }
  } finally {
    file.close();
  }
  // And the server starts again on it.
  const again = await startServerProcess(["--db", db]);
  try {
    assert.equal((await fetch(`${again.url}/healthz`)).status, 200);
  } finally {
    assert.equal(await again.stop(), 0);
  }
});
