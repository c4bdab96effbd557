/**
 * The OpenAPI document exactly as `GET /openapi.json` serves it, built in-process: buildApp on an
 * in-memory SQLite store, no port, no seed. Shared by test/openapi.test.ts and test/openapi-lint.ts.
 */
import { buildApp } from "../src/app.js";
import { ManualClock } from "../src/domain/clock.js";
import { sequentialIds } from "../src/domain/ids.js";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.js";

/** The served /openapi.json, parsed. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new SqliteStore("sqlite::memory:");
  const app = await buildApp({ store, clock, ids: sequentialIds(clock), rateLimit: "vendor", logger: false });
  try {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json() as Record<string, unknown>;
  } finally {
    await app.close();
    await store.close();
  }
}
