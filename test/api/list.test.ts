/**
 * list (docs/wire-contract.md §4): priority order, page_size 1..50, opaque page tokens that are omitted on the
 * last page, and rejected when we did not issue them for this tenant.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertError, GLOBEX_APP, LEAVE, makeApp, type TestApp, TRIP } from "../helpers.js";
import { create, del, invalid, type ListData, list, listRaw, statusBody, type WireStatus, withApp } from "./support.js";

/** Acme with 5 more statuses: priorities 0, 1 (TRIP), 2 (LEAVE), 4, 6, 8, 9 → 7 live. */
async function populate(t: TestApp, tok: string): Promise<WireStatus[]> {
  const made: WireStatus[] = [];
  // Created out of priority order on purpose.
  for (const p of [8, 0, 6, 9, 4]) made.push(await create(t, tok, statusBody(`状态${p}`, p)));
  return made;
}

describe("list: order and page_size", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
    await populate(t, tok);
  });
  after(async () => {
    await t.close();
  });

  test("items are ordered by priority ascending; one page, no page_token", async () => {
    const data = await list(t, tok);
    assert.deepEqual(
      data.items.map((s) => s.priority),
      [0, 1, 2, 4, 6, 8, 9],
    );
    assert.deepEqual(
      data.items.map((s) => s.title),
      ["状态0", "出差", "请假", "状态4", "状态6", "状态8", "状态9"],
    );
    assert.equal(data.has_more, false);
    assert.equal("page_token" in data, false, JSON.stringify(data));
    assert.deepEqual(Object.keys(data).sort(), ["has_more", "items"]);
  });

  test("items carry every field with defaults filled in", async () => {
    const data = await list(t, tok);
    const trip = data.items.find((s) => s.system_status_id === TRIP);
    assert.deepEqual(trip, {
      system_status_id: TRIP,
      title: "出差",
      i18n_title: { zh_cn: "出差", en_us: "Business trip", ja_jp: "出張中" },
      icon_key: "GeneralBusinessTrip",
      color: "BLUE",
      priority: 1,
      sync_setting: {
        is_open_by_default: true,
        title: "自动开启",
        i18n_title: {},
        explain: "从相关系统进行信息同步，同步后将自动开启并优先展示该状态。",
        i18n_explain: {},
      },
    });
  });

  test("page_size 50 and page_size 7 give everything with has_more false", async () => {
    for (const size of [50, 7]) {
      const data = await list(t, tok, `?page_size=${size}`);
      assert.equal(data.items.length, 7);
      assert.equal(data.has_more, false);
      assert.equal("page_token" in data, false);
    }
  });

  test("page_size 6 leaves one for a second page", async () => {
    const first = await list(t, tok, "?page_size=6");
    assert.equal(first.items.length, 6);
    assert.equal(first.has_more, true);
    assert.equal(typeof first.page_token, "string");
    assert.notEqual(first.page_token, "");
    const second = await list(t, tok, `?page_size=6&page_token=${encodeURIComponent(first.page_token as string)}`);
    assert.deepEqual(
      second.items.map((s) => s.priority),
      [9],
    );
    assert.equal(second.has_more, false);
    assert.equal("page_token" in second, false);
  });

  test("page_size 1 walks every page in order; page_token only while has_more", async () => {
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const q = token === undefined ? "?page_size=1" : `?page_size=1&page_token=${encodeURIComponent(token)}`;
      const data: ListData = await list(t, tok, q);
      pages += 1;
      assert.equal(data.items.length, 1);
      seen.push((data.items[0] as WireStatus).priority);
      if (data.has_more) {
        assert.equal(typeof data.page_token, "string");
        token = data.page_token;
      } else {
        assert.equal("page_token" in data, false, JSON.stringify(data));
        break;
      }
      assert.ok(pages < 20, "pagination does not end");
    }
    assert.equal(pages, 7);
    assert.deepEqual(seen, [0, 1, 2, 4, 6, 8, 9]);
  });

  test("page_size 3: pages of 3, 3, 1", async () => {
    const p1 = await list(t, tok, "?page_size=3");
    const p2 = await list(t, tok, `?page_size=3&page_token=${encodeURIComponent(p1.page_token as string)}`);
    const p3 = await list(t, tok, `?page_size=3&page_token=${encodeURIComponent(p2.page_token as string)}`);
    assert.deepEqual(
      [p1, p2, p3].map((p) => [p.items.map((s) => s.priority), p.has_more, "page_token" in p]),
      [
        [[0, 1, 2], true, true],
        [[4, 6, 8], true, true],
        [[9], false, false],
      ],
    );
  });

  const badSizes: Array<[string, string]> = [
    ["0", "?page_size=0"],
    ["51", "?page_size=51"],
    ["-1", "?page_size=-1"],
    ["abc", "?page_size=abc"],
    ["1.5", "?page_size=1.5"],
    ["empty", "?page_size="],
  ];
  for (const [name, q] of badSizes) {
    test(`page_size ${name} → 2005001 on page_size`, async () => {
      assertError(await listRaw(t, tok, q), invalid("page_size"));
    });
  }

  const badTokens: Array<[string, string]> = [
    ["garbage", "garbage"],
    ["a forged cursor", `${Buffer.from(`0:${TRIP}`).toString("base64url")}.AAAAAAAAAAAAAAAAAAAAAA`],
    ["a cursor without signature", Buffer.from(`1:${TRIP}`).toString("base64url")],
    ["a number", "12345"],
  ];
  for (const [name, pageToken] of badTokens) {
    test(`page_token ${name} → 2005001 on page_token`, async () => {
      assertError(await listRaw(t, tok, `?page_size=2&page_token=${encodeURIComponent(pageToken)}`), invalid("page_token"));
    });
  }

  test("a real page token with one character changed → 2005001 on page_token", async () => {
    const first = await list(t, tok, "?page_size=2");
    const real = first.page_token as string;
    const last = real.at(-1) === "A" ? "B" : "A";
    const tampered = real.slice(0, -1) + last;
    assertError(await listRaw(t, tok, `?page_size=2&page_token=${encodeURIComponent(tampered)}`), invalid("page_token"));
    // The untampered one works.
    assert.equal((await listRaw(t, tok, `?page_size=2&page_token=${encodeURIComponent(real)}`)).statusCode, 200);
  });
});

describe("list: tenants and changes", () => {
  test("a page token issued to another tenant → 2005001 on page_token", async () => {
    await withApp(async (t) => {
      const globex = await t.token(GLOBEX_APP);
      await create(t, globex, statusBody("Globex second", 2));
      const g = await list(t, globex, "?page_size=1");
      assert.equal(g.has_more, true);
      const tok = await t.token();
      assertError(
        await listRaw(t, tok, `?page_size=1&page_token=${encodeURIComponent(g.page_token as string)}`),
        invalid("page_token"),
      );
      // The same token still works for Globex.
      const g2 = await list(t, globex, `?page_size=1&page_token=${encodeURIComponent(g.page_token as string)}`);
      assert.deepEqual(
        g2.items.map((s) => s.title),
        ["Globex second"],
      );
    });
  });

  test("each tenant lists only its own statuses", async () => {
    await withApp(async (t) => {
      const globex = await t.token(GLOBEX_APP);
      assert.deepEqual(
        (await list(t, globex)).items.map((s) => s.title),
        ["Globex trip"],
      );
      assert.deepEqual(
        (await list(t, await t.token())).items.map((s) => s.title),
        ["出差", "请假"],
      );
    });
  });

  test("a page token stays usable after the status it points at is deleted", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      await populate(t, tok);
      const p1 = await list(t, tok, "?page_size=2"); // priorities 0, 1
      await del(t, tok, TRIP);
      await del(t, tok, LEAVE);
      const p2 = await list(t, tok, `?page_size=2&page_token=${encodeURIComponent(p1.page_token as string)}`);
      assert.deepEqual(
        p2.items.map((s) => s.priority),
        [4, 6],
      );
      assert.equal(p2.has_more, true);
    });
  });
});
