/**
 * App secrets and what they protect.
 *
 * Secrets are stored only as slow salted hashes (scrypt), format `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * scrypt ends in PBKDF2-HMAC-SHA256 with one iteration, whose output blocks are independent: asking
 * it for 64 bytes yields the same first 32 bytes as asking for 32. So one scrypt run gives both the
 * stored hash (first bytes, compared) and a 32-byte key that is never stored (the bytes after it).
 * That key seals the app's tokens at rest: whoever presents the secret can unseal them and get the
 * same token back (the vendor returns the same token while 30 minutes or more remain, on every
 * instance); whoever holds only the database cannot.
 *
 * Tokens themselves are stored as `sha256(token)` (what API calls look them up by: 40 random
 * alphanumerics need no slow hash) beside the sealed copy.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

/** scrypt's CPU/memory cost in production; tests may pass a smaller power of two. */
export const DEFAULT_SCRYPT_N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** Bytes of the token-sealing key derived after the stored hash. */
const SEAL_KEYLEN = 32;

function scrypt(secret: string, salt: Buffer, keylen: number, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, keylen, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new salted hash of `secret` at cost `n`. */
export async function hashSecret(secret: string, n: number = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEYLEN, n, R, P);
  return `scrypt$${n}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * The token-sealing key of `secret` when it matches `stored`, else undefined. Costs one scrypt
 * run, the same whether the secret is right or wrong.
 */
export async function unlockSecret(secret: string, stored: string): Promise<Buffer | undefined> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  if (expected.length === 0) return undefined;
  let out: Buffer;
  try {
    out = await scrypt(secret, Buffer.from(salt, "base64"), expected.length + SEAL_KEYLEN, Number(n), Number(r), Number(p));
  } catch {
    // A corrupt stored hash (bad cost parameters) verifies nothing; it must not become a 5xx.
    return undefined;
  }
  return timingSafeEqual(out.subarray(0, expected.length), expected) ? out.subarray(expected.length) : undefined;
}

/** Whether `secret` matches `stored` (the seed loader's check: is this the secret already stored?). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  return (await unlockSecret(secret, stored)) !== undefined;
}

/** What the store keeps to find a token: sha256 of its value, lowercase hex. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const SEAL_PREFIX = "aes256gcm$";

/** Base64 as `sealToken` writes it, or undefined (Node's decoder would skip stray characters). */
function strictBase64(s: string): Buffer | undefined {
  const b = Buffer.from(s, "base64");
  return b.toString("base64") === s ? b : undefined;
}

/**
 * `token` encrypted and authenticated (AES-256-GCM, random 96-bit nonce) under `key`, bound to
 * `context` (what the row says the token is), as `aes256gcm$<nonce b64>$<ciphertext b64>$<tag b64>`.
 */
export function sealToken(key: Buffer, token: string, context: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return `${SEAL_PREFIX}${nonce.toString("base64")}$${body.toString("base64")}$${cipher.getAuthTag().toString("base64")}`;
}

/** The token `sealed` holds, or undefined when `key` or `context` is not the one it was sealed with (or it is malformed). */
export function unsealToken(key: Buffer, sealed: string, context: string): string | undefined {
  if (!sealed.startsWith(SEAL_PREFIX)) return undefined;
  const parts = sealed.slice(SEAL_PREFIX.length).split("$");
  if (parts.length !== 3) return undefined;
  const [nonce, body, tag] = parts.map(strictBase64) as [Buffer | undefined, Buffer | undefined, Buffer | undefined];
  if (nonce?.length !== 12 || tag?.length !== 16 || !body) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

/** What stands in for a secret or token value wherever one would be shown (journal, log). */
export const REDACTED = "[redacted]";

/** A token as the server mints them (`t-` / `a-` and 32 or more letters or digits), wherever it is written. */
const TOKEN_IN_TEXT = /\b[ta]-[A-Za-z0-9]{32,}/g;

/** `text` with everything token-shaped replaced by the marker (a token sent in a URL, a body). */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_IN_TEXT, REDACTED);
}

/** A secret's or a token's query parameter (`app_secret=…`), at the start of a query or after `?` / `&`. */
const SECRET_PARAM = /(^|[?&])(app_secret|tenant_access_token|app_access_token)=[^&#]*/g;

/** A URL or query string with secret-named parameters' values and everything token-shaped redacted. */
export function redactUrl(url: string): string {
  return redactTokens(url.replace(SECRET_PARAM, `$1$2=${REDACTED}`));
}
