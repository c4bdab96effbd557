/**
 * The effective status of a user (docs/fidelity.md, "Opening and closing"), observed through batch_open
 * results: expiry by the clock, the smallest snapshot priority wins, and a patched status does not
 * change what users already show until it expires or is closed (docs/wire-contract.md §4, patch).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ACME, LEAVE, openId, type TestApp, TRIP } from "../helpers.js";
import { close, create, open, openResults, patch, statusBody, withApp } from "./support.js";

function at(t: TestApp, seconds: number): string {
  return String(Math.floor(t.clock.now() / 1000) + seconds);
}

const U1 = openId("u001");

test("expiry by the clock: TRIP for 60 s; 61 s later LEAVE shows", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 60) }]), ["success_show"]);
    t.clock.advance(61_000);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 60) }]), ["success_show"]);
  });
});

test("expiry boundary: shown 1 s before end_time, gone at end_time", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const u4 = openId("u004");
    await open(t, tok, TRIP, [
      { user_id: U1, end_time: at(t, 60) },
      { user_id: u4, end_time: at(t, 60) },
    ]);
    t.clock.advance(59_000);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 60) }]), [
      "success_user_in_higher_priority_system_status",
    ]);
    t.clock.advance(1_000); // now == end_time: ended
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: u4, end_time: at(t, 60) }]), ["success_show"]);
  });
});

test("an expired status does not hide a lower-priority one, and comes back when reopened", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    await open(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 10) }]);
    await open(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]);
    t.clock.advance(11_000);
    // TRIP ended; reopening it shows it again over LEAVE.
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 60) }]), ["success_show"]);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]), [
      "success_user_in_higher_priority_system_status",
    ]);
  });
});

test("a status whose sync toggle is off is not shown, so a lower-priority one shows", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const u3 = openId("u003");
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: u3, end_time: at(t, 3600) }]), ["success_user_close_syn"]);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: u3, end_time: at(t, 3600) }]), ["success_show"]);
    const rows = await t.store.userStatuses(ACME, "u003");
    const trip = rows.find((r) => r.system_status_id === TRIP);
    assert.equal(trip?.open, true);
    assert.equal(trip?.sync_on, false);
  });
});

test("a patched status does not change an open snapshot; the next open after close takes the new version", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]), ["success_show"]);
    await patch(t, tok, LEAVE, { priority: 0, title: "休假" }, ["PRIORITY", "TITLE"]);

    let leave = (await t.store.userStatuses(ACME, "u001")).find((r) => r.system_status_id === LEAVE);
    assert.equal(leave?.snapshot.priority, 2);
    assert.equal(leave?.snapshot.title, "请假");

    // TRIP (1) beats the LEAVE snapshot (2), although LEAVE is now priority 0.
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 3600) }]), ["success_show"]);

    // Re-opening LEAVE while it is still open keeps the old version.
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]), [
      "success_user_in_higher_priority_system_status",
    ]);
    leave = (await t.store.userStatuses(ACME, "u001")).find((r) => r.system_status_id === LEAVE);
    assert.equal(leave?.snapshot.priority, 2);

    // Closed, then reopened: the new version (priority 0) now beats TRIP.
    await close(t, tok, LEAVE, [U1]);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]), ["success_show"]);
    leave = (await t.store.userStatuses(ACME, "u001")).find((r) => r.system_status_id === LEAVE);
    assert.equal(leave?.snapshot.priority, 0);
    assert.equal(leave?.snapshot.title, "休假");
    assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 3600) }]), [
      "success_user_in_higher_priority_system_status",
    ]);
  });
});

test("after its end_time, a reopened status takes the new version", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    await open(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 60) }]);
    await patch(t, tok, LEAVE, { icon_key: "SICK", color: "RED" }, ["ICON", "COLOR"]);
    t.clock.advance(60_000);
    await open(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 60) }]);
    const leave = (await t.store.userStatuses(ACME, "u001")).find((r) => r.system_status_id === LEAVE);
    assert.equal(leave?.snapshot.icon_key, "SICK");
    assert.equal(leave?.snapshot.color, "RED");
    assert.equal(leave?.end_time, Math.floor(t.clock.now() / 1000) + 60);
  });
});

test("priority is the snapshot's: a new status with priority 0 beats TRIP", async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const top = await create(t, tok, statusBody("最高", 0));
    await open(t, tok, TRIP, [{ user_id: U1, end_time: at(t, 3600) }]);
    assert.deepEqual(await openResults(t, tok, top.system_status_id, [{ user_id: U1, end_time: at(t, 3600) }]), ["success_show"]);
    assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: U1, end_time: at(t, 3600) }]), [
      "success_user_in_higher_priority_system_status",
    ]);
  });
});
