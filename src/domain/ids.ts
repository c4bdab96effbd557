import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "./clock.js";

/** Generates every identifier the server mints. Injected so tests are deterministic. */
export interface IdGenerator {
  /** A new `system_status_id`: a 19-digit decimal string. */
  statusId(): string;
  /** A new bearer token value, `t-…` (tenant) or `a-…` (app). */
  token(kind: "tenant" | "app"): string;
  /** A new request log id (`X-Tt-Logid`, `error.log_id`). */
  logId(): string;
  /** A random secret (hex) for server-side signing keys. */
  secret(): string;
  /** A new `tenant_key` (16 hex) or `app_id` (`cli_` + 16 hex), for directory entries made without one. */
  key(kind: "tenant" | "app"): string;
  /** A new app secret, shown once when an app is created or its secret rotated. */
  appSecret(): string;
}

const TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** 2020-01-01T00:00:00Z: the epoch of our snowflake-style status ids. */
const STATUS_ID_EPOCH_MS = 1_577_836_800_000;
const STATUS_ID_BASE = 7_000_000_000_000_000_000n;

function alnum(bytes: Buffer): string {
  let s = "";
  for (const b of bytes) s += TOKEN_ALPHABET[b % TOKEN_ALPHABET.length];
  return s;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYYMMDDHHMMSS` in UTC, the prefix of vendor log ids. */
export function logIdTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    d.getUTCFullYear() +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds())
  );
}

/**
 * Production ids. Status ids are snowflake-like, `7·10^18 + (ms since 2020 << 20 | node << 10 | seq)`,
 * so they are 19 digits, time-ordered, and unique across instances (random 10-bit node id; the
 * database's primary key is the final guard).
 */
export function randomIds(clock: Clock): IdGenerator {
  const node = BigInt(randomBytes(2).readUInt16BE(0) & 0x3ff);
  let lastMs = -1;
  let seq = 0;
  let logSeq = randomBytes(4).readUInt32BE(0);
  // Per-process random part of log ids, drawn once: a request must not pay for crypto randomness.
  const logNode = randomBytes(6).toString("hex").toUpperCase();
  return {
    statusId() {
      let ms = clock.now();
      if (ms <= lastMs) {
        ms = lastMs;
        seq += 1;
        if (seq > 0x3ff) {
          // 1024 ids in one millisecond: borrow the next millisecond.
          ms = lastMs + 1;
          seq = 0;
        }
      } else {
        seq = 0;
      }
      lastMs = ms;
      const t = BigInt(ms - STATUS_ID_EPOCH_MS);
      return (STATUS_ID_BASE + ((t << 20n) | (node << 10n) | BigInt(seq))).toString();
    },
    token(kind) {
      return `${kind === "tenant" ? "t-" : "a-"}${alnum(randomBytes(40))}`;
    },
    logId() {
      logSeq = (logSeq + 1) >>> 0;
      return logIdTimestamp(clock.now()) + logNode + logSeq.toString(16).toUpperCase().padStart(8, "0");
    },
    secret() {
      return randomBytes(32).toString("hex");
    },
    key(kind) {
      return `${kind === "app" ? "cli_" : ""}${randomBytes(8).toString("hex")}`;
    },
    appSecret() {
      return alnum(randomBytes(32));
    },
  };
}

/** Deterministic ids for tests: counters, so every run mints the same values. */
export function sequentialIds(clock: Clock, start = 1): IdGenerator {
  let n = start;
  let t = 0;
  let l = 0;
  let k = 0xfeed0000;
  let a = 0;
  return {
    statusId: () => (STATUS_ID_BASE + BigInt(n++)).toString(),
    token: (kind) => `${kind === "tenant" ? "t-" : "a-"}test${String(++t).padStart(36, "0")}`,
    logId: () => logIdTimestamp(clock.now()) + String(++l).padStart(20, "0"),
    secret: () => "0".repeat(64),
    key: (kind) => `${kind === "app" ? "cli_" : ""}${(++k).toString(16).padStart(16, "0")}`,
    appSecret: () => `test-secret-${String(++a).padStart(8, "0")}`,
  };
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** The derived open_id of a user for one app (README, "Seed files": deterministic so users can compute it). */
export function deriveOpenId(appId: string, tenantKey: string, userId: string): string {
  return `ou_${sha256Hex(`open_id:${appId}:${tenantKey}:${userId}`).slice(0, 32)}`;
}

/** The derived union_id of a user for one developer. */
export function deriveUnionId(developer: string, tenantKey: string, userId: string): string {
  return `on_${sha256Hex(`union_id:${developer}:${tenantKey}:${userId}`).slice(0, 32)}`;
}

export const OPEN_ID_RE = /^ou_[0-9a-f]{32}$/;
export const UNION_ID_RE = /^on_[0-9a-f]{32}$/;
export const USER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const STATUS_ID_RE = /^[0-9]{19}$/;
export const TENANT_KEY_RE = /^[0-9a-f]{16}$/;
export const APP_ID_RE = /^cli_[0-9a-f]{16}$/;
