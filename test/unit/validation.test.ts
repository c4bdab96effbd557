import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { jsonPath } from "../../src/http/validation.js";

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
