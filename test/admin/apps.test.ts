/**
 * Admin API, apps (runs on both drivers): create (the secret shown once, ids for every user), list,
 * read (never the secret), change (scopes, visibility, enabled: disabling revokes tokens at once),
 * rotate the secret (every token of the app refused at once, the old secret too); each error as a
 * problem naming its field; the security cases of every app route; and, on PostgreSQL, a rotation
 * through one instance refused by another at once.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { deriveOpenId, deriveUnionId, sequentialIds } from "../../src/domain/ids.js";
import { tokenHash, verifySecret } from "../../src/domain/secrets.js";
import {
  E,
  openResults,
  SCOPE_EMPLOYEE_ID,
  SCOPE_OPERATE,
  SCOPE_UPDATE,
  scopeRequired,
  TENANT_TOKEN_URL,
} from "../api/support.js";
import {
  ACME,
  ADMIN_TOKEN,
  APP,
  assertError,
  BASE,
  DISABLED_APP,
  GLOBEX,
  GLOBEX_APP,
  inSeconds,
  NARROW_APP,
  openId,
  T0,
  TEST_DRIVER,
  type TestApp,
  TRIP,
} from "../helpers.js";
import { admin, assertProblem, ok, P, withAdmin } from "./support.js";

interface AppOut {
  app_id: string;
  tenant_key: string;
  scopes: string[];
  visibility: "all" | string[];
  enabled: boolean;
  developer: string;
  app_secret?: string;
}

const ALL_SCOPES = [SCOPE_UPDATE, SCOPE_OPERATE, SCOPE_EMPLOYEE_ID];
const NEW_APP = "cli_abcdefabcdef0001";
/** The first secret sequentialIds() mints (the seed's secrets are given, not minted). */
const FIRST_SECRET = "test-secret-00000001";
const ACME_USERS = ["u001", "u002", "u003", "u004", "u005", "u006"];

/** A token request's raw answer. */
function tokenRaw(t: TestApp, creds: { app_id: string; app_secret: string }) {
  return t.app.inject({ method: "POST", url: TENANT_TOKEN_URL, payload: creds });
}

function listStatuses(t: TestApp, token: string) {
  return t.call({ method: "GET", url: BASE, token });
}

describe("apps: create", () => {
  test("with an app_id: 201, the app with its defaults and its secret, once; reading it never shows the secret", async () => {
    await withAdmin(async (t) => {
      const created = ok<AppOut>(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: NEW_APP, scopes: ALL_SCOPES }), 201);
      assert.deepEqual(created, {
        app_id: NEW_APP,
        tenant_key: ACME,
        scopes: ALL_SCOPES,
        visibility: "all",
        enabled: true,
        developer: ACME,
        app_secret: FIRST_SECRET,
      });
      const read = ok<AppOut>(await admin(t, "GET", `/apps/${NEW_APP}`));
      const { app_secret: _shownOnce, ...rest } = created;
      assert.deepEqual(read, rest);
      assert.equal(JSON.stringify(read).includes("secret"), false, "neither the secret nor its hash");
      // Stored as a scrypt hash of the secret, never the secret.
      const stored = await t.store.getApp(NEW_APP);
      assert.match(stored?.secret_hash ?? "", /^scrypt\$/);
      assert.equal(stored?.secret_hash.includes(FIRST_SECRET), false);
      assert.equal(await verifySecret(FIRST_SECRET, stored?.secret_hash ?? ""), true);
    });
  });

  test("the vendor token endpoint takes the returned secret, and every existing user has the app's open_id", async () => {
    await withAdmin(async (t) => {
      const app = ok<AppOut>(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: NEW_APP, scopes: ALL_SCOPES }), 201);
      const tok = await t.token({ app_id: NEW_APP, app_secret: app.app_secret as string });
      assert.equal((await listStatuses(t, tok)).statusCode, 200);
      // Derived exactly as the seed derives them: the app's callers can compute them too.
      const results = await openResults(
        t,
        tok,
        TRIP,
        ACME_USERS.filter((u) => u !== "u002").map((u) => ({
          user_id: deriveOpenId(NEW_APP, ACME, u),
          end_time: inSeconds(t, 3600),
        })),
      );
      assert.deepEqual(results, ["success_show", "success_user_close_syn", "success_show", "success_show", "success_show"]);
      for (const u of ACME_USERS) {
        const user = ok<{ open_ids: Record<string, string> }>(await admin(t, "GET", `/tenants/${ACME}/users/${u}`));
        assert.equal(user.open_ids[NEW_APP], deriveOpenId(NEW_APP, ACME, u), u);
      }
      // The seed's explicit open_id of u003 for the other app is kept.
      assert.equal((await t.store.getUser(ACME, "u003"))?.open_ids[APP.app_id], openId("u003"));
    });
  });

  test("without an app_id one is made; a new developer gives every user a derived union_id", async () => {
    await withAdmin(async (t) => {
      const app = ok<AppOut>(
        await admin(t, "POST", `/tenants/${ACME}/apps`, {
          scopes: [SCOPE_OPERATE],
          developer: "Initrode Labs",
          visibility: ["u001", "u004"],
          enabled: false,
        }),
        201,
      );
      assert.match(app.app_id, /^cli_[0-9a-f]{16}$/);
      assert.deepEqual(
        { ...app, app_id: "" },
        {
          app_id: "",
          tenant_key: ACME,
          scopes: [SCOPE_OPERATE],
          visibility: ["u001", "u004"],
          enabled: false,
          developer: "Initrode Labs",
          app_secret: FIRST_SECRET,
        },
      );
      for (const u of ACME_USERS) {
        const user = await t.store.getUser(ACME, u);
        assert.equal(user?.union_ids["Initrode Labs"], deriveUnionId("Initrode Labs", ACME, u), u);
        assert.equal(user?.open_ids[app.app_id], deriveOpenId(app.app_id, ACME, u), u);
      }
      // A disabled app gets no token.
      assertError(await tokenRaw(t, { app_id: app.app_id, app_secret: FIRST_SECRET }), E.APP_SECRET_INVALID);
      // Nothing leaked into another tenant.
      assert.equal((await t.store.getUser(GLOBEX, "u001"))?.open_ids[app.app_id], undefined);
    });
  });
});

describe("apps: list and read", () => {
  test("list: every app by app_id, or one tenant's; pages joined by next_cursor", async () => {
    await withAdmin(async (t) => {
      const all = ok<{ items: AppOut[]; next_cursor?: string }>(await admin(t, "GET", "/apps"));
      const ids = [APP.app_id, NARROW_APP.app_id, DISABLED_APP.app_id, GLOBEX_APP.app_id, "cli_00000000000000c4"].sort();
      assert.deepEqual(
        all.items.map((a) => a.app_id),
        ids,
      );
      assert.equal("next_cursor" in all, false);
      assert.ok(all.items.every((a) => !("app_secret" in a) && !("secret_hash" in a)));
      const acme = ok<{ items: AppOut[] }>(await admin(t, "GET", `/apps?tenant_key=${ACME}`));
      assert.deepEqual(
        acme.items.map((a) => a.app_id),
        [NARROW_APP.app_id, DISABLED_APP.app_id, APP.app_id].sort(),
      );
      assert.deepEqual(
        acme.items.find((a) => a.app_id === NARROW_APP.app_id),
        {
          app_id: NARROW_APP.app_id,
          tenant_key: ACME,
          scopes: [SCOPE_OPERATE],
          visibility: ["u001", "u003"],
          enabled: true,
          developer: ACME,
        },
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const body = ok<{ items: AppOut[]; next_cursor?: string }>(
          await admin(t, "GET", `/apps?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
        );
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((a) => a.app_id));
        cursor = body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, ids);
    });
  });

  test("read an unknown app, list an unknown tenant's apps → 404", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "GET", "/apps/cli_ffffffffffffffff"), P.notFound);
      assertProblem(await admin(t, "GET", "/apps/nonsense"), P.notFound);
      assertProblem(await admin(t, "GET", "/apps?tenant_key=ffffffffffffffff"), P.notFound);
    });
  });

  for (const [query, field] of [
    ["limit=0", "limit"],
    ["cursor=nope", "cursor"],
    ["tenant=x", "tenant"],
  ] as const) {
    test(`list: ?${query} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "GET", `/apps?${query}`), P.invalid(field));
      });
    });
  }
});

describe("apps: create errors (nothing is created)", () => {
  const appCount = async (t: TestApp) => (await t.store.listApps(100)).length;

  test("an unknown tenant → 404", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "POST", "/tenants/ffffffffffffffff/apps", { scopes: [] }), P.notFound);
      assert.equal(await appCount(t), 5);
    });
  });

  test("a taken app_id → 409, in the same tenant or another; the existing app is unchanged", async () => {
    await withAdmin(async (t) => {
      const before = await t.store.getApp(GLOBEX_APP.app_id);
      for (const id of [APP.app_id, GLOBEX_APP.app_id]) {
        assertProblem(await admin(t, "POST", `/tenants/${ACME}/apps`, { app_id: id, scopes: [], developer: "x" }), P.conflict);
      }
      assert.deepEqual(await t.store.getApp(GLOBEX_APP.app_id), before);
      assert.equal(await appCount(t), 5);
      assert.equal((await t.store.getUser(ACME, "u001"))?.union_ids.x, undefined);
      // The seeded secret still works.
      await t.token(GLOBEX_APP);
    });
  });

  test("an unknown scope → 400 naming scopes[i], with the seed's did-you-mean", async () => {
    await withAdmin(async (t) => {
      const p = assertProblem(
        await admin(t, "POST", `/tenants/${ACME}/apps`, {
          scopes: [SCOPE_OPERATE, "personal_settings:status:system_status_updat"],
        }),
        P.invalid("scopes[1]"),
      ) as { errors: Array<{ message: string }>; detail: string };
      assert.match(p.errors[0]?.message ?? "", /did you mean "personal_settings:status:system_status_update"\?/);
      assert.match(p.detail, /^scopes\[1\]: unknown scope/);
      assert.equal(await appCount(t), 5);
    });
  });

  test("visibility naming a user the tenant does not have (or another tenant's) → 400 naming visibility[i]", async () => {
    await withAdmin(async (t) => {
      for (const [visibility, field] of [
        [["u001", "u999"], "visibility[1]"],
        [["g001"], "visibility[0]"],
      ] as const) {
        const p = assertProblem(
          await admin(t, "POST", `/tenants/${ACME}/apps`, { scopes: [], visibility }),
          P.invalid(field),
        ) as { errors: Array<{ message: string }> };
        assert.match(p.errors[0]?.message ?? "", /is not a user of this tenant/);
      }
      assert.equal(await appCount(t), 5);
    });
  });

  const bad: Array<[string, unknown, string]> = [
    ["no scopes", {}, "scopes"],
    ["scopes not an array", { scopes: SCOPE_OPERATE }, "scopes"],
    ["a malformed app_id", { app_id: "cli_XYZ", scopes: [] }, "app_id"],
    ["an app_secret (it is made, never given)", { scopes: [], app_secret: "mine" }, "app_secret"],
    ["an unknown field", { scopes: [], colour: "red" }, "colour"],
    ["visibility neither all nor a list", { scopes: [], visibility: "some" }, "visibility"],
    ["a malformed visibility user_id", { scopes: [], visibility: ["u 1"] }, "visibility"],
    ["an empty developer", { scopes: [], developer: "" }, "developer"],
    ["a developer with a control character (U+0000)", { scopes: [], developer: "a\u0000b" }, "developer"],
    ["a developer with a newline", { scopes: [], developer: "a\nb" }, "developer"],
    ["enabled not a boolean", { scopes: [], enabled: 1 }, "enabled"],
    ["malformed JSON", "{", "body"],
  ];
  for (const [name, body, field] of bad) {
    test(`${name} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        assertProblem(await admin(t, "POST", `/tenants/${ACME}/apps`, body), P.invalid(field));
        assert.equal(await appCount(t), 5);
      });
    });
  }
});

describe("apps: change", () => {
  test("scopes and visibility: the vendor API sees the change at once", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      const patched = ok<AppOut>(await admin(t, "PATCH", `/apps/${APP.app_id}`, { scopes: [SCOPE_OPERATE] }));
      assert.deepEqual(patched.scopes, [SCOPE_OPERATE]);
      assert.equal(patched.visibility, "all");
      assertError(await listStatuses(t, tok), scopeRequired(SCOPE_UPDATE));
      ok(await admin(t, "PATCH", `/apps/${APP.app_id}`, { visibility: ["u001"] }));
      const results = await openResults(t, tok, TRIP, [
        { user_id: openId("u001"), end_time: inSeconds(t, 3600) },
        { user_id: openId("u004"), end_time: inSeconds(t, 3600) },
      ]);
      assert.deepEqual(results, ["success_show", "invisible_user_id"]);
      assert.deepEqual(ok<AppOut>(await admin(t, "GET", `/apps/${APP.app_id}`)), {
        app_id: APP.app_id,
        tenant_key: ACME,
        scopes: [SCOPE_OPERATE],
        visibility: ["u001"],
        enabled: true,
        developer: ACME,
      });
      // Only the fields given change; the token survives a change of scopes.
      ok(await admin(t, "PATCH", `/apps/${APP.app_id}`, { scopes: ALL_SCOPES, visibility: "all" }));
      assert.equal((await listStatuses(t, tok)).statusCode, 200);
    });
  });

  test("disabling revokes the app's tokens at once; enabling again lets the secret get a new one", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      assert.equal((await listStatuses(t, tok)).statusCode, 200, "the token works (and is cached)");
      const otherTok = await t.token(NARROW_APP);
      assert.equal(ok<AppOut>(await admin(t, "PATCH", `/apps/${APP.app_id}`, { enabled: false })).enabled, false);
      assertError(await listStatuses(t, tok), E.INVALID_TOKEN);
      assert.equal(await t.store.latestToken(APP.app_id, "tenant", t.clock.now()), undefined, "gone from the store");
      assertError(await tokenRaw(t, APP), E.APP_SECRET_INVALID);
      // Another app's token is untouched.
      const narrow = await t.call({
        method: "POST",
        url: `${BASE}/${TRIP}/batch_open`,
        token: otherTok,
        body: { user_list: [{ user_id: openId("u001", NARROW_APP.app_id), end_time: inSeconds(t, 60) }] },
      });
      assert.equal(narrow.statusCode, 200, narrow.body);
      ok(await admin(t, "PATCH", `/apps/${APP.app_id}`, { enabled: true }));
      const fresh = await t.token();
      assert.notEqual(fresh, tok);
      assert.equal((await listStatuses(t, fresh)).statusCode, 200);
      assertError(await listStatuses(t, tok), E.INVALID_TOKEN);
    });
  });

  test("errors: an unknown app → 404; an unknown scope, a visibility user not of the app's tenant → 400; nothing changes", async () => {
    await withAdmin(async (t) => {
      const before = await t.store.getApp(APP.app_id);
      assertProblem(await admin(t, "PATCH", "/apps/cli_ffffffffffffffff", { enabled: false }), P.notFound);
      assertProblem(
        await admin(t, "PATCH", `/apps/${APP.app_id}`, { scopes: ["contact:user.employee_id:readonlyy"] }),
        P.invalid("scopes[0]"),
      );
      assertProblem(
        await admin(t, "PATCH", `/apps/${APP.app_id}`, { enabled: false, visibility: ["u001", "g001"] }),
        P.invalid("visibility[1]"),
      );
      for (const [body, field] of [
        [{}, "body"],
        [{ app_id: NEW_APP }, "app_id"],
        [{ developer: "x" }, "developer"],
        [{ enabled: null }, "enabled"],
        [{ scopes: [1] }, "scopes[0]"],
      ] as const) {
        assertProblem(await admin(t, "PATCH", `/apps/${APP.app_id}`, body), P.invalid(field));
      }
      assert.deepEqual(await t.store.getApp(APP.app_id), before);
      await t.token();
    });
  });
});

describe("apps: rotate the secret", () => {
  test("answers the new secret; the app's tokens and its old secret are refused at once, the new secret works", async () => {
    await withAdmin(async (t) => {
      const tok = await t.token();
      // Used once, so the SQLite store has it cached, and the verifier remembers the old secret.
      assert.equal((await listStatuses(t, tok)).statusCode, 200);
      const narrowTok = await t.token(NARROW_APP);
      const rotated = ok<AppOut>(await admin(t, "POST", `/apps/${APP.app_id}/secret`));
      assert.deepEqual(rotated, {
        app_id: APP.app_id,
        tenant_key: ACME,
        scopes: ALL_SCOPES,
        visibility: "all",
        enabled: true,
        developer: ACME,
        app_secret: FIRST_SECRET,
      });
      assertError(await listStatuses(t, tok), E.INVALID_TOKEN);
      assertError(await tokenRaw(t, APP), E.APP_SECRET_INVALID);
      const fresh = await t.token({ app_id: APP.app_id, app_secret: FIRST_SECRET });
      assert.notEqual(fresh, tok);
      assert.equal((await listStatuses(t, fresh)).statusCode, 200);
      assert.equal(JSON.stringify(ok(await admin(t, "GET", `/apps/${APP.app_id}`))).includes(FIRST_SECRET), false);
      // Another app of the tenant keeps its token.
      assert.equal((await t.store.tokenOwner(tokenHash(narrowTok)))?.token.app_id, NARROW_APP.app_id);
      // Rotating again retires the secret just made.
      const again = ok<AppOut>(await admin(t, "POST", `/apps/${APP.app_id}/secret`));
      assert.notEqual(again.app_secret, FIRST_SECRET);
      assertError(await listStatuses(t, fresh), E.INVALID_TOKEN);
      assertError(await tokenRaw(t, { app_id: APP.app_id, app_secret: FIRST_SECRET }), E.APP_SECRET_INVALID);
      await t.token({ app_id: APP.app_id, app_secret: again.app_secret as string });
    });
  });

  test("an unknown app → 404", async () => {
    await withAdmin(async (t) => {
      assertProblem(await admin(t, "POST", "/apps/cli_ffffffffffffffff/secret"), P.notFound);
      await t.token();
    });
  });
});

describe("apps: security (every app route)", () => {
  const routes: Array<["GET" | "POST" | "PATCH", string, unknown?]> = [
    ["POST", `/tenants/${ACME}/apps`, { scopes: [] }],
    ["GET", "/apps"],
    ["GET", `/apps/${APP.app_id}`],
    ["PATCH", `/apps/${APP.app_id}`, { enabled: false }],
    ["POST", `/apps/${APP.app_id}/secret`],
  ];
  for (const [method, path, body] of routes) {
    test(`${method} ${path}: no token, a wrong token, a tenant token → 401, nothing changed`, async () => {
      await withAdmin(async (t) => {
        const tenantToken = await t.token();
        for (const token of [null, "wrong-token-0000000000", tenantToken, `${ADMIN_TOKEN}x`]) {
          assertProblem(await admin(t, method, path, body, token), P.unauthorized);
        }
        assert.equal((await t.store.listApps(100)).length, 5);
        assert.equal((await listStatuses(t, tenantToken)).statusCode, 200, "the app's token still works");
        await t.token();
      });
    });
  }

  test("a wrong method on an app path is 405 with Allow", async () => {
    await withAdmin(async (t) => {
      const res = await admin(t, "DELETE", `/apps/${APP.app_id}`);
      assertProblem(res, P.methodNotAllowed);
      assert.equal(res.headers.allow, "GET, HEAD, PATCH");
      assert.equal((await admin(t, "GET", `/apps/${APP.app_id}/secret`)).headers.allow, "POST");
    });
  });
});

describe("apps: several instances on one PostgreSQL", () => {
  test(
    "a secret rotated through one instance is refused through another at once (tokens and the old secret)",
    { skip: TEST_DRIVER === "postgres" ? false : "PostgreSQL only (LARKSTATUS_TEST_DRIVER=postgres)" },
    async () => {
      const { freshPgUrl } = await import("../pg.js");
      const { PgStore } = await import("../../src/storage/postgres/pg-store.js");
      const { loadSeedFile } = await import("../../src/seed/load.js");
      const { FIXTURE_SEED, TEST_SCRYPT_N } = await import("../helpers.js");
      const url = await freshPgUrl();
      const clock = new ManualClock(T0);
      const stores = [new PgStore(url, { poolMax: 2 }), new PgStore(url, { poolMax: 2 })];
      try {
        await stores[0]?.migrate();
        await loadSeedFile(FIXTURE_SEED, {
          store: stores[0] as NonNullable<(typeof stores)[0]>,
          ids: sequentialIds(clock),
          now: () => clock.now(),
          scryptN: TEST_SCRYPT_N,
        });
        const apps = await Promise.all(
          stores.map((store, i) =>
            buildApp({
              store,
              clock,
              ids: sequentialIds(clock, 1000 * (i + 1)),
              rateLimit: "off",
              logger: false,
              adminToken: ADMIN_TOKEN,
            }),
          ),
        );
        const [one, two] = apps as [Awaited<ReturnType<typeof buildApp>>, Awaited<ReturnType<typeof buildApp>>];
        const token = async (app: typeof one, creds: { app_id: string; app_secret: string }) =>
          (await app.inject({ method: "POST", url: TENANT_TOKEN_URL, payload: creds })).json() as {
            code: number;
            tenant_access_token?: string;
          };
        const tok = (await token(two, APP)).tenant_access_token as string;
        const list = (app: typeof one, bearer: string) =>
          app.inject({ method: "GET", url: BASE, headers: { authorization: `Bearer ${bearer}` } });
        assert.equal((await list(two, tok)).statusCode, 200);
        const rotated = await one.inject({
          method: "POST",
          url: `/admin/v1/apps/${APP.app_id}/secret`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        assert.equal(rotated.statusCode, 200, rotated.body);
        const secret = (rotated.json() as { app_secret: string }).app_secret;
        assert.equal(((await list(two, tok)).json() as { code: number }).code, 99991663);
        assert.equal((await token(two, APP)).code, 10014);
        assert.equal((await token(two, { app_id: APP.app_id, app_secret: secret })).code, 0);
        await Promise.all(apps.map((a) => a.close()));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    },
  );
});
