/**
 * The vendor's frequency limits shared by every instance through Redis (`--redis redis://...`).
 * Same semantics as MemoryRateLimiter: fixed windows aligned to the injected clock
 * (`Math.floor(now / windowMs)`), a call counts only if no rule is exhausted, and a denial
 * reports the first exhausted rule's limit and the seconds until its window ends.
 *
 * One Lua script per hit() makes "check every rule, then count every rule" atomic across
 * instances. The window index comes from the clock (instances share wall time), not from Redis
 * TIME, so an injected ManualClock drives it in tests.
 *
 * If Redis fails, hit() never throws: it answers from the fallback limiter (per-instance limits)
 * and records the error in `lastError`; `healthy` and `ping()` report it for readiness checks.
 * This class logs nothing.
 */
import { createHash } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import type { Clock } from "../domain/clock.js";
import { MemoryRateLimiter, type RateDecision, type RateLimiter, type RateRule } from "./rate-limit.js";

/**
 * KEYS[i] is rule i's counter for the current window; ARGV[2i-1] its limit, ARGV[2i] the key's
 * TTL in ms. Returns the 1-based index of the first exhausted rule (nothing counted), or 0 after
 * counting the call under every rule.
 */
export const RATE_LIMIT_SCRIPT = `
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    return i
  end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
end
return 0
`;

const SCRIPT_SHA = createHash("sha1").update(RATE_LIMIT_SCRIPT).digest("hex");

/** A key outlives its window by this much, so clock skew between instances never resets a count early. */
export const KEY_TTL_MARGIN_MS = 1000;

/**
 * ioredis options that make a dead or unreachable Redis fail fast instead of queueing commands:
 * with no offline queue a command sent while disconnected rejects at once (the limiter then
 * answers from its fallback), and reconnection keeps going in the background.
 */
export const REDIS_FAIL_FAST_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 1000,
  commandTimeout: 1000,
  // A rate-limit script in flight when the connection dropped was answered from the fallback;
  // re-running it after reconnecting would count the call twice.
  autoResendUnfulfilledCommands: false,
  retryStrategy: (times: number) => Math.min(times * 100, 2000),
} as const satisfies RedisOptions;

/**
 * An ioredis client for `url` with REDIS_FAIL_FAST_OPTIONS. Lazy: it connects on first use
 * (or `RedisRateLimiter.ping()`). Add an `error` listener if you use it without a
 * RedisRateLimiter (which adds one), or ioredis prints unhandled connection errors itself.
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { ...REDIS_FAIL_FAST_OPTIONS, ...options });
}

export interface RedisRateLimiterOptions {
  /** Key prefix; default `larkstatus:rl`. Keys are `<prefix>:<key>:<windowMs>:<windowIndex>`. */
  prefix?: string;
  /** Answers while Redis is failing; default a MemoryRateLimiter on the same clock. */
  fallback?: RateLimiter;
  /** Upper bound on one Redis round trip (and on waiting for the first connection); default 1000 ms. */
  timeoutMs?: number;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly prefix: string;
  private readonly fallback: RateLimiter;
  private readonly timeoutMs: number;
  private error: unknown;
  private everReady: boolean;
  private firstConnect: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    opts: RedisRateLimiterOptions = {},
  ) {
    this.prefix = opts.prefix ?? "larkstatus:rl";
    this.fallback = opts.fallback ?? new MemoryRateLimiter(clock);
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.everReady = redis.status === "ready";
    redis.on("ready", () => {
      this.everReady = true;
    });
    // Also keeps ioredis from printing "Unhandled error event" for connection errors.
    redis.on("error", (err: unknown) => {
      this.error = err;
    });
  }

  /** The error of the most recent failed Redis operation; cleared by the next one that succeeds. */
  get lastError(): unknown {
    return this.error;
  }

  /** Connected, and the last Redis operation succeeded (false before the first one: call ping()). */
  get healthy(): boolean {
    return this.redis.status === "ready" && this.error === undefined;
  }

  /** Round trip to Redis (connecting if not yet connected); never throws, bounded by timeoutMs. */
  async ping(): Promise<boolean> {
    try {
      await this.ready();
      await this.bounded(this.redis.ping());
      this.error = undefined;
      return true;
    } catch (err) {
      this.error = err;
      return false;
    }
  }

  async hit(key: string, rules: readonly RateRule[]): Promise<RateDecision> {
    if (rules.length === 0) return { ok: true };
    const now = this.clock.now();
    const windows = rules.map((rule) => {
      const index = Math.floor(now / rule.windowMs);
      // The {hash tag} keeps every window of one (app, tenant, endpoint) on one Redis Cluster slot,
      // so the script's multi-key check stays atomic there too.
      return { rule, index, key: `${this.prefix}:{${key}}:${rule.windowMs}:${index}` };
    });
    const keys = windows.map((w) => w.key);
    const args = windows.flatMap((w) => [w.rule.limit, w.rule.windowMs + KEY_TTL_MARGIN_MS]);
    let tripped: number;
    try {
      await this.ready();
      tripped = Number(await this.bounded(this.run(keys, args)));
      this.error = undefined;
    } catch (err) {
      this.error = err;
      return this.fallback.hit(key, rules);
    }
    if (tripped === 0) return { ok: true };
    const w = windows[tripped - 1];
    if (!w) {
      this.error = new Error(`rate-limit script returned ${tripped} for ${rules.length} rules`);
      return this.fallback.hit(key, rules);
    }
    const windowEnd = (w.index + 1) * w.rule.windowMs;
    return { ok: false, limit: w.rule.limit, resetSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
  }

  /** EVALSHA, loading the script with EVAL when Redis does not have it cached (NOSCRIPT). */
  private async run(keys: string[], args: number[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return await this.redis.eval(RATE_LIMIT_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  /**
   * Resolves once the client is ready; throws at once while it is reconnecting (so an outage
   * costs no latency per call). Only the very first connection is waited for, bounded by timeoutMs.
   */
  private async ready(): Promise<void> {
    const r = this.redis;
    if (r.status === "ready") return;
    if (!this.everReady && (r.status === "wait" || r.status === "connecting" || r.status === "connect")) {
      this.firstConnect ??= (r.status === "wait" ? r.connect() : waitReady(r)).finally(() => {
        this.firstConnect = undefined;
      });
      await this.bounded(this.firstConnect);
      return;
    }
    throw new Error(`Redis is not connected (status: ${r.status})`);
  }

  private bounded<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

function waitReady(r: Redis): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      r.off("ready", onReady);
      r.off("close", onClose);
      r.off("end", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(new Error("Redis connection closed before it was ready"));
    r.once("ready", onReady);
    r.once("close", onClose);
    r.once("end", onClose);
  });
}
