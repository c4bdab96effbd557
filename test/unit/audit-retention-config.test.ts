/** `--audit-retention` / LARKSTATUS_AUDIT_RETENTION: a duration (s, m, h, d...), default 30 days. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig, parseDuration, USAGE } from "../../src/config.js";

const SEED = "/srv/examples/seed.yaml";
const DAY = 86_400_000;

test("the default retention is 30 days", () => {
  assert.equal(loadConfig([], {}, SEED).auditRetentionMs, 30 * DAY);
});

test("durations in every unit; the flag wins over the environment", () => {
  for (const [text, ms] of [
    ["1s", 1000],
    ["90m", 90 * 60_000],
    ["12h", 12 * 3_600_000],
    ["1.5d", 1.5 * DAY],
    ["7d", 7 * DAY],
    ["3650d", 3650 * DAY],
    ["86400000ms", DAY],
  ] as const) {
    assert.equal(loadConfig(["--audit-retention", text], {}, SEED).auditRetentionMs, ms, text);
    assert.equal(loadConfig([], { LARKSTATUS_AUDIT_RETENTION: text }, SEED).auditRetentionMs, ms, text);
  }
  assert.equal(loadConfig(["--audit-retention=1d"], { LARKSTATUS_AUDIT_RETENTION: "9d" }, SEED).auditRetentionMs, DAY);
});

test("anything else is refused with a message naming the flag, the variable and the value", () => {
  for (const text of ["0", "0s", "999ms", "30", "-1d", "1w", "3651d", "d", "1 d", "30days", "abc"]) {
    const refused = (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        `--audit-retention / LARKSTATUS_AUDIT_RETENTION must be a duration such as 30d, 12h or 90m (1s to 3650d), got "${text}"`;
    assert.throws(() => loadConfig([`--audit-retention=${text}`], {}, SEED), refused, text);
    assert.throws(() => loadConfig([], { LARKSTATUS_AUDIT_RETENTION: text }, SEED), refused, text);
  }
});

test("parseDuration: every unit, decimals that make whole milliseconds, a bare 0", () => {
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("3h"), 10_800_000);
  assert.equal(parseDuration("1d"), DAY);
  assert.equal(parseDuration("1.5ms"), undefined);
  assert.equal(parseDuration("1e3s"), undefined);
  assert.equal(parseDuration(""), undefined);
});

test("the usage text lists the setting", () => {
  assert.match(USAGE, /--audit-retention D LARKSTATUS_AUDIT_RETENTION/);
});
