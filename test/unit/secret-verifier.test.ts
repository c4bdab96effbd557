/**
 * The secret verifier's scheduling, with a fake slow check and a fake timer: the global cap, one
 * check per app at a time served round-robin, shared identical checks, the per-app queue bound,
 * the back-off (the same for a right and a wrong secret) and the verified cache.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SecretVerifier, type Verdict, type VerifierOptions, type VerifierTimer } from "../../src/domain/secret-verifier.js";

const KEY = Buffer.alloc(32, 7);
const STORED = "scrypt$stored";

class FakeTimer implements VerifierTimer {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Moves time forward, firing what falls due. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

/** A slow check the test finishes by hand: "right" matches, anything else does not. */
class FakeChecks {
  readonly started: Array<{ secret: string; finish: () => void }> = [];
  readonly unlock = (secret: string): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      this.started.push({ secret, finish: () => resolve(secret.startsWith("right") ? KEY : undefined) });
    });
  /** Secrets whose check has started, in order. */
  get order(): string[] {
    return this.started.map((s) => s.secret);
  }
  async finish(secret: string): Promise<void> {
    const s = this.started.find((x) => x.secret === secret);
    assert.ok(s, `${secret} never started (started: ${this.order.join(", ")})`);
    s.finish();
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

function make(opts: Partial<VerifierOptions> = {}) {
  const timer = new FakeTimer();
  const checks = new FakeChecks();
  const verifier = new SecretVerifier({
    maxHashes: 2,
    maxQueuedPerApp: 4,
    freeFailures: 2,
    backoffBaseMs: 100,
    backoffMaxMs: 400,
    failureMemoryMs: 10_000,
    unlock: checks.unlock,
    timer,
    ...opts,
  });
  const results = new Map<string, Verdict>();
  const ask = (app: string, secret: string, label = `${app}:${secret}`) =>
    verifier.verify(app, secret, STORED).then((v) => {
      results.set(label, v);
      return v;
    });
  return { timer, checks, verifier, results, ask };
}

describe("SecretVerifier", () => {
  test("a right secret yields the key, a wrong one does not; a failing check is a wrong secret", async () => {
    const v = new SecretVerifier({ unlock: async (s) => (s === "right" ? KEY : undefined) });
    assert.deepEqual(await v.verify("A", "right", STORED), { kind: "ok", key: KEY });
    assert.deepEqual(await v.verify("A", "nope", STORED), { kind: "wrong" });
    const failing = new SecretVerifier({ unlock: () => Promise.reject(new Error("boom")) });
    assert.deepEqual(await failing.verify("A", "x", STORED), { kind: "wrong" });
  });

  test("at most maxHashes checks run at once, over all apps", async () => {
    const { checks, ask } = make();
    void ask("A", "a1");
    void ask("B", "b1");
    void ask("C", "c1");
    await settle();
    assert.deepEqual(checks.order, ["a1", "b1"]);
    await checks.finish("b1");
    assert.deepEqual(checks.order, ["a1", "b1", "c1"]);
  });

  test("one check per app at a time: a flood on one app leaves the other slot to everyone else", async () => {
    const { checks, ask } = make();
    for (let i = 1; i <= 4; i++) void ask("A", `a${i}`);
    await settle();
    assert.deepEqual(checks.order, ["a1"], "A's second check waits for its first, even with a free slot");
    void ask("B", "b1");
    await settle();
    assert.deepEqual(checks.order, ["a1", "b1"], "B starts at once");
  });

  test("lines are served round-robin: an app that just had a turn goes last", async () => {
    const { checks, ask } = make({ maxHashes: 1, freeFailures: 100 });
    for (let i = 1; i <= 3; i++) void ask("A", `a${i}`);
    void ask("B", "b1");
    void ask("B", "b2");
    void ask("C", "c1");
    await settle();
    for (const s of ["a1", "b1", "c1", "a2", "b2", "a3"]) await checks.finish(s);
    assert.deepEqual(checks.order, ["a1", "b1", "c1", "a2", "b2", "a3"]);
  });

  test("identical concurrent checks share one hash and one verdict", async () => {
    const { checks, ask, results } = make();
    void ask("A", "right", "first");
    void ask("A", "right", "second");
    void ask("A", "wrong", "w1");
    void ask("A", "wrong", "w2");
    await settle();
    await checks.finish("right");
    await checks.finish("wrong");
    assert.deepEqual(checks.order, ["right", "wrong"]);
    assert.deepEqual(results.get("first"), { kind: "ok", key: KEY });
    assert.deepEqual(results.get("second"), { kind: "ok", key: KEY });
    assert.deepEqual(results.get("w1"), { kind: "wrong" });
    assert.deepEqual(results.get("w2"), { kind: "wrong" });
  });

  test("a full line answers busy at once, without a check; other apps are not affected", async () => {
    const { checks, ask, results } = make({ maxQueuedPerApp: 3 });
    // One running plus three waiting fill A's line.
    for (let i = 1; i <= 6; i++) void ask("A", `a${i}`);
    await settle();
    assert.deepEqual(results.get("A:a5"), { kind: "busy", limit: 3 });
    assert.deepEqual(results.get("A:a6"), { kind: "busy", limit: 3 });
    assert.equal(results.size, 2);
    void ask("B", "right");
    await settle();
    await checks.finish("right");
    assert.deepEqual(results.get("B:right"), { kind: "ok", key: KEY });
    assert.ok(!checks.order.includes("a5") && !checks.order.includes("a6"));
  });

  test("after freeFailures failures each check waits a doubling delay, the same for a right and a wrong secret", async () => {
    const { checks, ask, results, timer } = make({ maxQueuedPerApp: 10 });
    void ask("A", "w1");
    await settle();
    await checks.finish("w1");
    void ask("A", "w2");
    await settle();
    await checks.finish("w2"); // 2 failures: the next check waits 100 ms
    void ask("A", "right-1");
    await settle();
    assert.ok(!checks.order.includes("right-1"), "a right secret waits too");
    timer.advance(99);
    await settle();
    assert.ok(!checks.order.includes("right-1"));
    timer.advance(1);
    await settle();
    assert.ok(checks.order.includes("right-1"));
    await checks.finish("right-1");
    assert.deepEqual(results.get("A:right-1"), { kind: "ok", key: KEY });

    // The success reset the count: two free failures again, then 100, 200, 400, 400 ms.
    const delays: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const secret = `x${i}`;
      void ask("A", secret);
      await settle();
      let waited = 0;
      while (!checks.order.includes(secret)) {
        timer.advance(10);
        waited += 10;
        await settle();
        assert.ok(waited <= 1000, `${secret} never started`);
      }
      delays.push(waited);
      await checks.finish(secret);
    }
    assert.deepEqual(delays, [0, 0, 100, 200, 400, 400]);
    // Another app is never delayed by A's failures.
    void ask("B", "b1");
    await settle();
    assert.ok(checks.order.includes("b1"));
  });

  test("failures older than failureMemoryMs are forgotten", async () => {
    const { checks, ask, timer } = make();
    for (const s of ["w1", "w2"]) {
      void ask("A", s);
      await settle();
      await checks.finish(s);
    }
    timer.advance(10_001);
    void ask("A", "w3");
    await settle();
    assert.ok(checks.order.includes("w3"), "no delay after a quiet period");
  });

  test("a verified secret skips the hash; while its app backs off it still waits its turn", async () => {
    const { checks, ask, results, timer } = make();
    void ask("A", "right");
    await settle();
    await checks.finish("right");
    assert.deepEqual(await ask("A", "right", "repeat"), { kind: "ok", key: KEY });
    assert.deepEqual(checks.order, ["right"], "no second hash");
    for (const s of ["w1", "w2"]) {
      void ask("A", s);
      await settle();
      await checks.finish(s);
    }
    void ask("A", "right", "during back-off");
    await settle();
    assert.equal(results.has("during back-off"), false, "waits like any other check");
    timer.advance(100);
    await settle();
    assert.deepEqual(results.get("during back-off"), { kind: "ok", key: KEY });
    assert.deepEqual(checks.order, ["right", "w1", "w2"], "still no hash");
  });

  test("a delay that ends between two readings of the clock still wakes its line", async () => {
    // Regression: the wake-up timer was computed from a second reading of the clock; when a delay
    // ended between the reading that skipped the line and that one, the line lost its timer and
    // waited for some other activity forever (seen in the benchmark: a burst never answered).
    const readings: number[] = [];
    class ScriptedTimer extends FakeTimer {
      override now(): number {
        const next = readings.shift();
        if (next !== undefined) this.t = next;
        return this.t;
      }
    }
    const timer = new ScriptedTimer();
    const checks = new FakeChecks();
    const verifier = new SecretVerifier({ maxHashes: 2, freeFailures: 1, backoffBaseMs: 100, unlock: checks.unlock, timer });
    let a2 = false;
    void verifier.verify("A", "a1", STORED);
    void verifier.verify("B", "b1", STORED);
    await settle();
    timer.t = 10;
    await checks.finish("a1"); // A failed at 10: its next check waits until 110
    void verifier.verify("A", "a2", STORED).then(() => {
      a2 = true;
    });
    await settle();
    // B's check ends; time moves from 109 to 111 while the verifier handles it.
    readings.push(109, 109, 111, 111);
    await checks.finish("b1");
    timer.advance(1000);
    await settle();
    assert.ok(checks.order.includes("a2"), "A's delayed check never started");
    await checks.finish("a2");
    assert.equal(a2, true);
  });

  test("a new stored hash (secret rotated) is checked again, whatever was verified before", async () => {
    const { checks, verifier } = make();
    const first = verifier.verify("A", "right", STORED);
    await settle();
    await checks.finish("right");
    assert.equal((await first).kind, "ok");
    const rotated = verifier.verify("A", "right", "scrypt$rotated");
    await settle();
    assert.equal(checks.started.length, 2);
    (checks.started[1] as { finish: () => void }).finish();
    assert.equal((await rotated).kind, "ok");
  });
});
