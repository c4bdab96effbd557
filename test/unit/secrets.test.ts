import assert from "node:assert/strict";
import { createHash, scryptSync } from "node:crypto";
import { describe, test } from "node:test";
import {
  DEFAULT_SCRYPT_N,
  hashSecret,
  sealToken,
  tokenHash,
  unlockSecret,
  unsealToken,
  verifySecret,
} from "../../src/domain/secrets.js";

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

  test("unlockSecret: the stored hash is the first 32 bytes of a 64-byte scrypt, the key the other 32 (never stored)", async () => {
    const h = await hashSecret("acme-secret", N);
    const [, , , , salt, hash] = h.split("$") as [string, string, string, string, string, string];
    const full = scryptSync("acme-secret", Buffer.from(salt, "base64"), 64, { N, r: 8, p: 1 });
    assert.deepEqual(full.subarray(0, 32), Buffer.from(hash, "base64"), "hashes written before sealing stay valid");
    const key = await unlockSecret("acme-secret", h);
    assert.ok(key);
    assert.deepEqual(key, full.subarray(32));
    assert.ok(!h.includes(key.toString("base64")) && !h.includes(key.toString("hex")));
    assert.deepEqual(await unlockSecret("acme-secret", h), key, "deterministic: every instance derives the same key");
    assert.equal(await unlockSecret("acme-secret!", h), undefined);
    assert.equal(await unlockSecret("acme-secret", "bcrypt$x"), undefined);
  });

  test("tokenHash is sha256 hex of the value", () => {
    assert.equal(tokenHash("t-abc"), createHash("sha256").update("t-abc").digest("hex"));
    assert.match(tokenHash("t-abc"), /^[0-9a-f]{64}$/);
  });

  test("a sealed token unseals with its key and context only, and does not contain the token", async () => {
    const key = (await unlockSecret("s", await hashSecret("s", N))) as Buffer;
    const other = (await unlockSecret("s", await hashSecret("s", N))) as Buffer;
    const token = "t-0123456789abcdefghijABCDEFGHIJ0123456789";
    const sealed = sealToken(key, token, "ctx");
    assert.match(sealed, /^aes256gcm\$[^$]+\$[^$]+\$[^$]+$/);
    assert.ok(!sealed.includes(token) && !sealed.includes(Buffer.from(token).toString("base64")));
    assert.notEqual(sealToken(key, token, "ctx"), sealed, "a fresh nonce each time");
    assert.equal(unsealToken(key, sealed, "ctx"), token);
    assert.equal(unsealToken(other, sealed, "ctx"), undefined, "another salt, another key (a rotated secret)");
    assert.equal(unsealToken(key, sealed, "ctx2"), undefined, "moved to another row");
    for (const bad of ["", "aes256gcm$", "aes256gcm$a$b$c", `${sealed}x`, sealed.replace("aes256gcm$", "aes128$")]) {
      assert.equal(unsealToken(key, bad, "ctx"), undefined, bad);
    }
  });
});
