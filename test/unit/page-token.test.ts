import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodePageToken, encodePageToken } from "../../src/domain/page-token.js";

const SECRET = "s".repeat(64);
const TENANT = "a1b2c3d4e5f60718";
const OTHER_TENANT = "0f1e2d3c4b5a6978";
const CURSOR = { priority: 3, id: "7101214603622940633" };

describe("page tokens", () => {
  for (const priority of [0, 5, 9]) {
    test(`round trip (priority ${priority})`, () => {
      const c = { priority, id: "7000000000000000042" };
      const tok = encodePageToken(SECRET, TENANT, c);
      assert.deepEqual(decodePageToken(SECRET, TENANT, tok), c);
    });
  }

  test("the token is opaque: no raw id or priority in clear text", () => {
    const tok = encodePageToken(SECRET, TENANT, CURSOR);
    assert.ok(!tok.includes(CURSOR.id));
    assert.match(tok, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  });

  test("encoding is deterministic", () => {
    assert.equal(encodePageToken(SECRET, TENANT, CURSOR), encodePageToken(SECRET, TENANT, CURSOR));
  });

  const tok = encodePageToken(SECRET, TENANT, CURSOR);
  const [payload, sig] = tok.split(".") as [string, string];
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  const forged = Buffer.from(`0:${CURSOR.id}`).toString("base64url");

  const rejected: Array<[string, string, string, string]> = [
    ["tampered signature (first char)", SECRET, TENANT, `${payload}.${flip(sig, 0)}`],
    ["tampered signature (last char)", SECRET, TENANT, `${payload}.${flip(sig, sig.length - 1)}`],
    ["truncated signature", SECRET, TENANT, `${payload}.${sig.slice(0, -1)}`],
    ["extended signature", SECRET, TENANT, `${tok}A`],
    ["tampered payload with the old signature", SECRET, TENANT, `${forged}.${sig}`],
    ["another tenant", SECRET, OTHER_TENANT, tok],
    ["another secret", "t".repeat(64), TENANT, tok],
    ["garbage", SECRET, TENANT, "garbage"],
    ["empty", SECRET, TENANT, ""],
    ["only a dot", SECRET, TENANT, "."],
    ["leading dot", SECRET, TENANT, `.${sig}`],
    ["very long", SECRET, TENANT, `${payload}.${"A".repeat(10_000)}`],
    ["non-ASCII signature", SECRET, TENANT, `${payload}.${"é".repeat(11)}`],
  ];
  for (const [name, secret, tenant, token] of rejected) {
    test(`${name} → undefined`, () => {
      assert.equal(decodePageToken(secret, tenant, token), undefined);
    });
  }

  test("a correctly signed but malformed payload → undefined", () => {
    // Sign a payload that does not hold a cursor, using the real encoder's signing on a bogus cursor.
    const bad = encodePageToken(SECRET, TENANT, { priority: 12, id: "123" });
    assert.equal(decodePageToken(SECRET, TENANT, bad), undefined);
  });
});
