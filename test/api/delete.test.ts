/**
 * delete (docs/wire-contract.md §4): `data: {}`; the status no longer lists, frees its names and priority and no
 * longer counts toward the 10; users showing it keep it until their end_time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertError, assertOk, GLOBEX_APP, GLOBEX_STATUS, LEAVE, openId, TRIP } from "../helpers.js";
import {
  create,
  createRaw,
  deleteRaw,
  E,
  invalid,
  listAll,
  NO_SUCH_STATUS,
  openResults,
  patchRaw,
  statusBody,
  withApp,
} from "./support.js";

test("delete answers data: {} and the status no longer lists", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const res = await deleteRaw(t, tok, LEAVE);
    assert.deepEqual(assertOk(res), {});
    assert.deepEqual(res.json(), { code: 0, msg: "success", data: {} });
    assert.deepEqual(
      (await listAll(t, tok)).map((s) => s.system_status_id),
      [TRIP],
    );
  });
});

test("deleting again, or patching a deleted status → 2005001 on system_status_id", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    assertOk(await deleteRaw(t, tok, LEAVE));
    assertError(await deleteRaw(t, tok, LEAVE), invalid("system_status_id"));
    assertError(
      await patchRaw(t, tok, LEAVE, { system_status: { color: "RED" }, update_fields: ["COLOR"] }),
      invalid("system_status_id"),
    );
  });
});

test("a deleted status frees its title, its i18n titles and its priority", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    assertError(await createRaw(t, tok, statusBody("请假", 2)), E.DUPLICATE_NAME);
    assertOk(await deleteRaw(t, tok, LEAVE));
    const again = await create(t, tok, statusBody("请假", 2, { i18n_title: { en_us: "On leave" } }));
    assert.notEqual(again.system_status_id, LEAVE);
    assert.equal(again.priority, 2);
    assert.deepEqual(
      (await listAll(t, tok)).map((s) => s.system_status_id),
      [TRIP, again.system_status_id],
    );
  });
});

test("a deleted status no longer counts toward the 10", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
    assertError(await createRaw(t, tok, statusBody("第十一", 2)), E.STATUS_LIMIT);
    assertOk(await deleteRaw(t, tok, LEAVE));
    const s = await create(t, tok, statusBody("第十一", 2));
    assert.equal(s.priority, 2);
    assert.equal((await listAll(t, tok)).length, 10);
    assertError(await createRaw(t, tok, statusBody("第十二", 1)), E.STATUS_LIMIT);
  });
});

test("unknown, malformed and other-tenant ids → 2005001 on system_status_id", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    for (const id of [NO_SUCH_STATUS, "abc", "123", "71012146036229400011", GLOBEX_STATUS]) {
      assertError(await deleteRaw(t, tok, id), invalid("system_status_id"));
    }
    // Globex's status is still there.
    const globex = await t.token(GLOBEX_APP);
    assert.deepEqual(
      (await listAll(t, globex)).map((s) => s.system_status_id),
      [GLOBEX_STATUS],
    );
  });
});

test("users showing a deleted status keep showing it until their end_time", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const end = String(t.clock.now() / 1000 + 3600);
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u001"), end_time: end }]), ["success_show"]);
    assertOk(await deleteRaw(t, tok, TRIP));
    // TRIP (priority 1) is still shown over LEAVE (priority 2).
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: end }]), [
      "success_user_in_higher_priority_system_status",
    ]);
    const rows = await t.store.userStatuses("a1b2c3d4e5f60718", "u001");
    const trip = rows.find((r) => r.system_status_id === TRIP);
    assert.equal(trip?.open, true);
    assert.equal(trip?.end_time, Number(end));
    // Once it ends, LEAVE shows.
    t.clock.advance(3600 * 1000);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(Number(end) + 60) }]), [
      "success_show",
    ]);
  });
});
