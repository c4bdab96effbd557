/**
 * Shared set-up for tests against a real Redis: they run when TEST_REDIS_URL is set
 * (e.g. `TEST_REDIS_URL=redis://127.0.0.1:6379`) and are skipped, visibly, otherwise.
 */
import { randomUUID } from "node:crypto";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

/** Why Redis tests are skipped, or false when they run (pass as node:test's `skip` option). */
export const REDIS_SKIP: string | false = TEST_REDIS_URL ? false : "TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)";

/** A key prefix no other test (or test run) uses, so tests never see each other's counters. */
export function uniqueRedisPrefix(label = "t"): string {
  return `larkstatus-test:${label}:${randomUUID()}`;
}
