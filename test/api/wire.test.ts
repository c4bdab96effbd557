/**
 * Transport details (docs/wire-contract.md §1): content type and log-id headers on every response, 404/405,
 * JSON-only bodies (malformed, non-object, oversized: 400 never 413/5xx), bodies without a
 * Content-Type, and a table of odd bodies sent to every endpoint that must never produce a 5xx.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { ERRORS } from "../../src/errors/codes.js";
import { APP, assertError, BASE, makeApp, openId, type TestApp, TRIP } from "../helpers.js";
import {
  APP_TOKEN_URL,
  closeUrl,
  E,
  invalid,
  isVendorEnvelope,
  listAll,
  openUrl,
  statusUrl,
  TENANT_TOKEN_URL,
  type WireStatus,
  withApp,
} from "./support.js";

const JSON_CT = "application/json; charset=utf-8";
const MIB = 1024 * 1024;

function assertLogHeaders(res: LightMyRequestResponse): string {
  assert.equal(res.headers["content-type"], JSON_CT, `${res.statusCode} ${res.body}`);
  const logId = res.headers["x-tt-logid"];
  assert.equal(typeof logId, "string");
  assert.notEqual(logId, "");
  assert.equal(res.headers["x-request-id"], logId);
  return logId as string;
}

describe("content type and log ids on every response", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  test("success responses: JSON content type, X-Tt-Logid == X-Request-Id, envelope {code, msg, data}", async () => {
    const res = await t.call({ method: "GET", url: BASE, token: tok });
    assert.equal(res.statusCode, 200);
    assertLogHeaders(res);
    assert.deepEqual(Object.keys(res.json() as object).sort(), ["code", "data", "msg"]);
  });

  test("token endpoint responses carry the same headers", async () => {
    for (const url of [TENANT_TOKEN_URL, APP_TOKEN_URL]) {
      const ok = await t.call({ method: "POST", url, body: APP });
      assert.equal(ok.statusCode, 200);
      assertLogHeaders(ok);
      const bad = await t.call({ method: "POST", url, body: { app_id: APP.app_id } });
      assertError(bad, E.INVALID_PARAM);
    }
  });

  test("error responses: log id header == error.log_id, troubleshooter present, no data", async () => {
    const res = await t.call({ method: "POST", url: BASE, token: tok, body: { title: "" } });
    const logId = assertLogHeaders(res);
    const body = assertError(res, invalid("icon_key")) as { error: { log_id: string; troubleshooter: unknown } };
    assert.equal(body.error.log_id, logId);
    assert.equal(typeof body.error.troubleshooter, "string");
    assert.deepEqual(Object.keys(body).sort(), ["code", "error", "msg"]);
  });

  test("every request gets its own log id", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add(assertLogHeaders(await t.call({ method: "GET", url: BASE, token: tok })));
    ids.add(assertLogHeaders(await t.call({ method: "GET", url: "/open-apis/nope" })));
    assert.equal(ids.size, 6);
  });

  const notFound = [
    ["GET", "/open-apis/nope"],
    ["POST", "/open-apis/personal_settings/v1/nope"],
    ["GET", "/open-apis/personal_settings/v2/system_statuses"],
    ["GET", `${BASE}/${TRIP}/batch_open/extra`],
    ["POST", `${BASE}/${TRIP}/batch_toggle`],
    ["GET", "/open-apis/auth/v3/tenant_access_token"],
    ["GET", "/open-apis/nope?page_size=1"],
  ] as const;
  for (const [method, url] of notFound) {
    test(`${method} ${url} → 404 99991201, with or without a token`, async () => {
      assertError(await t.call({ method, url }), E.NOT_FOUND);
      assertError(await t.call({ method, url, token: tok }), E.NOT_FOUND);
      assertError(await t.call({ method, url, token: "x-bad" }), E.NOT_FOUND);
    });
  }

  const wrongMethod = [
    ["PUT", BASE],
    ["DELETE", BASE],
    ["PATCH", BASE],
    ["GET", statusUrl(TRIP)],
    ["POST", statusUrl(TRIP)],
    ["PUT", statusUrl(TRIP)],
    ["GET", openUrl(TRIP)],
    ["DELETE", closeUrl(TRIP)],
    ["GET", TENANT_TOKEN_URL],
    ["PUT", `${APP_TOKEN_URL}/`],
  ] as const;
  for (const [method, url] of wrongMethod) {
    test(`${method} ${url} → 405 99991301, before any token check`, async () => {
      assertError(await t.call({ method, url, token: tok }), E.METHOD_NOT_ALLOWED);
      assertError(await t.call({ method, url }), E.METHOD_NOT_ALLOWED);
    });
  }

  test("the PUT did not change anything", async () => {
    await t.call({ method: "PUT", url: statusUrl(TRIP), token: tok, body: { title: "改" } });
    assert.equal((await listAll(t, tok)).find((s) => s.system_status_id === TRIP)?.title, "出差");
  });
});

describe("bodies: JSON only, 400 never 5xx", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const routes = [
    ["create", "POST", BASE],
    ["patch", "PATCH", statusUrl(TRIP)],
    ["batch_open", "POST", openUrl(TRIP)],
    ["batch_close", "POST", closeUrl(TRIP)],
  ] as const;
  const badBodies: Array<[string, string]> = [
    ["malformed JSON", '{"title": "x", '],
    ["trailing garbage", '{"title": "x"} x'],
    ["single quotes", "{'title': 'x'}"],
    ["a bare word", "hello"],
    ["a JSON array", '[{"title":"x","icon_key":"Coffee"}]'],
    ["a JSON string", '"title"'],
    ["a JSON number", "42"],
    ["JSON true", "true"],
    ["JSON null", "null"],
  ];
  for (const [route, method, url] of routes) {
    for (const [name, body] of badBodies) {
      test(`${route}: ${name} → 400 2005001 on body`, async () => {
        assertError(await t.call({ method, url, token: tok, body }), invalid("body"));
      });
    }
    test(`${route}: a body over 1 MiB → 400 2005001 on body (never 413)`, async () => {
      const big = JSON.stringify({ title: "x", pad: "p".repeat(MIB) });
      assertError(await t.call({ method, url, token: tok, body: big }), invalid("body"));
    });
  }

  test("the token endpoints answer 10003 to the same bodies", async () => {
    for (const [, body] of badBodies) {
      assertError(await t.call({ method: "POST", url: TENANT_TOKEN_URL, body }), E.INVALID_PARAM);
    }
  });

  test("a body just under 1 MiB is parsed (unknown fields ignored)", async () => {
    const body = JSON.stringify({ title: "大", icon_key: "Coffee", priority: 5, pad: "p".repeat(MIB - 200) });
    assert.ok(Buffer.byteLength(body) < MIB);
    const res = await t.call({ method: "POST", url: BASE, token: tok, body });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  });

  test("nothing was created by the rejected bodies", async () => {
    assert.deepEqual(
      (await listAll(t, tok)).map((s) => s.title),
      ["出差", "请假", "大"],
    );
  });
});

describe("bodies without a JSON Content-Type", () => {
  test("inject with no Content-Type header: create and batch_open still work", async () => {
    await withApp(async (t) => {
      const tok = await t.token();
      const res = await t.app.inject({
        method: "POST",
        url: BASE,
        headers: { authorization: `Bearer ${tok}` },
        payload: JSON.stringify({ title: "无类型", icon_key: "Coffee", priority: 5 }),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { data: { system_status: WireStatus } }).data.system_status.title, "无类型");
      const end = String(Math.floor(t.clock.now() / 1000) + 60);
      const open = await t.app.inject({
        method: "POST",
        url: openUrl(TRIP),
        headers: { authorization: `Bearer ${tok}`, "content-type": "text/plain" },
        payload: JSON.stringify({ user_list: [{ user_id: openId("u001"), end_time: end }] }),
      });
      assert.equal(open.statusCode, 200, open.body);
    });
  });

  test("over real HTTP with no Content-Type header at all, the token endpoint and create work", async () => {
    await withApp(async (t) => {
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const { port } = t.app.server.address() as AddressInfo;
      const send = (path: string, body: string, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; contentType: string | undefined; body: string }>((resolve, reject) => {
          const req = request(
            {
              host: "127.0.0.1",
              port,
              path,
              method: "POST",
              headers: { "content-length": String(Buffer.byteLength(body)), ...headers },
            },
            (res) => {
              let data = "";
              res.setEncoding("utf8");
              res.on("data", (c: string) => {
                data += c;
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: data }));
            },
          );
          req.on("error", reject);
          req.end(body);
        });
      const tokRes = await send(TENANT_TOKEN_URL, JSON.stringify(APP));
      assert.equal(tokRes.status, 200, tokRes.body);
      assert.equal(tokRes.contentType, JSON_CT);
      const tok = (JSON.parse(tokRes.body) as { tenant_access_token: string }).tenant_access_token;
      const created = await send(BASE, JSON.stringify({ title: "HTTP", icon_key: "Coffee", priority: 6 }), {
        authorization: `Bearer ${tok}`,
      });
      assert.equal(created.status, 200, created.body);
      assert.equal(created.contentType, JSON_CT);
      const bad = await send(BASE, "{", { authorization: `Bearer ${tok}` });
      assert.equal(bad.status, 400);
      assert.equal((JSON.parse(bad.body) as { code: number }).code, 2005001);
    });
  });
});

describe("odd bodies on every endpoint never produce a 5xx", () => {
  let t: TestApp;
  let tok: string;
  before(async () => {
    t = await makeApp();
    tok = await t.token();
  });
  after(async () => {
    await t.close();
  });

  const nest = (depth: number, open: string, close: string, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);
  const bodies: Array<[string, string | Buffer]> = [
    ["null", "null"],
    ["true", "true"],
    ["zero", "0"],
    ["negative", "-1"],
    ["huge number", "1e999"],
    ["tiny number", "-1e-999"],
    ["empty string", ""],
    ["whitespace", "   \n\t "],
    ["empty object", "{}"],
    ["empty array", "[]"],
    ["nested arrays", "[[[[[]]]]]"],
    ["deeply nested arrays", nest(5000, "[", "]")],
    ["very deeply nested arrays", nest(200_000, "[", "]")],
    ["deeply nested objects", nest(3000, '{"a":', "}")],
    ["deeply nested under a known key", `{"title":${nest(2000, '{"a":', "}")},"icon_key":"Coffee"}`],
    ["deeply nested array as a wrong-typed field", `{"title":${nest(5000, "[", "]")},"icon_key":"Coffee"}`],
    ["deeply nested array as user_list", `{"user_list":${nest(5000, "[", "]")}}`],
    ["__proto__", '{"__proto__":{}}'],
    ["__proto__ with fields", '{"__proto__":{"title":"p","icon_key":"Coffee","user_list":["x"]}}'],
    ["constructor.prototype", '{"constructor":{"prototype":{"polluted":1}}}'],
    ["duplicate keys", '{"title":"a","title":"b","icon_key":"Coffee","priority":3}'],
    ["BOM prefix", '\uFEFF{"title":"bom","icon_key":"Coffee"}'],
    ["NUL in a string", '{"title":"\\u0000","icon_key":"Coffee","priority":4}'],
    ["lone surrogate", '{"title":"\\ud800","icon_key":"Coffee","priority":5}'],
    ["emoji and RTL", '{"title":"👩‍💻\u202Eabc","icon_key":"Coffee","priority":6}'],
    ["zero-width chars", '{"title":"\u200B\u200B","icon_key":"Coffee","priority":7}'],
    ["invalid UTF-8 bytes", Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ["binary garbage", Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    ["priority huge", '{"title":"p1","icon_key":"Coffee","priority":1e308}'],
    ["priority unsafe integer", '{"title":"p2","icon_key":"Coffee","priority":9007199254740993}'],
    ["priority -0", '{"title":"p3","icon_key":"Coffee","priority":-0}'],
    ["title an array", '{"title":["a"],"icon_key":"Coffee"}'],
    ["title an object", '{"title":{"toString":"x"},"icon_key":"Coffee"}'],
    ["i18n_title with __proto__", '{"title":"i","icon_key":"Coffee","i18n_title":{"__proto__":{"en_us":"x"}}}'],
    ["sync_setting null", '{"title":"s","icon_key":"Coffee","sync_setting":null}'],
    ["user_list null", '{"user_list":null}'],
    ["user_list [null]", '{"user_list":[null]}'],
    ["user_list [[]]", '{"user_list":[[]]}'],
    ["user_list fake array", '{"user_list":{"length":5,"0":"x"}}'],
    ["user_list entry nulls", '{"user_list":[{"user_id":null,"end_time":null}]}'],
    ["end_time 20 digits", '{"user_list":[{"user_id":"ou_x","end_time":"99999999999999999999"}]}'],
    ["end_time 1e400", '{"user_list":[{"user_id":"ou_x","end_time":1e400}]}'],
    ["end_time huge string", `{"user_list":[{"user_id":"ou_x","end_time":"${"9".repeat(10_000)}"}]}`],
    ["user_id huge", `{"user_list":[{"user_id":"${"a".repeat(100_000)}","end_time":"1767229200"}]}`],
    ["user_list of 10k", JSON.stringify({ user_list: Array.from({ length: 10_000 }, () => "ou_x") })],
    ["system_status null", '{"system_status":null,"update_fields":null}'],
    ["update_fields [null]", '{"system_status":{},"update_fields":[null]}'],
    ["update_fields __proto__", '{"system_status":{"title":"x"},"update_fields":["TITLE","__proto__"]}'],
    ["update_fields toString", '{"system_status":{"toString":"x"},"update_fields":["toString"]}'],
    ["patch with __proto__", '{"system_status":{"__proto__":{"title":"x"}},"update_fields":["TITLE"]}'],
    ["app creds as operators", '{"app_id":{"$ne":1},"app_secret":[]}'],
    ["app_secret null", `{"app_id":"${APP.app_id}","app_secret":null}`],
    ["app creds huge", JSON.stringify({ app_id: "c".repeat(200_000), app_secret: "s".repeat(200_000) })],
    ["1000 keys", JSON.stringify(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])))],
  ];
  const targets = [
    ["POST", BASE],
    ["GET", BASE],
    ["PATCH", statusUrl(TRIP)],
    ["POST", openUrl(TRIP)],
    ["POST", `${closeUrl(TRIP)}?user_id_type=user_id`],
    ["POST", TENANT_TOKEN_URL],
    ["POST", `${APP_TOKEN_URL}/`],
    ["DELETE", statusUrl("7999999999999999999")],
  ] as const;

  test(`${bodies.length} odd bodies × ${targets.length} endpoints: status < 500, JSON, and a vendor envelope`, async () => {
    assert.ok(bodies.length >= 50);
    // Every failure is collected, so one run shows all of them.
    const failures: string[] = [];
    for (const [name, payload] of bodies) {
      for (const [method, url] of targets) {
        for (const contentType of ["application/json", undefined]) {
          const res = await t.app.inject({
            method,
            url,
            headers: { authorization: `Bearer ${tok}`, ...(contentType ? { "content-type": contentType } : {}) },
            payload,
          });
          const where = `${name} → ${method} ${url} (${contentType ?? "no content-type"}): ${res.statusCode} ${res.body.slice(0, 160)}`;
          // A 200 is a success envelope; anything else a 400 error envelope.
          const ok = isVendorEnvelope(res) && (res.statusCode === 200 || res.statusCode === 400);
          if (!ok) failures.push(where);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  const odd: Array<[string, string]> = [
    ["repeated user_id_type", `${openUrl(TRIP)}?user_id_type=open_id&user_id_type=user_id`],
    ["user_id_type[]", `${openUrl(TRIP)}?user_id_type[]=open_id`],
    ["page_size array", `${BASE}?page_size=1&page_size=2`],
    ["page_size exponent", `${BASE}?page_size=1e1`],
    ["page_size huge", `${BASE}?page_size=${"9".repeat(400)}`],
    ["page_token huge", `${BASE}?page_token=${"a".repeat(10_000)}`],
    ["page_token with a dot", `${BASE}?page_token=.`],
    ["page_token percent junk", `${BASE}?page_token=%E0%A4%A`],
    ["encoded NUL id", `${BASE}/%00`],
    ["unicode id", `${BASE}/${encodeURIComponent("七一零")}`],
    ["very long id", `${BASE}/${"7".repeat(5000)}/batch_close`],
    ["dot-dot id", `${BASE}/../system_statuses`],
  ];
  for (const [name, url] of odd) {
    test(`odd URL (${name}): status < 500 with a vendor envelope`, async () => {
      for (const method of ["GET", "POST", "PATCH", "DELETE"] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
          payload: JSON.stringify({ user_list: [openId("u001")], system_status: {}, update_fields: ["COLOR"] }),
        });
        const where = `${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        assert.ok(res.statusCode < 500, where);
        assert.equal(res.headers["content-type"], JSON_CT, where);
      }
    });
  }

  test("the catalog messages the wire contract spells out are the server's", () => {
    assert.equal(ERRORS.MISSING_TOKEN.msg, "Missing access token for authorization. Please make a request with token attached.");
    assert.equal(ERRORS.INVALID_TOKEN.msg, "Invalid access token for authorization. Please make a request with token attached.");
    assert.equal(ERRORS.TOKEN_BAD_PREFIX.msg, "Invalid token: must start with t-/u-");
    assert.equal(ERRORS.USER_TOKEN_NOT_SUPPORTED.msg, "user access token not support");
    assert.equal(ERRORS.INVALID_PARAM.msg, "invalid param");
    assert.equal(ERRORS.APP_SECRET_INVALID.msg, "app secret invalid");
    assert.equal(ERRORS.NOT_FOUND.msg, "resource not find");
    assert.equal(ERRORS.RATE_LIMITED.msg, "request trigger frequency limit");
    // The vendor's own page (docs/wire-contract.md §6) spells these three.
    assert.equal(ERRORS.INVALID_PARAMETER.msg, "Your request contains an invalid request parameter.");
    assert.equal(ERRORS.OTHER_TENANT_USER.msg, "Request contains other tenant user.");
    assert.equal(ERRORS.TENANT_NO_PERMISSION.msg, "Tenant does not have permission to api.");
  });
});
