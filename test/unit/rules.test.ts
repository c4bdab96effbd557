import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StatusSnapshot, UserStatusRow } from "../../src/domain/model.js";
import { containsSensitiveWord, effectiveStatus, openOutcome, parseEndTime } from "../../src/domain/rules.js";
import { ApiError } from "../../src/errors/codes.js";

const T0 = Date.UTC(2026, 0, 1);
const NOW_S = T0 / 1000;
const DAY = 24 * 3600;

function rejection(fn: () => unknown): { code: number; field: string | undefined } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
    return { code: e.code, field: e.details.fieldViolations?.[0]?.field };
  }
  assert.fail("expected a throw");
}

describe("parseEndTime", () => {
  const accepted: Array<[string, string | number, number]> = [
    ["now+1 as a string", String(NOW_S + 1), NOW_S + 1],
    ["now+1 as a number", NOW_S + 1, NOW_S + 1],
    ["one hour ahead", String(NOW_S + 3600), NOW_S + 3600],
    ["exactly 365 days ahead (string)", String(NOW_S + 365 * DAY), NOW_S + 365 * DAY],
    ["exactly 365 days ahead (number)", NOW_S + 365 * DAY, NOW_S + 365 * DAY],
    ["leading zeros", `000${NOW_S + 60}`, NOW_S + 60],
  ];
  for (const [name, raw, expected] of accepted) {
    test(`accepts ${name}`, () => {
      assert.equal(parseEndTime("user_list[0].end_time", raw, T0), expected);
    });
  }

  const rejected: Array<[string, string | number]> = [
    ["now (string)", String(NOW_S)],
    ["now (number)", NOW_S],
    ["the past", String(NOW_S - 1)],
    ["zero", 0],
    ["365 days + 1 s ahead (string)", String(NOW_S + 365 * DAY + 1)],
    ["365 days + 1 s ahead (number)", NOW_S + 365 * DAY + 1],
    ["a letter in it", "12a"],
    ["the empty string", ""],
    ["a negative string", "-5"],
    ["a negative number", -5],
    ["a fraction", 1.5],
    ["a decimal string", `${NOW_S + 10}.5`],
    ["whitespace", ` ${NOW_S + 10}`],
    ["a plus sign", `+${NOW_S + 10}`],
    ["a huge number", 1e20],
    ["2^53", 2 ** 53],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a 16-digit string", "9".repeat(16)],
    ["a 15-digit string (far future)", "9".repeat(15)],
    ["a 40-digit string", "1".repeat(40)],
    ["exponent notation", "1e10"],
  ];
  for (const [name, raw] of rejected) {
    test(`rejects ${name} with 2005001 naming the field`, () => {
      assert.deepEqual(
        rejection(() => parseEndTime("user_list[7].end_time", raw, T0)),
        { code: 2005001, field: "user_list[7].end_time" },
      );
    });
  }

  test("a now with milliseconds: the current second is rejected, the next accepted", () => {
    assert.equal(rejection(() => parseEndTime("f", NOW_S, T0 + 999)).code, 2005001);
    assert.equal(parseEndTime("f", NOW_S + 1, T0 + 999), NOW_S + 1);
  });

  test("the field name is passed through unchanged", () => {
    assert.equal(rejection(() => parseEndTime("end_time", "x", T0)).field, "end_time");
  });
});

describe("containsSensitiveWord", () => {
  const cases: Array<[string, string[], string[], boolean]> = [
    ["exact word", ["forbidden"], ["forbidden"], true],
    ["substring", ["a forbidden trip"], ["forbidden"], true],
    ["case-insensitive name", ["FORBIDDEN trip"], ["forbidden"], true],
    ["case-insensitive word", ["forbidden"], ["ForBidden"], true],
    ["CJK substring", ["机密出差"], ["机密"], true],
    ["any of several names", ["ok", "also ok", "xforbiddenx"], ["forbidden"], true],
    ["any of several words", ["secret plan"], ["forbidden", "secret"], true],
    ["no match", ["Business trip"], ["forbidden"], false],
    ["partial word does not match", ["forbid"], ["forbidden"], false],
    ["empty list", ["forbidden"], [], false],
    ["empty word is ignored", ["anything"], [""], false],
    ["empty word ignored next to a real one", ["forbidden"], ["", "forbidden"], true],
    ["no names", [], ["forbidden"], false],
  ];
  for (const [name, names, words, expected] of cases) {
    test(`${name} → ${expected}`, () => {
      assert.equal(containsSensitiveWord(names, words), expected);
    });
  }
  test("accepts any iterable (a Set of names)", () => {
    assert.equal(containsSensitiveWord(new Set(["x", "Forbidden"]), ["forbidden"]), true);
  });
});

function snap(priority: number, title = `p${priority}`): StatusSnapshot {
  return { title, i18n_title: {}, icon_key: "Coffee", color: "BLUE", priority, version: 1 };
}

function row(id: string, priority: number, over: Partial<UserStatusRow> = {}): UserStatusRow {
  return {
    user_id: "u001",
    system_status_id: id,
    open: true,
    end_time: NOW_S + 3600,
    snapshot: snap(priority),
    opened_by: "cli_a1b2c3d4e5f60718",
    opened_at: T0 - 1000,
    sync_on: true,
    ...over,
  };
}

const A = "7000000000000000001";
const B = "7000000000000000002";
const C = "7000000000000000003";

describe("effectiveStatus", () => {
  const cases: Array<[string, UserStatusRow[], string | undefined]> = [
    ["no rows", [], undefined],
    ["one open row", [row(A, 3)], A],
    ["smallest priority wins", [row(A, 3), row(B, 1), row(C, 2)], B],
    ["priority 0 beats 9", [row(A, 9), row(B, 0)], B],
    ["a closed row is ignored", [row(A, 3), row(B, 1, { open: false })], A],
    ["an expired row (end_time == now) is ignored", [row(A, 3), row(B, 1, { end_time: NOW_S })], A],
    ["an expired row (end_time < now) is ignored", [row(A, 3), row(B, 1, { end_time: NOW_S - 10 })], A],
    ["end_time now+1 counts", [row(A, 3), row(B, 1, { end_time: NOW_S + 1 })], B],
    ["a sync-off row is ignored", [row(A, 3), row(B, 1, { sync_on: false })], A],
    ["all ignored", [row(A, 1, { open: false }), row(B, 2, { sync_on: false }), row(C, 3, { end_time: 1 })], undefined],
    ["tie: most recent opened_at wins", [row(A, 2, { opened_at: T0 - 50 }), row(B, 2, { opened_at: T0 - 10 })], B],
    ["tie: most recent opened_at wins (other order)", [row(B, 2, { opened_at: T0 - 10 }), row(A, 2, { opened_at: T0 - 50 })], B],
    ["tie on opened_at too: larger id", [row(B, 2), row(A, 2)], B],
    ["snapshot priority, not anything else, decides", [row(A, 5), row(B, 4, { opened_at: T0 - 999_999 })], B],
  ];
  for (const [name, rows, expected] of cases) {
    test(name, () => {
      assert.equal(effectiveStatus(rows, NOW_S)?.system_status_id, expected);
    });
  }
});

describe("openOutcome", () => {
  test("the opened status is the one shown → success_show", () => {
    assert.equal(openOutcome([row(A, 1), row(B, 2)], A, NOW_S), "success_show");
  });
  test("only row → success_show", () => {
    assert.equal(openOutcome([row(A, 5)], A, NOW_S), "success_show");
  });
  test("the user switched auto-open off → success_user_close_syn", () => {
    assert.equal(openOutcome([row(A, 1, { sync_on: false })], A, NOW_S), "success_user_close_syn");
  });
  test("sync off wins over a higher-priority status", () => {
    assert.equal(openOutcome([row(A, 5, { sync_on: false }), row(B, 1)], A, NOW_S), "success_user_close_syn");
  });
  test("another status with a smaller priority is shown → success_user_in_higher_priority_system_status", () => {
    assert.equal(openOutcome([row(A, 5), row(B, 1)], A, NOW_S), "success_user_in_higher_priority_system_status");
  });
  test("a smaller-priority status that is closed, expired or sync-off does not hide the opened one", () => {
    const rows = [
      row(A, 5),
      row(B, 1, { open: false }),
      row(C, 0, { end_time: NOW_S - 1 }),
      row("7000000000000000004", 2, { sync_on: false }),
    ];
    assert.equal(openOutcome(rows, A, NOW_S), "success_show");
  });
});
