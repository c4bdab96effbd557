/**
 * A bounded, reproducible fuzz of every vendor endpoint (runs on both drivers): valid bodies with one
 * random mutation each (a value replaced by hostile JSON, a key dropped, junk keys added at any depth,
 * a repeated query parameter). Every answer must be a vendor envelope below 500, and afterwards the
 * stored state must hold every invariant: at most 10 live statuses, unique names and priorities,
 * valid weighted lengths, well-formed text, and no field the contract does not know.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { I18N_KEYS } from "../../src/domain/model.js";
import { weightedLength } from "../../src/domain/weighted-length.js";
import { type Json, objects, prng } from "../fuzz.js";
import { APP, BASE, inSeconds, openId, TRIP, unionId } from "../helpers.js";
import { closeUrl, isVendorEnvelope, openUrl, statusUrl, TENANT_TOKEN_URL, withApp } from "./support.js";

const SEED = Number(process.env.LARKSTATUS_FUZZ_SEED ?? 20261201);
const ROUNDS = Number(process.env.LARKSTATUS_FUZZ_ROUNDS ?? 1200);
const ACME = "a1b2c3d4e5f60718";

const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const chance = (p: number) => rand() < p;

/** Marks a spot where the JSON text gets an array nested 5,000 deep (JSON.stringify cannot write it). */
const DEEP = "\u0000deep\u0000";
const STRINGS = [
  "",
  "a",
  "出差",
  "请假",
  "中".repeat(10),
  "中".repeat(11),
  "x".repeat(20),
  "x".repeat(21),
  "s\ud800",
  "\udfff",
  "😀",
  "\u0000",
  "Forbidden",
  "机密",
  " ",
  "x".repeat(5000),
  "ou_0123456789abcdef0123456789abcdef",
  "7101214603622940001",
  "__proto__",
];
const KEYS = [
  "title",
  "i18n_title",
  "icon_key",
  "color",
  "priority",
  "sync_setting",
  "zh_cn",
  "en_us",
  "fr_fr",
  "junk",
  "__proto__",
];

function hostile(depth = 0): unknown {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.18) return chance(0.5);
  if (r < 0.3) return pick([0, -1, 1, 9, 10, 2 ** 53, -0, 1.5, 1e308, Math.floor(Date.UTC(2026, 0, 1) / 1000) + 60]);
  if (r < 0.6) return pick(STRINGS);
  if (r < 0.68) return DEEP;
  if (r < 0.82 && depth < 3) return Array.from({ length: Math.floor(rand() * 3) }, () => hostile(depth + 1));
  if (depth < 3)
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(KEYS), hostile(depth + 1)]));
  return pick(STRINGS);
}

function mutate(body: Json): Json {
  const targets = objects(body);
  const o = pick(targets);
  const keys = Object.keys(o);
  const r = rand();
  if (r < 0.4 && keys.length) o[pick(keys)] = hostile();
  else if (r < 0.55 && keys.length) delete o[pick(keys)];
  else o[pick(["junk", "fr_fr", "extra", "system_status_id", "version"])] = hostile();
  return body;
}

function validBody(route: string, now: number): Json {
  const end = String(Math.floor(now / 1000) + 60 + Math.floor(rand() * 3600));
  switch (route) {
    case "create":
      return {
        title: pick(STRINGS.slice(0, 8)) || `t${Math.floor(rand() * 1e6)}`,
        icon_key: pick(["Coffee", "GeneralBusinessTrip", "SICK"]),
        priority: Math.floor(rand() * 10),
        ...(chance(0.5) ? { i18n_title: { en_us: `e${Math.floor(rand() * 1e6)}` } } : {}),
        ...(chance(0.5) ? { sync_setting: { is_open_by_default: chance(0.5), i18n_explain: { ja_jp: "説明" } } } : {}),
      };
    case "patch": {
      const fields = ["TITLE", "I18N_TITLE", "ICON", "COLOR", "PRIORITY", "SYNC_SETTING"].filter(() => chance(0.4));
      return {
        system_status: {
          title: `p${Math.floor(rand() * 1e6)}`,
          i18n_title: { zh_cn: `中${Math.floor(rand() * 1e4)}` },
          icon_key: "Coffee",
          color: pick(["RED", "BLUE"]),
          priority: Math.floor(rand() * 10),
          sync_setting: { title: "同步" },
        },
        update_fields: fields.length ? fields : ["COLOR"],
      };
    }
    case "open":
      return {
        user_list: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => ({
          user_id: pick([openId("u001"), openId("u004"), openId("u002"), "ou_junk", unionId("u005")]),
          end_time: chance(0.7) ? end : Number(end),
        })),
      };
    case "close":
      return {
        user_list: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick([openId("u001"), openId("u004"), "junk"])),
      };
    default:
      return { app_id: APP.app_id, app_secret: chance(0.7) ? APP.app_secret : "wrong" };
  }
}

const ROUTES = ["create", "patch", "open", "close", "list", "delete", "token"] as const;

function request(route: (typeof ROUTES)[number], ids: string[], now: number): { method: string; url: string; body?: string } {
  const id = chance(0.85) ? pick(ids) : pick(["7999999999999999999", "x", "%00", "7".repeat(40)]);
  const idType = chance(0.7)
    ? ""
    : `?user_id_type=${pick(["open_id", "union_id", "user_id", "phone"])}${chance(0.3) ? "&user_id_type=open_id" : ""}`;
  let body: Json | undefined;
  let method = "POST";
  let url = BASE;
  switch (route) {
    case "create":
      body = validBody("create", now);
      break;
    case "patch":
      method = "PATCH";
      url = statusUrl(id);
      body = validBody("patch", now);
      break;
    case "open":
      url = `${openUrl(id)}${idType}`;
      body = validBody("open", now);
      break;
    case "close":
      url = `${closeUrl(id)}${idType}`;
      body = validBody("close", now);
      break;
    case "list":
      method = "GET";
      url = `${BASE}?page_size=${pick(["1", "50", "0", "51", "x"])}${chance(0.2) ? "&page_token=bogus" : ""}`;
      break;
    case "delete":
      method = "DELETE";
      url = statusUrl(id);
      break;
    default:
      url = TENANT_TOKEN_URL;
      body = validBody("token", now);
  }
  if (body && chance(0.8)) body = mutate(body);
  const text = body && JSON.stringify(body).replaceAll(JSON.stringify(DEEP), `${"[".repeat(5000)}${"]".repeat(5000)}`);
  return { method, url, ...(text !== undefined ? { body: text } : {}) };
}

test(`fuzz: ${ROUNDS} mutated requests (seed ${SEED}) never leave the vendor envelope, and the store keeps its invariants`, async () => {
  await withApp(async (t) => {
    const tok = await t.token();
    const ids = [TRIP, "7101214603622940002"];
    const failures: string[] = [];
    const seen = new Map<number, number>();
    for (let i = 0; i < ROUNDS; i++) {
      const req = request(pick(ROUTES), ids, t.clock.now());
      const res = await t.app.inject({
        method: req.method as "POST",
        url: req.url,
        headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
        ...(req.body !== undefined ? { payload: req.body } : {}),
      });
      seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
      const ok = isVendorEnvelope(res);
      if (!ok && failures.length < 20)
        failures.push(
          `round ${i}: ${req.method} ${req.url} ${req.body?.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      const created = ok
        ? (res.json() as { data?: { system_status?: { system_status_id?: string } } }).data?.system_status?.system_status_id
        : undefined;
      if (created && !ids.includes(created)) ids.push(created);
      if (i % 100 === 99) t.clock.advance(61_000);
    }
    assert.deepEqual(failures, [], `replay with LARKSTATUS_FUZZ_SEED=${SEED}`);
    // The mutations did reach both the rules and success, or the fuzz proves little.
    assert.ok((seen.get(200) ?? 0) > ROUNDS / 10, JSON.stringify([...seen]));
    assert.ok((seen.get(400) ?? 0) > ROUNDS / 10, JSON.stringify([...seen]));

    const live = (await t.store.listStatuses(ACME, 50)).items;
    assert.ok(live.length <= 10);
    const names = live.flatMap((s) => [...new Set([s.title, ...Object.values(s.i18n_title)])]);
    assert.equal(new Set(names).size, names.length, `names are unique among live statuses: ${names.join(", ")}`);
    assert.equal(new Set(live.map((s) => s.priority)).size, live.length);
    for (const s of [...live, ...(await Promise.all(ids.map((id) => t.store.getStatus(ACME, id, true))))]) {
      if (!s) continue;
      const where = JSON.stringify(s).slice(0, 300);
      assert.ok(
        Object.keys(s.i18n_title).every((k) => (I18N_KEYS as readonly string[]).includes(k)),
        where,
      );
      assert.deepEqual(
        Object.keys(s.sync_setting).sort(),
        ["explain", "i18n_explain", "i18n_title", "is_open_by_default", "title"],
        where,
      );
      for (const texts of [s.sync_setting.i18n_title, s.sync_setting.i18n_explain]) {
        assert.ok(
          Object.keys(texts).every((k) => (I18N_KEYS as readonly string[]).includes(k)),
          where,
        );
      }
      for (const text of [s.title, ...Object.values(s.i18n_title)]) {
        assert.ok(!/\p{Cs}/u.test(text) && weightedLength(text) >= 1 && weightedLength(text) <= 20, where);
      }
      assert.ok(Number.isInteger(s.priority) && s.priority >= 0 && s.priority <= 9, where);
    }
    const rows = await t.store.userStatuses(ACME, "u001");
    for (const r of rows) {
      assert.ok(Object.keys(r.snapshot.i18n_title).every((k) => (I18N_KEYS as readonly string[]).includes(k)));
    }
    assert.ok(inSeconds(t, 0));
  });
});
