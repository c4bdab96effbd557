import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, ERRORS, invalidField, VIOLATION_VALUE_MAX, violationValue } from "../../src/errors/codes.js";

test("violationValue echoes strings as they are and other values as JSON", () => {
  assert.equal(violationValue("abc"), "abc");
  assert.equal(violationValue(5), "5");
  assert.equal(violationValue({ a: [1, "x"] }), '{"a":[1,"x"]}');
  assert.equal(violationValue(null), "null");
});

test("violationValue never echoes more than VIOLATION_VALUE_MAX characters", () => {
  const v = violationValue("x".repeat(10_000));
  assert.equal(v.length, VIOLATION_VALUE_MAX);
  assert.ok(v.endsWith("…"));
  assert.equal(violationValue("y".repeat(VIOLATION_VALUE_MAX)), "y".repeat(VIOLATION_VALUE_MAX));
});

test("violationValue survives a value too deeply nested for JSON.stringify", () => {
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(violationValue(deep), "[…]");
  const err = invalidField("title", "must be string", deep);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, ERRORS.INVALID_PARAMETER.code);
  assert.deepEqual(err.details.fieldViolations, [{ field: "title", description: "must be string", value: "[…]" }]);
});
