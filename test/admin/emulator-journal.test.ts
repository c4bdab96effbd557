/**
 * Emulator controls, the request journal (runs on both drivers): what it keeps of each request to
 * /open-apis and in which order, its filters, its size bound (entries and bytes per body), clearing
 * it, the redaction of every secret and token value (in the journal and in the log), the log fields
 * of a vendor request (operation, app_id, code, msg), 401 without the admin token and 403 when off.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BODY_MAX_CHARS, type JournalEntry, REDACTED } from "../../src/emulator/journal.js";
import { APP, assertOk, BASE, GLOBEX_APP, inSeconds, LEAVE, T0, type TestApp } from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

const emulated = (fn: (t: TestApp) => Promise<void>, opts: { journalSize?: number } = {}) =>
  withAdmin(fn, { emulator: true, ...opts });
const journal = async (t: TestApp, query = "") =>
  ok<{ items: JournalEntry[] }>(await admin(t, "GET", `/emulator/journal${query}`)).items;
const TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const APP_TOKEN_URL = "/open-apis/auth/v3/app_access_token/internal";

describe("emulator: the journal", () => {
  test("keeps each request to /open-apis, newest first, with what was sent and answered", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      t.clock.advance(1000);
      const body = { user_list: [{ user_id: "u001", end_time: inSeconds(t, 3600) }] };
      const opened = await t.call({ method: "POST", url: `${BASE}/${LEAVE}/batch_open?user_id_type=user_id`, token, body });
      assertOk(opened);
      t.clock.advance(1000);
      const listed = await t.call({ method: "GET", url: `${BASE}?page_size=5`, token });
      // Not the vendor API: not journaled.
      await t.app.inject({ method: "GET", url: "/healthz" });
      await admin(t, "GET", "/emulator/clock");
      const items = await journal(t);
      assert.deepEqual(
        items.map((e) => e.operation),
        ["system_status.list", "system_status.batch_open", "tenant_access_token"],
      );
      const [list, open, tok] = items as [JournalEntry, JournalEntry, JournalEntry];
      assert.equal(open.log_id, opened.headers["x-tt-logid"]);
      assert.equal(open.at_ms, T0 + 1000);
      assert.equal(open.method, "POST");
      assert.equal(open.path, `${BASE}/${LEAVE}/batch_open`);
      assert.equal(open.query, "user_id_type=user_id");
      assert.equal(open.app_id, APP.app_id);
      assert.deepEqual(open.request_body, body);
      assert.equal(open.status, 200);
      assert.deepEqual(open.response_body, opened.json());
      assert.equal(typeof open.duration_ms, "number");
      assert.ok(open.duration_ms >= 0);
      assert.equal(open.request_body_truncated, undefined);
      assert.equal(list.at_ms, T0 + 2000);
      assert.equal(list.method, "GET");
      assert.equal(list.query, "page_size=5");
      assert.equal(list.request_body, null);
      assert.deepEqual(list.response_body, listed.json());
      // A token request is from the body's app_id.
      assert.equal(tok.app_id, APP.app_id);
      assert.equal(tok.at_ms, T0);
    });
  });

  test("errors are kept too: an unknown path (no operation), a bad token, a body that is not JSON (as text)", async () => {
    await emulated(async (t) => {
      await t.call({ method: "GET", url: "/open-apis/nowhere?x=1" });
      await t.call({ method: "POST", url: BASE, token: "t-nosuchtoken", body: { app_id: "cli_spoof", title: "x" } });
      const token = await t.token();
      await t.call({ method: "POST", url: `${BASE}/${LEAVE}/batch_open`, token, body: "not json {" });
      const [bad, , badToken, nowhere] = (await journal(t)) as [JournalEntry, JournalEntry, JournalEntry, JournalEntry];
      assert.equal(nowhere.operation, undefined);
      assert.equal(nowhere.status, 404);
      assert.equal(nowhere.path, "/open-apis/nowhere");
      assert.equal(nowhere.query, "x=1");
      assert.equal((nowhere.response_body as { code: number }).code, 99991201);
      assert.equal(badToken.status, 400);
      assert.equal(badToken.app_id, undefined, "no caller: no app (a status body's app_id is not the caller)");
      assert.equal((badToken.response_body as { code: number }).code, 99991663);
      assert.equal(bad.request_body, "not json {");
      assert.equal((bad.response_body as { code: number }).code, 2005001);
      assert.equal(bad.app_id, APP.app_id);
    });
  });

  test("filters by operation, app_id and status, with a limit; a bad filter names its field", async () => {
    await emulated(async (t) => {
      const acme = await t.token();
      const globex = await t.token(GLOBEX_APP);
      await t.call({ method: "GET", url: BASE, token: acme });
      await t.call({ method: "GET", url: BASE, token: globex });
      await t.call({ method: "GET", url: `${BASE}?page_size=0`, token: acme });
      await t.call({ method: "POST", url: TOKEN_URL, body: { app_id: "cli_typo", app_secret: "x" } });
      const ops = (q: string) => journal(t, q).then((items) => items.map((e) => `${e.operation} ${e.app_id} ${e.status}`));
      assert.deepEqual(await ops("?operation=system_status.list"), [
        `system_status.list ${APP.app_id} 400`,
        `system_status.list ${GLOBEX_APP.app_id} 200`,
        `system_status.list ${APP.app_id} 200`,
      ]);
      assert.deepEqual(await ops(`?app_id=${GLOBEX_APP.app_id}`), [
        `system_status.list ${GLOBEX_APP.app_id} 200`,
        `tenant_access_token ${GLOBEX_APP.app_id} 200`,
      ]);
      assert.deepEqual(await ops("?status=400"), ["tenant_access_token cli_typo 400", `system_status.list ${APP.app_id} 400`]);
      assert.deepEqual(await ops(`?operation=system_status.list&app_id=${APP.app_id}&status=200`), [
        `system_status.list ${APP.app_id} 200`,
      ]);
      assert.deepEqual(await ops("?limit=2"), ["tenant_access_token cli_typo 400", `system_status.list ${APP.app_id} 400`]);
      assert.deepEqual(await ops("?app_id=cli_none"), []);
      const p = assertProblem(await admin(t, "GET", "/emulator/journal?operation=system_status.lst"), P.invalid("operation"));
      assert.match(p.detail as string, /did you mean "system_status.list"/);
      for (const [q, field] of [
        ["status=abc", "status"],
        ["status=99", "status"],
        ["limit=0", "limit"],
        ["limit=10001", "limit"],
        ["colour=red", "colour"],
      ] as const) {
        assertProblem(await admin(t, "GET", `/emulator/journal?${q}`), P.invalid(field));
      }
    });
  });

  test("keeps the last --journal-size requests; 0 keeps none", async () => {
    await emulated(
      async (t) => {
        const token = await t.token();
        for (const size of [1, 2, 3, 4]) await t.call({ method: "GET", url: `${BASE}?page_size=${size}`, token });
        assert.deepEqual(
          (await journal(t)).map((e) => e.query),
          ["page_size=4", "page_size=3", "page_size=2"],
        );
      },
      { journalSize: 3 },
    );
    await emulated(
      async (t) => {
        await t.token();
        assert.deepEqual(await journal(t), []);
      },
      { journalSize: 0 },
    );
  });

  test("a body over 64 KiB is kept cut, as text, and marked", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      const big = { user_list: ["u".repeat(100_000)] };
      const res = await t.call({ method: "POST", url: `${BASE}/${LEAVE}/batch_close?user_id_type=user_id`, token, body: big });
      assert.equal(res.statusCode, 200, res.body);
      const [e] = (await journal(t)) as [JournalEntry];
      for (const [body, cut] of [
        [e.request_body, e.request_body_truncated],
        [e.response_body, e.response_body_truncated],
      ] as const) {
        assert.equal(cut, true);
        assert.equal(typeof body, "string");
        assert.equal((body as string).length, BODY_MAX_CHARS);
      }
      assert.ok((e.request_body as string).startsWith('{"user_list":["uuu'));
      assert.ok((e.response_body as string).startsWith('{"code":0,"msg":"success","data":{"result_list":[{"user_id":"uuu'));
      // A body under the bound is kept whole, as JSON.
      await t.call({ method: "GET", url: BASE, token });
      const [small] = (await journal(t)) as [JournalEntry];
      assert.equal(small.response_body_truncated, undefined);
      assert.equal((small.response_body as { code: number }).code, 0);
    });
  });

  test("DELETE clears it (204)", async () => {
    await emulated(async (t) => {
      await t.token();
      assert.equal((await journal(t)).length, 1);
      const res = await admin(t, "DELETE", "/emulator/journal");
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, "");
      assert.deepEqual(await journal(t), []);
      await t.token();
      assert.equal((await journal(t)).length, 1, "it keeps recording after a clear");
    });
  });

  test("401 without the admin token, with nothing cleared; 403 when the controls are off", async () => {
    await emulated(async (t) => {
      await t.token();
      assertProblem(await admin(t, "GET", "/emulator/journal", undefined, null), P.unauthorized);
      assertProblem(await admin(t, "DELETE", "/emulator/journal", undefined, null), P.unauthorized);
      assertProblem(
        await admin(t, "DELETE", "/emulator/journal", undefined, "lsa_wrong-token-000000000000000000000"),
        P.unauthorized,
      );
      assert.equal((await journal(t)).length, 1);
    });
    await withAdmin(async (t) => {
      for (const method of ["GET", "DELETE"] as const) {
        const p = assertProblem(await admin(t, method, "/emulator/journal"), { status: 403, kind: "forbidden" });
        assert.match(p.detail as string, /--emulator on/);
      }
    });
  });
});

describe("emulator: no secret or token in the journal or the log", () => {
  test("app secrets, issued tokens and the Authorization value are redacted; log lines name operation, app_id and code", async () => {
    const lines: string[] = [];
    await withAdmin(
      async (t) => {
        const tenant = await t.token();
        const app = (await t.call({ method: "POST", url: APP_TOKEN_URL, body: APP })).json() as {
          app_access_token: string;
          tenant_access_token: string;
        };
        // A wrong secret, a body that is not JSON around a secret, a token echoed in a body and a query.
        await t.call({ method: "POST", url: TOKEN_URL, body: { app_id: APP.app_id, app_secret: "wrong-secret-value" } });
        await t.call({ method: "POST", url: TOKEN_URL, body: `{"app_id":"${APP.app_id}","app_secret":"${APP.app_secret}"` });
        await t.call({ method: "POST", url: BASE, token: tenant, body: { title: tenant, icon_key: "GeneralBusinessTrip" } });
        await t.call({ method: "GET", url: `${BASE}?page_token=${app.app_access_token}`, token: app.tenant_access_token });
        await t.call({ method: "GET", url: BASE, token: "t-not-a-real-token-but-secret-anyway-0000" });
        await t.call({ method: "POST", url: `${TOKEN_URL}?app_id=${APP.app_id}&app_secret=${APP.app_secret}`, body: {} });
        await t.call({ method: "POST", url: BASE, token: tenant, body: { title: "Away", icon_key: "GeneralBusinessTrip" } });
        // The complaint: a mistyped app id.
        await t.call({ method: "POST", url: TOKEN_URL, body: { app_id: "cli_mistyped", app_secret: "whatever-it-is" } });

        const kept = JSON.stringify(await journal(t));
        const log = lines.join("");
        const secrets = [
          APP.app_secret,
          "wrong-secret-value",
          "whatever-it-is",
          tenant,
          app.app_access_token,
          app.tenant_access_token,
          "t-not-a-real-token-but-secret-anyway-0000",
        ];
        for (const s of secrets) {
          assert.ok(!kept.includes(s), `the journal shows ${s}`);
          assert.ok(!log.includes(s), `the log shows ${s}`);
        }
        assert.ok(kept.includes(REDACTED));
        const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        const completed = entries.filter((e) => e.msg === "request completed");
        const typo = completed.find((e) => e.app_id === "cli_mistyped");
        assert.ok(typo, log);
        assert.equal(typo.code, 10003);
        assert.equal(typo.vendor_msg, "invalid param");
        assert.equal(typo.operation, "tenant_access_token");
        assert.equal((typo.res as { statusCode: number }).statusCode, 400);
        const typoLines = entries.filter((e) => e.reqId === typo.reqId);
        assert.ok(typoLines.some((e) => e.msg === "incoming request" && e.operation === "tenant_access_token"));
        const created = completed.find((e) => e.operation === "system_status.create" && e.code === 0);
        assert.equal(created?.app_id, APP.app_id);
        assert.equal(created?.code, 0);
        assert.equal(created?.vendor_msg, undefined);
        const badToken = completed.find((e) => e.code === 99991663);
        assert.equal(badToken?.operation, "system_status.list");
      },
      { emulator: true, logStream: { write: (line: string) => void lines.push(line) } },
    );
  });
});
