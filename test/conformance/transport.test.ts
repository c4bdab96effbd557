/**
 * Transport-level answers: 405 names the allowed methods.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closeUrl, E, openUrl, statusUrl, TENANT_TOKEN_URL } from "../api/support.js";
import { assertError, BASE, makeApp, type TestApp, TRIP } from "../helpers.js";

let t: TestApp;
let token: string;

before(async () => {
  t = await makeApp();
  token = await t.token();
});
after(async () => {
  await t.close();
});

describe("405 names the methods the path answers (Allow)", () => {
  const cases: Array<[string, string, string]> = [
    ["PUT", BASE, "GET, HEAD, POST"],
    ["DELETE", BASE, "GET, HEAD, POST"],
    ["GET", statusUrl(TRIP), "DELETE, PATCH"],
    ["POST", statusUrl(TRIP), "DELETE, PATCH"],
    ["GET", openUrl(TRIP), "POST"],
    ["DELETE", closeUrl(TRIP), "POST"],
    ["GET", TENANT_TOKEN_URL, "POST"],
    ["PUT", `${TENANT_TOKEN_URL}/`, "POST"],
    ["OPTIONS", BASE, "GET, HEAD, POST"],
  ];
  for (const [method, url, allow] of cases) {
    test(`${method} ${url} → 405 with Allow: ${allow}`, async () => {
      const res = await t.call({ method: method as "GET", url, token });
      assertError(res, E.METHOD_NOT_ALLOWED);
      assert.equal(res.headers.allow, allow);
    });
  }

  test("404 has no Allow header", async () => {
    const res = await t.call({ method: "GET", url: "/open-apis/nope" });
    assertError(res, E.NOT_FOUND);
    assert.equal(res.headers.allow, undefined);
  });
});
