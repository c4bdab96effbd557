/**
 * Hostile bodies and queries (runs on both drivers): unknown fields are dropped before anything is
 * stored, however deep or large; text that is not well-formed Unicode is 2005001 naming the field;
 * a repeated query parameter reads as its first occurrence, so the check order holds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { APP, assertError, assertOk, BASE, inSeconds, LEAVE, NARROW_APP, openId, TRIP } from "../helpers.js";
import {
  create,
  createRaw,
  E,
  invalid,
  open,
  openRaw,
  openUrl,
  patch,
  patchRaw,
  scopeRequired,
  statusBody,
  withApp,
} from "./support.js";

/** Stands for an array nested 5,000 deep (`[[[...]]]`), which JSON.stringify cannot write. */
const DEEP = "\u0000deep";
/** `body` as JSON text, with every DEEP replaced by the nested array's text. */
function withDeep(body: unknown): string {
  return JSON.stringify(body).replaceAll(JSON.stringify(DEEP), `${"[".repeat(5000)}${"]".repeat(5000)}`);
}

describe("unknown fields are dropped before anything is stored", () => {
  test("an array nested 5,000 deep under an unknown i18n key is ignored on create (no 500)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const [i, body] of [
        statusBody("深一", 3, { i18n_title: { en_us: "Deep one", junk: DEEP } }),
        statusBody("深二", 4, { sync_setting: { i18n_title: { junk: DEEP } } }),
        statusBody("深三", 5, { sync_setting: { i18n_explain: { en_us: "x", junk: DEEP } } }),
        statusBody("深四", 6, { junk: DEEP, sync_setting: { junk: DEEP } }),
      ].entries()) {
        const res = await createRaw(t, tok, withDeep(body));
        assertOk(res);
        const id = (res.json() as { data: { system_status: { system_status_id: string } } }).data.system_status.system_status_id;
        const stored = await t.store.getStatus(APP_TENANT, id, false);
        assert.ok(stored, `case ${i}`);
        assert.equal(JSON.stringify(stored).includes("junk"), false, `case ${i}: ${JSON.stringify(stored)}`);
      }
    });
  });

  test("the same on patch, for I18N_TITLE and SYNC_SETTING", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{ i18n_title: { en_us: "On leave", junk: DEEP } }, ["I18N_TITLE"]],
        [{ sync_setting: { i18n_title: { junk: DEEP }, i18n_explain: { junk: DEEP } } }, ["SYNC_SETTING"]],
        [{ color: "RED", junk: DEEP, title: DEEP }, ["COLOR"]],
      ];
      for (const [systemStatus, fields] of cases) {
        assertOk(await patchRaw(t, tok, LEAVE, withDeep({ system_status: systemStatus, update_fields: fields, junk: DEEP })));
      }
      const stored = await t.store.getStatus(APP_TENANT, LEAVE, false);
      assert.equal(JSON.stringify(stored).includes("junk"), false, JSON.stringify(stored));
      assert.equal(stored?.color, "RED");
    });
  });

  test("unknown keys never reach a status, its snapshot or a user's row", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const junk = "x".repeat(100_000);
      const s = await create(
        t,
        tok,
        statusBody("垃圾", 3, {
          i18n_title: { en_us: "Junk", fr_fr: junk },
          sync_setting: { title: "同步", extra: junk, i18n_title: { de_de: junk }, i18n_explain: { it_it: junk } },
          extra: junk,
        }),
      );
      await patch(t, tok, s.system_status_id, { i18n_title: { en_us: "Junk 2", es_es: junk } }, ["I18N_TITLE"]);
      await open(t, tok, s.system_status_id, [{ user_id: openId("u001"), end_time: inSeconds(t, 3600), extra: junk } as never]);
      const stored = await t.store.getStatus(APP_TENANT, s.system_status_id, false);
      assert.deepEqual(stored?.i18n_title, { en_us: "Junk 2" });
      assert.deepEqual(stored?.sync_setting.i18n_title, {});
      assert.deepEqual(stored?.sync_setting.i18n_explain, {});
      assert.equal(Object.keys(stored?.sync_setting ?? {}).includes("extra"), false);
      const rows = await t.store.userStatuses(APP_TENANT, "u001");
      const row = rows.find((r) => r.system_status_id === s.system_status_id);
      assert.ok(row);
      assert.deepEqual(row.snapshot.i18n_title, { en_us: "Junk 2" });
      assert.equal(JSON.stringify(rows).includes("xxxx"), false);
    });
  });
});

const APP_TENANT = "a1b2c3d4e5f60718";

describe("text that is not well-formed Unicode is 2005001 naming the field", () => {
  // JSON.stringify escapes lone surrogates, so these bodies carry `\ud800` escapes as a client would.
  const lone = ["s\ud800", "s\udc01", "\ud801", "a\udfffb", "\udc00\ud800"];

  test("create: title, i18n titles and sync texts", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const bad of lone) {
        const cases: Array<[Record<string, unknown>, string]> = [
          [statusBody(bad, 3), "title"],
          [statusBody("好", 3, { i18n_title: { en_us: bad } }), "i18n_title.en_us"],
          [statusBody("好", 3, { sync_setting: { title: bad } }), "sync_setting.title"],
          [statusBody("好", 3, { sync_setting: { explain: bad } }), "sync_setting.explain"],
          [statusBody("好", 3, { sync_setting: { i18n_title: { ja_jp: bad } } }), "sync_setting.i18n_title.ja_jp"],
          [statusBody("好", 3, { sync_setting: { i18n_explain: { zh_cn: bad } } }), "sync_setting.i18n_explain.zh_cn"],
        ];
        for (const [body, field] of cases) {
          const err = assertError(await createRaw(t, tok, body), invalid(field)) as {
            error: { field_violations: Array<{ description: string }> };
          };
          assert.match(err.error.field_violations[0]?.description ?? "", /well-formed/);
        }
      }
      // Nothing was created; well-formed surrogate pairs (astral characters) are fine.
      assertOk(await createRaw(t, tok, statusBody("s😀", 3, { i18n_title: { en_us: "𠀀x" } })));
    });
  });

  test("three titles that differ only in their lone surrogate are all refused (none collapses to U+FFFD)", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      for (const [i, title] of ["s\ud800", "s\ud801", "s\udc00"].entries()) {
        assertError(await createRaw(t, tok, statusBody(title, 3 + i)), invalid("title"));
      }
      const stored = await t.store.listStatuses(APP_TENANT, 50);
      assert.deepEqual(
        stored.items.map((s) => s.title),
        ["出差", "请假"],
      );
    });
  });

  test("patch: the named field", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(
        await patchRaw(t, tok, LEAVE, { system_status: { title: "s\ud800" }, update_fields: ["TITLE"] }),
        invalid("system_status.title"),
      );
      assertError(
        await patchRaw(t, tok, LEAVE, { system_status: { i18n_title: { en_us: "\udfff" } }, update_fields: ["I18N_TITLE"] }),
        invalid("system_status.i18n_title.en_us"),
      );
      assertError(
        await patchRaw(t, tok, LEAVE, {
          system_status: { sync_setting: { i18n_explain: { en_us: "a\ud800" } } },
          update_fields: ["SYNC_SETTING"],
        }),
        invalid("system_status.sync_setting.i18n_explain.en_us"),
      );
      // A field that is not named is neither validated nor applied.
      assertOk(await patchRaw(t, tok, LEAVE, { system_status: { title: "s\ud800", color: "RED" }, update_fields: ["COLOR"] }));
    });
  });

  test("batch_open and batch_close: user ids and end_time", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      assertError(
        await openRaw(t, tok, TRIP, [{ user_id: "ou_\ud800", end_time: inSeconds(t, 60) }]),
        invalid("user_list[0].user_id"),
      );
      assertError(
        await openRaw(t, tok, TRIP, [
          { user_id: openId("u001"), end_time: inSeconds(t, 60) },
          { user_id: openId("u004"), end_time: `${inSeconds(t, 60)}\ud800` },
        ]),
        invalid("user_list[1].end_time"),
      );
      assertError(
        await t.call({
          method: "POST",
          url: `${BASE}/${TRIP}/batch_close`,
          token: tok,
          body: { user_list: [openId("u001"), "\udc00"] },
        }),
        invalid("user_list[1]"),
      );
    });
  });

  test("token endpoints: 10003", async () => {
    await withApp(async (t) => {
      for (const body of [
        { app_id: APP.app_id, app_secret: `${APP.app_secret}\ud800` },
        { app_id: `${APP.app_id}\udc00`, app_secret: APP.app_secret },
      ]) {
        assertError(
          await t.call({ method: "POST", url: "/open-apis/auth/v3/tenant_access_token/internal", body }),
          E.INVALID_PARAM,
        );
      }
    });
  });
});

describe("a repeated query parameter reads as its first occurrence", () => {
  test("user_id_type=user_id twice from an app without the employee-id scope → 99991672, not 2005001", async () => {
    await withApp(async (t) => {
      const narrow = await t.token(NARROW_APP);
      const res = await t.call({
        method: "POST",
        url: `${openUrl(TRIP)}?user_id_type=user_id&user_id_type=user_id`,
        token: narrow,
        body: { user_list: [{ user_id: "u001", end_time: inSeconds(t, 60) }] },
      });
      assertError(res, scopeRequired("contact:user.employee_id:readonly"));
    });
  });

  test("the first value counts and later ones are ignored, on every route", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      // user_id then open_id: read as user_id (the employee id u001 resolves).
      const res = await t.call({
        method: "POST",
        url: `${openUrl(TRIP)}?user_id_type=user_id&user_id_type=open_id`,
        token: tok,
        body: { user_list: [{ user_id: "u001", end_time: inSeconds(t, 60) }] },
      });
      assert.deepEqual(
        assertOk<{ result_list: Array<{ result: string }> }>(res).result_list.map((r) => r.result),
        ["success_show"],
      );
      // A bad first value is refused even when a later one is valid.
      assertError(
        await t.call({
          method: "POST",
          url: `${openUrl(TRIP)}?user_id_type=phone&user_id_type=open_id`,
          token: tok,
          body: { user_list: [{ user_id: openId("u001"), end_time: inSeconds(t, 60) }] },
        }),
        invalid("user_id_type"),
      );
      const page = await t.call({ method: "GET", url: `${BASE}?page_size=1&page_size=50`, token: tok });
      assert.equal(assertOk<{ items: unknown[] }>(page).items.length, 1);
    });
  });
});
