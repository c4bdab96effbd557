/**
 * The admin token: the one credential of the admin API. Given with `--admin-token`, or made by the
 * server: kept beside a SQLite database (`<db>.admin-token`, mode 0600) so the CLI finds it and a
 * restart keeps it; with no file to keep it in (`sqlite::memory:`, PostgreSQL) made anew on every start
 * and printed in the banner. Compared in constant time; never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";

/** Where the token came from, for the banner. */
export type AdminTokenSource = { kind: "config" } | { kind: "file"; file: string; created: boolean } | { kind: "generated" };

export interface AdminToken {
  token: string;
  source: AdminTokenSource;
}

/** The shape every admin token has, given or made: 16-256 visible ASCII characters. */
export const ADMIN_TOKEN_RE = /^[\x21-\x7e]{16,256}$/;

/** A new admin token: `lsa_` and 43 characters of base64url (256 random bits). */
export function newAdminToken(): string {
  return `lsa_${randomBytes(32).toString("base64url")}`;
}

/** The file beside a SQLite database that keeps its server's admin token. */
export function adminTokenFile(dbPath: string): string {
  return `${dbPath}.admin-token`;
}

/**
 * The admin token of a server: `configured` when given; else the one kept in `file` (made, 0600,
 * when missing); else a new one.
 */
export function resolveAdminToken(configured: string | undefined, file: string | undefined): AdminToken {
  if (configured !== undefined) return { token: configured, source: { kind: "config" } };
  if (file === undefined) return { token: newAdminToken(), source: { kind: "generated" } };
  try {
    const kept = readFileSync(file, "utf8").trim();
    if (!ADMIN_TOKEN_RE.test(kept)) throw new Error(`${file} does not hold an admin token (16-256 visible ASCII characters)`);
    return { token: kept, source: { kind: "file", file, created: false } };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const token = newAdminToken();
  // wx: never overwrite a token another process wrote meanwhile; 0600: only its owner reads it.
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return resolveAdminToken(undefined, file);
    throw e;
  }
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return { token, source: { kind: "file", file, created: true } };
}

/** Whether `presented` is `expected`, in time that depends on neither (both are hashed first). */
export function adminTokenMatches(expected: string, presented: string): boolean {
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(presented).digest();
  return timingSafeEqual(a, b);
}
