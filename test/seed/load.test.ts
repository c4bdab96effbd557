/**
 * Seed loading: JSON and YAML, idempotent reloads, derived and explicit ids, sync toggles, fixed
 * status ids, token revocation on secret rotation or disable, hashed secrets, progress.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/domain/clock.js";
import { deriveOpenId, deriveUnionId, sequentialIds } from "../../src/domain/ids.js";
import {
  DEFAULT_SYNC_EXPLAIN,
  DEFAULT_SYNC_TITLE,
  snapshotOf,
  type TokenRecord,
  type UserIdType,
} from "../../src/domain/model.js";
import { verifySecret } from "../../src/domain/secrets.js";
import { applySeed, loadSeedFile, parseSeed, type SeedDeps } from "../../src/seed/load.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import {
  ACME,
  APP,
  DISABLED_APP,
  FIXTURE_SEED,
  GLOBEX,
  GLOBEX_APP,
  GLOBEX_STATUS,
  INITECH,
  LEAVE,
  NARROW_APP,
  openOk,
  T0,
  TEST_SCRYPT_N,
  TRIP,
} from "../helpers.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "larkstatus-seed-load-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Env {
  store: Store;
  clock: ManualClock;
  deps: SeedDeps;
}

async function fresh(): Promise<Env> {
  const store = new SqliteStore("sqlite::memory:");
  await store.migrate();
  const clock = new ManualClock(T0);
  return { store, clock, deps: { store, ids: sequentialIds(clock), now: () => clock.now(), scryptN: TEST_SCRYPT_N } };
}

async function withEnv(fn: (env: Env) => Promise<void>): Promise<void> {
  const env = await fresh();
  try {
    await fn(env);
  } finally {
    await env.store.close();
  }
}

async function writeSeed(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const TK = "a1b2c3d4e5f60718";
const APP1 = "cli_a1b2c3d4e5f60718";
const APP2 = "cli_00000000000000b2";
const OU = "ou_0123456789abcdef0123456789abcdef";
const ON = "on_0123456789abcdef0123456789abcdef";

/** A small one-tenant seed, as an object to vary and serialize. */
// biome-ignore lint/suspicious/noExplicitAny: seeds are varied freely
function small(over: (d: any) => void = () => {}): string {
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const d: any = {
    tenants: [
      {
        tenant_key: TK,
        name: "Acme",
        users: [
          { user_id: "u001", name: "Ann Lee" },
          { user_id: "u002", name: "Bo Chen", resigned: true },
        ],
        apps: [{ app_id: APP1, app_secret: "first-secret", scopes: ["personal_settings:status:system_status_operate"] }],
        system_statuses: [{ title: "出差", icon_key: "GeneralBusinessTrip", priority: 1 }],
      },
    ],
  };
  over(d);
  return JSON.stringify(d);
}

/** A stored token whose hash is `key` (the store treats it as opaque). */
function token(appId: string, key: string, issuedAt = T0): TokenRecord {
  return {
    token_hash: key,
    sealed: null,
    kind: "tenant",
    app_id: appId,
    tenant_key: TK,
    issued_at: issuedAt,
    expires_at: issuedAt + 7_200_000,
  };
}

/** Everything a seed writes that tests can observe through the Store interface. */
async function snapshotState(store: Store) {
  const tenants = await Promise.all([ACME, GLOBEX, INITECH].map((k) => store.getTenant(k)));
  const apps = await Promise.all(
    [APP, NARROW_APP, DISABLED_APP, GLOBEX_APP].map(async (a) => {
      const app = await store.getApp(a.app_id);
      assert.ok(app);
      return app;
    }),
  );
  const acmeUsers = ["u001", "u002", "u003", "u004", "u005", "u006"];
  const resolved: Record<string, unknown> = {};
  for (const app of apps.filter((a) => a.tenant_key === ACME)) {
    resolved[`${app.app_id}/user_id`] = await store.resolveUserIds(app, "user_id", acmeUsers);
    resolved[`${app.app_id}/open_id`] = await store.resolveUserIds(
      app,
      "open_id",
      acmeUsers.map((u) => (u === "u003" && app.app_id === APP.app_id ? OU : deriveOpenId(app.app_id, ACME, u))),
    );
    resolved[`${app.app_id}/union_id`] = await store.resolveUserIds(
      app,
      "union_id",
      acmeUsers.map((u) => (u === "u003" ? ON : deriveUnionId(ACME, ACME, u))),
    );
  }
  const lists = await Promise.all([ACME, GLOBEX, INITECH].map((k) => store.listStatuses(k, 50)));
  const u003 = await store.userStatuses(ACME, "u003");
  return { tenants, apps, resolved, lists, u003 };
}

describe("loading seeds", () => {
  test("the fixture (YAML) loads: summary counts and the first app's id (never its secret)", async () => {
    await withEnv(async ({ deps }) => {
      const summary = await loadSeedFile(FIXTURE_SEED, deps);
      assert.deepEqual(summary, {
        tenants: 3,
        apps: 5,
        users: 9,
        statuses: 3,
        firstAppId: APP.app_id,
      });
    });
  });

  test("JSON and YAML of the same seed give the same state", async () => {
    const json = small();
    const yaml = [
      "tenants:",
      `  - tenant_key: "${TK}"`,
      "    name: Acme",
      "    users:",
      '      - { user_id: "u001", name: "Ann Lee" }',
      '      - { user_id: "u002", name: "Bo Chen", resigned: true }',
      "    apps:",
      `      - app_id: "${APP1}"`,
      "        app_secret: first-secret",
      '        scopes: ["personal_settings:status:system_status_operate"]',
      "    system_statuses:",
      "      - { title: 出差, icon_key: GeneralBusinessTrip, priority: 1 }",
      "",
    ].join("\n");
    assert.deepEqual(parseSeed("a.yaml", yaml), parseSeed("a.json", json));
    const states = [];
    for (const [name, text] of [
      ["same.json", json],
      ["same.yaml", yaml],
    ] as const) {
      const env = await fresh();
      await loadSeedFile(await writeSeed(name, text), env.deps);
      const app = await env.store.getApp(APP1);
      assert.ok(app);
      states.push({
        tenant: await env.store.getTenant(TK),
        app: { ...app, secret_hash: "(salted)" },
        users: await env.store.resolveUserIds(app, "user_id", ["u001", "u002"]),
        list: await env.store.listStatuses(TK, 50),
      });
      await env.store.close();
    }
    assert.deepEqual(states[0], states[1]);
    assert.equal(states[0]?.list.items.length, 1);
    assert.deepEqual(states[0]?.tenant, { tenant_key: TK, name: "Acme", api_enabled: true, sensitive_words: [] });
  });

  test("defaults: api_enabled true, no sensitive words, visibility all, enabled, developer = tenant_key", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(await writeSeed("defaults.json", small()), deps);
      const app = await store.getApp(APP1);
      assert.ok(app);
      assert.deepEqual(
        { ...app, secret_hash: undefined },
        {
          app_id: APP1,
          tenant_key: TK,
          secret_hash: undefined,
          scopes: ["personal_settings:status:system_status_operate"],
          enabled: true,
          visibility: "all",
          developer: TK,
        },
      );
      const [s] = (await store.listStatuses(TK, 50)).items;
      assert.ok(s);
      assert.equal(s.color, "BLUE");
      assert.deepEqual(s.i18n_title, {});
      assert.deepEqual(s.sync_setting, {
        is_open_by_default: true,
        title: DEFAULT_SYNC_TITLE,
        i18n_title: {},
        explain: DEFAULT_SYNC_EXPLAIN,
        i18n_explain: {},
      });
      assert.equal(s.version, 1);
      assert.equal(s.created_at, T0);
    });
  });

  test("the fixture's tenants and apps are stored as written", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      assert.deepEqual(await store.getTenant(ACME), {
        tenant_key: ACME,
        name: "Acme",
        api_enabled: true,
        sensitive_words: ["forbidden", "机密"],
      });
      assert.equal((await store.getTenant(INITECH))?.api_enabled, false);
      const narrow = await store.getApp(NARROW_APP.app_id);
      assert.deepEqual(narrow?.visibility, ["u001", "u003"]);
      assert.deepEqual(narrow?.scopes, ["personal_settings:status:system_status_operate"]);
      assert.equal((await store.getApp(DISABLED_APP.app_id))?.enabled, false);
      assert.equal((await store.getApp(GLOBEX_APP.app_id))?.tenant_key, GLOBEX);
    });
  });
});

describe("idempotent reloads", () => {
  test("loading the fixture twice gives the same state; hashes and versions are unchanged", async () => {
    await withEnv(async ({ store, clock, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const first = await snapshotState(store);
      clock.advance(3_600_000);
      await loadSeedFile(FIXTURE_SEED, deps);
      const second = await snapshotState(store);
      assert.deepEqual(second, first);
      // Spot checks so that an empty state cannot pass.
      assert.equal(first.lists[0]?.items.length, 2);
      assert.deepEqual(
        first.lists[0]?.items.map((s) => [s.system_status_id, s.version, s.updated_at]),
        [
          [TRIP, 1, T0],
          [LEAVE, 1, T0],
        ],
      );
      assert.match(first.apps[0]?.secret_hash ?? "", /^scrypt\$/);
    });
  });

  test("statuses without an id are matched by title on reload: no duplicates, same id", async () => {
    await withEnv(async ({ store, clock, deps }) => {
      const file = await writeSeed("no-ids.json", small());
      await loadSeedFile(file, deps);
      const before = (await store.listStatuses(TK, 50)).items;
      assert.equal(before.length, 1);
      clock.advance(1000);
      await loadSeedFile(file, deps);
      await loadSeedFile(file, deps);
      const after = (await store.listStatuses(TK, 50)).items;
      assert.deepEqual(after, before);
    });
  });

  test("a changed status in the seed updates it in place and bumps its version", async () => {
    await withEnv(async ({ store, clock, deps }) => {
      await loadSeedFile(await writeSeed("v1.json", small()), deps);
      const [v1] = (await store.listStatuses(TK, 50)).items;
      assert.ok(v1);
      clock.advance(5000);
      await loadSeedFile(
        await writeSeed(
          "v2.json",
          small((d) => {
            d.tenants[0].system_statuses[0].color = "RED";
          }),
        ),
        deps,
      );
      const items = (await store.listStatuses(TK, 50)).items;
      assert.equal(items.length, 1);
      assert.equal(items[0]?.system_status_id, v1.system_status_id);
      assert.equal(items[0]?.color, "RED");
      assert.equal(items[0]?.version, 2);
      assert.equal(items[0]?.updated_at, T0 + 5000);
      assert.equal(items[0]?.created_at, T0);
    });
  });

  test("reloading an unchanged seed keeps the app's tokens", async () => {
    await withEnv(async ({ store, deps }) => {
      const file = await writeSeed("keep-tokens.json", small());
      await loadSeedFile(file, deps);
      await store.insertToken(token(APP1, "t-keep"));
      await loadSeedFile(file, deps);
      assert.equal((await store.getToken("t-keep"))?.app_id, APP1);
    });
  });
});

describe("ids and users", () => {
  test("derived open_id / union_id and user_id resolve to the user", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const app = await store.getApp(APP.app_id);
      assert.ok(app);
      const NAMES: Record<string, string> = { u001: "Ann Lee", u004: "Di Park", u005: "Ed Sato", u006: "Fay Ng" };
      const cases: Array<[UserIdType, string, string]> = [
        ["open_id", deriveOpenId(APP.app_id, ACME, "u001"), "u001"],
        ["open_id", deriveOpenId(APP.app_id, ACME, "u006"), "u006"],
        ["union_id", deriveUnionId(ACME, ACME, "u001"), "u001"],
        ["union_id", deriveUnionId(ACME, ACME, "u005"), "u005"],
        ["user_id", "u004", "u004"],
      ];
      for (const [type, id, userId] of cases) {
        const [r] = await store.resolveUserIds(app, type, [id]);
        assert.deepEqual(
          r,
          { kind: "user", user: { tenant_key: ACME, user_id: userId, name: NAMES[userId], resigned: false } },
          `${type} ${id}`,
        );
      }
      const [ann] = await store.resolveUserIds(app, "user_id", ["u001"]);
      assert.deepEqual(ann, { kind: "user", user: { tenant_key: ACME, user_id: "u001", name: "Ann Lee", resigned: false } });
    });
  });

  test("each app has its own derived open_ids", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const narrow = await store.getApp(NARROW_APP.app_id);
      assert.ok(narrow);
      const res = await store.resolveUserIds(narrow, "open_id", [
        deriveOpenId(NARROW_APP.app_id, ACME, "u003"),
        deriveOpenId(APP.app_id, ACME, "u001"),
      ]);
      assert.equal(res[0]?.kind === "user" && res[0].user.user_id, "u003");
      assert.deepEqual(res[1], { kind: "invalid" }, "an open_id of another app of the same tenant is invalid");
    });
  });

  test("explicit ids win over derived ones (and only for the app they name)", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const app = await store.getApp(APP.app_id);
      assert.ok(app);
      const res = await store.resolveUserIds(app, "open_id", [OU, deriveOpenId(APP.app_id, ACME, "u003")]);
      assert.equal(res[0]?.kind === "user" && res[0].user.user_id, "u003");
      assert.deepEqual(res[1], { kind: "invalid" });
      const union = await store.resolveUserIds(app, "union_id", [ON, deriveUnionId(ACME, ACME, "u003")]);
      assert.equal(union[0]?.kind === "user" && union[0].user.user_id, "u003");
      assert.deepEqual(union[1], { kind: "invalid" });
    });
  });

  test("union ids are derived per developer when the seed names one", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(
        await writeSeed(
          "developer.json",
          small((d) => {
            d.tenants[0].apps[0].developer = "dev-acme-hr";
          }),
        ),
        deps,
      );
      const app = await store.getApp(APP1);
      assert.equal(app?.developer, "dev-acme-hr");
      assert.ok(app);
      const res = await store.resolveUserIds(app, "union_id", [
        deriveUnionId("dev-acme-hr", TK, "u001"),
        deriveUnionId(TK, TK, "u001"),
      ]);
      assert.equal(res[0]?.kind === "user" && res[0].user.user_id, "u001");
      assert.deepEqual(res[1], { kind: "invalid" });
    });
  });

  test("resigned users are stored as resigned", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const app = await store.getApp(APP.app_id);
      assert.ok(app);
      const [bo, ann] = await store.resolveUserIds(app, "open_id", [
        deriveOpenId(APP.app_id, ACME, "u002"),
        deriveOpenId(APP.app_id, ACME, "u001"),
      ]);
      assert.deepEqual(bo, { kind: "user", user: { tenant_key: ACME, user_id: "u002", name: "Bo Chen", resigned: true } });
      assert.equal(ann?.kind === "user" && ann.user.resigned, false);
    });
  });

  test("a user id shared by two tenants resolves within the app's tenant", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const globex = await store.getApp(GLOBEX_APP.app_id);
      assert.ok(globex);
      const [u] = await store.resolveUserIds(globex, "user_id", ["u001"]);
      assert.deepEqual(u, {
        kind: "user",
        user: { tenant_key: GLOBEX, user_id: "u001", name: "Same employee id, other tenant", resigned: false },
      });
      const [other] = await store.resolveUserIds(globex, "open_id", [deriveOpenId(APP.app_id, ACME, "u001")]);
      assert.deepEqual(other, { kind: "other_tenant" });
    });
  });

  test("sync_off is stored: opening that status gives sync_on=false for that user only", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const trip = await store.getStatus(ACME, TRIP, false);
      assert.ok(trip);
      const rows = await openOk(
        store,
        ACME,
        TRIP,
        snapshotOf(trip),
        [
          { user_id: "u003", end_time: T0 / 1000 + 3600 },
          { user_id: "u001", end_time: T0 / 1000 + 3600 },
        ],
        APP.app_id,
        T0,
      );
      assert.equal(rows.get("u003")?.find((r) => r.system_status_id === TRIP)?.sync_on, false);
      assert.equal(rows.get("u001")?.find((r) => r.system_status_id === TRIP)?.sync_on, true);
      const leave = await store.getStatus(ACME, LEAVE, false);
      assert.ok(leave);
      const other = await openOk(
        store,
        ACME,
        LEAVE,
        snapshotOf(leave),
        [{ user_id: "u003", end_time: T0 / 1000 + 3600 }],
        APP.app_id,
        T0,
      );
      assert.equal(other.get("u003")?.find((r) => r.system_status_id === LEAVE)?.sync_on, true);
    });
  });

  test("fixed system_status_ids are kept", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      const trip = await store.getStatus(ACME, TRIP, false);
      assert.deepEqual(
        trip && {
          id: trip.system_status_id,
          title: trip.title,
          i18n: trip.i18n_title,
          icon: trip.icon_key,
          priority: trip.priority,
        },
        {
          id: TRIP,
          title: "出差",
          i18n: { zh_cn: "出差", en_us: "Business trip", ja_jp: "出張中" },
          icon: "GeneralBusinessTrip",
          priority: 1,
        },
      );
      assert.equal((await store.getStatus(ACME, LEAVE, false))?.color, "GREEN");
      assert.equal((await store.getStatus(GLOBEX, GLOBEX_STATUS, false))?.title, "Globex trip");
      assert.equal(await store.getStatus(ACME, GLOBEX_STATUS, false), undefined);
    });
  });
});

describe("app secrets", () => {
  test("the secret is stored only as a scrypt hash", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(FIXTURE_SEED, deps);
      for (const a of [APP, NARROW_APP, DISABLED_APP, GLOBEX_APP]) {
        const h = (await store.getApp(a.app_id))?.secret_hash ?? "";
        assert.match(h, /^scrypt\$1024\$8\$1\$/);
        assert.ok(!h.includes(a.app_secret), h);
        assert.equal(await verifySecret(a.app_secret, h), true);
      }
    });
  });

  test("a rotated secret revokes the app's tokens, keeps other apps' tokens, and replaces the hash", async () => {
    await withEnv(async ({ store, deps }) => {
      const twoApps = (secret: string) =>
        small((d) => {
          d.tenants[0].apps[0].app_secret = secret;
          d.tenants[0].apps.push({ app_id: APP2, app_secret: "other", scopes: [] });
        });
      await loadSeedFile(await writeSeed("rot1.json", twoApps("first-secret")), deps);
      const oldHash = (await store.getApp(APP1))?.secret_hash ?? "";
      await store.insertToken(token(APP1, "t-one"));
      await store.insertToken(token(APP2, "t-two"));
      await loadSeedFile(await writeSeed("rot2.json", twoApps("second-secret")), deps);
      assert.equal(await store.getToken("t-one"), undefined);
      assert.equal((await store.getToken("t-two"))?.app_id, APP2);
      const newHash = (await store.getApp(APP1))?.secret_hash ?? "";
      assert.notEqual(newHash, oldHash);
      assert.equal(await verifySecret("second-secret", newHash), true);
      assert.equal(await verifySecret("first-secret", newHash), false);
    });
  });

  test("enabled: false revokes the app's tokens", async () => {
    await withEnv(async ({ store, deps }) => {
      await loadSeedFile(await writeSeed("on.json", small()), deps);
      await store.insertToken(token(APP1, "t-doomed"));
      await loadSeedFile(
        await writeSeed(
          "off.json",
          small((d) => {
            d.tenants[0].apps[0].enabled = false;
          }),
        ),
        deps,
      );
      assert.equal(await store.getToken("t-doomed"), undefined);
      assert.equal((await store.getApp(APP1))?.enabled, false);
    });
  });
});

describe("progress", () => {
  test("the fixture reports (done, total) per tenant, ending at total", async () => {
    await withEnv(async ({ deps }) => {
      const calls: Array<[number, number]> = [];
      await loadSeedFile(FIXTURE_SEED, { ...deps, onProgress: (d, t) => calls.push([d, t]) });
      assert.deepEqual(calls, [
        [6, 9],
        [8, 9],
        [9, 9],
      ]);
    });
  });

  test("a large tenant reports in chunks and ends at total", async () => {
    await withEnv(async ({ store, deps }) => {
      const users = Array.from({ length: 5_200 }, (_, i) => ({ user_id: `e${i}`, name: `Employee ${i}` }));
      const seed = parseSeed(
        "big.json",
        small((d) => {
          d.tenants[0].users = users;
        }),
      );
      const calls: Array<[number, number]> = [];
      const summary = await applySeed("big.json", seed, { ...deps, onProgress: (d, t) => calls.push([d, t]) });
      assert.equal(summary.users, 5_200);
      assert.ok(calls.length >= 2, `expected several progress reports, got ${JSON.stringify(calls)}`);
      assert.deepEqual(calls.at(-1), [5_200, 5_200]);
      for (let i = 1; i < calls.length; i++) {
        assert.ok((calls[i]?.[0] ?? 0) > (calls[i - 1]?.[0] ?? 0), "done increases");
        assert.equal(calls[i]?.[1], 5_200);
      }
      const app = await store.getApp(APP1);
      assert.ok(app);
      const [last] = await store.resolveUserIds(app, "open_id", [deriveOpenId(APP1, TK, "e5199")]);
      assert.equal(last?.kind === "user" && last.user.user_id, "e5199");
    });
  });
});
