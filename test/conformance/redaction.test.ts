/**
 * The real server process (its pino log on stdout, `--journal-size`): no app secret or token value
 * is written to the log or kept in the journal, and the log lines of a vendor request carry its
 * operation, app_id and the answer's code and vendor_msg.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FIXTURE_SEED } from "../helpers.js";
import { startServerProcess, tempDb } from "./server-process.js";

const ADMIN = "lsa_redaction-test-token-000000000000000000000";
const SECRET = "acme-secret";
const TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const LIST_URL = "/open-apis/personal_settings/v1/system_statuses";

test("the server's log and journal hold no secret or token; a mistyped app id logs its code and msg", async () => {
  const server = await startServerProcess(
    ["--db", tempDb(), "--seed", FIXTURE_SEED, "--admin-token", ADMIN, "--journal-size", "3", "--emulator", "on"],
    20_000,
    { LARKSTATUS_LOG_LEVEL: "info" },
  );
  try {
    const post = (path: string, body: string) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const token = (
      (await (await post(TOKEN_URL, JSON.stringify({ app_id: "cli_a1b2c3d4e5f60718", app_secret: SECRET }))).json()) as {
        tenant_access_token: string;
      }
    ).tenant_access_token;
    assert.match(token, /^t-/);
    const listed = await fetch(`${server.url}${LIST_URL}?page_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(listed.status, 400);
    await post(TOKEN_URL, `{"app_id":"cli_a1b2c3d4e5f60718","app_secret":"${SECRET}"`);
    const typo = await post(TOKEN_URL, JSON.stringify({ app_id: "cli_mistyped", app_secret: SECRET }));
    assert.equal(typo.status, 400);
    const journal = (await (
      await fetch(`${server.url}/admin/v1/emulator/journal`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { items: Array<{ app_id?: string }> };
    // --journal-size 3: the last three of four.
    assert.equal(journal.items.length, 3);
    assert.equal(journal.items[0]?.app_id, "cli_mistyped");
    const kept = JSON.stringify(journal);
    // Let the last lines reach stdout.
    await new Promise((r) => setTimeout(r, 200));
    const log = server.output();
    for (const s of [SECRET, token]) {
      assert.ok(!kept.includes(s), `the journal shows ${s}`);
      assert.ok(!log.includes(s), `the log shows ${s}`);
    }
    const lines = log
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = lines.find((l) => l.msg === "request completed" && l.app_id === "cli_mistyped");
    assert.ok(done, log);
    assert.equal(done.code, 10003);
    assert.equal(done.vendor_msg, "invalid param");
    assert.equal(done.operation, "tenant_access_token");
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
