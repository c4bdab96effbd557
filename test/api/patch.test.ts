/**
 * patch (docs/wire-contract.md §4): only the fields named in update_fields change and only they are validated;
 * the response is the whole updated status; conflicts and unknown ids.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertError, GLOBEX_STATUS, LEAVE, makeApp, type TestApp, TRIP } from "../helpers.js";
import {
  create,
  del,
  E,
  invalid,
  listAll,
  NO_SUCH_STATUS,
  patch,
  patchRaw,
  statusBody,
  type WireStatus,
  withApp,
} from "./support.js";

const SEEDED_LEAVE: WireStatus = {
  system_status_id: LEAVE,
  title: "请假",
  i18n_title: { en_us: "On leave" },
  icon_key: "GeneralVacation",
  color: "GREEN",
  priority: 2,
  sync_setting: {
    is_open_by_default: true,
    title: "自动开启",
    i18n_title: {},
    explain: "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。",
    i18n_explain: {},
  },
};

async function leaveOf(t: TestApp, tok: string): Promise<WireStatus | undefined> {
  return (await listAll(t, tok)).find((s) => s.system_status_id === LEAVE);
}

describe("patch: success", () => {
  test("the seeded status lists as expected (baseline for the tests below)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assert.deepEqual(await leaveOf(t, tok), SEEDED_LEAVE);
    });
  });

  const changes: Array<[string, Record<string, unknown>, Partial<WireStatus>]> = [
    ["TITLE", { title: "休假" }, { title: "休假" }],
    ["I18N_TITLE", { i18n_title: { zh_cn: "请假", ja_jp: "休暇" } }, { i18n_title: { zh_cn: "请假", ja_jp: "休暇" } }],
    ["ICON", { icon_key: "SICK" }, { icon_key: "SICK" }],
    ["COLOR", { color: "CARMINE" }, { color: "CARMINE" }],
    ["PRIORITY", { priority: 7 }, { priority: 7 }],
  ];
  for (const [field, systemStatus, expected] of changes) {
    test(`${field} changes only ${Object.keys(expected)[0]}, and the response is the whole status`, async () => {
      await withApp(async (t) => {
        const tok = await t.token();
        const s = await patch(t, tok, LEAVE, systemStatus, [field]);
        const want = { ...SEEDED_LEAVE, ...expected };
        assert.deepEqual(s, want);
        assert.deepEqual(await leaveOf(t, tok), want);
      });
    });
  }

  test("SYNC_SETTING replaces the sync setting, defaults filled in", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await patch(t, tok, LEAVE, { sync_setting: { is_open_by_default: false, title: "同步" } }, ["SYNC_SETTING"]);
      assert.deepEqual(s, {
        ...SEEDED_LEAVE,
        sync_setting: { ...SEEDED_LEAVE.sync_setting, is_open_by_default: false, title: "同步" },
      });
    });
  });

  test("several fields at once", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await patch(t, tok, LEAVE, { title: "病假", icon_key: "SICK", color: "RED", priority: 0 }, [
        "TITLE",
        "ICON",
        "COLOR",
        "PRIORITY",
      ]);
      assert.deepEqual(s, { ...SEEDED_LEAVE, title: "病假", icon_key: "SICK", color: "RED", priority: 0 });
    });
  });

  test("fields present but not named are neither applied nor validated", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await patch(
        t,
        tok,
        LEAVE,
        { color: "RED", title: "", priority: 99, icon_key: "Nope", i18n_title: "x", sync_setting: 5 },
        ["COLOR"],
      );
      assert.deepEqual(s, { ...SEEDED_LEAVE, color: "RED" });
    });
  });

  test("an unnamed field that would conflict (title, priority, sensitive word) is ignored", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await patch(t, tok, LEAVE, { color: "RED", title: "出差", priority: 1, i18n_title: { en_us: "forbidden" } }, [
        "COLOR",
      ]);
      assert.deepEqual(s, { ...SEEDED_LEAVE, color: "RED" });
    });
  });

  test("patching to its own current priority or title is fine", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assert.deepEqual(await patch(t, tok, LEAVE, { priority: 2 }, ["PRIORITY"]), SEEDED_LEAVE);
      assert.deepEqual(await patch(t, tok, LEAVE, { title: "请假" }, ["TITLE"]), SEEDED_LEAVE);
      // Its own i18n title as its title.
      assert.deepEqual(await patch(t, tok, LEAVE, { title: "On leave" }, ["TITLE"]), { ...SEEDED_LEAVE, title: "On leave" });
    });
  });

  test("a rename frees the old name, and swapping priorities works through a free slot", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await patch(t, tok, LEAVE, { title: "休假" }, ["TITLE"]);
      const s = await create(t, tok, statusBody("请假", 5));
      assert.equal(s.title, "请假");
      await patch(t, tok, TRIP, { priority: 9 }, ["PRIORITY"]);
      await patch(t, tok, LEAVE, { priority: 1 }, ["PRIORITY"]);
      await patch(t, tok, TRIP, { priority: 2 }, ["PRIORITY"]);
      assert.deepEqual(
        (await listAll(t, tok)).map((x) => [x.title, x.priority]),
        [
          ["休假", 1],
          ["出差", 2],
          ["请假", 5],
        ],
      );
    });
  });

  test("a duplicated update_fields entry is applied once", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assert.deepEqual(await patch(t, tok, LEAVE, { color: "RED" }, ["COLOR", "COLOR"]), { ...SEEDED_LEAVE, color: "RED" });
    });
  });
});

describe("patch: validation (2005001)", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const cases: Array<[string, unknown, string]> = [
    ["update_fields empty", { system_status: { color: "RED" }, update_fields: [] }, "update_fields"],
    ["update_fields missing", { system_status: { color: "RED" } }, "update_fields"],
    ["update_fields not an array", { system_status: { color: "RED" }, update_fields: "COLOR" }, "update_fields"],
    ["an unknown update_fields entry", { system_status: { color: "RED" }, update_fields: ["COLOUR"] }, "update_fields[0]"],
    ["a lower-case update_fields entry", { system_status: { color: "RED" }, update_fields: ["color"] }, "update_fields[0]"],
    ["an unknown second entry", { system_status: { color: "RED" }, update_fields: ["COLOR", "NAME"] }, "update_fields[1]"],
    ["system_status missing", { update_fields: ["COLOR"] }, "system_status"],
    ["system_status not an object", { system_status: "x", update_fields: ["COLOR"] }, "system_status"],
    ["TITLE named but absent", { system_status: { color: "RED" }, update_fields: ["TITLE"] }, "system_status.title"],
    ["I18N_TITLE named but absent", { system_status: {}, update_fields: ["I18N_TITLE"] }, "system_status.i18n_title"],
    ["ICON named but absent", { system_status: {}, update_fields: ["ICON"] }, "system_status.icon_key"],
    ["COLOR named but absent", { system_status: {}, update_fields: ["COLOR"] }, "system_status.color"],
    ["PRIORITY named but absent", { system_status: {}, update_fields: ["PRIORITY"] }, "system_status.priority"],
    ["SYNC_SETTING named but absent", { system_status: {}, update_fields: ["SYNC_SETTING"] }, "system_status.sync_setting"],
    ["title empty", { system_status: { title: "" }, update_fields: ["TITLE"] }, "system_status.title"],
    ["title 11 CJK", { system_status: { title: "中".repeat(11) }, update_fields: ["TITLE"] }, "system_status.title"],
    ["title 21 ASCII", { system_status: { title: "a".repeat(21) }, update_fields: ["TITLE"] }, "system_status.title"],
    ["title a number", { system_status: { title: 1 }, update_fields: ["TITLE"] }, "system_status.title"],
    [
      "i18n_title.en_us too long",
      { system_status: { i18n_title: { en_us: "e".repeat(21) } }, update_fields: ["I18N_TITLE"] },
      "system_status.i18n_title.en_us",
    ],
    [
      "i18n_title.zh_cn 11 CJK",
      { system_status: { i18n_title: { zh_cn: "中".repeat(11) } }, update_fields: ["I18N_TITLE"] },
      "system_status.i18n_title.zh_cn",
    ],
    ["icon_key unknown (ICON)", { system_status: { icon_key: "Smile" }, update_fields: ["ICON"] }, "system_status.icon_key"],
    ["color unknown", { system_status: { color: "PINK" }, update_fields: ["COLOR"] }, "system_status.color"],
    ["priority 10", { system_status: { priority: 10 }, update_fields: ["PRIORITY"] }, "system_status.priority"],
    ["priority -1", { system_status: { priority: -1 }, update_fields: ["PRIORITY"] }, "system_status.priority"],
    ["priority 1.5", { system_status: { priority: 1.5 }, update_fields: ["PRIORITY"] }, "system_status.priority"],
    ['priority "3"', { system_status: { priority: "3" }, update_fields: ["PRIORITY"] }, "system_status.priority"],
    [
      "sync_setting.title 16 CJK",
      { system_status: { sync_setting: { title: "中".repeat(16) } }, update_fields: ["SYNC_SETTING"] },
      "system_status.sync_setting.title",
    ],
    [
      "sync_setting.explain 31 CJK",
      { system_status: { sync_setting: { explain: "中".repeat(31) } }, update_fields: ["SYNC_SETTING"] },
      "system_status.sync_setting.explain",
    ],
    [
      "sync_setting.is_open_by_default a string",
      { system_status: { sync_setting: { is_open_by_default: "no" } }, update_fields: ["SYNC_SETTING"] },
      "system_status.sync_setting.is_open_by_default",
    ],
    [
      "the second named field invalid",
      { system_status: { color: "RED", priority: 11 }, update_fields: ["COLOR", "PRIORITY"] },
      "system_status.priority",
    ],
  ];
  for (const [name, body, field] of cases) {
    test(`${name} → field ${field}`, async () => {
      assertError(await patchRaw(t, tok, LEAVE, body), invalid(field));
    });
  }

  test("no failed patch changed the status", async () => {
    assert.deepEqual(await leaveOf(t, tok), SEEDED_LEAVE);
  });
});

describe("patch: conflicts", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const cases: Array<[string, Record<string, unknown>, string[], { status: number; code: number; msg: string }]> = [
    ["title = another status's title", { title: "出差" }, ["TITLE"], E.DUPLICATE_NAME],
    ["title = another status's i18n title", { title: "Business trip" }, ["TITLE"], E.DUPLICATE_NAME],
    ["i18n title = another status's i18n title", { i18n_title: { ja_jp: "出張中" } }, ["I18N_TITLE"], E.DUPLICATE_NAME],
    ["i18n title = another status's title", { i18n_title: { en_us: "出差" } }, ["I18N_TITLE"], E.DUPLICATE_NAME],
    ["a sensitive title", { title: "FORBIDDEN" }, ["TITLE"], E.SENSITIVE_WORD],
    ["a sensitive i18n title", { i18n_title: { zh_cn: "机密假期" } }, ["I18N_TITLE"], E.SENSITIVE_WORD],
    ["another status's priority", { priority: 1 }, ["PRIORITY"], E.DUPLICATE_PRIORITY],
    [
      "sensitive and duplicate name → 2005003",
      { title: "出差", i18n_title: { en_us: "forbidden" } },
      ["TITLE", "I18N_TITLE"],
      E.SENSITIVE_WORD,
    ],
    ["sensitive and duplicate priority → 2005003", { title: "forbidden", priority: 1 }, ["TITLE", "PRIORITY"], E.SENSITIVE_WORD],
    ["duplicate name and duplicate priority → 2005002", { title: "出差", priority: 1 }, ["TITLE", "PRIORITY"], E.DUPLICATE_NAME],
    [
      "an invalid field and a duplicate name → 2005001",
      { title: "出差", color: "x" },
      ["TITLE", "COLOR"],
      invalid("system_status.color"),
    ],
  ];
  for (const [name, systemStatus, fields, expected] of cases) {
    test(`${name} → ${expected.code}`, async () => {
      assertError(await patchRaw(t, tok, LEAVE, { system_status: systemStatus, update_fields: fields }), expected);
    });
  }

  test("no conflicting patch changed the status", async () => {
    assert.deepEqual(await leaveOf(t, tok), SEEDED_LEAVE);
  });

  test("an i18n patch that keeps the current title is fine (its own names don't conflict)", async () => {
    const s = await patch(t, tok, LEAVE, { i18n_title: { zh_cn: "请假", en_us: "On leave" } }, ["I18N_TITLE"]);
    assert.deepEqual(s.i18n_title, { zh_cn: "请假", en_us: "On leave" });
  });
});

describe("patch: unknown ids (2005001 on system_status_id)", () => {
  let t: TestApp;
  let tok: string;
  let deleted: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
    deleted = (await create(t, tok, statusBody("将删除", 5))).system_status_id;
    await del(t, tok, deleted);
  });
  after(async () => {
    await t.close();
  });

  const ok = { system_status: { color: "RED" }, update_fields: ["COLOR"] };
  const ids: Array<[string, () => string]> = [
    ["an unknown id", () => NO_SUCH_STATUS],
    ["a malformed id (letters)", () => "abc"],
    ["a malformed id (18 digits)", () => "710121460362294000"],
    ["a malformed id (20 digits)", () => "71012146036229400011"],
    ["another tenant's id", () => GLOBEX_STATUS],
    ["a deleted id", () => deleted],
  ];
  for (const [name, id] of ids) {
    test(`${name} → field system_status_id`, async () => {
      assertError(await patchRaw(t, tok, id(), ok), invalid("system_status_id"));
    });
  }

  test("an invalid named field on an unknown id → the body field (validation before existence)", async () => {
    assertError(
      await patchRaw(t, tok, NO_SUCH_STATUS, { system_status: { title: "中".repeat(11) }, update_fields: ["TITLE"] }),
      invalid("system_status.title"),
    );
    assertError(
      await patchRaw(t, tok, NO_SUCH_STATUS, { system_status: {}, update_fields: ["COLOR"] }),
      invalid("system_status.color"),
    );
    assertError(await patchRaw(t, tok, NO_SUCH_STATUS, { system_status: {}, update_fields: [] }), invalid("update_fields"));
  });

  test("a conflicting patch on an unknown id → system_status_id (existence before conflicts)", async () => {
    assertError(
      await patchRaw(t, tok, NO_SUCH_STATUS, { system_status: { title: "出差" }, update_fields: ["TITLE"] }),
      invalid("system_status_id"),
    );
    assertError(
      await patchRaw(t, tok, NO_SUCH_STATUS, { system_status: { title: "forbidden" }, update_fields: ["TITLE"] }),
      invalid("system_status_id"),
    );
    assertError(
      await patchRaw(t, tok, deleted, { system_status: { priority: 1 }, update_fields: ["PRIORITY"] }),
      invalid("system_status_id"),
    );
  });

  test("Globex's status is untouched by Acme's attempt", async () => {
    const globex = await t.token({ app_id: "cli_0f1e2d3c4b5a6978", app_secret: "globex-secret" });
    const items = await listAll(t, globex);
    assert.deepEqual(
      items.map((s) => [s.system_status_id, s.color]),
      [[GLOBEX_STATUS, "BLUE"]],
    );
  });
});
