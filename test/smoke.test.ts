import assert from "node:assert/strict";
import { test } from "node:test";
import { assertOk, BASE, makeApp } from "./helpers.js";

test("the fixture seed loads and lists Acme's two statuses", async () => {
  const t = await makeApp();
  try {
    const tok = await t.token();
    const data = assertOk<{ items: { title: string }[]; has_more: boolean }>(
      await t.call({ method: "GET", url: BASE, token: tok }),
    );
    assert.deepEqual(
      data.items.map((s) => s.title),
      ["出差", "请假"],
    );
    assert.equal(data.has_more, false);
  } finally {
    await t.close();
  }
});
