import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSyncSetting, checkTitles, checkWeighted } from "../../src/domain/rules.js";
import { isWide, weightedLength } from "../../src/domain/weighted-length.js";
import { ApiError } from "../../src/errors/codes.js";

describe("weightedLength", () => {
  const cases: Array<[string, string, number]> = [
    ["empty", "", 0],
    ["ASCII letter", "a", 1],
    ["ASCII digits and punctuation", "09!~ ", 5],
    ["Latin-1 letter", "é", 1],
    ["CJK ideograph", "中", 2],
    ["two CJK ideographs", "出差", 4],
    ["CJK Extension A", "㐀", 2],
    ["CJK compatibility ideograph", "豈", 2],
    ["hiragana", "あ", 2],
    ["katakana", "カ", 2],
    ["katakana prolonged sound mark", "ー", 2],
    ["hangul syllable", "한", 2],
    ["hangul jamo", "ᄀ", 2],
    ["hangul compatibility jamo", "ㄱ", 2],
    ["full-width Latin A", "Ａ", 2],
    ["full-width comma", "，", 2],
    ["full-width yen sign", "￥", 2],
    ["half-width katakana", "ｶ", 1],
    ["emoji (astral, non-CJK)", "😀", 1],
    ["emoji with skin tone modifier (two code points)", "👍🏽", 2],
    ["CJK Extension B (astral)", "𠀀", 2],
    ["CJK Extension G (astral)", "𰀀", 2],
    ["kana supplement (astral)", "𛀀", 2],
    ["mixed", "Trip 出差 😀", 11],
    ["ja title", "出張中", 6],
  ];
  for (const [name, text, expected] of cases) {
    test(`${name}: ${JSON.stringify(text)} weighs ${expected}`, () => {
      assert.equal(weightedLength(text), expected);
    });
  }

  test("range edges of isWide", () => {
    const edges: Array<[number, boolean]> = [
      [0x10ff, false],
      [0x1100, true],
      [0x11ff, true],
      [0x1200, false],
      [0x4dff, false],
      [0x4e00, true],
      [0x9fff, true],
      [0xa000, false],
      [0xff00, false],
      [0xff01, true],
      [0xff60, true],
      [0xff61, false],
      [0x1ffff, false],
      [0x20000, true],
      [0x2fa1f, true],
      [0x2fa20, false],
    ];
    for (const [cp, wide] of edges) assert.equal(isWide(cp), wide, `U+${cp.toString(16)}`);
  });
});

function violation(fn: () => void): { code: number; field: string | undefined } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    return { code: e.code, field: e.details.fieldViolations?.[0]?.field };
  }
  assert.fail("expected a throw");
}

describe("checkWeighted", () => {
  test("20 ASCII characters are accepted at max 20", () => {
    assert.doesNotThrow(() => checkWeighted("title", "a".repeat(20), 20));
  });
  test("10 CJK ideographs weigh exactly 20 and are accepted", () => {
    assert.doesNotThrow(() => checkWeighted("title", "中".repeat(10), 20));
  });
  test("21 ASCII characters are rejected with 2005001 on the field", () => {
    assert.deepEqual(
      violation(() => checkWeighted("title", "a".repeat(21), 20)),
      { code: 2005001, field: "title" },
    );
  });
  test("11 CJK ideographs (22) are rejected although they are 11 code points", () => {
    assert.deepEqual(
      violation(() => checkWeighted("title", "中".repeat(11), 20)),
      { code: 2005001, field: "title" },
    );
  });
  test("9 CJK + 1 ASCII (19) is accepted, 9 CJK + 3 ASCII (21) is not", () => {
    assert.doesNotThrow(() => checkWeighted("t", `${"中".repeat(9)}a`, 20));
    assert.equal(violation(() => checkWeighted("t", `${"中".repeat(9)}abc`, 20)).code, 2005001);
  });
  test("the empty string is rejected", () => {
    assert.deepEqual(
      violation(() => checkWeighted("x.y", "", 20)),
      { code: 2005001, field: "x.y" },
    );
  });
  test("the violation carries the offending value and names the limit", () => {
    try {
      checkWeighted("title", "中".repeat(11), 20);
      assert.fail("expected a throw");
    } catch (e) {
      assert.ok(e instanceof ApiError);
      const v = e.details.fieldViolations?.[0];
      assert.equal(v?.value, "中".repeat(11));
      assert.match(v?.description ?? "", /20/);
      assert.match(v?.description ?? "", /22/);
    }
  });
});

describe("checkTitles", () => {
  test("valid title and i18n titles pass", () => {
    assert.doesNotThrow(() =>
      checkTitles("", { title: "出差", i18n_title: { zh_cn: "出差", en_us: "Business trip", ja_jp: "出張中" } }),
    );
  });
  test("absent fields are not checked", () => {
    assert.doesNotThrow(() => checkTitles("", {}));
  });
  const bad: Array<[string, string, { title?: string; i18n_title?: Record<string, string> }, string]> = [
    ["title too long", "", { title: "中".repeat(11) }, "title"],
    ["empty title", "", { title: "" }, "title"],
    ["en_us too long", "", { title: "ok", i18n_title: { en_us: "x".repeat(21) } }, "i18n_title.en_us"],
    ["zh_cn too long", "", { title: "ok", i18n_title: { zh_cn: "中".repeat(11) } }, "i18n_title.zh_cn"],
    ["ja_jp empty", "", { title: "ok", i18n_title: { ja_jp: "" } }, "i18n_title.ja_jp"],
    ["prefixed title", "system_status.", { title: "a".repeat(21) }, "system_status.title"],
    ["prefixed i18n", "system_status.", { i18n_title: { en_us: "a".repeat(21) } }, "system_status.i18n_title.en_us"],
    ["title checked before i18n", "", { title: "", i18n_title: { en_us: "" } }, "title"],
  ];
  for (const [name, prefix, input, field] of bad) {
    test(`${name} → 2005001 on ${field}`, () => {
      assert.deepEqual(
        violation(() => checkTitles(prefix, input)),
        { code: 2005001, field },
      );
    });
  }
});

describe("checkSyncSetting", () => {
  test("undefined passes", () => {
    assert.doesNotThrow(() => checkSyncSetting("", undefined));
  });
  test("30-weight title and 60-weight explain pass", () => {
    assert.doesNotThrow(() => checkSyncSetting("", { title: "中".repeat(15), explain: "中".repeat(30) }));
  });
  test("the vendor's default explain passes (it is 57 weighted)", () => {
    const explain = "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。";
    assert.equal(weightedLength(explain), 57);
    assert.doesNotThrow(() => checkSyncSetting("", { explain }));
  });
  const bad: Array<[string, string, Record<string, unknown>, string]> = [
    ["title 31", "", { title: "a".repeat(31) }, "sync_setting.title"],
    ["title 16 CJK", "", { title: "中".repeat(16) }, "sync_setting.title"],
    ["i18n_title en_us 31", "", { i18n_title: { en_us: "a".repeat(31) } }, "sync_setting.i18n_title.en_us"],
    ["explain 61", "", { explain: "a".repeat(61) }, "sync_setting.explain"],
    ["explain 31 CJK", "", { explain: "中".repeat(31) }, "sync_setting.explain"],
    ["explain empty", "", { explain: "" }, "sync_setting.explain"],
    ["i18n_explain ja_jp 61", "", { i18n_explain: { ja_jp: "a".repeat(61) } }, "sync_setting.i18n_explain.ja_jp"],
    ["prefixed explain", "system_status.", { explain: "a".repeat(61) }, "system_status.sync_setting.explain"],
  ];
  for (const [name, prefix, input, field] of bad) {
    test(`${name} → 2005001 on ${field}`, () => {
      assert.deepEqual(
        violation(() => checkSyncSetting(prefix, input)),
        { code: 2005001, field },
      );
    });
  }
});
