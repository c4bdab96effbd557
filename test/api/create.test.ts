/**
 * create (docs/wire-contract.md §3, §4): the response with every default filled in, every validation rule with
 * the offending field's JSON path, names, sensitive words, the 10-status limit and priorities.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertError, assertOk, BASE, makeApp, type TestApp } from "../helpers.js";
import { create, createRaw, E, type ExpectedError, invalid, listAll, statusBody, type WireStatus, withApp } from "./support.js";

const DEFAULT_SYNC = {
  is_open_by_default: true,
  title: "自动开启",
  i18n_title: {},
  explain: "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。",
  i18n_explain: {},
};

const CJK = "中";

describe("create: success", () => {
  test("a minimal body answers the full status with every default filled in", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const res = await createRaw(t, tok, { title: "开会", icon_key: "GeneralInMeetingBusy" });
      const data = assertOk<{ system_status: WireStatus }>(res);
      assert.deepEqual(Object.keys(data), ["system_status"]);
      const s = data.system_status;
      assert.match(s.system_status_id, /^[0-9]{19}$/);
      assert.deepEqual(s, {
        system_status_id: s.system_status_id,
        title: "开会",
        i18n_title: {},
        icon_key: "GeneralInMeetingBusy",
        color: "BLUE",
        priority: 0,
        sync_setting: DEFAULT_SYNC,
      });
      // It lists, identical, first (priority 0).
      const items = await listAll(t, tok);
      assert.deepEqual(items[0], s);
      assert.equal(items.length, 3);
    });
  });

  test("a full body is echoed back exactly", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const body = {
        title: "在家办公",
        i18n_title: { zh_cn: "在家办公", en_us: "Working from home", ja_jp: "在宅勤務" },
        icon_key: "GeneralWorkFromHome",
        color: "VIOLET",
        priority: 9,
        sync_setting: {
          is_open_by_default: false,
          title: "同步",
          i18n_title: { en_us: "Sync" },
          explain: "说明",
          i18n_explain: { en_us: "Explain", ja_jp: "説明" },
        },
      };
      const s = await create(t, tok, body);
      assert.deepEqual(s, { system_status_id: s.system_status_id, ...body });
    });
  });

  test("a partial sync_setting gets the other defaults", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await create(t, tok, statusBody("部分", 4, { sync_setting: { is_open_by_default: false } }));
      assert.deepEqual(s.sync_setting, { ...DEFAULT_SYNC, is_open_by_default: false });
    });
  });

  test("unknown JSON fields are ignored (system_status_id included)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const res = await createRaw(t, tok, {
        ...statusBody("未知字段", 3),
        system_status_id: "7101214603622940001",
        foo: { bar: [1, 2] },
        sync_setting: { nope: true },
        i18n_title: { fr_fr: "Champs inconnus" },
      });
      const s = assertOk<{ system_status: WireStatus }>(res).system_status;
      assert.notEqual(s.system_status_id, "7101214603622940001");
      assert.equal("foo" in s, false);
      assert.deepEqual(s.i18n_title, {});
      assert.deepEqual(s.sync_setting, DEFAULT_SYNC);
      // The seeded status with that id is untouched.
      const items = await listAll(t, tok);
      assert.deepEqual(
        items.map((i) => i.title),
        ["出差", "请假", "未知字段"],
      );
    });
  });

  test("weighted-length boundaries that are allowed", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const ok: Array<[string, Record<string, unknown>]> = [
        ["20 ASCII chars", { title: "a".repeat(20) }],
        ["10 CJK chars", { title: CJK.repeat(10) }],
        ["9 CJK + 2 ASCII", { title: `${CJK.repeat(9)}ab` }],
        ["20 emoji (one code point each, weight 1)", { title: "😀".repeat(20) }],
        [
          "i18n titles at 20",
          { title: "i18n", i18n_title: { zh_cn: "文".repeat(10), en_us: "e".repeat(20), ja_jp: "あ".repeat(10) } },
        ],
        ["sync title 30 / explain 60", { title: "sync", sync_setting: { title: "同".repeat(15), explain: "释".repeat(30) } }],
        [
          "sync i18n at their limits",
          {
            title: "sync i18n",
            sync_setting: { i18n_title: { en_us: "t".repeat(30) }, i18n_explain: { ja_jp: "説".repeat(30) } },
          },
        ],
        ["1 char", { title: "x" }],
      ];
      const priorities = [3, 4, 5, 6, 7, 8, 9, 0];
      for (const [i, [name, fields]] of ok.entries()) {
        const priority = priorities[i];
        const res = await createRaw(t, tok, { icon_key: "Coffee", priority, ...fields });
        assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
        const s = (res.json() as { data: { system_status: WireStatus } }).data.system_status;
        assert.equal(s.title, fields.title, name);
      }
    });
  });

  test("a status may repeat its own title in its i18n titles", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await create(
        t,
        tok,
        statusBody("Meeting", 5, { i18n_title: { zh_cn: "Meeting", en_us: "Meeting", ja_jp: "Meeting" } }),
      );
      assert.deepEqual(s.i18n_title, { zh_cn: "Meeting", en_us: "Meeting", ja_jp: "Meeting" });
    });
  });

  test("names are compared case-sensitively: 'business trip' is not TRIP's 'Business trip'", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const s = await create(t, tok, statusBody("business trip", 5));
      assert.equal(s.title, "business trip");
    });
  });

  test("every icon_key and every color of the wire contract is accepted", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const icons = [
        "GeneralDoNotDisturb",
        "GeneralInMeetingBusy",
        "Coffee",
        "GeneralBusinessTrip",
        "GeneralWorkFromHome",
        "StatusEnjoyLife",
        "GeneralTravellingCar",
        "StatusBus",
        "StatusInFlight",
        "Typing",
        "EatingFood",
        "SICK",
        "GeneralSun",
        "GeneralMoonRest",
        "StatusReading",
        "Status_PrivateMessage",
        "StatusFlashOfInspiration",
        "GeneralVacation",
      ];
      const colors = [
        "BLUE",
        "GRAY",
        "INDIGO",
        "WATHET",
        "GREEN",
        "TURQUOISE",
        "YELLOW",
        "LIME",
        "RED",
        "ORANGE",
        "PURPLE",
        "VIOLET",
        "CARMINE",
      ];
      // Create then delete, so the 10-status limit and priorities never get in the way.
      const n = Math.max(icons.length, colors.length);
      for (let i = 0; i < n; i++) {
        const icon = icons[i % icons.length] as string;
        const color = colors[i % colors.length] as string;
        const s = await create(t, tok, { title: `s${i}`, icon_key: icon, color, priority: 5 });
        assert.equal(s.icon_key, icon);
        assert.equal(s.color, color);
        assert.equal((await t.call({ method: "DELETE", url: `${BASE}/${s.system_status_id}`, token: tok })).statusCode, 200);
      }
    });
  });
});

describe("create: validation (2005001 with the offending field)", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const base = { title: "校验", icon_key: "Coffee", priority: 5 };
  const cases: Array<[string, unknown, string]> = [
    ["title missing", { icon_key: "Coffee", priority: 5 }, "title"],
    ["title empty", { ...base, title: "" }, "title"],
    ["title null", { ...base, title: null }, "title"],
    ["title a number", { ...base, title: 123 }, "title"],
    ["title 21 ASCII chars", { ...base, title: "a".repeat(21) }, "title"],
    ["title 11 CJK chars (weight 22)", { ...base, title: CJK.repeat(11) }, "title"],
    ["title 9 CJK + 3 ASCII (weight 21)", { ...base, title: `${CJK.repeat(9)}abc` }, "title"],
    ["title 11 hiragana", { ...base, title: "あ".repeat(11) }, "title"],
    ["title 11 katakana", { ...base, title: "カ".repeat(11) }, "title"],
    ["title 11 hangul", { ...base, title: "한".repeat(11) }, "title"],
    ["title 11 full-width forms", { ...base, title: "Ａ".repeat(11) }, "title"],
    ["title 21 emoji", { ...base, title: "😀".repeat(21) }, "title"],
    ["title 11 CJK Extension B ideographs (astral, weight 22)", { ...base, title: "𠀀".repeat(11) }, "title"],
    ["i18n_title not an object", { ...base, i18n_title: "Title" }, "i18n_title"],
    ["i18n_title.en_us 21 chars", { ...base, i18n_title: { en_us: "e".repeat(21) } }, "i18n_title.en_us"],
    ["i18n_title.zh_cn 11 CJK", { ...base, i18n_title: { zh_cn: CJK.repeat(11) } }, "i18n_title.zh_cn"],
    ["i18n_title.ja_jp 11 kana", { ...base, i18n_title: { ja_jp: "ア".repeat(11) } }, "i18n_title.ja_jp"],
    ["i18n_title.zh_cn empty", { ...base, i18n_title: { zh_cn: "" } }, "i18n_title.zh_cn"],
    ["i18n_title.en_us a number", { ...base, i18n_title: { en_us: 1 } }, "i18n_title.en_us"],
    ["icon_key missing", { title: "校验", priority: 5 }, "icon_key"],
    ["icon_key unknown", { ...base, icon_key: "Smile" }, "icon_key"],
    ["icon_key wrong case", { ...base, icon_key: "coffee" }, "icon_key"],
    ["icon_key empty", { ...base, icon_key: "" }, "icon_key"],
    ["color unknown", { ...base, color: "PINK" }, "color"],
    ["color lower case", { ...base, color: "blue" }, "color"],
    ["color a number", { ...base, color: 1 }, "color"],
    ["priority -1", { ...base, priority: -1 }, "priority"],
    ["priority 10", { ...base, priority: 10 }, "priority"],
    ["priority 1.5", { ...base, priority: 1.5 }, "priority"],
    ['priority "1" (never coerced)', { ...base, priority: "1" }, "priority"],
    ["priority true", { ...base, priority: true }, "priority"],
    ["priority null", { ...base, priority: null }, "priority"],
    ["sync_setting not an object", { ...base, sync_setting: [] }, "sync_setting"],
    [
      "sync_setting.is_open_by_default a string",
      { ...base, sync_setting: { is_open_by_default: "true" } },
      "sync_setting.is_open_by_default",
    ],
    ["sync_setting.title 16 CJK (weight 32)", { ...base, sync_setting: { title: CJK.repeat(16) } }, "sync_setting.title"],
    ["sync_setting.title 31 ASCII", { ...base, sync_setting: { title: "t".repeat(31) } }, "sync_setting.title"],
    ["sync_setting.title empty", { ...base, sync_setting: { title: "" } }, "sync_setting.title"],
    ["sync_setting.explain 31 CJK (weight 62)", { ...base, sync_setting: { explain: CJK.repeat(31) } }, "sync_setting.explain"],
    ["sync_setting.explain 61 ASCII", { ...base, sync_setting: { explain: "e".repeat(61) } }, "sync_setting.explain"],
    [
      "sync_setting.i18n_title.en_us 31 chars",
      { ...base, sync_setting: { i18n_title: { en_us: "t".repeat(31) } } },
      "sync_setting.i18n_title.en_us",
    ],
    [
      "sync_setting.i18n_explain.zh_cn 31 CJK",
      { ...base, sync_setting: { i18n_explain: { zh_cn: CJK.repeat(31) } } },
      "sync_setting.i18n_explain.zh_cn",
    ],
  ];
  for (const [name, body, field] of cases) {
    test(`${name} → field ${field}`, async () => {
      assertError(await createRaw(t, tok, body), invalid(field));
    });
  }

  test("no failed create left a status behind", async () => {
    assert.deepEqual(
      (await listAll(t, tok)).map((s) => s.title),
      ["出差", "请假"],
    );
  });
});

describe("create: names, sensitive words, limit and priority", () => {
  test("a title equal to another status's i18n title → 2005002", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(await createRaw(t, tok, statusBody("Business trip", 5)), E.DUPLICATE_NAME);
      assertError(await createRaw(t, tok, statusBody("On leave", 5)), E.DUPLICATE_NAME);
    });
  });

  test("a title equal to another status's title → 2005002", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(await createRaw(t, tok, statusBody("出差", 5)), E.DUPLICATE_NAME);
    });
  });

  test("an i18n title equal to another status's title or i18n title → 2005002", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(await createRaw(t, tok, statusBody("新的", 5, { i18n_title: { en_us: "请假" } })), E.DUPLICATE_NAME);
      assertError(await createRaw(t, tok, statusBody("新的", 5, { i18n_title: { ja_jp: "出張中" } })), E.DUPLICATE_NAME);
      assertError(await createRaw(t, tok, statusBody("新的", 5, { i18n_title: { zh_cn: "On leave" } })), E.DUPLICATE_NAME);
      assert.equal((await listAll(t, tok)).length, 2);
    });
  });

  const sensitive: Array<[string, Record<string, unknown>]> = [
    ["the word itself", { title: "forbidden" }],
    ["upper case", { title: "FORBIDDEN" }],
    ["mixed case inside a word", { title: "unForBiddenX" }],
    ["a CJK word as a substring", { title: "公司机密会议" }],
    ["in i18n_title.en_us", { title: "干净", i18n_title: { en_us: "Forbidden zone" } }],
    ["in i18n_title.ja_jp", { title: "干净", i18n_title: { ja_jp: "机密" } }],
    ["in i18n_title.zh_cn", { title: "干净", i18n_title: { zh_cn: "xforbiddenx" } }],
  ];
  for (const [name, fields] of sensitive) {
    test(`a sensitive word ${name} → 2005003`, async () => {
      await withApp(async (t) => {
        const tok = await t.token();
        assertError(await createRaw(t, tok, { icon_key: "Coffee", priority: 5, ...fields }), E.SENSITIVE_WORD);
        assert.equal((await listAll(t, tok)).length, 2);
      });
    });
  }

  test("a word that only resembles a sensitive one is fine", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await create(t, tok, statusBody("forbid den", 5, { i18n_title: { zh_cn: "机 密" } }));
    });
  });

  test("the 10-status limit: 8 more on top of the 2 seeded, the 11th → 2005004", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
      assert.equal((await listAll(t, tok)).length, 10);
      assertError(await createRaw(t, tok, statusBody("第十一个", 5)), E.STATUS_LIMIT);
      assertError(await createRaw(t, tok, { title: "第十一个", icon_key: "Coffee" }), E.STATUS_LIMIT);
      assert.equal((await listAll(t, tok)).length, 10);
    });
  });

  test("the limit is per tenant: Globex can still create while Acme is full", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
      const globex = await t.token({ app_id: "cli_0f1e2d3c4b5a6978", app_secret: "globex-secret" });
      // Same title and priority as an Acme status: names and priorities are per tenant too.
      const s = await create(t, globex, statusBody("状态5", 5));
      assert.equal(s.priority, 5);
    });
  });

  test("a duplicate priority → 2005005", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(await createRaw(t, tok, statusBody("优先", 1)), E.DUPLICATE_PRIORITY);
      assertError(await createRaw(t, tok, statusBody("优先", 2)), E.DUPLICATE_PRIORITY);
    });
  });

  test("two statuses without priority collide on the default 0 → 2005005", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const first = await create(t, tok, { title: "无优先级一", icon_key: "Coffee" });
      assert.equal(first.priority, 0);
      assertError(await createRaw(t, tok, { title: "无优先级二", icon_key: "Coffee" }), E.DUPLICATE_PRIORITY);
      assertError(await createRaw(t, tok, statusBody("显式零", 0)), E.DUPLICATE_PRIORITY);
    });
  });
});

describe("create: which error wins (docs/wire-contract.md §4 order)", () => {
  const cases: Array<[string, Record<string, unknown>, ExpectedError]> = [
    ["invalid field and a duplicate name → 2005001", { title: "出差", icon_key: "Nope", priority: 5 }, invalid("icon_key")],
    ["invalid priority and a duplicate name → 2005001", { title: "出差", icon_key: "Coffee", priority: 10 }, invalid("priority")],
    ["a too-long sensitive title → 2005001", { title: "forbidden".repeat(3), icon_key: "Coffee" }, invalid("title")],
    ["duplicate name and duplicate priority → 2005002", statusBody("出差", 2), E.DUPLICATE_NAME],
    [
      "a sensitive word and a duplicate name → 2005003",
      statusBody("请假", 5, { i18n_title: { en_us: "forbidden" } }),
      E.SENSITIVE_WORD,
    ],
    ["a sensitive word and a duplicate priority → 2005003", statusBody("forbidden", 1), E.SENSITIVE_WORD],
  ];
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });
  for (const [name, body, expected] of cases) {
    test(name, async () => {
      assertError(await createRaw(t, tok, body), expected);
    });
  }

  test("at 10 statuses: a duplicate name or a duplicate priority → 2005004", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
      assertError(await createRaw(t, tok, statusBody("出差", 5)), E.STATUS_LIMIT);
      assertError(await createRaw(t, tok, statusBody("新", 1)), E.STATUS_LIMIT);
      assertError(await createRaw(t, tok, statusBody("出差", 1)), E.STATUS_LIMIT);
    });
  });

  test("at 10 statuses: a sensitive word → 2005003 (sensitive words come before the limit)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
      assertError(await createRaw(t, tok, statusBody("Forbidden", 5)), E.SENSITIVE_WORD);
    });
  });

  test("at 10 statuses: an invalid field → 2005001", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const p of [0, 3, 4, 5, 6, 7, 8, 9]) await create(t, tok, statusBody(`状态${p}`, p));
      assertError(await createRaw(t, tok, statusBody(CJK.repeat(11), 5)), invalid("title"));
    });
  });
});
