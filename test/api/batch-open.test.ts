/**
 * batch_open (docs/wire-contract.md §4, "Per-user results", "user_id_type"): end_time rules (whole request),
 * one result per entry in input order, every result kind, id types and tenant isolation.
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
  create,
  del,
  E,
  invalid,
  NO_SUCH_STATUS,
  type OpenResult,
  open,
  openRaw,
  openResults,
  openUrl,
  statusBody,
  withApp,
} from "./support.js";

const DAY = 24 * 3600;

function nowS(t: TestApp): number {
  return Math.floor(t.clock.now() / 1000);
}

describe("batch_open: the response", () => {
  test("string and number end_time are both accepted and echoed as strings", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = nowS(t) + 3600;
      const res = await openRaw(t, tok, TRIP, [
        { user_id: openId("u001"), end_time: String(end) },
        { user_id: openId("u004"), end_time: end + 1 },
      ]);
      const data = assertOk<{ result_list: OpenResult[] }>(res);
      assert.deepEqual(data, {
        result_list: [
          { user_id: openId("u001"), end_time: String(end), result: "success_show" },
          { user_id: openId("u004"), end_time: String(end + 1), result: "success_show" },
        ],
      });
      const rows = await t.store.userStatuses(ACME, "u004");
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.system_status_id, TRIP);
      assert.equal(rows[0]?.open, true);
      assert.equal(rows[0]?.end_time, end + 1);
    });
  });

  test("end_time boundaries: now + 1 s and exactly now + 365 days are accepted", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const results = await open(t, tok, TRIP, [
        { user_id: openId("u001"), end_time: String(nowS(t) + 1) },
        { user_id: openId("u004"), end_time: nowS(t) + 365 * DAY },
      ]);
      assert.deepEqual(
        results.map((r) => [r.end_time, r.result]),
        [
          [String(nowS(t) + 1), "success_show"],
          [String(nowS(t) + 365 * DAY), "success_show"],
        ],
      );
    });
  });

  test("50 entries are accepted, one result each, in input order", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const users = ["u001", "u002", "u003", "u004", "u005"];
      const list = Array.from({ length: 50 }, (_, i) => ({
        user_id: openId(users[i % 5] as string),
        end_time: String(nowS(t) + 60 + i),
      }));
      const results = await open(t, tok, TRIP, list);
      assert.equal(results.length, 50);
      const expected = ["success_show", "resign_user_id", "success_user_close_syn", "success_show", "success_show"];
      results.forEach((r, i) => {
        assert.equal(r.user_id, list[i]?.user_id);
        assert.equal(r.end_time, list[i]?.end_time);
        assert.equal(r.result, expected[i % 5], `entry ${i}`);
      });
      // A user listed several times ends up open.
      const rows = await t.store.userStatuses(ACME, "u001");
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.open, true);
    });
  });
});

describe("batch_open: validation (2005001, nothing applied)", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const now = Date.UTC(2026, 0, 1) / 1000;
  const badEnds: Array<[string, unknown]> = [
    ["now (string)", String(now)],
    ["now (number)", now],
    ["in the past", String(now - 60)],
    ["zero", "0"],
    ["now + 365 days + 1 s", String(now + 365 * DAY + 1)],
    ["now + 365 days + 1 s (number)", now + 365 * DAY + 1],
    ["far future", "99999999999"],
    ["non-numeric", "abc"],
    ["empty string", ""],
    ["a decimal string", `${now + 60}.5`],
    ["a negative string", "-5"],
    ["exponent notation", "1.8e9"],
    ["milliseconds", String((now + 60) * 1000)],
    ["with spaces", ` ${now + 60} `],
    ["a decimal number", now + 60.5],
    ["a negative number", -1],
    ["null", null],
    ["a boolean", true],
    ["an object", { s: now + 60 }],
    ["a huge number", 1e300],
  ];
  for (const [name, endTime] of badEnds) {
    test(`end_time ${name} in entry 1 → field user_list[1].end_time, entry 0 not applied`, async () => {
      const res = await openRaw(t, tok, TRIP, [
        { user_id: openId("u001"), end_time: String(now + 3600) },
        { user_id: openId("u004"), end_time: endTime },
      ]);
      assertError(res, invalid("user_list[1].end_time"));
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
      assert.deepEqual(await t.store.userStatuses(ACME, "u004"), []);
    });
  }

  const badLists: Array<[string, unknown, string]> = [
    ["user_list missing", {}, "user_list"],
    ["user_list empty", { user_list: [] }, "user_list"],
    [
      "51 entries",
      { user_list: Array.from({ length: 51 }, () => ({ user_id: openId("u001"), end_time: String(now + 60) })) },
      "user_list",
    ],
    ["user_list not an array", { user_list: { user_id: openId("u001"), end_time: String(now + 60) } }, "user_list"],
    ["an entry that is a string", { user_list: [openId("u001")] }, "user_list[0]"],
    ["user_id missing", { user_list: [{ end_time: String(now + 60) }] }, "user_list[0].user_id"],
    ["user_id a number", { user_list: [{ user_id: 1, end_time: String(now + 60) }] }, "user_list[0].user_id"],
    ["end_time missing", { user_list: [{ user_id: openId("u001") }] }, "user_list[0].end_time"],
    [
      "end_time missing in entry 2",
      {
        user_list: [
          { user_id: openId("u001"), end_time: String(now + 60) },
          { user_id: openId("u004"), end_time: String(now + 60) },
          { user_id: openId("u005") },
        ],
      },
      "user_list[2].end_time",
    ],
  ];
  for (const [name, body, field] of badLists) {
    test(`${name} → field ${field}`, async () => {
      assertError(await t.call({ method: "POST", url: openUrl(TRIP), token: tok, body }), invalid(field));
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
    });
  }

  for (const idType of ["OPEN_ID", "email", "openid", ""]) {
    test(`user_id_type=${JSON.stringify(idType)} → field user_id_type`, async () => {
      const res = await openRaw(t, tok, TRIP, [{ user_id: openId("u001"), end_time: String(now + 60) }], idType);
      assertError(res, invalid("user_id_type"));
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
    });
  }

  test("an invalid end_time on an unknown status → the end_time field (validation before existence)", async () => {
    assertError(
      await openRaw(t, tok, NO_SUCH_STATUS, [{ user_id: openId("u001"), end_time: "1" }]),
      invalid("user_list[0].end_time"),
    );
  });

  test("an invalid end_time next to another tenant's id → 2005001, not 2005006", async () => {
    const res = await openRaw(t, tok, TRIP, [
      { user_id: openId("g001", GLOBEX_APP.app_id, GLOBEX), end_time: String(now + 60) },
      { user_id: openId("u001"), end_time: String(now) },
    ]);
    assertError(res, invalid("user_list[1].end_time"));
  });
});

describe("batch_open: per-user results", () => {
  test("open_id (the default): every result kind, in input order, ids echoed as sent", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = String(nowS(t) + 3600);
      const ids = [
        openId("u001"),
        "ou_00000000000000000000000000000000", // well-formed, unknown
        "not-an-open-id",
        openId("u001", NARROW_APP.app_id), // another app of this tenant
        unionId("u004"), // a union_id where an open_id is expected
        openId("u002"), // resigned
        openId("u003"), // sync_off on TRIP
        openId("u004"),
        `OU_${openId("u005").slice(3)}`, // wrong case
      ];
      const results = await open(
        t,
        tok,
        TRIP,
        ids.map((user_id) => ({ user_id, end_time: end })),
      );
      assert.deepEqual(results, [
        { user_id: ids[0], end_time: end, result: "success_show" },
        { user_id: ids[1], end_time: end, result: "invalid_user_id" },
        { user_id: ids[2], end_time: end, result: "invalid_user_id" },
        { user_id: ids[3], end_time: end, result: "invalid_user_id" },
        { user_id: ids[4], end_time: end, result: "invalid_user_id" },
        { user_id: ids[5], end_time: end, result: "resign_user_id" },
        { user_id: ids[6], end_time: end, result: "success_user_close_syn" },
        { user_id: ids[7], end_time: end, result: "success_show" },
        { user_id: ids[8], end_time: end, result: "invalid_user_id" },
      ]);
      // The explicit user_id_type=open_id is the same.
      const again = await openResults(t, tok, TRIP, [{ user_id: openId("u005"), end_time: end }], "open_id");
      assert.deepEqual(again, ["success_show"]);
      // Only the valid users got a row; the resigned one did not.
      assert.deepEqual(await t.store.userStatuses(ACME, "u002"), []);
      assert.equal((await t.store.userStatuses(ACME, "u004")).length, 1);
    });
  });

  test("union_id: resolved per developer; results echo the union ids", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = String(nowS(t) + 3600);
      const ids = [unionId("u001"), unionId("u003"), unionId("u002"), openId("u004"), "on_ffffffffffffffffffffffffffffffff"];
      const results = await open(
        t,
        tok,
        TRIP,
        ids.map((user_id) => ({ user_id, end_time: end })),
        "union_id",
      );
      assert.deepEqual(
        results.map((r) => [r.user_id, r.result]),
        [
          [ids[0], "success_show"],
          [ids[1], "success_user_close_syn"],
          [ids[2], "resign_user_id"],
          [ids[3], "invalid_user_id"],
          [ids[4], "invalid_user_id"],
        ],
      );
    });
  });

  test("user_id: employee ids resolve within the caller's tenant (u001 exists in Acme and Globex)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = String(nowS(t) + 3600);
      const ids = ["u001", "u002", "u003", "nobody", "bad id!", openId("u004"), "g001"];
      const results = await open(
        t,
        tok,
        TRIP,
        ids.map((user_id) => ({ user_id, end_time: end })),
        "user_id",
      );
      assert.deepEqual(
        results.map((r) => [r.user_id, r.result]),
        [
          ["u001", "success_show"],
          ["u002", "resign_user_id"],
          ["u003", "success_user_close_syn"],
          ["nobody", "invalid_user_id"],
          ["bad id!", "invalid_user_id"],
          [ids[5], "invalid_user_id"],
          ["g001", "invalid_user_id"],
        ],
      );
      // Acme's u001 got the status; Globex's u001 did not.
      assert.equal((await t.store.userStatuses(ACME, "u001"))[0]?.system_status_id, TRIP);
      assert.deepEqual(await t.store.userStatuses(GLOBEX, "u001"), []);
    });
  });

  test("invisible_user_id: the narrow app sees only u001 and u003; resigned wins over invisible", async () => {
    await withApp(async (t) => {
      const narrow = await t.token(NARROW_APP);
      const end = String(nowS(t) + 3600);
      const ids = ["u001", "u004", "u003", "u002", "u005"].map((u) => openId(u, NARROW_APP.app_id));
      const results = await openResults(
        t,
        narrow,
        TRIP,
        ids.map((user_id) => ({ user_id, end_time: end })),
      );
      assert.deepEqual(results, [
        "success_show",
        "invisible_user_id",
        "success_user_close_syn",
        "resign_user_id",
        "invisible_user_id",
      ]);
      assert.deepEqual(await t.store.userStatuses(ACME, "u004"), []);
      // The main app's open_id is not the narrow app's.
      assert.deepEqual(await openResults(t, narrow, TRIP, [{ user_id: openId("u001"), end_time: end }]), ["invalid_user_id"]);
    });
  });

  test("a higher-priority status already shown → success_user_in_higher_priority_system_status", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = String(nowS(t) + 3600);
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u001"), end_time: end }]), ["success_show"]);
      assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: end }]), [
        "success_user_in_higher_priority_system_status",
      ]);
      // The other way round, the higher-priority one shows.
      assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u004"), end_time: end }]), ["success_show"]);
      assert.deepEqual(await openResults(t, tok, TRIP, [{ user_id: openId("u004"), end_time: end }]), ["success_show"]);
      // Both rows are open either way.
      for (const u of ["u001", "u004"]) {
        const rows = await t.store.userStatuses(ACME, u);
        assert.deepEqual(
          rows.map((r) => [r.system_status_id, r.open]).sort(),
          [
            [TRIP, true],
            [LEAVE, true],
          ].sort(),
        );
      }
    });
  });

  test("re-opening an open status is success_show again and takes the new end_time", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await open(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }]);
      const results = await open(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(nowS(t) + 7200) }]);
      assert.deepEqual(
        results.map((r) => r.result),
        ["success_show"],
      );
      const rows = await t.store.userStatuses(ACME, "u001");
      assert.equal(rows[0]?.end_time, nowS(t) + 7200);
    });
  });

  test("a status created by the API honours is_open_by_default: false → success_user_close_syn", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await create(t, tok, statusBody("手动", 0, { sync_setting: { is_open_by_default: false } }));
      assert.deepEqual(
        await openResults(t, tok, s.system_status_id, [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }]),
        ["success_user_close_syn"],
      );
      // Not shown: LEAVE still shows for u001.
      assert.deepEqual(await openResults(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }]), [
        "success_show",
      ]);
    });
  });
});

describe("batch_open: other tenants and unknown statuses", () => {
  const cases: Array<[string, string, string | undefined]> = [
    ["an open_id of a Globex user", openId("g001", GLOBEX_APP.app_id, GLOBEX), undefined],
    ["an open_id of Globex's u001", openId("u001", GLOBEX_APP.app_id, GLOBEX), "open_id"],
    ["a union_id of a Globex user", unionId("g001", GLOBEX), "union_id"],
  ];
  for (const [name, foreign, idType] of cases) {
    test(`${name} → 2005006 and nothing applied to the other users`, async () => {
      await withApp(async (t) => {
        const tok = await t.token();
        const end = String(nowS(t) + 3600);
        const mine = idType === "union_id" ? unionId("u001") : openId("u001");
        const res = await openRaw(
          t,
          tok,
          TRIP,
          [
            { user_id: mine, end_time: end },
            { user_id: foreign, end_time: end },
          ],
          idType,
        );
        assertError(res, E.OTHER_TENANT_USER);
        assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
        assert.deepEqual(await t.store.userStatuses(GLOBEX, "g001"), []);
        assert.deepEqual(await t.store.userStatuses(GLOBEX, "u001"), []);
      });
    });
  }

  test("a foreign id together with invalid and resigned ids → still 2005006", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const end = String(nowS(t) + 3600);
      const res = await openRaw(t, tok, TRIP, [
        { user_id: "garbage", end_time: end },
        { user_id: openId("u002"), end_time: end },
        { user_id: openId("g001", GLOBEX_APP.app_id, GLOBEX), end_time: end },
      ]);
      assertError(res, E.OTHER_TENANT_USER);
    });
  });

  test("a deleted status cannot be opened → 2005001 on system_status_id", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await del(t, tok, LEAVE);
      const res = await openRaw(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }]);
      assertError(res, invalid("system_status_id"));
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
    });
  });

  test("a status deleted between the liveness check and the write is not opened → 2005001", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      // A concurrent delete lands after the service checked the status and before the store writes.
      const store = t.store;
      const realOpen = store.openUserStatuses.bind(store);
      store.openUserStatuses = async (...args) => {
        assert.equal(await store.deleteStatus(ACME, LEAVE, t.clock.now()), true);
        return realOpen(...args);
      };
      const res = await openRaw(t, tok, LEAVE, [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }]);
      assertError(res, invalid("system_status_id"));
      store.openUserStatuses = realOpen;
      assert.deepEqual(await store.userStatuses(ACME, "u001"), []);
    });
  });

  test("unknown, malformed and other-tenant status ids → 2005001 on system_status_id", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const list = [{ user_id: openId("u001"), end_time: String(nowS(t) + 60) }];
      for (const id of [NO_SUCH_STATUS, "abc", "710121460362294000", GLOBEX_STATUS]) {
        assertError(await openRaw(t, tok, id, list), invalid("system_status_id"));
      }
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
    });
  });

  test("an unknown status with a foreign id → 2005001 on system_status_id (existence before 2005006)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const res = await openRaw(t, tok, NO_SUCH_STATUS, [
        { user_id: openId("g001", GLOBEX_APP.app_id, GLOBEX), end_time: String(nowS(t) + 60) },
      ]);
      assertError(res, invalid("system_status_id"));
    });
  });

  test("Globex's own app opens its own users and status", async () => {
    await withApp(async (t) => {
      const globex = await t.token(GLOBEX_APP);
      const res = await openResults(t, globex, GLOBEX_STATUS, [{ user_id: "u001", end_time: String(nowS(t) + 60) }], "user_id");
      assert.deepEqual(res, ["success_show"]);
      assert.equal((await t.store.userStatuses(GLOBEX, "u001")).length, 1);
      assert.deepEqual(await t.store.userStatuses(ACME, "u001"), []);
    });
  });
});
