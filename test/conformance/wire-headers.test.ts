/**
 * Header names on the wire keep the vendor's casing where an SDK looks them up case-sensitively:
 * lark-oapi (Python) reads `X-Tt-Logid` from a plain dict, so `x-tt-logid` would hide the log id.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import { BASE, makeApp } from "../helpers.js";

function rawHeaders(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.rawHeaders));
    });
    req.on("error", reject);
    req.end();
  });
}

test("X-Tt-Logid and X-Request-Id go out with the vendor's casing on success, error and 404", async () => {
  const t = await makeApp();
  try {
    const token = await t.token();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (t.app.server.address() as { port: number }).port;
    for (const [method, path, headers] of [
      ["GET", BASE, { authorization: `Bearer ${token}` }],
      ["GET", BASE, {}],
      ["GET", "/open-apis/nope", {}],
    ] as const) {
      const raw = await rawHeaders(port, method, path, headers);
      const names = raw.filter((_, i) => i % 2 === 0);
      assert.ok(names.includes("X-Tt-Logid"), `${method} ${path}: ${names.join(", ")}`);
      assert.ok(names.includes("X-Request-Id"), `${method} ${path}: ${names.join(", ")}`);
      const logId = raw[names.indexOf("X-Tt-Logid") * 2 + 1];
      assert.equal(raw[names.indexOf("X-Request-Id") * 2 + 1], logId);
      assert.match(logId ?? "", /^[0-9]{14}[0-9A-F]{20}$/);
    }
  } finally {
    await t.close();
  }
});
