/**
 * Emulator controls, the clock (runs on both drivers): read it, advance it (ms or a duration), set
 * it forward, freeze and unfreeze it; a move back is 409, a bad body names its field, the controls
 * answer 403 when off and 401 without the admin token. What follows the clock: token lifetimes,
 * the 30-minute token reuse, expiry of what a user shows, audit times.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertError, BASE, LEAVE, T0, type TestApp } from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

interface ClockView {
  now_ms: number;
  now_at: string;
  frozen: boolean;
  offset_ms: number;
}

const emulated = (fn: (t: TestApp) => Promise<void>) => withAdmin(fn, { emulator: true });
const getClock = async (t: TestApp) => ok<ClockView>(await admin(t, "GET", "/emulator/clock"));
const move = async (t: TestApp, body: unknown) => ok<ClockView>(await admin(t, "POST", "/emulator/clock", body));
const H = 3_600_000;

describe("emulator: the clock", () => {
  test("reads the wall clock until moved; advance by ms and by a duration; set forward", async () => {
    await emulated(async (t) => {
      assert.deepEqual(await getClock(t), { now_ms: T0, now_at: new Date(T0).toISOString(), frozen: false, offset_ms: 0 });
      assert.deepEqual(await move(t, { advance_ms: 1500 }), {
        now_ms: T0 + 1500,
        now_at: new Date(T0 + 1500).toISOString(),
        frozen: false,
        offset_ms: 1500,
      });
      assert.equal((await move(t, { advance: "90m" })).now_ms, T0 + 1500 + 90 * 60_000);
      // The wall clock runs on under the offset.
      t.clock.advance(1000);
      assert.equal((await getClock(t)).now_ms, T0 + 2500 + 90 * 60_000);
      const target = T0 + 10 * 86_400_000;
      assert.deepEqual(await move(t, { set_ms: target }), {
        now_ms: target,
        now_at: new Date(target).toISOString(),
        frozen: false,
        offset_ms: target - (T0 + 1000),
      });
      // Setting it to now exactly is no move back.
      assert.equal((await move(t, { set_ms: target })).now_ms, target);
    });
  });

  test("frozen, it stands still while the wall clock runs; advance moves it; unfrozen it runs on from there", async () => {
    await emulated(async (t) => {
      assert.equal((await move(t, { frozen: true })).frozen, true);
      t.clock.advance(5000);
      assert.equal((await getClock(t)).now_ms, T0);
      assert.deepEqual(await move(t, { advance: "2h" }), {
        now_ms: T0 + 2 * H,
        now_at: new Date(T0 + 2 * H).toISOString(),
        frozen: true,
        offset_ms: 2 * H - 5000,
      });
      const thawed = await move(t, { frozen: false });
      assert.equal(thawed.frozen, false);
      assert.equal(thawed.now_ms, T0 + 2 * H);
      t.clock.advance(700);
      assert.equal((await getClock(t)).now_ms, T0 + 2 * H + 700);
    });
  });

  test("moving back is 409 and changes nothing", async () => {
    await emulated(async (t) => {
      await move(t, { advance: "1h" });
      const p = assertProblem(await admin(t, "POST", "/emulator/clock", { set_ms: T0 }), { ...P.conflict, field: "set_ms" });
      assert.match(p.detail as string, /only moves forward/);
      assert.equal((await getClock(t)).now_ms, T0 + H);
    });
  });

  test("a bad body names its field and changes nothing", async () => {
    await emulated(async (t) => {
      const cases: Array<[unknown, string]> = [
        [{}, "body"],
        [{ advance_ms: 1, frozen: true }, "frozen"],
        [{ advance_ms: -1 }, "advance_ms"],
        [{ advance_ms: 1.5 }, "advance_ms"],
        [{ advance_ms: "10" }, "advance_ms"],
        [{ advance: "10x" }, "advance"],
        [{ advance: "-1h" }, "advance"],
        [{ advance: "5ms" }, "advance"],
        [{ set_ms: "soon" }, "set_ms"],
        [{ frozen: "yes" }, "frozen"],
        [{ advnce: "1h" }, "advnce"],
        [{ advance_ms: 8.64e15 }, "advance_ms"],
      ];
      for (const [body, field] of cases) {
        assertProblem(await admin(t, "POST", "/emulator/clock", body), P.invalid(field));
      }
      assertProblem(await admin(t, "POST", "/emulator/clock", "{"), P.invalid("body"));
      assert.deepEqual(await getClock(t), { now_ms: T0, now_at: new Date(T0).toISOString(), frozen: false, offset_ms: 0 });
    });
  });

  test("401 without the admin token, with nothing changed", async () => {
    await emulated(async (t) => {
      assertProblem(await admin(t, "POST", "/emulator/clock", { advance: "1h" }, null), P.unauthorized);
      assertProblem(
        await admin(t, "POST", "/emulator/clock", { advance: "1h" }, "lsa_wrong-token-000000000000000000000"),
        P.unauthorized,
      );
      assert.equal((await getClock(t)).now_ms, T0);
    });
  });

  test("with the controls off: 403 saying how to turn them on", async () => {
    await withAdmin(async (t) => {
      for (const [method, body] of [
        ["GET", undefined],
        ["POST", { advance: "1h" }],
      ] as const) {
        const p = assertProblem(await admin(t, method, "/emulator/clock", body), { status: 403, kind: "forbidden" });
        assert.match(p.detail as string, /--emulator on/);
      }
      // Off, the controls' input is not even looked at: a bad body or query is 403 too.
      assertProblem(await admin(t, "POST", "/emulator/clock", { advance: "soon" }), { status: 403, kind: "forbidden" });
      assertProblem(await admin(t, "POST", "/emulator/snapshots", { name: "a b" }), { status: 403, kind: "forbidden" });
      assertProblem(await admin(t, "GET", "/emulator/journal?operation=nope"), { status: 403, kind: "forbidden" });
      assertProblem(await admin(t, "POST", "/emulator/faults", { operation: 7 }), { status: 403, kind: "forbidden" });
      // ...and without the admin token it is 401, as every admin call.
      assertProblem(await admin(t, "POST", "/emulator/clock", { advance: "1h" }, null), P.unauthorized);
    });
  });
});

describe("emulator: what follows the clock", () => {
  test("an advance of 2 h expires a token (99991663); the 30-minute reuse follows the clock", async () => {
    await emulated(async (t) => {
      const first = await t.token();
      await move(t, { advance: "90m" });
      assert.equal(await t.token(), first, "reused while 30 minutes or more of it remain");
      await move(t, { advance: "1s" });
      const second = await t.token();
      assert.notEqual(second, first, "a new one in its last 30 minutes");
      await move(t, { advance: "2h" });
      assertError(await t.call({ method: "GET", url: `${BASE}?page_size=5`, token: second }), {
        status: 400,
        code: 99991663,
        msg: "Invalid access token for authorization. Please make a request with token attached.",
      });
    });
  });

  test("rate-limit windows follow the clock: the 101st list in a minute is 99991400, the next minute's first is not", async () => {
    await withAdmin(
      async (t) => {
        // Frozen, so every call falls in one window however slow the machine.
        await move(t, { frozen: true });
        await move(t, { advance_ms: 60_000 - (T0 % 60_000) });
        const token = await t.token();
        const list = () => t.call({ method: "GET", url: `${BASE}?page_size=1`, token });
        for (let i = 0; i < 100; i++) assert.equal((await list()).statusCode, 200);
        assertError(await list(), { status: 429, code: 99991400, msg: "request trigger frequency limit" });
        await move(t, { advance: "59s" });
        assertError(await list(), { status: 429, code: 99991400, msg: "request trigger frequency limit" });
        await move(t, { advance: "1s" });
        assert.equal((await list()).statusCode, 200, "a new window");
      },
      { emulator: true, rateLimit: "vendor" },
    );
  });

  test("what a user shows changes when its end_time passes; audit entries carry the emulated time", async () => {
    await emulated(async (t) => {
      const token = await t.token();
      const end = String(Math.floor(T0 / 1000) + 3600);
      const res = await t.call({
        method: "POST",
        url: `${BASE}/${LEAVE}/batch_open?user_id_type=user_id`,
        token,
        body: { user_list: [{ user_id: "u001", end_time: end }] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const shown = async () =>
        ok<{ shown: { system_status_id: string } | null }>(await admin(t, "GET", "/tenants/a1b2c3d4e5f60718/users/u001/status"))
          .shown;
      assert.equal((await shown())?.system_status_id, LEAVE);
      await move(t, { advance: "59m" });
      assert.equal((await shown())?.system_status_id, LEAVE);
      await move(t, { advance: "1m" });
      assert.equal(await shown(), null);
      const audit = ok<{ items: Array<{ op: string; at_ms: number }> }>(
        await admin(t, "GET", "/audit?op=system_status.batch_open"),
      );
      assert.equal(audit.items[0]?.at_ms, T0);
      await move(t, { advance: "1h" });
      await t.call({
        method: "POST",
        url: `${BASE}/${LEAVE}/batch_close?user_id_type=user_id`,
        token: await t.token(),
        body: { user_list: ["u001"] },
      });
      const closed = ok<{ items: Array<{ at_ms: number }> }>(await admin(t, "GET", "/audit?op=system_status.batch_close"));
      assert.equal(closed.items[0]?.at_ms, T0 + 2 * H);
    });
  });
});
