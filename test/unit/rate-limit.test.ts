import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../src/domain/clock.js";
import { MemoryRateLimiter, noRateLimit, RATE_TIERS, type RateRule } from "../../src/http/rate-limit.js";

/** 2026-01-01T00:00:00Z: aligned to every window. */
const T0 = Date.UTC(2026, 0, 1);

function hitN(rl: MemoryRateLimiter, key: string, rules: readonly RateRule[], n: number): void {
  for (let i = 0; i < n; i++) assert.deepEqual(rl.hit(key, rules), { ok: true }, `call ${i + 1} of ${n}`);
}

describe("MemoryRateLimiter", () => {
  test("the vendor tiers", () => {
    assert.deepEqual(RATE_TIERS.crud, [{ windowMs: 60_000, limit: 100 }]);
    assert.deepEqual(RATE_TIERS.batch, [
      { windowMs: 1_000, limit: 50 },
      { windowMs: 60_000, limit: 1000 },
    ]);
  });

  test("the 101st call of a minute is denied with the limit and the seconds to reset", () => {
    const clock = new ManualClock(T0 + 15_000);
    const rl = new MemoryRateLimiter(clock);
    hitN(rl, "k", RATE_TIERS.crud, 100);
    assert.deepEqual(rl.hit("k", RATE_TIERS.crud), { ok: false, limit: 100, resetSeconds: 45 });
  });

  test("resetSeconds rounds up and is at least 1", () => {
    const clock = new ManualClock(T0);
    const rl = new MemoryRateLimiter(clock);
    const rule = [{ windowMs: 60_000, limit: 1 }];
    hitN(rl, "k", rule, 1);
    assert.deepEqual(rl.hit("k", rule), { ok: false, limit: 1, resetSeconds: 60 });
    clock.set(T0 + 58_001);
    assert.deepEqual(rl.hit("k", rule), { ok: false, limit: 1, resetSeconds: 2 });
    clock.set(T0 + 59_999);
    assert.deepEqual(rl.hit("k", rule), { ok: false, limit: 1, resetSeconds: 1 });
  });

  test("the window resets at its boundary (fixed windows aligned to the clock)", () => {
    const clock = new ManualClock(T0 + 59_000);
    const rl = new MemoryRateLimiter(clock);
    hitN(rl, "k", RATE_TIERS.crud, 100);
    assert.equal(rl.hit("k", RATE_TIERS.crud).ok, false);
    clock.set(T0 + 60_000);
    hitN(rl, "k", RATE_TIERS.crud, 100);
    assert.equal(rl.hit("k", RATE_TIERS.crud).ok, false);
  });

  test("keys are counted separately", () => {
    const rl = new MemoryRateLimiter(new ManualClock(T0));
    const rule = [{ windowMs: 1000, limit: 2 }];
    hitN(rl, "app1|tenant|create", rule, 2);
    assert.equal(rl.hit("app1|tenant|create", rule).ok, false);
    hitN(rl, "app2|tenant|create", rule, 2);
    hitN(rl, "app1|tenant|list", rule, 2);
  });

  test("denied calls do not count", () => {
    const clock = new ManualClock(T0);
    const rl = new MemoryRateLimiter(clock);
    const perMinute = [{ windowMs: 60_000, limit: 3 }];
    const perSecond = [{ windowMs: 1000, limit: 2 }, ...perMinute];
    // Second 0: 2 allowed, 5 denied by the per-second rule.
    hitN(rl, "k", perSecond, 2);
    for (let i = 0; i < 5; i++) assert.deepEqual(rl.hit("k", perSecond), { ok: false, limit: 2, resetSeconds: 1 });
    // Second 1: had the denied calls counted toward the minute, this would be denied.
    clock.set(T0 + 1000);
    assert.deepEqual(rl.hit("k", perSecond), { ok: true });
    assert.deepEqual(rl.hit("k", perSecond), { ok: false, limit: 3, resetSeconds: 59 });
  });

  test("batch tier: 50/s trips first and reports 50; the 1000/min rule trips later and reports 1000", () => {
    const clock = new ManualClock(T0);
    const rl = new MemoryRateLimiter(clock);
    const tier = RATE_TIERS.batch;
    for (let s = 0; s < 20; s++) {
      clock.set(T0 + s * 1000 + 200);
      hitN(rl, "k", tier, 50);
      // Denied calls inside the second: they must count toward neither rule.
      assert.deepEqual(rl.hit("k", tier), { ok: false, limit: 50, resetSeconds: 1 });
      assert.deepEqual(rl.hit("k", tier), { ok: false, limit: 50, resetSeconds: 1 });
    }
    // 1000 calls counted this minute: the next second is free of the per-second rule but not the minute's.
    clock.set(T0 + 20_000);
    assert.deepEqual(rl.hit("k", tier), { ok: false, limit: 1000, resetSeconds: 40 });
    clock.set(T0 + 60_000);
    assert.deepEqual(rl.hit("k", tier), { ok: true });
  });

  test("noRateLimit never limits", () => {
    for (let i = 0; i < 2000; i++) assert.deepEqual(noRateLimit.hit("k", RATE_TIERS.batch), { ok: true });
  });
});
