/**
 * The vendor's frequency limits, counted per (app, tenant, endpoint) in fixed windows aligned to
 * the clock. In memory here (one instance limits alone); a shared store can implement the same
 * interface later.
 */
import type { Clock } from "../domain/clock.js";

export interface RateRule {
  windowMs: number;
  limit: number;
}

/** 100/min for the CRUD endpoints; 1000/min and 50/s for the batch endpoints (docs/wire-contract.md §4). */
export const RATE_TIERS = {
  crud: [{ windowMs: 60_000, limit: 100 }],
  batch: [
    { windowMs: 1_000, limit: 50 },
    { windowMs: 60_000, limit: 1000 },
  ],
} as const satisfies Record<string, readonly RateRule[]>;

export type RateTier = keyof typeof RATE_TIERS;

export type RateDecision = { ok: true } | { ok: false; limit: number; resetSeconds: number };

export interface RateLimiter {
  /** Counts one call under `key` unless a rule is already exhausted (denied calls do not count). */
  hit(key: string, rules: readonly RateRule[]): Promise<RateDecision> | RateDecision;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { index: number; count: number }>();

  constructor(private readonly clock: Clock) {}

  /** Forgets every count (the emulator's reset: the server as it started). */
  clear(): void {
    this.windows.clear();
  }

  hit(key: string, rules: readonly RateRule[]): RateDecision {
    const now = this.clock.now();
    const slots = rules.map((r) => {
      const k = `${key}|${r.windowMs}`;
      const index = Math.floor(now / r.windowMs);
      let w = this.windows.get(k);
      if (!w || w.index !== index) {
        w = { index, count: 0 };
        this.windows.set(k, w);
      }
      return { rule: r, w, index };
    });
    for (const { rule, w, index } of slots) {
      if (w.count >= rule.limit) {
        return { ok: false, limit: rule.limit, resetSeconds: Math.max(1, Math.ceil(((index + 1) * rule.windowMs - now) / 1000)) };
      }
    }
    for (const { w } of slots) w.count += 1;
    return { ok: true };
  }
}

/** A limiter that never limits (`--rate-limit off`). */
export const noRateLimit: RateLimiter = { hit: () => ({ ok: true }) };
