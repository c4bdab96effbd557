import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_SCRYPT_N, hashSecret, verifySecret } from "../../src/domain/secrets.js";

const N = 1024;

describe("secrets", () => {
  test("production cost is 16384", () => {
    assert.equal(DEFAULT_SCRYPT_N, 16384);
  });

  test("hash format: scrypt$N$r$p$salt$hash", async () => {
    const h = await hashSecret("dev-secret-please-change", N);
    const parts = h.split("$");
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ["scrypt", "1024", "8", "1"]);
    assert.equal(Buffer.from(parts[4] as string, "base64").length, 16);
    assert.equal(Buffer.from(parts[5] as string, "base64").length, 32);
  });

  test("round trip", async () => {
    const h = await hashSecret("acme-secret", N);
    assert.equal(await verifySecret("acme-secret", h), true);
  });

  test("a wrong secret does not verify", async () => {
    const h = await hashSecret("acme-secret", N);
    assert.equal(await verifySecret("acme-secret ", h), false);
    assert.equal(await verifySecret("Acme-secret", h), false);
    assert.equal(await verifySecret("", h), false);
  });

  test("salted: the same secret hashes differently each time, both verify", async () => {
    const a = await hashSecret("same", N);
    const b = await hashSecret("same", N);
    assert.notEqual(a, b);
    assert.equal(await verifySecret("same", a), true);
    assert.equal(await verifySecret("same", b), true);
  });

  test("the hash never contains the secret (plain, base64 or hex)", async () => {
    for (const secret of ["acme-secret", "dev-secret-please-change", "秘密のパスワード"]) {
      const h = await hashSecret(secret, N);
      assert.ok(!h.includes(secret), h);
      assert.ok(!h.includes(Buffer.from(secret).toString("base64")), h);
      assert.ok(!h.includes(Buffer.from(secret).toString("hex")), h);
    }
  });

  test("the cost stored in the hash is the one used to verify", async () => {
    const h = await hashSecret("x", 2048);
    assert.equal(h.split("$")[1], "2048");
    assert.equal(await verifySecret("x", h), true);
  });

  const malformed: Array<[string, string]> = [
    ["empty", ""],
    ["plaintext", "acme-secret"],
    ["another algorithm", "bcrypt$1024$8$1$c2FsdA==$aGFzaA=="],
    ["too few parts", "scrypt$1024$8$1$c2FsdA=="],
    ["too many parts", "scrypt$1024$8$1$c2FsdA==$aGFzaA==$x"],
    ["a hash of the wrong length", "scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=="],
    ["a non-numeric cost", "scrypt$abc$8$1$c2FsdA==$aGFzaA=="],
    ["a cost that is not a power of two", "scrypt$1000$8$1$c2FsdA==$aGFzaA=="],
    ["an empty cost", "scrypt$$8$1$c2FsdA==$aGFzaA=="],
  ];
  for (const [name, stored] of malformed) {
    test(`a malformed stored hash (${name}) verifies false`, async () => {
      assert.equal(await verifySecret("acme-secret", stored), false);
    });
  }
});
