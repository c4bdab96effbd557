/**
 * batch_close (docs/wire-contract.md §4 and §6, the vendor's page): `success` whether or not the status was
 * open, the per-user failures, 2005006, closing a deleted status, and the effect on what shows.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ACME,
  assertError,
  assertOk,
  GLOBEX,
  GLOBEX_APP,
  GLOBEX_STATUS,
  LEAVE,
  makeApp,
  NARROW_APP,
  openId,
  type TestApp,
  TRIP,
  unionId,
} from "../helpers.js";
import {
  type CloseResult,
  close,
  closeRaw,
  closeUrl,
  del,
  E,
  invalid,
  NO_SUCH_STATUS,
  open,
  openResults,
  withApp,
} from "./support.js";

function inAnHour(t: TestApp): string {
  return String(Math.floor(t.clock.now() / 1000) + 3600);
}

describe("batch_close: results", () => {
  test("success for a user who has it open and for one who does not; the row is closed", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, TRIP, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
      const res = await closeRaw(t, tok, TRIP, [openId("u001"), openId("u004")]);
      assert.deepEqual(assertOk<{ result_list: CloseResult[] }>(res), {
        result_list: [
          { user_id: openId("u001"), result: "success" },
          { user_id: openId("u004"), result: "success" },
        ],
      });
      const rows = await t.store.userStatuses(ACME, "u001");
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.open, false);
      assert.deepEqual(await t.store.userStatuses(ACME, "u004"), []);
    });
  });

  test("closing twice is success both times (idempotent)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(await close(t, tok, LEAVE, [openId("u001")]), [{ user_id: openId("u001"), result: "success" }]);
      }
      assert.equal((await t.store.userStatuses(ACME, "u001"))[0]?.open, false);
    });
  });

  test("invalid, resigned and (for the narrow app) invisible users, in input order", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const ids = [
        "ou_00000000000000000000000000000000",
        openId("u002"),
        "garbage",
        openId("u001", NARROW_APP.app_id),
        openId("u003"),
        unionId("u004"),
      ];
      assert.deepEqual(await close(t, tok, TRIP, ids), [
        { user_id: ids[0], result: "invalid_user_id" },
        { user_id: ids[1], result: "resign_user_id" },
        { user_id: ids[2], result: "invalid_user_id" },
        { user_id: ids[3], result: "invalid_user_id" },
        { user_id: ids[4], result: "success" },
        { user_id: ids[5], result: "invalid_user_id" },
      ]);

      const narrow = await t.token(NARROW_APP);
      const nids = ["u001", "u004", "u002", "u003"].map((u) => openId(u, NARROW_APP.app_id));
      assert.deepEqual(
        (await close(t, narrow, TRIP, nids)).map((r) => [r.user_id, r.result]),
        [
          [nids[0], "success"],
          [nids[1], "invisible_user_id"],
          [nids[2], "resign_user_id"],
          [nids[3], "success"],
        ],
      );
    });
  });

  test("an invisible user's open status is not closed by the narrow app", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, TRIP, [{ user_id: openId("u004"), end_time: inAnHour(t) }]);
      const narrow = await t.token(NARROW_APP);
      assert.deepEqual(
        (await close(t, narrow, TRIP, [openId("u004", NARROW_APP.app_id)])).map((r) => r.result),
        ["invisible_user_id"],
      );
      assert.equal((await t.store.userStatuses(ACME, "u004"))[0]?.open, true);
    });
  });

  test("union_id and user_id types echo the ids as sent", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, TRIP, [{ user_id: openId("u004"), end_time: inAnHour(t) }]);
      assert.deepEqual(await close(t, tok, TRIP, [unionId("u004"), unionId("u002"), openId("u001")], "union_id"), [
        { user_id: unionId("u004"), result: "success" },
        { user_id: unionId("u002"), result: "resign_user_id" },
        { user_id: openId("u001"), result: "invalid_user_id" },
      ]);
      assert.equal((await t.store.userStatuses(ACME, "u004"))[0]?.open, false);

      await open(t, tok, TRIP, [{ user_id: "u005", end_time: inAnHour(t) }], "user_id");
      assert.deepEqual(await close(t, tok, TRIP, ["u005", "u002", "nobody"], "user_id"), [
        { user_id: "u005", result: "success" },
        { user_id: "u002", result: "resign_user_id" },
        { user_id: "nobody", result: "invalid_user_id" },
      ]);
      assert.equal((await t.store.userStatuses(ACME, "u005"))[0]?.open, false);
    });
  });

  test("closing only closes that status, not the user's others", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, TRIP, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
      await open(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
      await close(t, tok, TRIP, [openId("u001")]);
      const rows = await t.store.userStatuses(ACME, "u001");
      assert.deepEqual(
        rows.map((r) => [r.system_status_id, r.open]).sort(),
        [
          [LEAVE, true],
          [TRIP, false],
        ].sort(),
      );
    });
  });

  test("after closing TRIP, LEAVE is what shows: re-opening LEAVE reports success_show", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const u = [{ user_id: openId("u001"), end_time: inAnHour(t) }];
      assert.deepEqual(await openResults(t, tok, TRIP, u), ["success_show"]);
      assert.deepEqual(await openResults(t, tok, LEAVE, u), ["success_user_in_higher_priority_system_status"]);
      await close(t, tok, TRIP, [openId("u001")]);
      assert.deepEqual(await openResults(t, tok, LEAVE, u), ["success_show"]);
      // Re-opening TRIP shows it again (priority 1 beats 2).
      assert.deepEqual(await openResults(t, tok, TRIP, u), ["success_show"]);
    });
  });

  test("a deleted status can still be closed for users who show it", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, TRIP, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
      await del(t, tok, TRIP);
      assert.deepEqual(await close(t, tok, TRIP, [openId("u001"), openId("u004")]), [
        { user_id: openId("u001"), result: "success" },
        { user_id: openId("u004"), result: "success" },
      ]);
      assert.equal((await t.store.userStatuses(ACME, "u001"))[0]?.open, false);
      // With TRIP closed, LEAVE shows.
      assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: inAnHour(t) }]), ["success_show"]);
    });
  });
});

describe("batch_close: errors", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
    await open(t, tok, TRIP, [{ user_id: openId("u001"), end_time: inAnHour(t) }]);
  });
  after(async () => {
    await t.close();
  });

  async function u001StillOpen(): Promise<void> {
    const rows = await t.store.userStatuses(ACME, "u001");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.open, true);
  }

  const foreign: Array<[string, string, string | undefined]> = [
    ["an open_id of a Globex user", openId("g001", GLOBEX_APP.app_id, GLOBEX), undefined],
    ["an open_id of Globex's u001", openId("u001", GLOBEX_APP.app_id, GLOBEX), "open_id"],
    ["a union_id of a Globex user", unionId("g001", GLOBEX), "union_id"],
  ];
  for (const [name, id, idType] of foreign) {
    test(`${name} → 2005006 and nobody in the batch is closed`, async () => {
      const mine = idType === "union_id" ? unionId("u001") : openId("u001");
      assertError(await closeRaw(t, tok, TRIP, [mine, id], idType), E.OTHER_TENANT_USER);
      await u001StillOpen();
    });
  }

  const bodies: Array<[string, unknown, string]> = [
    ["user_list missing", {}, "user_list"],
    ["user_list empty", { user_list: [] }, "user_list"],
    ["51 ids", { user_list: Array.from({ length: 51 }, () => openId("u001")) }, "user_list"],
    ["user_list a string", { user_list: openId("u001") }, "user_list"],
    ["an id that is a number", { user_list: [openId("u001"), 5] }, "user_list[1]"],
    ["an id that is an object", { user_list: [{ user_id: openId("u001") }] }, "user_list[0]"],
  ];
  for (const [name, body, field] of bodies) {
    test(`${name} → 2005001 on ${field}, nothing closed`, async () => {
      assertError(await t.call({ method: "POST", url: closeUrl(TRIP), token: tok, body }), invalid(field));
      await u001StillOpen();
    });
  }

  test("50 ids are accepted", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => openId(`u00${(i % 5) + 2}`));
    const results = await close(t, tok, TRIP, ids);
    assert.equal(results.length, 50);
    assert.deepEqual(
      results.slice(0, 5).map((r) => r.result),
      ["resign_user_id", "success", "success", "success", "success"],
    );
  });

  test("invalid user_id_type → 2005001 on user_id_type", async () => {
    assertError(await closeRaw(t, tok, TRIP, [openId("u001")], "mobile"), invalid("user_id_type"));
    await u001StillOpen();
  });

  test("unknown, malformed and other-tenant status ids → 2005001 on system_status_id", async () => {
    for (const id of [NO_SUCH_STATUS, "x", "71012146036229400011", GLOBEX_STATUS]) {
      assertError(await closeRaw(t, tok, id, [openId("u001")]), invalid("system_status_id"));
    }
    await u001StillOpen();
  });

  test("an unknown status with a foreign id → 2005001 (existence before 2005006)", async () => {
    assertError(await closeRaw(t, tok, NO_SUCH_STATUS, [openId("g001", GLOBEX_APP.app_id, GLOBEX)]), invalid("system_status_id"));
  });
});
