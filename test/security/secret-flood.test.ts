/**
 * A flood of wrong secrets for one app must not slow down the token requests of other apps: each
 * wrong secret costs a production-cost scrypt run, and unbounded they queued on libuv's thread pool
 * ahead of everyone (64 wrong attempts made another app's first token request ~30× slower). Bounds
 * here are generous multiples of one measured hash; the numbers come from `npm run bench:secrets`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { DEFAULT_SCRYPT_N } from "../../src/domain/secrets.js";
import { loadSeedFile } from "../../src/seed/load.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { APP, assertError, DISABLED_APP, FIXTURE_SEED, GLOBEX_APP, INITECH_APP, NARROW_APP, T0 } from "../helpers.js";

const TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
const FLOOD = 64;

let app: FastifyInstance;
let store: SqliteStore;

before(async () => {
  const clock = new ManualClock(T0);
  const ids = sequentialIds(clock);
  store = new SqliteStore("sqlite::memory:");
  await store.migrate();
  // Production cost: the point is what a real hash costs.
  await loadSeedFile(FIXTURE_SEED, { store, ids, now: () => clock.now(), scryptN: DEFAULT_SCRYPT_N });
  app = await buildApp({ store, clock, ids, rateLimit: "off", logger: false });
});

after(async () => {
  await app.close();
  await store.close();
});

function tokenRequest(creds: { app_id: string; app_secret: string }): Promise<LightMyRequestResponse> {
  return app.inject({ method: "POST", url: TOKEN_URL, payload: creds });
}

async function timed(creds: { app_id: string; app_secret: string }): Promise<{ ms: number; res: LightMyRequestResponse }> {
  const t = performance.now();
  const res = await tokenRequest(creds);
  return { ms: performance.now() - t, res };
}

describe("a flood of wrong secrets for one app", () => {
  test(`${FLOOD} concurrent wrong secrets for one app: another app's first token request takes about one hash`, async () => {
    // Warm-up (first request through the app), then what a first token request costs when quiet
    // (one uncached check; the slower of two, this machine being shared).
    assert.equal((await tokenRequest(INITECH_APP)).statusCode, 200);
    const narrow = await timed(NARROW_APP);
    assert.equal(narrow.res.statusCode, 200, narrow.res.body);
    const disabled = await timed(DISABLED_APP); // the right secret of a disabled app: one check, then 10014
    assertError(disabled.res, { status: 400, code: 10014, msg: "app secret invalid" });
    const quiet = { ms: Math.max(narrow.ms, disabled.ms) };

    const flood = Array.from({ length: FLOOD }, (_, i) => tokenRequest({ app_id: APP.app_id, app_secret: `wrong-${i}` }));
    // Let the flood reach its hashes first (as it would have, arriving earlier over the network).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = await timed(GLOBEX_APP);
    assert.equal(other.res.statusCode, 200, other.res.body);
    // Unbounded, it waited for the whole flood (~30-60× one check here); now about one check.
    const bound = 6 * quiet.ms + 200;
    assert.ok(
      other.ms < bound,
      `another app's first token request took ${other.ms.toFixed(0)} ms under the flood; quiet: ${quiet.ms.toFixed(0)} ms (bound ${bound.toFixed(0)} ms)`,
    );

    // Every flood request is refused: 10014 for a secret that was checked, 429 for one that found
    // the app's queue full (answered without hashing).
    const answers = await Promise.all(flood);
    let checked = 0;
    let overflow = 0;
    for (const res of answers) {
      if (res.statusCode === 429) {
        assertError(res, { status: 429, code: 99991400, msg: "request trigger frequency limit" });
        assert.equal(res.headers["x-ogw-ratelimit-reset"], "1");
        overflow++;
      } else {
        assertError(res, { status: 400, code: 10014, msg: "app secret invalid" });
        checked++;
      }
    }
    assert.ok(overflow > 0 && checked > 0 && checked + overflow === FLOOD, `${checked} checked, ${overflow} refused unchecked`);

    // The flooded app itself still gets its token with the right secret (after its back-off),
    // and a third app was never affected.
    const own = await tokenRequest(APP);
    assert.equal(own.statusCode, 200, own.body);
    assert.equal((await tokenRequest(INITECH_APP)).statusCode, 200);
  });
});
