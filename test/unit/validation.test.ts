import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OPERATIONS } from "../../src/api/routes.js";
import { StatusProperties, TEXT_FORMAT } from "../../src/api/schemas.js";
import { isWellFormedText, jsonPath } from "../../src/http/validation.js";

describe("jsonPath", () => {
  const cases: Array<[string[], string]> = [
    [["user_list", "3", "end_time"], "user_list[3].end_time"],
    [[], ""],
    [["title"], "title"],
    [["system_status", "i18n_title", "en_us"], "system_status.i18n_title.en_us"],
    [["user_list", "0"], "user_list[0]"],
    [["tenants", "0", "users", "12", "user_id"], "tenants[0].users[12].user_id"],
    [["a", "1", "2", "b"], "a[1][2].b"],
    [["0", "x"], "[0].x"],
    [["open_ids", "cli_a1b2c3d4e5f60718"], "open_ids.cli_a1b2c3d4e5f60718"],
  ];
  for (const [segments, expected] of cases) {
    test(`${JSON.stringify(segments)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(jsonPath(segments), expected);
    });
  }
});

describe("isWellFormedText", () => {
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["plain", true],
    ["出差", true],
    ["😀 astral pair", true],
    ["\ud83d\ude00", true],
    ["s\ud800", false],
    ["\udc00", false],
    ["\udc00\ud800", false],
    ["a\udfffb", false],
    ["\u0000 control characters are text", true],
  ];
  for (const [text, ok] of cases) {
    test(`${JSON.stringify(text)} → ${ok}`, () => assert.equal(isWellFormedText(text), ok));
  }
});

describe("every string a client sends is checked as text", () => {
  /** Every schema node of `schema` with its JSON path. */
  function* nodes(schema: unknown, path: string): Generator<[string, Record<string, unknown>]> {
    if (schema === null || typeof schema !== "object") return;
    const s = schema as Record<string, unknown>;
    yield [path, s];
    for (const [k, v] of Object.entries((s.properties as Record<string, unknown>) ?? {})) yield* nodes(v, `${path}.${k}`);
    if (s.items) yield* nodes(s.items, `${path}[]`);
    for (const alt of [...((s.anyOf as unknown[]) ?? []), ...((s.oneOf as unknown[]) ?? [])]) yield* nodes(alt, `${path}|`);
  }
  const bodies: Array<[string, unknown]> = [
    ...OPERATIONS.filter((op) => op.schema.body).map((op): [string, unknown] => [op.name, op.schema.body]),
    // patch validates each named field against these, after its outer schema.
    ...Object.entries(StatusProperties).map(([k, v]): [string, unknown] => [`patch field ${k}`, v]),
  ];
  test("the walk sees the bodies", () => assert.ok(bodies.length >= 8));
  for (const [name, body] of bodies) {
    test(`${name}: free-text strings carry the well-formed format`, () => {
      let strings = 0;
      for (const [path, node] of nodes(body, name)) {
        if (node.type !== "string" || node.enum) continue;
        strings++;
        assert.equal(node.format, TEXT_FORMAT, `${path} is a string without the text format`);
      }
      if (!name.startsWith("patch field") || /title|sync/.test(name)) assert.ok(strings > 0 || name === "system_status.patch");
    });
  }
});
