import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { ManualClock, systemClock, unixSeconds } from "../../src/domain/clock.js";
import {
  APP_ID_RE,
  deriveOpenId,
  deriveUnionId,
  logIdTimestamp,
  OPEN_ID_RE,
  randomIds,
  STATUS_ID_RE,
  sequentialIds,
  TENANT_KEY_RE,
  UNION_ID_RE,
  USER_ID_RE,
} from "../../src/domain/ids.js";

const T0 = Date.UTC(2026, 0, 1);
const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

describe("derived ids (the README's formula)", () => {
  const cases: Array<[string, string, string]> = [
    ["cli_a1b2c3d4e5f60718", "a1b2c3d4e5f60718", "u001"],
    ["cli_0f1e2d3c4b5a6978", "0f1e2d3c4b5a6978", "g001"],
    ["cli_00000000000000b2", "a1b2c3d4e5f60718", "A-very_long-user-id_0123456789"],
  ];
  for (const [appId, tenantKey, userId] of cases) {
    test(`open_id of ${userId} for ${appId}`, () => {
      const expected = `ou_${sha(`open_id:${appId}:${tenantKey}:${userId}`).slice(0, 32)}`;
      const got = deriveOpenId(appId, tenantKey, userId);
      assert.equal(got, expected);
      assert.match(got, OPEN_ID_RE);
    });
    test(`union_id of ${userId} for developer ${tenantKey}`, () => {
      const expected = `on_${sha(`union_id:${tenantKey}:${tenantKey}:${userId}`).slice(0, 32)}`;
      const got = deriveUnionId(tenantKey, tenantKey, userId);
      assert.equal(got, expected);
      assert.match(got, UNION_ID_RE);
    });
  }

  test("pinned values (computed with sha256sum outside Node)", () => {
    assert.equal(deriveOpenId("cli_a1b2c3d4e5f60718", "a1b2c3d4e5f60718", "u001"), "ou_5d7adb2591d361c3e97c84f70832a673");
    assert.equal(deriveUnionId("a1b2c3d4e5f60718", "a1b2c3d4e5f60718", "u001"), "on_f2466caa524e41758d948ad356948724");
  });

  test("open_ids differ per app, union_ids per developer, both per user", () => {
    const k = "a1b2c3d4e5f60718";
    assert.notEqual(deriveOpenId("cli_a1b2c3d4e5f60718", k, "u001"), deriveOpenId("cli_00000000000000b2", k, "u001"));
    assert.notEqual(deriveOpenId("cli_a1b2c3d4e5f60718", k, "u001"), deriveOpenId("cli_a1b2c3d4e5f60718", k, "u002"));
    assert.notEqual(deriveUnionId("dev-a", k, "u001"), deriveUnionId("dev-b", k, "u001"));
    assert.notEqual(deriveUnionId(k, k, "u001"), deriveUnionId(k, "0f1e2d3c4b5a6978", "u001"));
  });
});

describe("id regexes", () => {
  const cases: Array<[string, RegExp, string, boolean]> = [
    ["open_id", OPEN_ID_RE, `ou_${"a".repeat(32)}`, true],
    ["open_id upper-case hex", OPEN_ID_RE, `ou_${"A".repeat(32)}`, false],
    ["open_id short", OPEN_ID_RE, `ou_${"a".repeat(31)}`, false],
    ["open_id wrong prefix", OPEN_ID_RE, `on_${"a".repeat(32)}`, false],
    ["union_id", UNION_ID_RE, `on_${"0".repeat(32)}`, true],
    ["union_id long", UNION_ID_RE, `on_${"0".repeat(33)}`, false],
    ["user_id", USER_ID_RE, "u-0_1", true],
    ["user_id 64", USER_ID_RE, "x".repeat(64), true],
    ["user_id 65", USER_ID_RE, "x".repeat(65), false],
    ["user_id empty", USER_ID_RE, "", false],
    ["user_id with a dot", USER_ID_RE, "a.b", false],
    ["status id", STATUS_ID_RE, "7101214603622940633", true],
    ["status id 18 digits", STATUS_ID_RE, "710121460362294063", false],
    ["tenant key", TENANT_KEY_RE, "a1b2c3d4e5f60718", true],
    ["tenant key upper", TENANT_KEY_RE, "A1B2C3D4E5F60718", false],
    ["app id", APP_ID_RE, "cli_a1b2c3d4e5f60718", true],
    ["app id 15 hex", APP_ID_RE, "cli_a1b2c3d4e5f6071", false],
  ];
  for (const [name, re, value, ok] of cases) {
    test(`${name}: ${value} ${ok ? "matches" : "does not match"}`, () => {
      assert.equal(re.test(value), ok);
    });
  }
});

describe("randomIds", () => {
  test("statusId is a 19-digit decimal string", () => {
    const ids = randomIds(new ManualClock(T0));
    const id = ids.statusId();
    assert.match(id, /^[0-9]{19}$/);
    assert.match(id, STATUS_ID_RE);
  });

  test("statusId: 10,000 calls in one millisecond are unique, 19 digits and strictly increasing", () => {
    const clock = new ManualClock(T0);
    const ids = randomIds(clock);
    const seen = new Set<string>();
    let prev = -1n;
    for (let i = 0; i < 10_000; i++) {
      const id = ids.statusId();
      assert.ok(STATUS_ID_RE.test(id), id);
      const v = BigInt(id);
      assert.ok(v > prev, `id ${i} (${id}) is not greater than the previous one`);
      prev = v;
      seen.add(id);
    }
    assert.equal(seen.size, 10_000);
    assert.equal(clock.now(), T0, "minting ids does not move the clock");
  });

  test("statusId increases across milliseconds and when the clock goes backwards", () => {
    const clock = new ManualClock(T0);
    const ids = randomIds(clock);
    const a = BigInt(ids.statusId());
    clock.advance(1);
    const b = BigInt(ids.statusId());
    clock.set(T0 - 5000);
    const c = BigInt(ids.statusId());
    assert.ok(b > a);
    assert.ok(c > b);
  });

  test("statusIds minted a second apart reflect the time (snowflake layout)", () => {
    const clock = new ManualClock(T0);
    const ids = randomIds(clock);
    const a = BigInt(ids.statusId());
    clock.advance(1000);
    const b = BigInt(ids.statusId());
    // 1000 ms << 20 bits, minus at most the node/sequence bits of the first id.
    assert.ok(b - a > 1000n * (1n << 20n) - (1n << 20n));
    assert.ok(b - a < 1001n * (1n << 20n));
  });

  test("token prefixes and shape", () => {
    const ids = randomIds(new ManualClock(T0));
    const t = ids.token("tenant");
    const a = ids.token("app");
    assert.match(t, /^t-[A-Za-z0-9]{40}$/);
    assert.match(a, /^a-[A-Za-z0-9]{40}$/);
    assert.notEqual(ids.token("tenant"), t);
  });

  test("logId starts with the UTC YYYYMMDDHHMMSS of the clock, and is unique", () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7, 890));
    const ids = randomIds(clock);
    const a = ids.logId();
    const b = ids.logId();
    assert.ok(a.startsWith("20260304050607"), a);
    assert.match(a, /^[0-9]{14}[0-9A-F]{20}$/);
    assert.notEqual(a, b);
    clock.set(Date.UTC(2027, 11, 31, 23, 59, 59));
    assert.ok(ids.logId().startsWith("20271231235959"));
  });

  test("logIdTimestamp pads every field", () => {
    assert.equal(logIdTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5)), "20260102030405");
  });

  test("secret is 64 hex characters and random", () => {
    const ids = randomIds(new ManualClock(T0));
    const s = ids.secret();
    assert.match(s, /^[0-9a-f]{64}$/);
    assert.notEqual(ids.secret(), s);
  });
});

describe("sequentialIds", () => {
  test("two generators on the same clock mint the same sequence", () => {
    const clock = new ManualClock(T0);
    const run = () => {
      const ids = sequentialIds(clock);
      return [ids.statusId(), ids.statusId(), ids.token("tenant"), ids.token("app"), ids.logId(), ids.secret()];
    };
    assert.deepEqual(run(), run());
  });

  test("exact values", () => {
    const ids = sequentialIds(new ManualClock(T0));
    assert.equal(ids.statusId(), "7000000000000000001");
    assert.equal(ids.statusId(), "7000000000000000002");
    assert.equal(ids.token("tenant"), `t-test${"1".padStart(36, "0")}`);
    assert.equal(ids.token("app"), `a-test${"2".padStart(36, "0")}`);
    assert.equal(ids.logId(), `20260101000000${"1".padStart(20, "0")}`);
    assert.equal(ids.secret(), "0".repeat(64));
  });

  test("start offsets the status ids", () => {
    const ids = sequentialIds(new ManualClock(T0), 500);
    assert.equal(ids.statusId(), "7000000000000000500");
    assert.match(ids.statusId(), STATUS_ID_RE);
  });
});

describe("clock", () => {
  test("ManualClock moves only when told", () => {
    const c = new ManualClock(T0);
    assert.equal(c.now(), T0);
    c.advance(1500);
    assert.equal(c.now(), T0 + 1500);
    c.set(42);
    assert.equal(c.now(), 42);
  });
  test("unixSeconds floors", () => {
    assert.equal(unixSeconds(T0 + 999), T0 / 1000);
    assert.equal(unixSeconds(T0 + 1000), T0 / 1000 + 1);
  });
  test("systemClock follows Date.now", () => {
    const before = Date.now();
    const n = systemClock.now();
    assert.ok(n >= before && n <= Date.now());
  });
});
