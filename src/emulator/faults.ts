/**
 * Fault injection (`--emulator on`): rules that make matching vendor calls slow, answer a catalog
 * error, or fail some users of a batch. Kept in this process (each instance has its own rules).
 * Each rule draws from its own seeded PRNG, so a rule with a `seed` makes the same choices on every
 * run for the same sequence of calls.
 */
import { randomInt } from "node:crypto";
import { mulberry32 } from "./prng.js";

/** A rule as asked (the admin API has checked it). */
export interface FaultRule {
  /** A vendor operation name (e.g. `system_status.batch_open`) or `*` for every one. */
  operation: string;
  /** The chance a matching call gets the rule's error or user fails (default 1). */
  probability?: number;
  /** Added to every matching call, before it runs (real time, not the emulated clock). */
  latency_ms?: number;
  /** A code of the error catalog, answered with its real HTTP status and envelope. */
  error_code?: number;
  /** batch_open / batch_close: the chance each user of the batch gets the result `fail`. */
  user_fail_probability?: number;
  /** The rule is removed after this many matching calls. */
  times?: number;
  /** The PRNG's seed (default: a random one). */
  seed?: number;
}

/** A rule as listed. */
export interface FaultView extends FaultRule {
  id: string;
  probability: number;
  /** Matching calls so far. */
  matched: number;
  /** Matching calls left before the rule goes (with `times`). */
  remaining?: number;
}

/** What the rules do to one call. */
export interface FaultEffect {
  /** Total latency to add (the sum of every matching rule's). */
  latency_ms: number;
  /** The catalog code to answer instead of running the call (the first rule's that fired). */
  error_code?: number;
  /** The batch inputs (by index) to answer `fail` for. */
  fail_users: ReadonlySet<number>;
}

interface Rule {
  view: FaultView;
  next: () => number;
}

export class Faults {
  private rules: Rule[] = [];
  private seq = 0;

  /** Adds a rule (applied after those already there); returns it as listed. */
  add(rule: FaultRule): FaultView {
    this.seq += 1;
    const seed = rule.seed ?? randomInt(0, 2 ** 32);
    const view: FaultView = {
      id: `flt_${this.seq}`,
      operation: rule.operation,
      probability: rule.probability ?? 1,
      ...(rule.latency_ms !== undefined ? { latency_ms: rule.latency_ms } : {}),
      ...(rule.error_code !== undefined ? { error_code: rule.error_code } : {}),
      ...(rule.user_fail_probability !== undefined ? { user_fail_probability: rule.user_fail_probability } : {}),
      ...(rule.times !== undefined ? { times: rule.times, remaining: rule.times } : {}),
      ...(rule.seed !== undefined ? { seed: rule.seed } : {}),
      matched: 0,
    };
    this.rules.push({ view, next: mulberry32(seed) });
    return { ...view };
  }

  /** Every rule, in the order they apply. */
  list(): FaultView[] {
    return this.rules.map((r) => ({ ...r.view }));
  }

  /** Removes one rule; false when there is none with that id. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.view.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule (DELETE /admin/v1/emulator/faults, and reset). */
  clear(): void {
    this.rules = [];
  }

  /** Whether any rule is set (the hot path skips everything else when none is). */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * What the rules do to a call of `operation` whose batch has `users` inputs (0 for others):
   * undefined when no rule matches. Every matching rule counts the call (and goes after `times`),
   * adds its latency and, if it has an error or user fails, draws once: below `probability` it
   * fires (its error, unless an earlier rule's fired; or a draw per user for its user fails).
   */
  decide(operation: string, users: number): FaultEffect | undefined {
    const hits = this.rules.filter((r) => r.view.operation === "*" || r.view.operation === operation);
    if (hits.length === 0) return undefined;
    let latency = 0;
    let error: number | undefined;
    const fail = new Set<number>();
    for (const r of hits) {
      const v = r.view;
      v.matched += 1;
      if (v.remaining !== undefined) v.remaining -= 1;
      latency += v.latency_ms ?? 0;
      if (v.error_code === undefined && v.user_fail_probability === undefined) continue;
      if (r.next() >= v.probability) continue;
      if (v.error_code !== undefined) error ??= v.error_code;
      else if (v.user_fail_probability !== undefined) {
        const p = v.user_fail_probability;
        for (let i = 0; i < users; i++) if (r.next() < p) fail.add(i);
      }
    }
    this.rules = this.rules.filter((r) => r.view.remaining === undefined || r.view.remaining > 0);
    return { latency_ms: latency, ...(error !== undefined ? { error_code: error } : {}), fail_users: fail };
  }
}
