/**
 * Seed validation: every bad seed is a SeedError whose message names the file, the JSON path
 * inside it and the rule broken, and nothing is written before validation completes.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/domain/clock.js";
import { sequentialIds } from "../../src/domain/ids.js";
import { loadSeedFile, parseSeed, SeedError } from "../../src/seed/load.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { T0, TEST_SCRYPT_N } from "../helpers.js";

const TK = "a1b2c3d4e5f60718";
const TK2 = "0f1e2d3c4b5a6978";
const APP1 = "cli_a1b2c3d4e5f60718";
const APP2 = "cli_00000000000000b2";
const APP3 = "cli_0f1e2d3c4b5a6978";
const OU = "ou_0123456789abcdef0123456789abcdef";
const ON = "on_0123456789abcdef0123456789abcdef";
const S1 = "7101214603622940001";

// biome-ignore lint/suspicious/noExplicitAny: seeds are mutated freely to break them
type Doc = any;

/** A valid two-tenant seed; each bad case breaks one thing. */
function base(): Doc {
  return {
    tenants: [
      {
        tenant_key: TK,
        name: "Acme",
        sensitive_words: ["forbidden"],
        users: [
          { user_id: "u001", name: "Ann Lee" },
          { user_id: "u002", name: "Bo Chen" },
        ],
        apps: [
          { app_id: APP1, app_secret: "s1", scopes: ["personal_settings:status:system_status_update"], visibility: "all" },
          { app_id: APP2, app_secret: "s2", scopes: [], visibility: ["u001"] },
        ],
        system_statuses: [
          {
            system_status_id: S1,
            title: "出差",
            icon_key: "GeneralBusinessTrip",
            priority: 1,
            i18n_title: { en_us: "Business trip" },
          },
        ],
      },
      {
        tenant_key: TK2,
        name: "Globex",
        users: [{ user_id: "g001", name: "Hal Ito" }],
        apps: [{ app_id: APP3, app_secret: "s3", scopes: [] }],
      },
    ],
  };
}

const CASES: Array<[string, (d: Doc) => void, string, RegExp]> = [
  [
    "bad tenant_key",
    (d) => {
      d.tenants[0].tenant_key = "ACME";
    },
    "tenants[0].tenant_key",
    /must match pattern/,
  ],
  [
    "bad app_id",
    (d) => {
      d.tenants[0].apps[1].app_id = "cli_xyz";
    },
    "tenants[0].apps[1].app_id",
    /must match pattern/,
  ],
  [
    "unknown field on a tenant",
    (d) => {
      d.tenants[0].colour = "red";
    },
    "tenants[0].colour",
    /unknown field/,
  ],
  [
    "unknown field on a user",
    (d) => {
      d.tenants[0].users[1].email = "bo@example.com";
    },
    "tenants[0].users[1].email",
    /unknown field/,
  ],
  [
    "unknown top-level field",
    (d) => {
      d.version = 2;
    },
    "version",
    /unknown field/,
  ],
  [
    "missing tenant name",
    (d) => {
      delete d.tenants[1].name;
    },
    "tenants[1].name",
    /is required/,
  ],
  [
    "missing user name",
    (d) => {
      delete d.tenants[0].users[1].name;
    },
    "tenants[0].users[1].name",
    /is required/,
  ],
  [
    "missing tenants",
    (d) => {
      delete d.tenants;
    },
    "tenants",
    /is required/,
  ],
  [
    "missing app scopes",
    (d) => {
      delete d.tenants[0].apps[0].scopes;
    },
    "tenants[0].apps[0].scopes",
    /is required/,
  ],
  [
    "malformed user_id",
    (d) => {
      d.tenants[0].users[1].user_id = "bo chen";
    },
    "tenants[0].users[1].user_id",
    /must match pattern/,
  ],
  [
    "malformed explicit union_id",
    (d) => {
      d.tenants[0].users[0].union_id = "on_XYZ";
    },
    "tenants[0].users[0].union_id",
    /must match pattern/,
  ],
  [
    "malformed sync_off status id",
    (d) => {
      d.tenants[0].users[0].sync_off = ["42"];
    },
    "tenants[0].users[0].sync_off[0]",
    /must match pattern/,
  ],
  [
    "duplicate user_id",
    (d) => {
      d.tenants[0].users[1].user_id = "u001";
    },
    "tenants[0].users[1].user_id",
    /duplicate user_id u001/,
  ],
  [
    "duplicate tenant",
    (d) => {
      d.tenants[1].tenant_key = TK;
    },
    "tenants[1].tenant_key",
    /duplicate tenant_key a1b2c3d4e5f60718/,
  ],
  [
    "duplicate app within a tenant",
    (d) => {
      d.tenants[0].apps[1].app_id = APP1;
    },
    "tenants[0].apps[1].app_id",
    /duplicate app_id cli_a1b2c3d4e5f60718/,
  ],
  [
    "duplicate app across tenants",
    (d) => {
      d.tenants[1].apps[0].app_id = APP1;
    },
    "tenants[1].apps[0].app_id",
    /duplicate app_id cli_a1b2c3d4e5f60718/,
  ],
  [
    "explicit open_id used twice",
    (d) => {
      d.tenants[0].users[0].open_ids = { [APP1]: OU };
      d.tenants[0].users[1].open_ids = { [APP2]: OU };
    },
    `tenants[0].users[1].open_ids.${APP2}`,
    new RegExp(`${OU} is already used at tenants\\[0\\]\\.users\\[0\\]\\.open_ids\\.${APP1}`),
  ],
  [
    "explicit union_id used twice across tenants",
    (d) => {
      d.tenants[0].users[0].union_id = ON;
      d.tenants[1].users[0].union_id = ON;
    },
    "tenants[1].users[0].union_id",
    /already used at tenants\[0\]\.users\[0\]\.union_id/,
  ],
  [
    "open_ids naming an app of another tenant",
    (d) => {
      d.tenants[0].users[1].open_ids = { [APP3]: OU };
    },
    `tenants[0].users[1].open_ids.${APP3}`,
    /app cli_0f1e2d3c4b5a6978 is not an app of this tenant/,
  ],
  [
    "visibility naming an unknown user",
    (d) => {
      d.tenants[0].apps[1].visibility = ["u001", "u999"];
    },
    "tenants[0].apps[1].visibility[1]",
    /user u999 is not a user of this tenant/,
  ],
  [
    "visibility naming a user of another tenant",
    (d) => {
      d.tenants[0].apps[1].visibility = ["g001"];
    },
    "tenants[0].apps[1].visibility[0]",
    /user g001 is not a user of this tenant/,
  ],
  [
    "status title too long by weighted length (11 CJK = 22)",
    (d) => {
      d.tenants[0].system_statuses[0].title = "中".repeat(11);
    },
    "tenants[0].system_statuses[0].title",
    /weighted length must be between 1 and 20.*got 22/,
  ],
  [
    "i18n title too long by weighted length",
    (d) => {
      d.tenants[0].system_statuses[0].i18n_title = { ja_jp: "あ".repeat(11) };
    },
    "tenants[0].system_statuses[0].i18n_title.ja_jp",
    /weighted length/,
  ],
  [
    "sync_setting explain too long by weighted length",
    (d) => {
      d.tenants[0].system_statuses[0].sync_setting = { explain: "中".repeat(31) };
    },
    "tenants[0].system_statuses[0].sync_setting.explain",
    /weighted length must be between 1 and 60/,
  ],
  [
    "empty status title",
    (d) => {
      d.tenants[0].system_statuses[0].title = "";
    },
    "tenants[0].system_statuses[0].title",
    /fewer than 1 character/,
  ],
  [
    "bad icon_key",
    (d) => {
      d.tenants[0].system_statuses[0].icon_key = "Plane";
    },
    "tenants[0].system_statuses[0].icon_key",
    /must be one of \["GeneralDoNotDisturb",/,
  ],
  [
    "bad color",
    (d) => {
      d.tenants[0].system_statuses[0].color = "PINK";
    },
    "tenants[0].system_statuses[0].color",
    /must be one of \["BLUE",/,
  ],
  [
    "priority out of range",
    (d) => {
      d.tenants[0].system_statuses[0].priority = 10;
    },
    "tenants[0].system_statuses[0].priority",
    /must be <= 9/,
  ],
  [
    "malformed system_status_id",
    (d) => {
      d.tenants[0].system_statuses[0].system_status_id = "123";
    },
    "tenants[0].system_statuses[0].system_status_id",
    /must match pattern/,
  ],
  [
    "duplicate status name: a title equal to another status's i18n title",
    (d) => {
      d.tenants[0].system_statuses.push({ title: "Business trip", icon_key: "Coffee", priority: 2 });
    },
    "tenants[0].system_statuses[1].title",
    /name "Business trip" is already used by tenants\[0\]\.system_statuses\[0\]/,
  ],
  [
    "duplicate status name: two equal titles",
    (d) => {
      d.tenants[0].system_statuses.push({ title: "出差", icon_key: "Coffee", priority: 2 });
    },
    "tenants[0].system_statuses[1].title",
    /name "出差" is already used by tenants\[0\]\.system_statuses\[0\]/,
  ],
  [
    "duplicate status name: an i18n title equal to another status's title",
    (d) => {
      d.tenants[0].system_statuses.push({ title: "Trip", i18n_title: { zh_cn: "出差" }, icon_key: "Coffee", priority: 2 });
    },
    "tenants[0].system_statuses[1].i18n_title.zh_cn",
    /name "出差" is already used by tenants\[0\]\.system_statuses\[0\]/,
  ],
  [
    "duplicate priority (both default to 0)",
    (d) => {
      d.tenants[0].system_statuses = [
        { title: "A", icon_key: "Coffee" },
        { title: "B", icon_key: "Coffee" },
      ];
    },
    "tenants[0].system_statuses[1].priority",
    /priority 0 is already used by tenants\[0\]\.system_statuses\[0\]/,
  ],
  [
    "more than 10 statuses",
    (d) => {
      d.tenants[0].system_statuses = Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, icon_key: "Coffee" }));
    },
    "tenants[0].system_statuses",
    /must NOT have more than 10 items/,
  ],
  [
    "sensitive word in a status title (case-insensitive)",
    (d) => {
      d.tenants[0].system_statuses[0].title = "A Forbidden trip";
    },
    "tenants[0].system_statuses[0].title",
    /sensitive word/,
  ],
  [
    "sensitive word in a status i18n title",
    (d) => {
      d.tenants[0].system_statuses[0].i18n_title = { en_us: "FORBIDDEN" };
    },
    "tenants[0].system_statuses[0].i18n_title.en_us",
    /sensitive word/,
  ],
  [
    "duplicate system_status_id across tenants",
    (d) => {
      d.tenants[1].system_statuses = [{ system_status_id: S1, title: "Globex trip", icon_key: "Coffee", priority: 1 }];
    },
    "tenants[1].system_statuses[0].system_status_id",
    /duplicate system_status_id 7101214603622940001/,
  ],
  [
    "tenants is not an array",
    (d) => {
      d.tenants = { tenant_key: TK };
    },
    "tenants",
    /must be array/,
  ],
];

function seedError(fn: () => unknown): SeedError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SeedError, `expected a SeedError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a SeedError");
}

async function seedErrorAsync(p: Promise<unknown>): Promise<SeedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SeedError, `expected a SeedError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a SeedError");
}

function assertNames(e: SeedError, file: string, path: string, rule: RegExp): void {
  assert.equal(e.name, "SeedError");
  assert.equal(e.file, file);
  assert.equal(e.path, path, e.message);
  assert.match(e.rule, rule);
  const head = `${file}: ${path === "" ? "(root)" : path}: ${e.rule}`;
  if (e.value === undefined) assert.equal(e.message, head);
  else assert.ok(e.message.startsWith(`${head} (got `) && e.message.endsWith(")"), e.message);
}

describe("seed validation (parseSeed)", () => {
  test("the base seed is valid (so each case below breaks exactly one thing)", () => {
    const doc = parseSeed("base.json", JSON.stringify(base()));
    assert.equal(doc.tenants.length, 2);
  });

  assert.ok(CASES.length >= 15);
  for (const [name, mutate, path, rule] of CASES) {
    test(`${name} → ${path}`, () => {
      const d = base();
      mutate(d);
      assertNames(
        seedError(() => parseSeed("fixtures/bad.json", JSON.stringify(d))),
        "fixtures/bad.json",
        path,
        rule,
      );
    });
  }

  test("the same rules apply to YAML", () => {
    const yaml = `tenants:\n  - tenant_key: "a1b2c3d4e5f60718"\n    name: Acme\n    users:\n      - { user_id: u1, name: A }\n      - { user_id: u1, name: B }\n`;
    assertNames(
      seedError(() => parseSeed("team.yaml", yaml)),
      "team.yaml",
      "tenants[0].users[1].user_id",
      /duplicate user_id u1/,
    );
  });

  test("malformed YAML → (root) and the parser's message with its position and code frame", () => {
    const e = seedError(() => parseSeed("broken.yaml", "tenants:\n  - tenant_key: [unclosed\n    name: x\n"));
    assertNames(e, "broken.yaml", "", /^not valid YAML: /);
    assert.ok(e.message.startsWith("broken.yaml: (root): not valid YAML"), e.message);
    assert.match(e.message, /line \d+/);
    // The library's code frame: the offending source line, then a caret under the column.
    const lines = e.message.split("\n");
    assert.ok(lines.length >= 3, e.message);
    assert.ok(
      lines.some((l) => /^\s*\^/.test(l)),
      `expected a caret line in:\n${e.message}`,
    );
    assert.ok(
      lines.some((l) => l.includes("tenant_key: [unclosed") || l.includes("name: x")),
      e.message,
    );
  });

  test("a schema error echoes the offending value (strings quoted, cut to 80 characters)", () => {
    const d = base();
    d.tenants[0].tenant_key = "ACME";
    const e = seedError(() => parseSeed("v.json", JSON.stringify(d)));
    assert.equal(e.value, "ACME");
    assert.ok(e.message.endsWith(' (got "ACME")'), e.message);
    const d2 = base();
    d2.tenants[0].system_statuses[0].priority = 12;
    assert.ok(seedError(() => parseSeed("v.json", JSON.stringify(d2))).message.endsWith(" (got 12)"));
    const d3 = base();
    d3.tenants[0].users[0].user_id = "x".repeat(300);
    const m = seedError(() => parseSeed("v.json", JSON.stringify(d3))).message;
    assert.ok(m.endsWith("…)") && m.length < 300, m);
    // A missing or unknown field echoes nothing.
    const d4 = base();
    d4.tenants[0].colour = "red";
    const e4 = seedError(() => parseSeed("v.json", JSON.stringify(d4)));
    assert.equal(e4.value, undefined);
    assert.equal(e4.message, "v.json: tenants[0].colour: unknown field");
  });

  test("an unknown scope is refused at load with a did-you-mean and the value", () => {
    const cases: Array<[string, RegExp]> = [
      ["personal_settings:status:system_status_updte", /did you mean "personal_settings:status:system_status_update"/],
      ["system_status_updte", /did you mean "personal_settings:status:system_status_update"/],
      ["personal_settings:status:system_status_operat", /did you mean "personal_settings:status:system_status_operate"/],
      ["contact:user.employee_id:read", /did you mean "contact:user.employee_id:readonly"/],
      ["im:message", /^unknown scope; the known scopes are /],
    ];
    for (const [scope, rule] of cases) {
      const d = base();
      d.tenants[0].apps[0].scopes.push(scope);
      const e = seedError(() => parseSeed("s.json", JSON.stringify(d)));
      assertNames(e, "s.json", "tenants[0].apps[0].scopes[1]", rule);
      assert.equal(e.value, scope);
      assert.ok(e.message.includes(JSON.stringify(scope)), e.message);
      assert.match(
        e.rule,
        /the known scopes are personal_settings:status:system_status_update, personal_settings:status:system_status_operate, contact:user\.employee_id:readonly$/,
      );
    }
  });

  test("unknown fields inside a seed status's i18n texts are refused, not stored", () => {
    for (const [mutate, path] of [
      [
        (d: Doc) => {
          d.tenants[0].system_statuses[0].i18n_title.fr_fr = "Voyage";
        },
        "tenants[0].system_statuses[0].i18n_title.fr_fr",
      ],
      [
        (d: Doc) => {
          d.tenants[0].system_statuses[0].sync_setting = { nope: 1 };
        },
        "tenants[0].system_statuses[0].sync_setting.nope",
      ],
      [
        (d: Doc) => {
          d.tenants[0].system_statuses[0].sync_setting = { i18n_explain: { de_de: "x" } };
        },
        "tenants[0].system_statuses[0].sync_setting.i18n_explain.de_de",
      ],
    ] as Array<[(d: Doc) => void, string]>) {
      const d = base();
      mutate(d);
      assertNames(
        seedError(() => parseSeed("u.json", JSON.stringify(d))),
        "u.json",
        path,
        /^unknown field$/,
      );
    }
  });

  test("a title that is not well-formed Unicode is refused naming its path", () => {
    const d = base();
    d.tenants[0].system_statuses[0].i18n_title.en_us = "trip\ud800";
    assertNames(
      seedError(() => parseSeed("w.json", JSON.stringify(d))),
      "w.json",
      "tenants[0].system_statuses[0].i18n_title.en_us",
      /must be well-formed Unicode text/,
    );
  });

  test("malformed JSON → (root)", () => {
    const e = seedError(() => parseSeed("broken.JSON", '{"tenants": [}'));
    assertNames(e, "broken.JSON", "", /^not valid JSON: /);
  });

  test("a document that is not an object → (root)", () => {
    assertNames(
      seedError(() => parseSeed("list.yaml", "- a\n- b\n")),
      "list.yaml",
      "",
      /must be object/,
    );
  });

  test("an empty YAML file → (root)", () => {
    assertNames(
      seedError(() => parseSeed("empty.yml", "")),
      "empty.yml",
      "",
      /must be object/,
    );
  });
});

describe("seed files (loadSeedFile)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "larkstatus-seed-errors-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fresh() {
    const store = new SqliteStore("sqlite::memory:");
    await store.migrate();
    const clock = new ManualClock(T0);
    return { store, deps: { store, ids: sequentialIds(clock), now: () => clock.now(), scryptN: TEST_SCRYPT_N } };
  }

  test("a missing file → SeedError naming the file and ENOENT", async () => {
    const { store, deps } = await fresh();
    const file = join(dir, "nope.yaml");
    const e = await seedErrorAsync(loadSeedFile(file, deps));
    assertNames(e, file, "", /^cannot read the file: ENOENT$/);
    await store.close();
  });

  test("a directory → SeedError naming it (EISDIR)", async () => {
    const { store, deps } = await fresh();
    const sub = join(dir, "a-dir.yaml");
    await mkdir(sub);
    assertNames(await seedErrorAsync(loadSeedFile(sub, deps)), sub, "", /^cannot read the file: EISDIR$/);
    await store.close();
  });

  test("a bad seed on disk names its full path, and nothing is written", async () => {
    const { store, deps } = await fresh();
    const d = base();
    d.tenants[1].apps[0].visibility = ["nobody"];
    const file = join(dir, "bad-visibility.json");
    await writeFile(file, JSON.stringify(d));
    assertNames(
      await seedErrorAsync(loadSeedFile(file, deps)),
      file,
      "tenants[1].apps[0].visibility[0]",
      /user nobody is not a user of this tenant/,
    );
    assert.equal(await store.isEmpty(), true, "validation completes before anything is written");
    assert.equal(await store.getApp(APP1), undefined);
    await store.close();
  });

  test("an app that already belongs to another tenant in the store → SeedError on its app_id", async () => {
    const { store, deps } = await fresh();
    const first = join(dir, "first.json");
    await writeFile(first, JSON.stringify(base()));
    await loadSeedFile(first, deps);
    const d = base();
    // Move Acme's first app under Globex in a second seed.
    d.tenants[1].apps.push(d.tenants[0].apps.shift());
    d.tenants[0].users[0].open_ids = undefined;
    d.tenants = [d.tenants[1]];
    const second = join(dir, "second.json");
    await writeFile(second, JSON.stringify(d));
    assertNames(
      await seedErrorAsync(loadSeedFile(second, deps)),
      second,
      "tenants[0].apps[1].app_id",
      /app cli_a1b2c3d4e5f60718 already belongs to tenant a1b2c3d4e5f60718/,
    );
    assert.equal((await store.getApp(APP1))?.tenant_key, TK);
    await store.close();
  });

  test("a status id that was deleted in the store → SeedError asking for a new id", async () => {
    const { store, deps } = await fresh();
    const file = join(dir, "deleted.json");
    await writeFile(file, JSON.stringify(base()));
    await loadSeedFile(file, deps);
    assert.equal(await store.deleteStatus(TK, S1, T0), true);
    assertNames(
      await seedErrorAsync(loadSeedFile(file, deps)),
      file,
      "tenants[0].system_statuses[0].system_status_id",
      /status 7101214603622940001 was deleted; give it a new id/,
    );
    await store.close();
  });
});
