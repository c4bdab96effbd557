/**
 * The one place app secrets are checked for the token endpoints, with bounded cost.
 *
 * A secret check is a production-cost scrypt run (tens of ms of one libuv thread). Unbounded, a
 * flood of wrong secrets for one app queued on libuv's 4 threads ahead of every other app's
 * token request (and of fs and dns work): 64 wrong attempts made another app's first token request
 * take 956 ms instead of ~33. So:
 *
 * - at most `maxHashes` (2) checks run at once, leaving libuv threads for everything else;
 * - each app has its own FIFO line and at most one check running; lines are served round-robin,
 *   so a flood on one app occupies at most one hash slot and another app waits at most about one
 *   hash;
 * - identical concurrent checks (same app, same secret) share one hash: a fleet of clients of one
 *   app asking at once costs one check;
 * - a line holds at most `maxQueuedPerApp` (8) distinct checks; one more is answered `busy` at
 *   once, without hashing;
 * - after `freeFailures` (5) recent failures, each further check of that app, right or wrong,
 *   starts only after a delay doubling from 50 ms up to 1 s; a success resets it, and failures older
 *   than a minute are forgotten. How long a check takes therefore depends on the app's recent
 *   failures, never on whether this secret is right.
 *
 * A secret verified before (same app, same stored hash, same secret) skips scrypt: its result and
 * the token-sealing key it yielded are kept in memory, here and nowhere else. While an app is
 * backing off, such a repeat still waits its turn in the line (it only skips the hash).
 *
 * Delays run on a monotonic real-time timer, not the injected domain clock: they protect CPU, and
 * an emulated clock that is frozen or jumps hours must neither stall nor lift them.
 */
import { createHash } from "node:crypto";
import { unlockSecret } from "./secrets.js";

/** What a check concluded. `busy`: the app's line was full (`limit` checks); nothing was checked. */
export type Verdict = { kind: "ok"; key: Buffer } | { kind: "wrong" } | { kind: "busy"; limit: number };

/** Real time for delays (injectable so tests can step it). */
export interface VerifierTimer {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimer: VerifierTimer = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface VerifierOptions {
  /** Checks running at once, over all apps. */
  maxHashes: number;
  /** Distinct checks one app may have waiting; one more is `busy`. */
  maxQueuedPerApp: number;
  /** Recent failures of an app before its checks are delayed. */
  freeFailures: number;
  /** The first delay; it doubles with each further failure. */
  backoffBaseMs: number;
  /** The longest delay. */
  backoffMaxMs: number;
  /** A failure older than this (since the app's last failure) is forgotten. */
  failureMemoryMs: number;
  /** The slow check: the sealing key when `secret` matches `stored` (src/domain/secrets.ts). */
  unlock: (secret: string, stored: string) => Promise<Buffer | undefined>;
  timer: VerifierTimer;
}

export const DEFAULT_VERIFIER_OPTIONS: VerifierOptions = {
  maxHashes: 2,
  maxQueuedPerApp: 8,
  freeFailures: 5,
  backoffBaseMs: 50,
  backoffMaxMs: 1000,
  failureMemoryMs: 60_000,
  unlock: unlockSecret,
  timer: realTimer,
};

interface Job {
  digest: string;
  secret: string;
  stored: string;
  /** Set when this secret was verified before: the check needs no hash. */
  knownKey: Buffer | undefined;
  waiters: Array<(v: Verdict) => void>;
}

interface Line {
  queue: Job[];
  /** Queued or running jobs by digest, so identical checks share one. */
  byDigest: Map<string, Job>;
  running: boolean;
  failures: number;
  lastFailureAt: number;
  /** No check of this app starts before this time (timer ms). */
  notBefore: number;
}

export class SecretVerifier {
  private readonly opts: VerifierOptions;
  /** Lines with work or recent failures, in round-robin order (the one served last moves to the end). */
  private readonly lines = new Map<string, Line>();
  /** app_id → digest of (stored hash, secret) last verified, with the sealing key it yielded. */
  private readonly verified = new Map<string, { digest: string; key: Buffer }>();
  private hashing = 0;
  private wake: { handle: unknown; at: number } | undefined;
  private pumping = false;

  constructor(opts: Partial<VerifierOptions> = {}) {
    this.opts = { ...DEFAULT_VERIFIER_OPTIONS, ...opts };
  }

  /** Checks `secret` against `stored` (the app's secret hash) for `appId`. */
  verify(appId: string, secret: string, stored: string): Promise<Verdict> {
    const digest = createHash("sha256").update(`${stored}\n${secret}`).digest("hex");
    const known = this.verified.get(appId);
    const knownKey = known?.digest === digest ? known.key : undefined;
    let line = this.lines.get(appId);
    if (line) this.forgetOldFailures(line, this.opts.timer.now());
    if (knownKey && (!line || line.failures < this.opts.freeFailures)) return Promise.resolve({ kind: "ok", key: knownKey });
    if (!line) {
      line = { queue: [], byDigest: new Map(), running: false, failures: 0, lastFailureAt: 0, notBefore: 0 };
      this.lines.set(appId, line);
    }
    const same = line.byDigest.get(digest);
    if (same) return new Promise((resolve) => same.waiters.push(resolve));
    if (line.queue.length >= this.opts.maxQueuedPerApp)
      return Promise.resolve({ kind: "busy", limit: this.opts.maxQueuedPerApp });
    const job: Job = { digest, secret, stored, knownKey, waiters: [] };
    const verdict = new Promise<Verdict>((resolve) => job.waiters.push(resolve));
    line.queue.push(job);
    line.byDigest.set(digest, job);
    this.pump();
    return verdict;
  }

  private forgetOldFailures(line: Line, now: number): void {
    if (line.failures > 0 && now - line.lastFailureAt > this.opts.failureMemoryMs) {
      line.failures = 0;
      line.notBefore = 0;
    }
  }

  /** Starts every check that may start now, round-robin over the apps; arms a timer for the next delayed one. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      // The earliest end of a delay that kept a line waiting in the last pass, judged with that
      // pass's reading of the clock (a second reading could fall after it and lose the line).
      let wakeAt = Number.POSITIVE_INFINITY;
      let progress = true;
      while (progress) {
        progress = false;
        wakeAt = Number.POSITIVE_INFINITY;
        const now = this.opts.timer.now();
        for (const [appId, line] of [...this.lines]) {
          const job = line.queue[0];
          if (!job || line.running) continue;
          if (line.notBefore > now) {
            wakeAt = Math.min(wakeAt, line.notBefore);
            continue;
          }
          if (!job.knownKey && this.hashing >= this.opts.maxHashes) continue;
          line.queue.shift();
          this.lines.delete(appId);
          this.lines.set(appId, line);
          if (job.knownKey) {
            this.settle(appId, line, job, job.knownKey);
            progress = true;
          } else {
            this.hash(appId, line, job);
          }
        }
      }
      this.dropIdle();
      this.armWake(wakeAt);
    } finally {
      this.pumping = false;
    }
  }

  private hash(appId: string, line: Line, job: Job): void {
    line.running = true;
    this.hashing++;
    const done = (key: Buffer | undefined) => {
      line.running = false;
      this.hashing--;
      this.settle(appId, line, job, key);
      // Served last: to the end of the round, behind the lines that waited meanwhile.
      this.lines.delete(appId);
      this.lines.set(appId, line);
      this.pump();
    };
    this.opts.unlock(job.secret, job.stored).then(done, () => done(undefined));
  }

  private settle(appId: string, line: Line, job: Job, key: Buffer | undefined): void {
    line.byDigest.delete(job.digest);
    const now = this.opts.timer.now();
    let verdict: Verdict;
    if (key) {
      line.failures = 0;
      line.notBefore = 0;
      this.verified.set(appId, { digest: job.digest, key });
      verdict = { kind: "ok", key };
    } else {
      this.forgetOldFailures(line, now);
      line.failures++;
      line.lastFailureAt = now;
      const over = line.failures - this.opts.freeFailures;
      if (over >= 0) line.notBefore = now + Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** over);
      verdict = { kind: "wrong" };
    }
    for (const w of job.waiters) w(verdict);
  }

  /** Forgets lines with nothing to do and nothing to remember. */
  private dropIdle(): void {
    for (const [appId, line] of this.lines) {
      if (!line.running && line.queue.length === 0 && line.failures === 0) this.lines.delete(appId);
    }
  }

  /** One timer, for the earliest delayed line (lines waiting for a hash slot start when a hash ends). */
  private armWake(at: number): void {
    if (this.wake && this.wake.at === at) return;
    if (this.wake) this.opts.timer.clearTimeout(this.wake.handle);
    this.wake = undefined;
    if (at === Number.POSITIVE_INFINITY) return;
    const handle = this.opts.timer.setTimeout(
      () => {
        this.wake = undefined;
        this.pump();
      },
      Math.max(0, at - this.opts.timer.now()),
    );
    this.wake = { handle, at };
  }
}
