/**
 * The Redis-backed limiter: decision-for-decision parity with MemoryRateLimiter, one limit shared
 * by several instances (each with its own connection), and a dead or hung Redis answered from the
 * fallback within a bounded time. Needs TEST_REDIS_URL for everything but the failure cases.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import { ManualClock } from "../../src/domain/clock.js";
import { MemoryRateLimiter, RATE_TIERS, type RateDecision, type RateLimiter, type RateRule } from "../../src/http/rate-limit.js";
import { connectRedis, RATE_LIMIT_SCRIPT, RedisRateLimiter } from "../../src/http/redis-rate-limit.js";
import { REDIS_SKIP, TEST_REDIS_URL, uniqueRedisPrefix } from "../redis.js";

/** 2026-01-01T00:00:00Z: aligned to every window. */
const T0 = Date.UTC(2026, 0, 1);

const clients: Redis[] = [];
/** A new connection, closed when the file's tests end. */
function client(url: string): Redis {
  const c = connectRedis(url);
  clients.push(c);
  return c;
}
/** A plain connection (offline queue on) for inspecting keys: it waits for its own connect. */
function admin(url: string): Redis {
  const c = new Redis(url);
  clients.push(c);
  return c;
}
after(async () => {
  await Promise.all(
    clients.map(async (c) => {
      if (c.status === "ready") await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }),
  );
});

/** Counts the calls it answers, so a test can tell Redis answers from fallback ones. */
class CountingLimiter implements RateLimiter {
  calls = 0;
  private readonly inner: MemoryRateLimiter;
  constructor(clock: ManualClock) {
    this.inner = new MemoryRateLimiter(clock);
  }
  hit(key: string, rules: readonly RateRule[]): RateDecision {
    this.calls += 1;
    return this.inner.hit(key, rules);
  }
}

async function elapsed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await f();
  return { value, ms: performance.now() - start };
}

// ---------------------------------------------------------------------------------------------
// Parity with the memory limiter.

/** `n` calls at `T0 + at` under `key` (default "k"). */
interface Step {
  at: number;
  n: number;
  rules: readonly RateRule[];
  key?: string;
}

const ONE_PER_MINUTE = [{ windowMs: 60_000, limit: 1 }];
const THREE_PER_MINUTE = [{ windowMs: 60_000, limit: 3 }];
const TWO_PER_SECOND_THREE_PER_MINUTE = [{ windowMs: 1000, limit: 2 }, ...THREE_PER_MINUTE];

function batchMinute(): Step[] {
  const steps: Step[] = [];
  // 50 allowed and 2 denied in each of 20 seconds: the 1000/min rule is then exhausted.
  for (let s = 0; s < 20; s++) steps.push({ at: s * 1000 + 200, n: 52, rules: RATE_TIERS.batch });
  steps.push({ at: 20_000, n: 3, rules: RATE_TIERS.batch }, { at: 59_999, n: 1, rules: RATE_TIERS.batch });
  steps.push({ at: 60_000, n: 51, rules: RATE_TIERS.batch });
  return steps;
}

const SCENARIOS: { name: string; steps: Step[]; denials: number }[] = [
  { name: "the 101st call of a minute is denied (crud)", steps: [{ at: 15_000, n: 101, rules: RATE_TIERS.crud }], denials: 1 },
  {
    name: "resetSeconds rounds up, is at least 1, and the window rolls over",
    steps: [
      { at: 0, n: 2, rules: ONE_PER_MINUTE },
      { at: 58_001, n: 1, rules: ONE_PER_MINUTE },
      { at: 59_999, n: 1, rules: ONE_PER_MINUTE },
      { at: 60_000, n: 2, rules: ONE_PER_MINUTE },
    ],
    denials: 4,
  },
  {
    name: "fixed windows aligned to the clock: a full window, then a fresh one a second later",
    steps: [
      { at: 59_000, n: 101, rules: RATE_TIERS.crud },
      { at: 60_000, n: 101, rules: RATE_TIERS.crud },
    ],
    denials: 2,
  },
  {
    name: "keys are counted separately",
    steps: [
      { at: 0, n: 3, rules: [{ windowMs: 1000, limit: 2 }], key: "app1|tenant|create" },
      { at: 0, n: 3, rules: [{ windowMs: 1000, limit: 2 }], key: "app2|tenant|create" },
      { at: 0, n: 3, rules: [{ windowMs: 1000, limit: 2 }], key: "app1|tenant|list" },
    ],
    denials: 3,
  },
  {
    name: "denied calls do not count (per-second denials leave the minute's count alone)",
    steps: [
      { at: 0, n: 7, rules: TWO_PER_SECOND_THREE_PER_MINUTE },
      { at: 1000, n: 2, rules: TWO_PER_SECOND_THREE_PER_MINUTE },
      { at: 60_000, n: 3, rules: TWO_PER_SECOND_THREE_PER_MINUTE },
    ],
    denials: 7,
  },
  { name: "batch tier: 50/s trips first (limit 50), then 1000/min (limit 1000)", steps: batchMinute(), denials: 40 + 3 + 1 + 1 },
  {
    name: "windows not dividing a minute: 3 per 1.5 s from an unaligned start",
    steps: [
      { at: 700, n: 4, rules: [{ windowMs: 1500, limit: 3 }] },
      { at: 1499, n: 1, rules: [{ windowMs: 1500, limit: 3 }] },
      { at: 1500, n: 4, rules: [{ windowMs: 1500, limit: 3 }] },
      { at: 4400, n: 4, rules: [{ windowMs: 1500, limit: 3 }] },
    ],
    denials: 4,
  },
  {
    name: "the rules are checked in order: the tripped rule's limit is reported",
    steps: [
      {
        at: 0,
        n: 3,
        rules: [
          { windowMs: 60_000, limit: 2 },
          { windowMs: 1000, limit: 5 },
        ],
      },
      {
        at: 0,
        n: 2,
        rules: [
          { windowMs: 1000, limit: 5 },
          { windowMs: 60_000, limit: 2 },
        ],
        key: "other",
      },
    ],
    denials: 1,
  },
];

async function runSteps(rl: RateLimiter, clock: ManualClock, steps: Step[]): Promise<RateDecision[]> {
  const out: RateDecision[] = [];
  for (const s of steps) {
    clock.set(T0 + s.at);
    for (let i = 0; i < s.n; i++) out.push(await rl.hit(s.key ?? "k", s.rules));
  }
  return out;
}

if (!TEST_REDIS_URL) {
  test("RedisRateLimiter against a real Redis", { skip: REDIS_SKIP }, () => {});
} else {
  const url = TEST_REDIS_URL;

  describe("RedisRateLimiter: parity with MemoryRateLimiter", () => {
    for (const sc of SCENARIOS) {
      test(sc.name, async () => {
        const memClock = new ManualClock(T0);
        const redisClock = new ManualClock(T0);
        const fallback = new CountingLimiter(redisClock);
        const redis = new RedisRateLimiter(client(url), redisClock, { prefix: uniqueRedisPrefix("parity"), fallback });
        const expected = await runSteps(new MemoryRateLimiter(memClock), memClock, sc.steps);
        const actual = await runSteps(redis, redisClock, sc.steps);
        assert.equal(fallback.calls, 0, `answered from the fallback: ${String(redis.lastError)}`);
        // The first differing call, rather than a diff of hundreds of decisions.
        const i = expected.findIndex((d, j) => JSON.stringify(d) !== JSON.stringify(actual[j]));
        if (i !== -1) assert.deepEqual(actual[i], expected[i], `call ${i + 1} of ${expected.length} differs`);
        assert.deepEqual(actual, expected);
        assert.equal(expected.filter((d) => !d.ok).length, sc.denials, "the scenario exercises the denials it means to");
        assert.equal(redis.healthy, true);
      });
    }

    test("spot checks of the decisions themselves", async () => {
      const clock = new ManualClock(T0 + 15_000);
      const rl = new RedisRateLimiter(client(url), clock, { prefix: uniqueRedisPrefix("spot") });
      for (let i = 0; i < 100; i++) assert.deepEqual(await rl.hit("k", RATE_TIERS.crud), { ok: true });
      assert.deepEqual(await rl.hit("k", RATE_TIERS.crud), { ok: false, limit: 100, resetSeconds: 45 });
      clock.set(T0 + 20_300);
      for (let i = 0; i < 50; i++) assert.deepEqual(await rl.hit("b", RATE_TIERS.batch), { ok: true });
      assert.deepEqual(await rl.hit("b", RATE_TIERS.batch), { ok: false, limit: 50, resetSeconds: 1 });
      assert.deepEqual(await rl.hit("k", []), { ok: true }, "no rules: nothing to limit");
    });
  });

  describe("RedisRateLimiter: one limit across instances", () => {
    test("150 concurrent calls over three instances within one second: exactly 50 allowed", async () => {
      const prefix = uniqueRedisPrefix("shared");
      // Separate clocks, frozen inside the same second, as three servers would see it.
      const clocks = [new ManualClock(T0 + 100), new ManualClock(T0 + 450), new ManualClock(T0 + 999)];
      const fallbacks = clocks.map((c) => new CountingLimiter(c));
      const limiters = clocks.map((c, i) => new RedisRateLimiter(client(url), c, { prefix, fallback: fallbacks[i] }));
      // The connections are still lazy here: the first calls also exercise the first connect.
      const decisions = await Promise.all(
        Array.from({ length: 150 }, (_, i) => limiters[i % 3]?.hit("app|tenant|batch_open", RATE_TIERS.batch)),
      );
      assert.deepEqual(
        fallbacks.map((f) => f.calls),
        [0, 0, 0],
        "no call fell back",
      );
      assert.equal(decisions.filter((d) => d?.ok).length, 50);
      for (const d of decisions) if (d && !d.ok) assert.deepEqual(d, { ok: false, limit: 50, resetSeconds: 1 });

      // The counters hold only the allowed calls.
      const adm = admin(url);
      const sec = Math.floor((T0 + 100) / 1000);
      const min = Math.floor((T0 + 100) / 60_000);
      assert.equal(await adm.get(`${prefix}:{app|tenant|batch_open}:1000:${sec}`), "50");
      assert.equal(await adm.get(`${prefix}:{app|tenant|batch_open}:60000:${min}`), "50");

      // The next second: another 50 across the three, the minute's count now 100.
      for (const c of clocks) c.advance(1000);
      const next = await Promise.all(
        Array.from({ length: 90 }, (_, i) => limiters[i % 3]?.hit("app|tenant|batch_open", RATE_TIERS.batch)),
      );
      assert.equal(next.filter((d) => d?.ok).length, 50);
      assert.equal(await adm.get(`${prefix}:{app|tenant|batch_open}:60000:${min}`), "100");
      for (const l of limiters) assert.equal(l.healthy, true);
    });

    test("300 concurrent crud calls over three instances within one minute: exactly 100 allowed", async () => {
      const prefix = uniqueRedisPrefix("shared-crud");
      const limiters = [0, 1, 2].map((i) => new RedisRateLimiter(client(url), new ManualClock(T0 + 10_000 * i), { prefix }));
      for (const l of limiters) assert.equal(await l.ping(), true);
      const decisions = await Promise.all(
        Array.from({ length: 300 }, (_, i) => limiters[i % 3]?.hit("app|tenant|create", RATE_TIERS.crud)),
      );
      assert.equal(decisions.filter((d) => d?.ok).length, 100);
      const resets = new Set(decisions.flatMap((d) => (d && !d.ok ? [`${d.limit}/${d.resetSeconds}`] : [])));
      assert.deepEqual([...resets].sort(), ["100/40", "100/50", "100/60"], "each instance's own clock sets its reset");
    });
  });

  describe("RedisRateLimiter: keys and scripts", () => {
    test("every counter expires a bit after its window (PTTL > 0)", async () => {
      const prefix = uniqueRedisPrefix("ttl");
      const clock = new ManualClock(T0 + 1234);
      const rl = new RedisRateLimiter(client(url), clock, { prefix });
      assert.deepEqual(await rl.hit("k", RATE_TIERS.batch), { ok: true });
      const adm = admin(url);
      const sec = await adm.pttl(`${prefix}:{k}:1000:${Math.floor((T0 + 1234) / 1000)}`);
      const min = await adm.pttl(`${prefix}:{k}:60000:${Math.floor((T0 + 1234) / 60_000)}`);
      assert.ok(sec > 0 && sec <= 2000, `1 s window key PTTL ${sec}`);
      assert.ok(min > 59_000 && min <= 61_000, `1 min window key PTTL ${min}`);
      const keys = await adm.keys(`${prefix}:*`);
      assert.equal(keys.length, 2);
      for (const k of keys) assert.ok((await adm.pttl(k)) > 0, `${k} has a TTL`);
    });

    test("the script is reloaded when Redis has dropped its cache (NOSCRIPT)", async () => {
      const clock = new ManualClock(T0);
      const fallback = new CountingLimiter(clock);
      const rl = new RedisRateLimiter(client(url), clock, { prefix: uniqueRedisPrefix("noscript"), fallback });
      const adm = admin(url);
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: true });
      await adm.script("FLUSH");
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: true });
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: true });
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: false, limit: 3, resetSeconds: 60 });
      assert.equal(fallback.calls, 0);
      const { createHash } = await import("node:crypto");
      const sha = createHash("sha1").update(RATE_LIMIT_SCRIPT).digest("hex");
      assert.deepEqual(await adm.script("EXISTS", sha), [1]);
    });

    test("a dropped connection: fallback while it is down, Redis again once reconnected", async () => {
      const clock = new ManualClock(T0);
      const fallback = new CountingLimiter(clock);
      const conn = client(url);
      const rl = new RedisRateLimiter(conn, clock, { prefix: uniqueRedisPrefix("drop"), fallback });
      assert.equal(await rl.ping(), true);
      assert.equal(rl.healthy, true);
      const id = await conn.client("ID");
      const reconnected = new Promise<void>((resolve) => conn.once("ready", () => resolve()));
      const closed = new Promise<void>((resolve) => conn.once("close", () => resolve()));
      await admin(url).client("KILL", "ID", String(id));
      await closed;
      assert.equal(rl.healthy, false);
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: true });
      assert.equal(fallback.calls, 1, "answered from the fallback while disconnected");
      await reconnected;
      assert.deepEqual(await rl.hit("k", THREE_PER_MINUTE), { ok: true });
      assert.equal(fallback.calls, 1, "answered by Redis again");
      assert.equal(rl.healthy, true);
      assert.equal(rl.lastError, undefined);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// A dead or hung Redis: no real Redis needed.

describe("RedisRateLimiter: Redis unavailable", () => {
  test("a dead port answers from the fallback within a bounded time and reports unhealthy", async () => {
    const clock = new ManualClock(T0);
    const fallback = new CountingLimiter(clock);
    const rl = new RedisRateLimiter(client("redis://127.0.0.1:1"), clock, { prefix: uniqueRedisPrefix("dead"), fallback });
    const first = await elapsed(() => rl.hit("k", RATE_TIERS.crud));
    assert.deepEqual(first.value, { ok: true });
    assert.ok(first.ms < 2000, `first call took ${first.ms} ms`);
    assert.equal(fallback.calls, 1);
    assert.equal(rl.healthy, false);
    assert.ok(rl.lastError instanceof Error, "lastError is set");
    // The fallback is a real (per-instance) limiter, and later calls do not wait on Redis either.
    const rest = await elapsed(async () => {
      for (let i = 0; i < 99; i++) assert.deepEqual(await rl.hit("k", RATE_TIERS.crud), { ok: true });
      return rl.hit("k", RATE_TIERS.crud);
    });
    assert.deepEqual(rest.value, { ok: false, limit: 100, resetSeconds: 60 });
    assert.ok(rest.ms < 2000, `100 more calls took ${rest.ms} ms`);
    const ping = await elapsed(() => rl.ping());
    assert.equal(ping.value, false);
    assert.ok(ping.ms < 2000, `ping took ${ping.ms} ms`);
  });

  test("a server that accepts but never answers: bounded by timeoutMs, then the fallback", async () => {
    const sockets = new Set<Socket>();
    let conn: Redis | undefined;
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      assert.ok(address && typeof address === "object");
      const clock = new ManualClock(T0);
      const fallback = new CountingLimiter(clock);
      conn = client(`redis://127.0.0.1:${address.port}`);
      const rl = new RedisRateLimiter(conn, clock, {
        prefix: uniqueRedisPrefix("hung"),
        fallback,
        timeoutMs: 300,
      });
      const first = await elapsed(() => rl.hit("k", RATE_TIERS.crud));
      assert.deepEqual(first.value, { ok: true });
      assert.ok(first.ms < 2000, `first call took ${first.ms} ms`);
      assert.equal(fallback.calls, 1);
      assert.equal(rl.healthy, false);
      const second = await elapsed(() => rl.hit("k", RATE_TIERS.crud));
      assert.ok(second.ms < 2000, `second call took ${second.ms} ms`);
      assert.equal(fallback.calls, 2);
      assert.equal(await rl.ping(), false);
    } finally {
      conn?.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
