import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unknownScopeRule } from "../../src/domain/rules.js";
import { closest, didYouMean, editDistance } from "../../src/domain/suggest.js";

describe("editDistance", () => {
  const cases: Array<[string, string, number]> = [
    ["", "", 0],
    ["abc", "abc", 0],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["updte", "update", 1],
    ["port", "prot", 1],
    ["ab", "ba", 1],
  ];
  for (const [a, b, d] of cases) {
    test(`${a} / ${b} → ${d}`, () => {
      assert.equal(editDistance(a, b), d);
      assert.equal(editDistance(b, a), d);
    });
  }
});

describe("closest / didYouMean", () => {
  const flags = ["port", "host", "db", "db-pool", "redis", "seed", "rate-limit", "log-level"];
  test("a typo finds its flag", () => {
    assert.equal(closest("prot", flags), "port");
    assert.equal(closest("rate-limt", flags), "rate-limit");
    assert.equal(closest("LOG-LEVEL", flags), "log-level");
    assert.equal(didYouMean("sede", flags), ' (did you mean "seed"?)');
  });
  test("nothing close → nothing suggested", () => {
    assert.equal(closest("verbose", flags), undefined);
    assert.equal(didYouMean("x", ["port"]), "");
  });
  test("alternative forms of a name", () => {
    assert.equal(
      closest("operate", ["a:b:operate", "a:b:update"], (n) => [n, n.split(":").at(-1) as string]),
      "a:b:operate",
    );
  });
});

describe("unknownScopeRule", () => {
  test("known scopes pass", () => {
    for (const s of [
      "personal_settings:status:system_status_update",
      "personal_settings:status:system_status_operate",
      "contact:user.employee_id:readonly",
    ]) {
      assert.equal(unknownScopeRule(s), undefined);
    }
  });
  test("a typo is refused with the closest scope", () => {
    assert.match(
      unknownScopeRule("personal_settings:status:system_status_updte") ?? "",
      /^unknown scope \(did you mean "personal_settings:status:system_status_update"\?\); the known scopes are /,
    );
  });
});
