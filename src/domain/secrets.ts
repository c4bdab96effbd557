/**
 * App secrets are stored only as slow salted hashes (scrypt). Format:
 * `scrypt$N$r$p$<salt b64>$<hash b64>`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

/** scrypt's CPU/memory cost in production; tests may pass a smaller power of two. */
export const DEFAULT_SCRYPT_N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashSecret(secret: string, n: number = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, n, R, P);
  return `scrypt$${n}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  let key: Buffer;
  try {
    key = await scrypt(secret, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  } catch {
    // A corrupt stored hash (bad cost parameters) verifies nothing; it must not become a 5xx.
    return false;
  }
  return key.length === expected.length && timingSafeEqual(key, expected);
}
