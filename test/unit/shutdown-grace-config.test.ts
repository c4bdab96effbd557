/** `--shutdown-grace` / LARKSTATUS_SHUTDOWN_GRACE: a duration (ms, s, m, h, d), or 0; at most an hour. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig, USAGE } from "../../src/config.js";

const SEED = "/srv/examples/seed.yaml";

test("the default grace is 5 s", () => {
  assert.equal(loadConfig([], {}, SEED).shutdownGraceMs, 5000);
});

test("durations: ms, s, m, h (decimals too), and a bare 0; the flag wins over the environment", () => {
  for (const [text, ms] of [
    ["0", 0],
    ["0s", 0],
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["3600s", 3_600_000],
    ["1m", 60_000],
    ["0.5h", 1_800_000],
    ["1h", 3_600_000],
  ] as const) {
    assert.equal(loadConfig(["--shutdown-grace", text], {}, SEED).shutdownGraceMs, ms, text);
    assert.equal(loadConfig([], { LARKSTATUS_SHUTDOWN_GRACE: text }, SEED).shutdownGraceMs, ms, text);
  }
  assert.equal(loadConfig(["--shutdown-grace", "1s"], { LARKSTATUS_SHUTDOWN_GRACE: "9s" }, SEED).shutdownGraceMs, 1000);
});

test("anything else is refused with a message naming the flag, the variable and the value", () => {
  for (const text of ["5", "-1s", "1w", "s", "1.5ms", "2 s", "3601s", "61m", "1d", "abc"]) {
    const refused = (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        `--shutdown-grace / LARKSTATUS_SHUTDOWN_GRACE must be a duration such as 5s, 500ms or 0 (at most 3600s), got "${text}"`;
    assert.throws(() => loadConfig([`--shutdown-grace=${text}`], {}, SEED), refused, text);
    assert.throws(() => loadConfig([], { LARKSTATUS_SHUTDOWN_GRACE: text }, SEED), refused, text);
  }
});

test("the usage text lists the setting", () => {
  assert.match(USAGE, /--shutdown-grace D LARKSTATUS_SHUTDOWN_GRACE/);
});
