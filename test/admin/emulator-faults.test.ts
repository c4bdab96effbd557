/**
 * Emulator controls, fault injection (runs on both drivers): add, list and remove rules; each bad
 * rule names its field; 401 without the admin token, 403 when off. What a rule does: a catalog
 * error with its real status and envelope (after the call's own checks), latency in real time, a
 * seeded probability that repeats across fresh servers, `times`, and per-user `fail` in batches
 * (nothing changes for those users, the audit says fail, the other users' results are the real ones).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SCOPE_STATUS_UPDATE } from "../../src/domain/model.js";
import type { FaultView } from "../../src/emulator/faults.js";
import { mulberry32 } from "../../src/emulator/prng.js";
import { ERRORS } from "../../src/errors/codes.js";
import {
  ACME,
  APP,
  assertError,
  assertOk,
  BASE,
  inSeconds,
  LEAVE,
  makeApp,
  NARROW_APP,
  openId,
  T0,
  type TestApp,
  TRIP,
} from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

const emulated = (fn: (t: TestApp) => Promise<void>) => withAdmin(fn, { emulator: true });
const addFault = async (t: TestApp, rule: Record<string, unknown>) =>
  ok<FaultView>(await admin(t, "POST", "/emulator/faults", rule), 201);
const faults = async (t: TestApp) => ok<{ items: FaultView[] }>(await admin(t, "GET", "/emulator/faults")).items;
const TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const RATE = { status: 429, code: 99991400, msg: ERRORS.RATE_LIMITED.msg };

const shown = async (t: TestApp, userId: string) =>
  ok<{ shown: { system_status_id: string } | null }>(await admin(t, "GET", `/tenants/${ACME}/users/${userId}/status`)).shown
    ?.system_status_id ?? null;

const open = (t: TestApp, token: string, statusId: string, users: string[]) =>
  t.call({
    method: "POST",
    url: `${BASE}/${statusId}/batch_open?user_id_type=user_id`,
    token,
    body: { user_list: users.map((user_id) => ({ user_id, end_time: inSeconds(t, 3600) })) },
  });

/** The batch inputs a user-fail rule with `seed` and `p` fails (one draw for the rule, then one per user). */
function expectedFails(seed: number, p: number, users: number): number[] {
  const next = mulberry32(seed);
  next();
  return Array.from({ length: users }, (_, i) => i).filter(() => next() < p);
}

/** The first seed whose user fails for `users` inputs at `p` are exactly `want`. */
function seedFailing(want: number[], p: number, users: number): number {
  for (let seed = 1; seed < 100_000; seed++)
    if (JSON.stringify(expectedFails(seed, p, users)) === JSON.stringify(want)) return seed;
  throw new Error("no such seed");
}

describe("emulator: the fault rules", () => {
  test("add (201, defaults filled), list in order, remove one (204, then 404), remove all (204)", async () => {
    await emulated(async (t) => {
      const a = await addFault(t, { operation: "system_status.list", error_code: 99991400 });
      assert.deepEqual(a, { id: a.id, operation: "system_status.list", probability: 1, error_code: 99991400, matched: 0 });
      assert.match(a.id, /^flt_[0-9]+$/);
      const b = await addFault(t, {
        operation: "system_status.batch_open",
        probability: 0.25,
        latency_ms: 5,
        user_fail_probability: 0.5,
        times: 3,
        seed: 7,
      });
      assert.deepEqual(b, {
        id: b.id,
        operation: "system_status.batch_open",
        probability: 0.25,
        latency_ms: 5,
        user_fail_probability: 0.5,
        times: 3,
        remaining: 3,
        seed: 7,
        matched: 0,
      });
      const c = await addFault(t, { operation: "*", latency_ms: 1 });
      assert.deepEqual(
        (await faults(t)).map((f) => f.id),
        [a.id, b.id, c.id],
      );
      const del = await admin(t, "DELETE", `/emulator/faults/${b.id}`);
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, "");
      assertProblem(await admin(t, "DELETE", `/emulator/faults/${b.id}`), P.notFound);
      assertProblem(await admin(t, "DELETE", "/emulator/faults/flt_999"), P.notFound);
      assert.deepEqual(
        (await faults(t)).map((f) => f.id),
        [a.id, c.id],
      );
      assert.equal((await admin(t, "DELETE", "/emulator/faults")).statusCode, 204);
      assert.deepEqual(await faults(t), []);
      // Ids are never reused.
      assert.notEqual((await addFault(t, { operation: "*", latency_ms: 1 })).id, c.id);
    });
  });

  test("a bad rule names its field, with a suggestion for a mistyped operation, and adds nothing", async () => {
    await emulated(async (t) => {
      const cases: Array<[unknown, string]> = [
        [{ operation: "system_status.batch_opn", error_code: 99991400 }, "operation"],
        [{ operation: "nothing", error_code: 99991400 }, "operation"],
        [{ error_code: 99991400 }, "operation"],
        [{ operation: 5, error_code: 99991400 }, "operation"],
        [{ operation: "*", error_code: 12345 }, "error_code"],
        [{ operation: "*", error_code: 0 }, "error_code"],
        [{ operation: "*", error_code: "99991400" }, "error_code"],
        [{ operation: "*", error_code: 99991400, probability: 1.5 }, "probability"],
        [{ operation: "*", error_code: 99991400, probability: -0.1 }, "probability"],
        [{ operation: "*", latency_ms: 60_001 }, "latency_ms"],
        [{ operation: "*", latency_ms: -1 }, "latency_ms"],
        [{ operation: "*", latency_ms: 1.5 }, "latency_ms"],
        [{ operation: "system_status.list", user_fail_probability: 0.5 }, "user_fail_probability"],
        [{ operation: "*", user_fail_probability: 0.5 }, "user_fail_probability"],
        [{ operation: "system_status.batch_open", user_fail_probability: 2 }, "user_fail_probability"],
        [{ operation: "system_status.batch_open", user_fail_probability: 0.5, error_code: 99991400 }, "user_fail_probability"],
        [{ operation: "*", error_code: 99991400, times: 0 }, "times"],
        [{ operation: "*", error_code: 99991400, seed: 1.5 }, "seed"],
        [{ operation: "*", error_code: 99991400, seed: -1 }, "seed"],
        [{ operation: "*", latency_ms: 10, probability: 0.5 }, "probability"],
        [{ operation: "*" }, "body"],
        [{ operation: "*", latency_ms: 0 }, "body"],
        [{ operation: "*", latency_ms: 10, colour: "red" }, "colour"],
      ];
      for (const [body, field] of cases) {
        assertProblem(await admin(t, "POST", "/emulator/faults", body), P.invalid(field));
      }
      const p = assertProblem(
        await admin(t, "POST", "/emulator/faults", { operation: "system_status.batch_opn", error_code: 99991400 }),
        P.invalid("operation"),
      );
      assert.match(p.detail as string, /did you mean "system_status.batch_open"/);
      assertProblem(await admin(t, "POST", "/emulator/faults", "{"), P.invalid("body"));
      assert.deepEqual(await faults(t), []);
    });
  });

  test("401 without the admin token, with nothing changed; 403 when the controls are off", async () => {
    await emulated(async (t) => {
      const a = await addFault(t, { operation: "*", latency_ms: 1 });
      const rule = { operation: "*", latency_ms: 1 };
      for (const [method, path, body] of [
        ["GET", "/emulator/faults", undefined],
        ["POST", "/emulator/faults", rule],
        ["DELETE", "/emulator/faults", undefined],
        ["DELETE", `/emulator/faults/${a.id}`, undefined],
      ] as const) {
        assertProblem(await admin(t, method, path, body, null), P.unauthorized);
        assertProblem(await admin(t, method, path, body, "lsa_wrong-token-000000000000000000000"), P.unauthorized);
      }
      assert.deepEqual(
        (await faults(t)).map((f) => f.id),
        [a.id],
      );
    });
    await withAdmin(async (t) => {
      for (const [method, path, body] of [
        ["GET", "/emulator/faults", undefined],
        ["POST", "/emulator/faults", { operation: "*", latency_ms: 1 }],
        ["DELETE", "/emulator/faults", undefined],
        ["DELETE", "/emulator/faults/flt_1", undefined],
      ] as const) {
        const p = assertProblem(await admin(t, method, path, body), { status: 403, kind: "forbidden" });
        assert.match(p.detail as string, /--emulator on/);
      }
    });
  });
});

describe("emulator: what a fault rule does", () => {
  test("a catalog error with its real status and envelope, for the operation named only; nothing changes", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "system_status.batch_open", error_code: ERRORS.TENANT_NO_PERMISSION.code });
      await addFault(t, { operation: "system_status.list", error_code: RATE.code });
      await addFault(t, { operation: "tenant_access_token", error_code: ERRORS.APP_SECRET_INVALID.code });
      assertError(await open(t, token, LEAVE, ["u001"]), { status: 400, code: 2005007, msg: ERRORS.TENANT_NO_PERMISSION.msg });
      assert.equal(await shown(t, "u001"), null, "nothing opened");
      const listed = await t.call({ method: "GET", url: BASE, token });
      assertError(listed, RATE);
      assert.equal(listed.headers["x-ogw-ratelimit-limit"], "100");
      assert.equal(listed.headers["x-ogw-ratelimit-reset"], "1");
      assertError(await t.call({ method: "POST", url: TOKEN_URL, body: APP }), {
        status: 400,
        code: 10014,
        msg: ERRORS.APP_SECRET_INVALID.msg,
      });
      // Other operations run as usual.
      const created = await t.call({
        method: "POST",
        url: BASE,
        token,
        body: { title: "Away", icon_key: "GeneralBusinessTrip" },
      });
      assertOk(created);
      // Each rule counted its calls.
      assert.deepEqual(
        (await faults(t)).map((f) => f.matched),
        [1, 1, 1],
      );
    });
  });

  test("99991672 names the operation's scope (none on a token endpoint)", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "*", error_code: ERRORS.SCOPE_REQUIRED.code });
      const listed = assertError(await t.call({ method: "GET", url: BASE, token }), {
        status: 400,
        code: 99991672,
        msg: ERRORS.SCOPE_REQUIRED.msg.replace("{scope}", SCOPE_STATUS_UPDATE),
      });
      assert.deepEqual((listed.error as { permission_violations: unknown }).permission_violations, [
        {
          type: "action_scope_required",
          subject: SCOPE_STATUS_UPDATE,
          description: `the app lacks the scope ${SCOPE_STATUS_UPDATE}`,
        },
      ]);
      assertError(await t.call({ method: "POST", url: TOKEN_URL, body: APP }), {
        status: 400,
        code: 99991672,
        msg: ERRORS.SCOPE_REQUIRED.msg.replace("{scope}", ""),
      });
    });
  });

  test("a call that fails its own checks keeps its real error (token, scope, validation) and is not counted", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "*", error_code: ERRORS.INTERNAL.code });
      assertError(await t.call({ method: "GET", url: BASE }), {
        status: 400,
        code: 99991661,
        msg: ERRORS.MISSING_TOKEN.msg,
      });
      assertError(await t.call({ method: "GET", url: `${BASE}?page_size=0`, token }), {
        status: 400,
        code: 2005001,
        msg: ERRORS.INVALID_PARAMETER.msg,
        field: "page_size",
      });
      assertError(await t.call({ method: "POST", url: TOKEN_URL, body: { app_id: 5 } }), {
        status: 400,
        code: 10003,
        msg: ERRORS.INVALID_PARAM.msg,
      });
      assert.equal((await faults(t))[0]?.matched, 0);
      assertError(await t.call({ method: "GET", url: BASE, token }), { status: 500, code: 99991500, msg: ERRORS.INTERNAL.msg });
    });
  });

  test("latency: the call waits at least latency_ms of real time; the emulated clock does not move", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "system_status.list", latency_ms: 300 });
      const start = performance.now();
      assertOk(await t.call({ method: "GET", url: BASE, token }));
      const took = performance.now() - start;
      assert.ok(took >= 295, `took ${took} ms`);
      assert.ok(took < 5_000, `took ${took} ms`);
      assert.equal(t.emulator?.clock.now(), T0);
      // Another operation is not slowed.
      const other = performance.now();
      await t.token();
      assert.ok(performance.now() - other < 300);
    });
  });

  test("probability with a seed: the same answers, call after call, on two fresh servers; another seed differs", async () => {
    const run = async (seed: number) => {
      const t = await makeApp({ emulator: true });
      try {
        const token = await t.token();
        await addFault(t, { operation: "system_status.list", error_code: RATE.code, probability: 0.5, seed });
        const codes: number[] = [];
        for (let i = 0; i < 40; i++) codes.push((await t.call({ method: "GET", url: BASE, token })).json().code);
        return codes;
      } finally {
        await t.close();
      }
    };
    const first = await run(42);
    assert.deepEqual(await run(42), first);
    assert.ok(first.includes(0) && first.includes(RATE.code), JSON.stringify(first));
    // The draws are the seeded PRNG's, one per call.
    const next = mulberry32(42);
    assert.deepEqual(
      first,
      first.map(() => (next() < 0.5 ? RATE.code : 0)),
    );
    assert.notDeepEqual(await run(43), first);
  });

  test("times: the rule answers N matching calls, then goes", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      const rule = await addFault(t, { operation: "system_status.list", error_code: RATE.code, times: 2 });
      assertError(await t.call({ method: "GET", url: BASE, token }), RATE);
      assert.deepEqual((await faults(t))[0], { ...rule, remaining: 1, matched: 1 });
      assertError(await t.call({ method: "GET", url: BASE, token }), RATE);
      assert.deepEqual(await faults(t), []);
      assertOk(await t.call({ method: "GET", url: BASE, token }));
    });
  });

  test("user fails in batch_open: nothing changes for them, the audit says fail, the others get their real results", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      // u004 shows TRIP (priority 1): opening LEAVE (priority 2) for u004 is done but not shown.
      assertOk(await open(t, token, TRIP, ["u004"]));
      const seed = seedFailing([2], 0.5, 3);
      await addFault(t, { operation: "system_status.batch_open", user_fail_probability: 0.5, seed });
      const data = assertOk<{ result_list: Array<{ user_id: string; result: string }> }>(
        await open(t, token, LEAVE, ["u001", "u004", "u005"]),
      );
      assert.deepEqual(
        data.result_list.map((r) => [r.user_id, r.result]),
        [
          ["u001", "success_show"],
          ["u004", "success_user_in_higher_priority_system_status"],
          ["u005", "fail"],
        ],
      );
      assert.equal(await shown(t, "u001"), LEAVE);
      assert.equal(await shown(t, "u004"), TRIP);
      assert.equal(await shown(t, "u005"), null, "nothing changed for the failed user");
      const status = ok<{ statuses: Array<{ system_status_id: string }> }>(
        await admin(t, "GET", `/tenants/${ACME}/users/u005/status`),
      );
      assert.deepEqual(status.statuses, [], "no row was written for it");
      const audit = ok<{ items: Array<{ results: Array<{ user_id: string; result: string }> }> }>(
        await admin(t, "GET", "/audit?op=system_status.batch_open&limit=1"),
      );
      assert.deepEqual(audit.items[0]?.results, data.result_list);
      // The failed user is named by the entry: the audit's user filter finds the call.
      const forU005 = ok<{ items: Array<{ results: unknown }> }>(
        await admin(t, "GET", "/audit?op=system_status.batch_open&user_id=u005"),
      );
      assert.deepEqual(forU005.items[0]?.results, data.result_list);
    });
  });

  test("user fails come after the per-user checks: invalid and resigned ids keep their results", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "system_status.batch_open", user_fail_probability: 1 });
      const data = assertOk<{ result_list: Array<{ user_id: string; result: string }> }>(
        await open(t, token, LEAVE, ["nobody", "u002", "u001"]),
      );
      assert.deepEqual(
        data.result_list.map((r) => r.result),
        ["invalid_user_id", "resign_user_id", "fail"],
      );
      assert.equal(await shown(t, "u001"), null);
    });
  });

  test("an invisible user keeps invisible_user_id under user fails; the visible one fails", async () => {
    await emulated(async (t) => {
      // The narrow app sees u001 and u003 only, and reads open_ids.
      const token = await t.token(NARROW_APP);
      await addFault(t, { operation: "system_status.batch_open", user_fail_probability: 1 });
      const ids = [openId("u004", NARROW_APP.app_id), openId("u001", NARROW_APP.app_id)];
      const data = assertOk<{ result_list: Array<{ user_id: string; result: string }> }>(
        await t.call({
          method: "POST",
          url: `${BASE}/${LEAVE}/batch_open`,
          token,
          body: { user_list: ids.map((user_id) => ({ user_id, end_time: inSeconds(t, 3600) })) },
        }),
      );
      assert.deepEqual(
        data.result_list.map((r) => [r.user_id, r.result]),
        [
          [ids[0], "invisible_user_id"],
          [ids[1], "fail"],
        ],
      );
      assert.equal(await shown(t, "u001"), null);
    });
  });

  test("user fails in batch_close: the failed users still show the status, the others are closed", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      assertOk(await open(t, token, LEAVE, ["u001", "u004", "u005"]));
      const seed = seedFailing([0, 2], 0.5, 3);
      await addFault(t, { operation: "system_status.batch_close", user_fail_probability: 0.5, seed });
      const data = assertOk<{ result_list: Array<{ user_id: string; result: string }> }>(
        await t.call({
          method: "POST",
          url: `${BASE}/${LEAVE}/batch_close?user_id_type=user_id`,
          token,
          body: { user_list: ["u001", "u004", "u005"] },
        }),
      );
      assert.deepEqual(
        data.result_list.map((r) => r.result),
        ["fail", "success", "fail"],
      );
      assert.equal(await shown(t, "u001"), LEAVE);
      assert.equal(await shown(t, "u004"), null);
      assert.equal(await shown(t, "u005"), LEAVE);
      const audit = ok<{ items: Array<{ results: unknown }> }>(
        await admin(t, "GET", "/audit?op=system_status.batch_close&limit=1"),
      );
      assert.deepEqual(audit.items[0]?.results, data.result_list);
    });
  });

  test("every matching rule applies: latencies add up, the first error that fires answers", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      await addFault(t, { operation: "*", latency_ms: 100 });
      await addFault(t, { operation: "system_status.list", latency_ms: 100, error_code: RATE.code });
      await addFault(t, { operation: "system_status.list", error_code: ERRORS.INTERNAL.code });
      const start = performance.now();
      assertError(await t.call({ method: "GET", url: BASE, token }), RATE);
      assert.ok(performance.now() - start >= 195);
      assert.deepEqual(
        (await faults(t)).map((f) => f.matched),
        [1, 1, 1],
      );
      // The journal shows the injected answer, as sent.
      const journal = ok<{ items: Array<{ status: number; response_body: { code: number } }> }>(
        await admin(t, "GET", "/emulator/journal?operation=system_status.list"),
      );
      assert.equal(journal.items[0]?.status, 429);
      assert.equal(journal.items[0]?.response_body.code, RATE.code);
    });
  });
});
