/**
 * List page tokens: opaque to clients, a signed keyset cursor to us. The signature binds the
 * cursor to its tenant, so a token we did not issue (or one from another tenant) is rejected.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface Cursor {
  priority: number;
  id: string;
}

function sign(secret: string, tenantKey: string, payload: string): string {
  return createHmac("sha256", secret).update(`${tenantKey}\n${payload}`).digest("base64url").slice(0, 22);
}

export function encodePageToken(secret: string, tenantKey: string, c: Cursor): string {
  const payload = Buffer.from(`${c.priority}:${c.id}`).toString("base64url");
  return `${payload}.${sign(secret, tenantKey, payload)}`;
}

/** The cursor of a token we issued for this tenant, or undefined for anything else. */
export function decodePageToken(secret: string, tenantKey: string, token: string): Cursor | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 200) return undefined;
  const payload = token.slice(0, dot);
  const sig = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(sign(secret, tenantKey, payload));
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined;
  const m = /^([0-9]):([0-9]{19})$/.exec(Buffer.from(payload, "base64url").toString());
  if (!m) return undefined;
  return { priority: Number(m[1]), id: m[2] as string };
}
