/**
 * The storage contract: every Store driver (SQLite now, PostgreSQL later) runs this suite unchanged.
 * `makeStore` returns a fresh, empty, not yet migrated store; the suite migrates and closes it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deriveOpenId, deriveUnionId } from "../../src/domain/ids.js";
import {
  type App,
  type I18nText,
  type StatusRecord,
  type SystemStatus,
  snapshotOf,
  type Tenant,
  type TokenRecord,
  type User,
  type UserStatusRow,
  withDefaults,
} from "../../src/domain/model.js";
import { tokenHash as h } from "../../src/domain/secrets.js";
import type { ResolvedId, StatusWriteResult, Store, UserInput } from "../../src/storage/store.js";
import { openOk } from "../helpers.js";

/** Optional capabilities of a driver under test. */
export interface ContractHooks {
  /** Closes `store` and opens the same database again (without migrating it): enables the durability test. */
  reopen?: (store: Store) => Promise<Store>;
  /** Makes every later DELETE from `table` of this store's database fail: enables the atomicity tests. */
  failDeletesOf?: (store: Store, table: string) => Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const T0_S = T0 / 1000;
const HOUR_MS = 3_600_000;

const TA = "aaaaaaaaaaaaaaaa";
const TB = "bbbbbbbbbbbbbbbb";
const A1 = "cli_aaaaaaaaaaaaaaa1";
const A2 = "cli_aaaaaaaaaaaaaaa2";
const A3 = "cli_aaaaaaaaaaaaaaa3";
const B1 = "cli_bbbbbbbbbbbbbbb1";

const tenantA: Tenant = { tenant_key: TA, name: "Acme", api_enabled: true, sensitive_words: ["forbidden"] };
const tenantB: Tenant = { tenant_key: TB, name: "Globex", api_enabled: false, sensitive_words: [] };

function app(appId: string, tenantKey: string, developer: string, over: Partial<App> = {}): App {
  return {
    app_id: appId,
    tenant_key: tenantKey,
    secret_hash: `scrypt$1024$8$1$salt-of-${appId}$hash`,
    scopes: ["personal_settings:status:system_status_operate"],
    enabled: true,
    visibility: "all",
    developer,
    ...over,
  };
}

const appA1 = app(A1, TA, "devA");
const appA2 = app(A2, TA, "devA", { visibility: ["u1"] });
const appA3 = app(A3, TA, "devZ");
const appB1 = app(B1, TB, "devB");

function userInput(tenantKey: string, userId: string, name: string, apps: App[], over: Partial<UserInput> = {}): UserInput {
  return {
    user_id: userId,
    name,
    resigned: false,
    open_ids: Object.fromEntries(apps.map((a) => [a.app_id, deriveOpenId(a.app_id, tenantKey, userId)])),
    union_ids: Object.fromEntries(
      [...new Set(apps.map((a) => a.developer))].map((d) => [d, deriveUnionId(d, tenantKey, userId)]),
    ),
    sync_off: [],
    ...over,
  };
}

/** Two tenants, four apps, three users (u1 exists in both tenants). */
async function directory(store: Store): Promise<void> {
  await store.upsertTenant(tenantA);
  await store.upsertTenant(tenantB);
  for (const a of [appA1, appA2, appA3, appB1]) await store.upsertApp(a);
  await store.upsertUsers(TA, [
    userInput(TA, "u1", "Ann Lee", [appA1, appA2, appA3]),
    userInput(TA, "u2", "Bo Chen", [appA1, appA2, appA3], { resigned: true }),
  ]);
  await store.upsertUsers(TB, [userInput(TB, "u1", "Other Ann", [appB1])]);
}

const ID = (n: number): string => `70000000000000000${String(n).padStart(2, "0")}`;

function status(
  n: number,
  title: string,
  priority: number,
  over: { i18n_title?: I18nText; is_open_by_default?: boolean; color?: SystemStatus["color"] } = {},
): SystemStatus {
  return {
    system_status_id: ID(n),
    ...withDefaults({
      title,
      i18n_title: over.i18n_title,
      icon_key: "Coffee",
      color: over.color,
      priority,
      sync_setting: over.is_open_by_default === undefined ? undefined : { is_open_by_default: over.is_open_by_default },
    }),
  };
}

function created(res: StatusWriteResult): StatusRecord {
  assert.ok(res.ok, `expected ok, got ${JSON.stringify(res)}`);
  return res.status;
}

function userOf(r: ResolvedId | undefined): string {
  assert.equal(r?.kind, "user", JSON.stringify(r));
  return r?.kind === "user" ? `${r.user.tenant_key}/${r.user.user_id}` : "";
}

function rowOf(rows: UserStatusRow[] | undefined, statusId: string): UserStatusRow {
  const r = rows?.find((x) => x.system_status_id === statusId);
  assert.ok(r, `no row for ${statusId} in ${JSON.stringify(rows)}`);
  return r;
}

/** A token record as the service stores it: `value` appears only as its hash (and in the stand-in sealed copy). */
function tok(value: string, appId: string, issuedAt: number, over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    token_hash: h(value),
    sealed: `sealed:${value}`,
    kind: "tenant",
    app_id: appId,
    tenant_key: TA,
    issued_at: issuedAt,
    expires_at: issuedAt + 2 * HOUR_MS,
    ...over,
  };
}

export function storageContract(name: string, makeStore: () => Promise<Store>, hooks: ContractHooks = {}): void {
  /** Runs `fn` on a fresh migrated store, closing it afterwards. */
  const withStore = (fn: (store: Store) => Promise<void>, opts: { directory?: boolean } = {}) => {
    return async () => {
      const store = await makeStore();
      try {
        await store.migrate();
        if (opts.directory !== false) await directory(store);
        await fn(store);
      } finally {
        await store.close();
      }
    };
  };

  describe(`storage contract: ${name}`, () => {
    // ------------------------------------------------------------ lifecycle

    describe("lifecycle", () => {
      test(
        "migrate is idempotent and keeps data",
        withStore(
          async (store) => {
            await store.migrate();
            await store.upsertTenant(tenantA);
            await store.migrate();
            await store.migrate();
            assert.deepEqual(await store.getTenant(TA), tenantA);
          },
          { directory: false },
        ),
      );

      test(
        "ping answers true; isEmpty until the first tenant",
        withStore(
          async (store) => {
            assert.equal(await store.ping(), true);
            assert.equal(await store.isEmpty(), true);
            await store.upsertTenant(tenantB);
            assert.equal(await store.isEmpty(), false);
          },
          { directory: false },
        ),
      );

      test(
        "serverSecret stores the first candidate and returns it forever",
        withStore(
          async (store) => {
            assert.equal(await store.serverSecret("first-secret"), "first-secret");
            assert.equal(await store.serverSecret("second-secret"), "first-secret");
            assert.equal(await store.serverSecret("third-secret"), "first-secret");
          },
          { directory: false },
        ),
      );
    });

    // ------------------------------------------------------------ directory

    describe("tenants and apps", () => {
      test(
        "tenants: upsert, get, update; unknown → undefined",
        withStore(async (store) => {
          assert.deepEqual(await store.getTenant(TA), tenantA);
          assert.deepEqual(await store.getTenant(TB), tenantB);
          assert.equal(await store.getTenant("cccccccccccccccc"), undefined);
          const changed: Tenant = { tenant_key: TA, name: "Acme Corp", api_enabled: false, sensitive_words: ["机密", "x"] };
          await store.upsertTenant(changed);
          assert.deepEqual(await store.getTenant(TA), changed);
          assert.deepEqual(await store.getTenant(TB), tenantB);
        }),
      );

      test(
        "tenants: insert refuses a taken key and writes nothing; list pages by key after a cursor",
        withStore(async (store) => {
          assert.equal(await store.insertTenant({ ...tenantA, name: "Impostor" }), false);
          assert.deepEqual(await store.getTenant(TA), tenantA);
          const more: Tenant[] = ["0000000000000001", "cccccccccccccccc", "ffffffffffffffff"].map((k) => ({
            tenant_key: k,
            name: `T ${k}`,
            api_enabled: true,
            sensitive_words: [],
          }));
          for (const t of more) assert.equal(await store.insertTenant(t), true);
          assert.deepEqual(await store.getTenant("cccccccccccccccc"), more[1]);
          const keys = (ts: Tenant[]) => ts.map((t) => t.tenant_key);
          assert.deepEqual(keys(await store.listTenants(10)), [
            "0000000000000001",
            TA,
            TB,
            "cccccccccccccccc",
            "ffffffffffffffff",
          ]);
          assert.deepEqual(keys(await store.listTenants(2)), ["0000000000000001", TA]);
          assert.deepEqual(keys(await store.listTenants(2, TA)), [TB, "cccccccccccccccc"]);
          assert.deepEqual(keys(await store.listTenants(5, "ffffffffffffffff")), []);
          assert.deepEqual((await store.listTenants(10, "c"))[0], more[1]);
        }),
      );

      test(
        "apps: upsert, get (visibility all and list), update; unknown → undefined",
        withStore(async (store) => {
          assert.deepEqual(await store.getApp(A1), appA1);
          assert.deepEqual(await store.getApp(A2), appA2);
          assert.equal(await store.getApp("cli_cccccccccccccccc"), undefined);
          const changed = app(A1, TA, "devA", {
            secret_hash: "scrypt$1024$8$1$new$hash",
            scopes: [],
            enabled: false,
            visibility: ["u1", "u2"],
          });
          await store.upsertApp(changed);
          assert.deepEqual(await store.getApp(A1), changed);
        }),
      );
    });

    describe("users and resolveUserIds", () => {
      test(
        "open_id: of this app → the user; of another app of the tenant → invalid; of another tenant → other_tenant",
        withStore(async (store) => {
          const res = await store.resolveUserIds(appA1, "open_id", [
            deriveOpenId(A1, TA, "u1"),
            deriveOpenId(A2, TA, "u1"),
            deriveOpenId(B1, TB, "u1"),
            deriveOpenId(A1, TA, "u2"),
            `ou_${"0".repeat(32)}`,
            "not-an-id",
          ]);
          assert.equal(res.length, 6);
          assert.equal(userOf(res[0]), `${TA}/u1`);
          assert.deepEqual(res[1], { kind: "invalid" });
          assert.deepEqual(res[2], { kind: "other_tenant" });
          assert.equal(userOf(res[3]), `${TA}/u2`);
          assert.deepEqual(res[4], { kind: "invalid" });
          assert.deepEqual(res[5], { kind: "invalid" });
        }),
      );

      test(
        "the resolved user carries name and resigned",
        withStore(async (store) => {
          const [ann, bo] = await store.resolveUserIds(appA2, "open_id", [
            deriveOpenId(A2, TA, "u1"),
            deriveOpenId(A2, TA, "u2"),
          ]);
          assert.deepEqual(ann, { kind: "user", user: { tenant_key: TA, user_id: "u1", name: "Ann Lee", resigned: false } });
          assert.deepEqual(bo, { kind: "user", user: { tenant_key: TA, user_id: "u2", name: "Bo Chen", resigned: true } });
        }),
      );

      test(
        "union_id: by the app's developer; another developer's → invalid; another tenant's → other_tenant",
        withStore(async (store) => {
          const res = await store.resolveUserIds(appA1, "union_id", [
            deriveUnionId("devA", TA, "u1"),
            deriveUnionId("devZ", TA, "u1"),
            deriveUnionId("devB", TB, "u1"),
            `on_${"f".repeat(32)}`,
          ]);
          assert.equal(userOf(res[0]), `${TA}/u1`);
          assert.deepEqual(res[1], { kind: "invalid" });
          assert.deepEqual(res[2], { kind: "other_tenant" });
          assert.deepEqual(res[3], { kind: "invalid" });
          // Two apps of one developer share union ids.
          const [viaA2] = await store.resolveUserIds(appA2, "union_id", [deriveUnionId("devA", TA, "u2")]);
          assert.equal(userOf(viaA2), `${TA}/u2`);
          const [viaA3] = await store.resolveUserIds(appA3, "union_id", [deriveUnionId("devZ", TA, "u2")]);
          assert.equal(userOf(viaA3), `${TA}/u2`);
        }),
      );

      test(
        "user_id: within the app's tenant only; unknown → invalid",
        withStore(async (store) => {
          const a = await store.resolveUserIds(appA1, "user_id", ["u1", "u3", "U1"]);
          assert.deepEqual(a[0], { kind: "user", user: { tenant_key: TA, user_id: "u1", name: "Ann Lee", resigned: false } });
          assert.deepEqual(a[1], { kind: "invalid" });
          assert.deepEqual(a[2], { kind: "invalid" });
          const [b] = await store.resolveUserIds(appB1, "user_id", ["u1"]);
          assert.deepEqual(b, { kind: "user", user: { tenant_key: TB, user_id: "u1", name: "Other Ann", resigned: false } });
        }),
      );

      test(
        "results keep input order, duplicates included; an empty list gives []",
        withStore(async (store) => {
          const res = await store.resolveUserIds(appA1, "user_id", ["u2", "nobody", "u1", "u2"]);
          assert.deepEqual(
            res.map((r) => (r.kind === "user" ? r.user.user_id : r.kind)),
            ["u2", "invalid", "u1", "u2"],
          );
          assert.deepEqual(await store.resolveUserIds(appA1, "open_id", []), []);
        }),
      );

      test(
        "a user listed twice in one upsert ends as its last entry",
        withStore(async (store) => {
          const first = `ou_${"3".repeat(32)}`;
          const second = `ou_${"4".repeat(32)}`;
          await store.upsertUsers(TA, [
            { user_id: "u9", name: "First", resigned: false, open_ids: { [A1]: first }, union_ids: {}, sync_off: [ID(1)] },
            { user_id: "u8", name: "Other", resigned: false, open_ids: {}, union_ids: {}, sync_off: [] },
            { user_id: "u9", name: "Second", resigned: true, open_ids: { [A1]: second }, union_ids: {}, sync_off: [] },
          ]);
          const res = await store.resolveUserIds(appA1, "open_id", [second, first]);
          assert.deepEqual(res[0], { kind: "user", user: { tenant_key: TA, user_id: "u9", name: "Second", resigned: true } });
          assert.deepEqual(res[1], { kind: "invalid" });
          const [other] = await store.resolveUserIds(appA1, "user_id", ["u8"]);
          assert.equal(userOf(other), `${TA}/u8`);
        }),
      );

      test(
        "re-upserting a user replaces its name, resigned flag and ids",
        withStore(async (store) => {
          const newOpen = `ou_${"1".repeat(32)}`;
          const newUnion = `on_${"2".repeat(32)}`;
          await store.upsertUsers(TA, [
            {
              user_id: "u1",
              name: "Ann Lee-Park",
              resigned: true,
              open_ids: { [A1]: newOpen },
              union_ids: { devA: newUnion },
              sync_off: [],
            },
          ]);
          const res = await store.resolveUserIds(appA1, "open_id", [newOpen, deriveOpenId(A1, TA, "u1")]);
          assert.deepEqual(res[0], {
            kind: "user",
            user: { tenant_key: TA, user_id: "u1", name: "Ann Lee-Park", resigned: true },
          });
          assert.deepEqual(res[1], { kind: "invalid" }, "the old open_id no longer resolves");
          const [u] = await store.resolveUserIds(appA1, "union_id", [newUnion]);
          assert.equal(userOf(u), `${TA}/u1`);
        }),
      );
    });

    // ------------------------------------------------------------ tokens

    describe("tokens", () => {
      test(
        "getToken returns the record as inserted; unknown → undefined",
        withStore(async (store) => {
          const t = tok("t-one", A1, T0);
          await store.insertToken(t);
          assert.deepEqual(await store.getToken(h("t-one")), t);
          assert.equal(await store.getToken(h("t-nope")), undefined);
        }),
      );

      test(
        "a token is kept by hash with its sealed copy verbatim (or none); its value is not a key",
        withStore(async (store) => {
          const sealed = tok("t-sealed", A1, T0);
          const bare = tok("t-bare", A1, T0 + 1, { sealed: null });
          await store.insertToken(sealed);
          await store.insertToken(bare);
          assert.deepEqual(await store.latestToken(A1, "tenant", T0 + 2), bare);
          assert.deepEqual(await store.getToken(h("t-sealed")), sealed);
          assert.deepEqual((await store.tokenOwner(h("t-bare")))?.token, bare);
          assert.equal(await store.getToken("t-sealed"), undefined, "looked up by value");
          assert.equal(await store.tokenOwner("t-sealed"), undefined, "looked up by value");
        }),
      );

      test(
        "tokenOwner returns the token with what getApp and getTenant return for it; unknown → undefined",
        withStore(async (store) => {
          const t = tok("t-owned", A1, T0);
          await store.insertToken(t);
          const owner = await store.tokenOwner(h("t-owned"));
          assert.deepEqual(owner, { token: t, app: await store.getApp(A1), tenant: await store.getTenant(TA) });
          assert.equal(owner?.app?.app_id, A1);
          assert.equal(owner?.tenant?.tenant_key, TA);
          assert.equal(await store.tokenOwner(h("t-nope")), undefined);
          // Revoked: gone for tokenOwner too.
          await store.revokeTokens(A1);
          assert.equal(await store.tokenOwner(h("t-owned")), undefined);
        }),
      );

      test(
        "latestToken picks the newest unexpired token of the app and kind",
        withStore(async (store) => {
          await store.insertToken(tok("t-old", A1, T0));
          await store.insertToken(tok("t-new", A1, T0 + HOUR_MS));
          await store.insertToken(tok("a-app", A1, T0 + HOUR_MS + 1, { kind: "app" }));
          await store.insertToken(tok("t-other", A2, T0 + HOUR_MS + 2));
          assert.equal((await store.latestToken(A1, "tenant", T0 + HOUR_MS + 10))?.token_hash, h("t-new"));
          assert.deepEqual(await store.latestToken(A1, "tenant", T0 + HOUR_MS + 10), tok("t-new", A1, T0 + HOUR_MS));
          assert.equal((await store.latestToken(A1, "app", T0 + HOUR_MS + 10))?.token_hash, h("a-app"));
          assert.equal((await store.latestToken(A2, "tenant", T0 + HOUR_MS + 10))?.token_hash, h("t-other"));
          assert.equal(await store.latestToken(A3, "tenant", T0), undefined);
          // t-new expires at T0 + 3h: then nothing is left.
          assert.equal(await store.latestToken(A1, "tenant", T0 + 3 * HOUR_MS), undefined);
          assert.equal((await store.latestToken(A1, "tenant", T0 + 3 * HOUR_MS - 1))?.token_hash, h("t-new"));
        }),
      );

      test(
        "latestToken ignores a newer token that has already expired",
        withStore(async (store) => {
          await store.insertToken(tok("t-long", A1, T0, { expires_at: T0 + 10 * HOUR_MS }));
          await store.insertToken(tok("t-short", A1, T0 + 1000, { expires_at: T0 + 2000 }));
          assert.equal((await store.latestToken(A1, "tenant", T0 + 1500))?.token_hash, h("t-short"));
          assert.equal((await store.latestToken(A1, "tenant", T0 + 2000))?.token_hash, h("t-long"));
        }),
      );

      test(
        "revokeTokens removes every token of the app, and only of that app",
        withStore(async (store) => {
          await store.insertToken(tok("t-1", A1, T0));
          await store.insertToken(tok("a-1", A1, T0, { kind: "app" }));
          await store.insertToken(tok("t-2", A2, T0));
          await store.revokeTokens(A1);
          assert.equal(await store.getToken(h("t-1")), undefined);
          assert.equal(await store.getToken(h("a-1")), undefined);
          assert.equal(await store.latestToken(A1, "tenant", T0), undefined);
          assert.equal((await store.getToken(h("t-2")))?.app_id, A2);
          await store.revokeTokens(A1);
        }),
      );

      test(
        "expired tokens of the app are purged when a new one is inserted",
        withStore(async (store) => {
          await store.insertToken(tok("t-expired", A1, T0, { expires_at: T0 + 1000 }));
          await store.insertToken(tok("t-alive", A1, T0, { expires_at: T0 + 10 * HOUR_MS }));
          assert.equal((await store.getToken(h("t-expired")))?.token_hash, h("t-expired"), "kept until the next insert");
          await store.insertToken(tok("t-next", A1, T0 + 5000));
          assert.equal(await store.getToken(h("t-expired")), undefined);
          assert.equal((await store.getToken(h("t-alive")))?.token_hash, h("t-alive"));
          assert.equal((await store.getToken(h("t-next")))?.token_hash, h("t-next"));
        }),
      );
    });

    // ------------------------------------------------------------ statuses

    describe("createStatus", () => {
      test(
        "a created status is returned with tenant, version 1 and timestamps",
        withStore(async (store) => {
          const s = status(1, "出差", 1, { i18n_title: { en_us: "Business trip" }, color: "GREEN" });
          const rec = created(await store.createStatus(TA, s, T0, 10));
          assert.deepEqual(rec, { ...s, tenant_key: TA, version: 1, created_at: T0, updated_at: T0, deleted_at: null });
          assert.deepEqual(await store.getStatus(TA, ID(1), false), rec);
          assert.deepEqual(await store.getStatus(TA, ID(1), true), rec);
        }),
      );

      test(
        "the limit is checked first, then names, then priority",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 2));
          created(await store.createStatus(TA, status(2, "B", 2), T0, 2));
          // Full: even a status with a duplicate name and priority is refused for the limit.
          assert.deepEqual(await store.createStatus(TA, status(3, "A", 1), T0, 2), { ok: false, conflict: "limit" });
          assert.deepEqual(await store.createStatus(TA, status(3, "C", 3), T0, 2), { ok: false, conflict: "limit" });
          // Room again (maxLive 3): a duplicate name wins over a duplicate priority.
          assert.deepEqual(await store.createStatus(TA, status(3, "A", 1), T0, 3), { ok: false, conflict: "duplicate_name" });
          assert.deepEqual(await store.createStatus(TA, status(3, "C", 1), T0, 3), {
            ok: false,
            conflict: "duplicate_priority",
          });
          created(await store.createStatus(TA, status(3, "C", 3), T0, 3));
        }),
      );

      test(
        "ten live statuses is the vendor's limit",
        withStore(async (store) => {
          for (let p = 0; p < 10; p++) created(await store.createStatus(TA, status(p + 1, `S${p}`, p), T0, 10));
          assert.deepEqual(await store.createStatus(TA, status(11, "S10", 5), T0, 10), { ok: false, conflict: "limit" });
          assert.equal((await store.listStatuses(TA, 50)).items.length, 10);
        }),
      );

      const nameClashes: Array<[string, SystemStatus]> = [
        ["title = another's title", status(2, "A", 2)],
        ["title = another's i18n title", status(2, "A-en", 2)],
        ["i18n title = another's title", status(2, "Z", 2, { i18n_title: { ja_jp: "A" } })],
        ["i18n title = another's i18n title (other locale)", status(2, "Z", 2, { i18n_title: { zh_cn: "A-en" } })],
      ];
      for (const [what, s] of nameClashes) {
        test(
          `duplicate name: ${what}`,
          withStore(async (store) => {
            created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 10));
            assert.deepEqual(await store.createStatus(TA, s, T0, 10), { ok: false, conflict: "duplicate_name" });
          }),
        );
      }

      test(
        "names match exactly (case-sensitive); a status may repeat its own title in its i18n titles",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "Trip", 1), T0, 10));
          created(await store.createStatus(TA, status(2, "trip", 2), T0, 10));
          const own = status(3, "出差", 3, { i18n_title: { zh_cn: "出差", en_us: "Business trip", ja_jp: "出差" } });
          created(await store.createStatus(TA, own, T0, 10));
          assert.deepEqual((await store.getStatus(TA, ID(3), false))?.i18n_title, own.i18n_title);
        }),
      );

      test(
        "a refused create writes nothing: no status, no names, no priority",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          const refused = status(2, "B", 1, { i18n_title: { en_us: "B-en" } });
          assert.deepEqual(await store.createStatus(TA, refused, T0, 10), { ok: false, conflict: "duplicate_priority" });
          assert.deepEqual(await store.createStatus(TA, status(3, "C", 1), T0, 10), {
            ok: false,
            conflict: "duplicate_priority",
          });
          assert.equal(await store.getStatus(TA, ID(2), true), undefined);
          // Its names were not reserved, and its id is still free.
          created(await store.createStatus(TA, status(4, "B-en", 4), T0, 10));
          created(await store.createStatus(TA, status(2, "B", 2), T0, 10));
          assert.deepEqual(
            (await store.listStatuses(TA, 50)).items.map((s) => s.system_status_id),
            [ID(1), ID(2), ID(4)],
          );
        }),
      );

      test(
        "titles with U+0000, a leading U+0001 or astral characters round-trip and keep exact-name uniqueness",
        withStore(async (store) => {
          const odd = ["A\u0000B", "\u0001x", "\u0001", "🚀 trip", "A\\u0000B"];
          for (const [i, title] of odd.entries()) {
            const rec = created(
              await store.createStatus(TA, status(i + 1, title, i, { i18n_title: { en_us: `${title}-en` } }), T0, 10),
            );
            assert.equal(rec.title, title);
            assert.deepEqual(rec.i18n_title, { en_us: `${title}-en` });
            assert.equal((await store.getStatus(TA, ID(i + 1), false))?.title, title);
          }
          assert.deepEqual(await store.createStatus(TA, status(8, "A\u0000B", 8), T0, 10), {
            ok: false,
            conflict: "duplicate_name",
          });
          assert.deepEqual(await store.createStatus(TA, status(8, "Z", 8, { i18n_title: { ja_jp: "\u0001x-en" } }), T0, 10), {
            ok: false,
            conflict: "duplicate_name",
          });
          created(await store.createStatus(TA, status(8, "AB", 8), T0, 10));
          assert.deepEqual(
            (await store.listStatuses(TA, 50)).items.map((s) => s.title),
            [...odd, "AB"],
          );
        }),
      );

      test(
        "the limit, names and priorities are per tenant",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "Trip", 1), T0, 1));
          created(await store.createStatus(TB, status(2, "Trip", 1), T0, 1));
          assert.equal(await store.getStatus(TA, ID(2), true), undefined, "another tenant's status is invisible");
          assert.equal(await store.getStatus(TB, ID(1), true), undefined);
          assert.deepEqual(
            (await store.listStatuses(TB, 50)).items.map((s) => s.system_status_id),
            [ID(2)],
          );
        }),
      );
    });

    describe("updateStatus", () => {
      test(
        "replaces the fields, bumps the version and updated_at, keeps created_at",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          const next = status(1, "A2", 4, { i18n_title: { en_us: "A2-en" }, color: "RED", is_open_by_default: false });
          const rec = created(await store.updateStatus(TA, next, T0 + 5000));
          assert.deepEqual(rec, { ...next, tenant_key: TA, version: 2, created_at: T0, updated_at: T0 + 5000, deleted_at: null });
          assert.equal(created(await store.updateStatus(TA, next, T0 + 6000)).version, 3, "every update bumps the version");
        }),
      );

      test(
        "a status may keep its own names and priority",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 10));
          const same = status(1, "A", 1, { i18n_title: { en_us: "A-en", zh_cn: "A" }, color: "GRAY" });
          assert.equal(created(await store.updateStatus(TA, same, T0 + 1)).color, "GRAY");
          // Swapping its own title and i18n title is fine too.
          const swapped = status(1, "A-en", 1, { i18n_title: { en_us: "A" } });
          assert.equal(created(await store.updateStatus(TA, swapped, T0 + 2)).title, "A-en");
        }),
      );

      test(
        "conflicts with other live statuses: names first, then priority; nothing changes",
        withStore(async (store) => {
          const a = created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          created(await store.createStatus(TA, status(2, "B", 2, { i18n_title: { en_us: "B-en" } }), T0, 10));
          assert.deepEqual(await store.updateStatus(TA, status(1, "B", 2), T0 + 1), { ok: false, conflict: "duplicate_name" });
          assert.deepEqual(await store.updateStatus(TA, status(1, "A", 1, { i18n_title: { ja_jp: "B-en" } }), T0 + 1), {
            ok: false,
            conflict: "duplicate_name",
          });
          assert.deepEqual(await store.updateStatus(TA, status(1, "A", 2), T0 + 1), {
            ok: false,
            conflict: "duplicate_priority",
          });
          assert.deepEqual(await store.getStatus(TA, ID(1), false), a, "unchanged, version 1");
        }),
      );

      test(
        "an update frees the names it drops",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 10));
          created(await store.updateStatus(TA, status(1, "A2", 3), T0 + 1));
          created(await store.createStatus(TA, status(2, "A", 1, { i18n_title: { en_us: "A-en" } }), T0 + 2, 10));
        }),
      );

      test(
        "updating a deleted or unknown status is an error",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 1), true);
          await assert.rejects(store.updateStatus(TA, status(1, "A", 1), T0 + 2));
          await assert.rejects(store.updateStatus(TA, status(9, "Z", 9), T0 + 2));
          assert.equal((await store.getStatus(TA, ID(1), true))?.version, 1);
        }),
      );
    });

    describe("deleteStatus and getStatus", () => {
      test(
        "delete returns true, then false; the status is hidden unless includeDeleted",
        withStore(async (store) => {
          const rec = created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          assert.equal(await store.deleteStatus(TB, ID(1), T0 + 1), false, "another tenant cannot delete it");
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 1000), true);
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 2000), false);
          assert.equal(await store.deleteStatus(TA, ID(9), T0 + 2000), false);
          assert.equal(await store.getStatus(TA, ID(1), false), undefined);
          const deleted = await store.getStatus(TA, ID(1), true);
          assert.deepEqual(deleted, { ...rec, deleted_at: T0 + 1000, updated_at: T0 + 1000 });
          assert.deepEqual((await store.listStatuses(TA, 50)).items, []);
        }),
      );

      test(
        "a deleted status frees its names and priority and no longer counts toward the limit",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 2));
          created(await store.createStatus(TA, status(2, "B", 2), T0, 2));
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 1), true);
          created(await store.createStatus(TA, status(3, "A-en", 1, { i18n_title: { zh_cn: "A" } }), T0 + 2, 2));
          assert.deepEqual(
            (await store.listStatuses(TA, 50)).items.map((s) => s.system_status_id),
            [ID(3), ID(2)],
          );
        }),
      );
    });

    describe("listStatuses", () => {
      test(
        "keyset pagination by (priority, id) with has_more",
        withStore(async (store) => {
          const priorities: Array<[number, number]> = [
            [1, 3],
            [2, 0],
            [3, 7],
            [4, 1],
            [5, 5],
          ];
          for (const [n, p] of priorities) created(await store.createStatus(TA, status(n, `S${n}`, p), T0, 10));
          created(await store.createStatus(TB, status(6, "Other", 2), T0, 10));
          const ids = (page: { items: StatusRecord[] }) => page.items.map((s) => [s.priority, s.system_status_id]);

          const p1 = await store.listStatuses(TA, 2);
          assert.deepEqual(ids(p1), [
            [0, ID(2)],
            [1, ID(4)],
          ]);
          assert.equal(p1.has_more, true);
          const p2 = await store.listStatuses(TA, 2, { priority: 1, id: ID(4) });
          assert.deepEqual(ids(p2), [
            [3, ID(1)],
            [5, ID(5)],
          ]);
          assert.equal(p2.has_more, true);
          const p3 = await store.listStatuses(TA, 2, { priority: 5, id: ID(5) });
          assert.deepEqual(ids(p3), [[7, ID(3)]]);
          assert.equal(p3.has_more, false);

          const all = await store.listStatuses(TA, 5);
          assert.equal(all.items.length, 5);
          assert.equal(all.has_more, false, "exactly `limit` items left: no more");
          assert.equal((await store.listStatuses(TA, 4)).has_more, true);
          const after = await store.listStatuses(TA, 10, { priority: 7, id: ID(3) });
          assert.deepEqual(after, { items: [], has_more: false });
        }),
      );

      test(
        "within one priority the id orders, and a cursor need not name a live status",
        withStore(async (store) => {
          created(await store.createStatus(TA, status(11, "X", 4), T0, 10));
          assert.equal(await store.deleteStatus(TA, ID(11), T0), true);
          created(await store.createStatus(TA, status(12, "Y", 4), T0, 10));
          created(await store.createStatus(TA, status(13, "Z", 6), T0, 10));
          const page = await store.listStatuses(TA, 10, { priority: 4, id: ID(11) });
          assert.deepEqual(
            page.items.map((s) => s.system_status_id),
            [ID(12), ID(13)],
          );
          const later = await store.listStatuses(TA, 10, { priority: 4, id: ID(12) });
          assert.deepEqual(
            later.items.map((s) => s.system_status_id),
            [ID(13)],
          );
        }),
      );
    });

    // ------------------------------------------------------------ user statuses

    describe("openUserStatuses and closeUserStatuses", () => {
      const setup = async (store: Store) => {
        const a = created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
        const b = created(await store.createStatus(TA, status(2, "B", 2, { is_open_by_default: false }), T0, 10));
        return { a, b };
      };

      test(
        "a new row takes the snapshot, end_time, app and time",
        withStore(async (store) => {
          const { a } = await setup(store);
          const rows = await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
          assert.deepEqual([...rows.keys()], ["u1"]);
          assert.deepEqual(rows.get("u1"), [
            {
              user_id: "u1",
              system_status_id: ID(1),
              open: true,
              end_time: T0_S + 3600,
              snapshot: snapshotOf(a),
              opened_by: A1,
              opened_at: T0,
              sync_on: true,
            },
          ]);
          assert.deepEqual(await store.userStatuses(TA, "u1"), rows.get("u1"));
          assert.deepEqual(await store.userStatuses(TB, "u1"), [], "tenant-scoped");
        }),
      );

      test(
        "re-open of a still-open, unexpired row keeps the old snapshot and takes the new end_time",
        withStore(async (store) => {
          const { a } = await setup(store);
          await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
          const a2 = created(await store.updateStatus(TA, status(1, "A-v2", 1, { color: "RED" }), T0 + 1000));
          const rows = await openOk(store, TA, ID(1), snapshotOf(a2), [{ user_id: "u1", end_time: T0_S + 7200 }], A1, T0 + 2000);
          const r = rowOf(rows.get("u1"), ID(1));
          assert.deepEqual(r.snapshot, snapshotOf(a));
          assert.equal(r.snapshot.version, 1);
          assert.equal(r.end_time, T0_S + 7200);
          assert.equal(r.open, true);
          // A shorter end_time is taken as well.
          const again = await openOk(store, TA, ID(1), snapshotOf(a2), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0 + 3000);
          assert.equal(rowOf(again.get("u1"), ID(1)).end_time, T0_S + 60);
          assert.equal(rowOf(again.get("u1"), ID(1)).snapshot.title, "A");
        }),
      );

      test(
        "re-open after expiry takes the new snapshot (end_time == now counts as expired)",
        withStore(async (store) => {
          const { a } = await setup(store);
          await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          const a2 = created(await store.updateStatus(TA, status(1, "A-v2", 1), T0 + 1000));
          const rows = await openOk(
            store,
            TA,
            ID(1),
            snapshotOf(a2),
            [{ user_id: "u1", end_time: T0_S + 7200 }],
            A2,
            (T0_S + 60) * 1000,
          );
          const r = rowOf(rows.get("u1"), ID(1));
          assert.deepEqual(r.snapshot, snapshotOf(a2));
          assert.equal(r.snapshot.version, 2);
          assert.equal(r.end_time, T0_S + 7200);
          assert.equal(r.opened_at, (T0_S + 60) * 1000);
          assert.equal(r.opened_by, A2);
        }),
      );

      test(
        "re-open after a close takes the new snapshot",
        withStore(async (store) => {
          const { a } = await setup(store);
          await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
          await store.closeUserStatuses(TA, ID(1), ["u1"], T0 + 500);
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(1)).open, false);
          const a2 = created(await store.updateStatus(TA, status(1, "A-v2", 1), T0 + 1000));
          const rows = await openOk(store, TA, ID(1), snapshotOf(a2), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0 + 2000);
          const r = rowOf(rows.get("u1"), ID(1));
          assert.equal(r.open, true);
          assert.deepEqual(r.snapshot, snapshotOf(a2));
          assert.equal(r.opened_at, T0 + 2000);
        }),
      );

      test(
        "a later entry for the same user in one batch wins; the result has one entry per distinct user",
        withStore(async (store) => {
          const { a } = await setup(store);
          const rows = await openOk(
            store,
            TA,
            ID(1),
            snapshotOf(a),
            [
              { user_id: "u1", end_time: T0_S + 100 },
              { user_id: "u2", end_time: T0_S + 300 },
              { user_id: "u1", end_time: T0_S + 200 },
            ],
            A1,
            T0,
          );
          assert.deepEqual([...rows.keys()].sort(), ["u1", "u2"]);
          assert.equal(rows.get("u1")?.length, 1);
          assert.equal(rowOf(rows.get("u1"), ID(1)).end_time, T0_S + 200);
          assert.equal(rowOf(rows.get("u2"), ID(1)).end_time, T0_S + 300);
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(1)).end_time, T0_S + 200);
        }),
      );

      test(
        "the result holds all of the user's rows, each with its own snapshot",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "u1", end_time: T0_S + 500 }], A1, T0);
          const rows = await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 900 }], A1, T0 + 1);
          const all = rows.get("u1") ?? [];
          assert.deepEqual(all.map((r) => r.system_status_id).sort(), [ID(1), ID(2)]);
          assert.equal(rowOf(all, ID(1)).snapshot.priority, 1);
          assert.equal(rowOf(all, ID(2)).snapshot.priority, 2);
          assert.equal(rowOf(all, ID(2)).end_time, T0_S + 500);
        }),
      );

      test(
        "sync_on: the user's preference, else the status's is_open_by_default",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          // u2 switched auto-open off for status 1.
          await store.upsertUsers(TA, [
            userInput(TA, "u2", "Bo Chen", [appA1, appA2, appA3], { resigned: true, sync_off: [ID(1)] }),
          ]);
          const r1 = await openOk(
            store,
            TA,
            ID(1),
            snapshotOf(a),
            [
              { user_id: "u1", end_time: T0_S + 60 },
              { user_id: "u2", end_time: T0_S + 60 },
            ],
            A1,
            T0,
          );
          assert.equal(rowOf(r1.get("u1"), ID(1)).sync_on, true, "default true");
          assert.equal(rowOf(r1.get("u2"), ID(1)).sync_on, false, "user preference off");
          const r2 = await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          assert.equal(rowOf(r2.get("u1"), ID(2)).sync_on, false, "status default false");
          // The status default is read live: a patch turning it on applies to existing rows.
          created(await store.updateStatus(TA, status(2, "B", 2, { is_open_by_default: true }), T0 + 1));
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(2)).sync_on, true);
        }),
      );

      test(
        "the rows an open returns are the rows a read returns (fresh users, defaults off, duplicates, re-opens)",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          // u1 and u3 have no other row and no preference: their rows come from the write itself.
          const first = await openOk(
            store,
            TA,
            ID(2),
            snapshotOf(b),
            [
              { user_id: "u1", end_time: T0_S + 60 },
              { user_id: "u3", end_time: T0_S + 90 },
              { user_id: "u1", end_time: T0_S + 70 },
            ],
            A1,
            T0,
          );
          assert.deepEqual([...first.keys()], ["u1", "u3"]);
          assert.equal(rowOf(first.get("u1"), ID(2)).sync_on, false, "status default false");
          assert.equal(rowOf(first.get("u1"), ID(2)).end_time, T0_S + 70, "the last entry wins");
          for (const u of ["u1", "u3"]) assert.deepEqual(first.get(u), await store.userStatuses(TA, u), u);
          // A re-open a minute later keeps snapshot and opened_at, takes the new end_time.
          const again = await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "u3", end_time: T0_S + 120 }], A2, T0 + 1000);
          assert.deepEqual(again.get("u3"), await store.userStatuses(TA, "u3"));
          assert.equal(rowOf(again.get("u3"), ID(2)).opened_at, T0);
          assert.equal(rowOf(again.get("u3"), ID(2)).opened_by, A2);
          // u1 now also opens status 1: both rows come back.
          const both = await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          assert.deepEqual((both.get("u1") ?? []).map((r) => r.system_status_id).sort(), [ID(1), ID(2)]);
        }),
      );

      test(
        "an open of a deleted or unknown status is refused (undefined) and writes nothing",
        withStore(async (store) => {
          const { a } = await setup(store);
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 1), true);
          const entries = [{ user_id: "u1", end_time: T0_S + 60 }];
          assert.equal(await store.openUserStatuses(TA, ID(1), snapshotOf(a), entries, A1, T0 + 2), undefined);
          assert.equal(await store.openUserStatuses(TA, ID(99), snapshotOf(a), entries, A1, T0 + 2), undefined);
          // Another tenant's status is not this tenant's.
          assert.equal(await store.openUserStatuses(TB, ID(2), snapshotOf(a), entries, A1, T0 + 2), undefined);
          assert.deepEqual(await store.userStatuses(TA, "u1"), []);
          assert.deepEqual(await store.userStatuses(TB, "u1"), []);
          // A live status still opens.
          assert.equal((await openOk(store, TA, ID(2), snapshotOf(a), entries, A1, T0 + 2)).size, 1);
        }),
      );

      test(
        "long inputs (more users than one statement carries) open and close every user; the last entry still wins",
        withStore(async (store) => {
          const { a } = await setup(store);
          const ids = Array.from({ length: 130 }, (_, i) => `bulk-${String(i).padStart(3, "0")}`);
          // bulk-000 appears first and again last: its last end_time must win across chunks.
          const entries = [
            ...ids.map((user_id) => ({ user_id, end_time: T0_S + 60 })),
            { user_id: "bulk-000", end_time: T0_S + 999 },
          ];
          const opened = await openOk(store, TA, ID(1), snapshotOf(a), entries, A1, T0);
          assert.equal(opened.size, 130);
          assert.equal(rowOf(opened.get("bulk-000"), ID(1)).end_time, T0_S + 999);
          assert.equal(rowOf(await store.userStatuses(TA, "bulk-129"), ID(1)).open, true);
          await store.closeUserStatuses(TA, ID(1), ids, T0 + 1);
          for (const u of ["bulk-000", "bulk-049", "bulk-050", "bulk-129"])
            assert.equal(rowOf(await store.userStatuses(TA, u), ID(1)).open, false, u);
        }),
      );

      test(
        "closeUserStatuses closes, is idempotent, and ignores users without the status",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          await openOk(
            store,
            TA,
            ID(1),
            snapshotOf(a),
            [
              { user_id: "u1", end_time: T0_S + 3600 },
              { user_id: "u2", end_time: T0_S + 3600 },
            ],
            A1,
            T0,
          );
          await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
          await store.closeUserStatuses(TA, ID(1), ["u1", "nobody"], T0 + 10);
          await store.closeUserStatuses(TA, ID(1), ["u1"], T0 + 20);
          const u1 = await store.userStatuses(TA, "u1");
          assert.equal(rowOf(u1, ID(1)).open, false);
          assert.equal(rowOf(u1, ID(2)).open, true, "other statuses of the user are untouched");
          assert.equal(rowOf(await store.userStatuses(TA, "u2"), ID(1)).open, true, "other users are untouched");
          assert.deepEqual(await store.userStatuses(TA, "nobody"), [], "closing creates no rows");
          await store.closeUserStatuses(TB, ID(1), ["u2"], T0 + 30);
          assert.equal(rowOf(await store.userStatuses(TA, "u2"), ID(1)).open, true, "another tenant cannot close it");
        }),
      );

      test(
        "a deleted status keeps the rows of users who show it, and they can be closed",
        withStore(async (store) => {
          const { a } = await setup(store);
          await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
          assert.equal(await store.deleteStatus(TA, ID(1), T0 + 1), true);
          const r = rowOf(await store.userStatuses(TA, "u1"), ID(1));
          assert.equal(r.open, true);
          assert.deepEqual(r.snapshot, snapshotOf(a));
          await store.closeUserStatuses(TA, ID(1), ["u1"], T0 + 2);
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(1)).open, false);
        }),
      );
    });

    // ------------------------------------------------------------ what users show (admin API, State)

    describe("getUser, sync toggles and statusHolders", () => {
      const setup = async (store: Store) => {
        const a = created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
        const b = created(await store.createStatus(TA, status(2, "B", 2, { is_open_by_default: false }), T0, 10));
        return { a, b };
      };

      test(
        "getUser: the tenant's user with its fields; another tenant's or an unknown id is undefined",
        withStore(async (store) => {
          const fields = (u: User | undefined) =>
            u && { tenant_key: u.tenant_key, user_id: u.user_id, name: u.name, resigned: u.resigned };
          assert.deepEqual(fields(await store.getUser(TA, "u2")), {
            tenant_key: TA,
            user_id: "u2",
            name: "Bo Chen",
            resigned: true,
          });
          assert.deepEqual(fields(await store.getUser(TB, "u1")), {
            tenant_key: TB,
            user_id: "u1",
            name: "Other Ann",
            resigned: false,
          });
          assert.equal(await store.getUser(TB, "u2"), undefined);
          assert.equal(await store.getUser(TA, "nobody"), undefined);
        }),
      );

      test(
        "setSyncPref stores the choice; reads and the next open see it at once; it outlives a change of the default",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          assert.deepEqual(await store.userSyncPrefs(TA, "u1"), new Map());
          assert.equal(await store.setSyncPref(TA, "u1", ID(1), false), "ok");
          assert.deepEqual(await store.userSyncPrefs(TA, "u1"), new Map([[ID(1), false]]));
          // The user has no other row: the open's own result must still read the toggle.
          const opened = await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          assert.equal(rowOf(opened.get("u1"), ID(1)).sync_on, false);
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(1)).sync_on, false);
          // Flipped back on: the same row reads on, with no new open.
          assert.equal(await store.setSyncPref(TA, "u1", ID(1), true), "ok");
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(1)).sync_on, true);
          assert.deepEqual(await store.userSyncPrefs(TA, "u1"), new Map([[ID(1), true]]));
          // An explicit "on" for a status whose default is off stays on when the default changes.
          assert.equal(await store.setSyncPref(TA, "u1", ID(2), true), "ok");
          const opened2 = await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          assert.equal(rowOf(opened2.get("u1"), ID(2)).sync_on, true, "the user's on beats the default off");
          created(await store.updateStatus(TA, status(2, "B", 2, { is_open_by_default: false, color: "RED" }), T0 + 1));
          assert.equal(rowOf(await store.userStatuses(TA, "u1"), ID(2)).sync_on, true);
          // Scoped to the user and the tenant.
          assert.deepEqual(await store.userSyncPrefs(TB, "u1"), new Map());
          assert.deepEqual(await store.userSyncPrefs(TA, "u2"), new Map());
        }),
      );

      test(
        "setSyncPref refuses an unknown user, an unknown, deleted or other tenant's status, writing nothing",
        withStore(async (store) => {
          await setup(store);
          assert.equal(await store.setSyncPref(TA, "nobody", ID(1), false), "unknown_user");
          assert.equal(await store.setSyncPref(TA, "u1", ID(99), false), "unknown_status");
          assert.equal(await store.setSyncPref(TB, "u1", ID(1), false), "unknown_status", "TA's status is not TB's");
          assert.equal(await store.deleteStatus(TA, ID(2), T0 + 1), true);
          assert.equal(await store.setSyncPref(TA, "u1", ID(2), true), "unknown_status", "a deleted status");
          assert.deepEqual(await store.userSyncPrefs(TA, "nobody"), new Map());
          assert.deepEqual(await store.userSyncPrefs(TA, "u1"), new Map());
          assert.deepEqual(await store.userSyncPrefs(TB, "u1"), new Map());
        }),
      );

      test(
        "statusHolders: open and unexpired rows only, by user_id, each user with all its rows",
        withStore(async (store) => {
          const { a, b } = await setup(store);
          const users = ["h05", "h01", "h04", "h02", "h03", "h06"];
          await store.upsertUsers(
            TA,
            users.map((u) => userInput(TA, u, `User ${u}`, [appA1])),
          );
          await openOk(
            store,
            TA,
            ID(1),
            snapshotOf(a),
            users.map((u) => ({ user_id: u, end_time: u === "h04" ? T0_S + 10 : T0_S + 3600 })),
            A1,
            T0,
          );
          await openOk(store, TA, ID(2), snapshotOf(b), [{ user_id: "h02", end_time: T0_S + 7200 }], A2, T0 + 5);
          await store.closeUserStatuses(TA, ID(1), ["h03"], T0 + 1);
          // h06 turned auto-open off: it still has the status open (and is listed).
          assert.equal(await store.setSyncPref(TA, "h06", ID(1), false), "ok");

          const nowS = T0_S + 10; // h04's end_time == now: expired
          const all = await store.statusHolders(TA, ID(1), nowS, 100);
          assert.deepEqual(
            all.map((h) => h.user_id),
            ["h01", "h02", "h05", "h06"],
          );
          const h02 = all[1];
          assert.deepEqual(
            h02?.rows.map((r) => [r.system_status_id, r.open, r.end_time, r.opened_by]),
            [
              [ID(1), true, T0_S + 3600, A1],
              [ID(2), true, T0_S + 7200, A2],
            ],
          );
          assert.deepEqual(
            h02?.rows,
            await store
              .userStatuses(TA, "h02")
              .then((r) => [...r].sort((x, y) => (x.system_status_id < y.system_status_id ? -1 : 1))),
          );
          assert.equal(all[3]?.rows[0]?.sync_on, false, "h06's toggle is resolved in its rows");
          // Pages: a limit and an after-key give the same users in the same order.
          const first = await store.statusHolders(TA, ID(1), nowS, 2);
          const rest = await store.statusHolders(TA, ID(1), nowS, 2, first[first.length - 1]?.user_id);
          assert.deepEqual(
            [...first, ...rest].map((h) => h.user_id),
            ["h01", "h02", "h05", "h06"],
          );
          assert.deepEqual(await store.statusHolders(TA, ID(1), nowS, 2, "h06"), []);
          // Later, everything has expired; status 2 has its one holder until then.
          assert.deepEqual(await store.statusHolders(TA, ID(1), T0_S + 3600, 100), []);
          assert.deepEqual(
            (await store.statusHolders(TA, ID(2), T0_S + 3600, 100)).map((h) => h.user_id),
            ["h02"],
          );
          assert.deepEqual(await store.statusHolders(TA, ID(99), nowS, 100), []);
          assert.deepEqual(await store.statusHolders(TB, ID(1), T0_S, 100), [], "tenant-scoped");
        }),
      );
    });

    // ------------------------------------------------------------ scale and durability

    test(
      "data survives close and reopen",
      { skip: hooks.reopen ? false : "needs a durable database (reopen hook)" },
      async () => {
        const reopen = hooks.reopen as NonNullable<ContractHooks["reopen"]>;
        let store = await makeStore();
        try {
          await store.migrate();
          await directory(store);
          await store.serverSecret("kept-secret");
          await store.insertToken(tok("t-durable", A1, T0));
          const a = created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 10));
          created(await store.createStatus(TA, status(2, "B", 2), T0, 10));
          assert.equal(await store.deleteStatus(TA, ID(2), T0 + 1), true);
          await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);

          store = await reopen(store);
          await store.migrate();
          assert.equal(await store.isEmpty(), false);
          assert.deepEqual(await store.getTenant(TA), tenantA);
          assert.deepEqual(await store.getApp(A2), appA2);
          assert.equal(userOf((await store.resolveUserIds(appA1, "open_id", [deriveOpenId(A1, TA, "u1")]))[0]), `${TA}/u1`);
          assert.equal(await store.serverSecret("other"), "kept-secret");
          assert.deepEqual(await store.getToken(h("t-durable")), tok("t-durable", A1, T0));
          assert.deepEqual(await store.getStatus(TA, ID(1), false), a);
          assert.equal((await store.getStatus(TA, ID(2), true))?.deleted_at, T0 + 1);
          assert.deepEqual(rowOf(await store.userStatuses(TA, "u1"), ID(1)).snapshot, snapshotOf(a));
          // Indexes survived too: names and priority are still reserved.
          assert.deepEqual(await store.createStatus(TA, status(3, "A-en", 5), T0, 10), { ok: false, conflict: "duplicate_name" });
          assert.deepEqual(await store.createStatus(TA, status(3, "C", 1), T0, 10), {
            ok: false,
            conflict: "duplicate_priority",
          });
        } finally {
          await store.close();
        }
      },
    );

    // ------------------------------------------------------------ directory (admin API)

    describe("directory: deleteTenant, apps, users, imports", () => {
      /** Everything TA owns, as the store reads it back (to compare before and after a refused delete). */
      const holdings = async (store: Store) => ({
        tenant: await store.getTenant(TA),
        apps: await store.listApps(50, { tenantKey: TA }),
        token: await store.tokenOwner(h("t-of-a1")),
        users: await store.listUsers(TA, 50),
        statuses: (await store.listStatuses(TA, 10)).items,
        rows: await store.userStatuses(TA, "u1"),
        resolved: await store.resolveUserIds(appA1, "open_id", [deriveOpenId(A1, TA, "u1")]),
      });
      const populate = async (store: Store) => {
        await store.insertToken(tok("t-of-a1", A1, T0));
        const a = created(await store.createStatus(TA, status(1, "A", 1, { i18n_title: { en_us: "A-en" } }), T0, 10));
        await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u1", end_time: T0_S + 3600 }], A1, T0);
        await store.upsertUsers(TA, [userInput(TA, "u1", "Ann Lee", [appA1, appA2, appA3], { sync_off: [ID(1)] })]);
        await store.insertToken(tok("t-of-b1", B1, T0, { tenant_key: TB }));
        created(await store.createStatus(TB, status(9, "A", 1), T0, 10));
      };

      test(
        "deleteTenant removes everything the tenant owns and nothing of another tenant; unknown → false",
        withStore(async (store) => {
          await populate(store);
          assert.equal(await store.deleteTenant("cccccccccccccccc"), false);
          assert.equal(await store.deleteTenant(TA), true);
          assert.equal(await store.getTenant(TA), undefined);
          for (const a of [A1, A2, A3]) assert.equal(await store.getApp(a), undefined);
          assert.deepEqual(await store.listApps(50, { tenantKey: TA }), []);
          assert.equal(await store.tokenOwner(h("t-of-a1")), undefined);
          assert.equal(await store.getToken(h("t-of-a1")), undefined);
          assert.deepEqual(await store.listUsers(TA, 50), []);
          assert.equal(await store.getUser(TA, "u1"), undefined);
          assert.deepEqual(await store.userStatuses(TA, "u1"), []);
          assert.equal(await store.getStatus(TA, ID(1), true), undefined);
          for (const [app, id] of [
            [appA1, deriveOpenId(A1, TA, "u1")],
            [appA3, deriveOpenId(A3, TA, "u2")],
          ] as const) {
            assert.deepEqual(await store.resolveUserIds(app, "open_id", [id]), [{ kind: "invalid" }]);
          }
          assert.equal(await store.deleteTenant(TA), false, "a second delete finds nothing");
          // The other tenant is untouched.
          assert.deepEqual(await store.getTenant(TB), tenantB);
          assert.deepEqual(await store.getApp(B1), appB1);
          assert.equal((await store.tokenOwner(h("t-of-b1")))?.app?.app_id, B1);
          assert.equal((await store.getUser(TB, "u1"))?.name, "Other Ann");
          assert.equal((await store.listStatuses(TB, 10)).items.length, 1);
          assert.equal(userOf((await store.resolveUserIds(appB1, "open_id", [deriveOpenId(B1, TB, "u1")]))[0]), `${TB}/u1`);

          // The key, the status id, its names and priority are free again, and nothing of the old
          // tenant comes back: not its sync toggle, not the snapshot of the status's version 1.
          await store.upsertTenant(tenantA);
          await store.upsertApp(appA1);
          assert.equal(await store.putUser(TA, { user_id: "u1", name: "New Ann", resigned: false }), "created");
          const again = created(await store.createStatus(TA, status(1, "A-en", 1), T0, 10));
          const rows = await openOk(store, TA, ID(1), snapshotOf(again), [{ user_id: "u1", end_time: T0_S + 60 }], A1, T0);
          assert.equal(rowOf(rows.get("u1"), ID(1)).snapshot.title, "A-en");
          assert.equal(rowOf(rows.get("u1"), ID(1)).sync_on, true);
        }),
      );

      test("deleteTenant is one transaction: a failure at its last step leaves everything in place", async (t) => {
        if (!hooks.failDeletesOf) return t.skip("this driver has no way to make a delete fail");
        const fail = hooks.failDeletesOf;
        await withStore(async (store) => {
          await populate(store);
          const before = await holdings(store);
          // The tenants row goes last: every other delete has run when this one fails.
          await fail(store, "tenants");
          await assert.rejects(store.deleteTenant(TA));
          assert.deepEqual(await holdings(store), before);
          assert.equal(before.token?.app?.app_id, A1);
          assert.equal(before.users.length, 2);
          assert.equal(before.rows.length, 1);
        })();
      });

      test(
        "createApp: this app's derived open_id for every user, a derived union_id for a new developer; existing ids kept",
        withStore(async (store) => {
          // u3 has an explicit union id for devA; a non-ASCII developer checks the derivation's encoding.
          await store.upsertUsers(TA, [userInput(TA, "u3", "Cy Wu", [appA1], { union_ids: { devA: `on_${"3".repeat(32)}` } })]);
          const A4 = "cli_aaaaaaaaaaaaaaa4";
          const A5 = "cli_aaaaaaaaaaaaaaa5";
          const DEV = "開発者·ü";
          assert.equal(await store.createApp(app(A4, TA, "devA")), "created");
          assert.equal(await store.createApp(app(A5, TA, DEV)), "created");
          assert.deepEqual(await store.getApp(A4), app(A4, TA, "devA"));
          for (const u of ["u1", "u2", "u3"]) {
            const user = await store.getUser(TA, u);
            assert.equal(user?.open_ids[A4], deriveOpenId(A4, TA, u), `${u} open_id of A4`);
            assert.equal(user?.open_ids[A5], deriveOpenId(A5, TA, u), `${u} open_id of A5`);
            assert.equal(user?.union_ids[DEV], deriveUnionId(DEV, TA, u), `${u} union_id of the new developer`);
          }
          assert.equal(
            (await store.getUser(TA, "u3"))?.union_ids.devA,
            `on_${"3".repeat(32)}`,
            "an existing developer's id is kept",
          );
          assert.equal((await store.getUser(TA, "u1"))?.union_ids.devA, deriveUnionId("devA", TA, "u1"));
          // The new ids resolve, for that app only; the other tenant got nothing.
          const a5 = (await store.getApp(A5)) as App;
          assert.equal(userOf((await store.resolveUserIds(a5, "open_id", [deriveOpenId(A5, TA, "u2")]))[0]), `${TA}/u2`);
          assert.equal(userOf((await store.resolveUserIds(a5, "union_id", [deriveUnionId(DEV, TA, "u1")]))[0]), `${TA}/u1`);
          assert.deepEqual(Object.keys((await store.getUser(TB, "u1"))?.open_ids ?? {}), [B1]);
        }),
      );

      test(
        "createApp: a taken app_id (in any tenant) and an unknown tenant write nothing",
        withStore(async (store) => {
          assert.equal(await store.createApp(app(B1, TA, "devNew", { scopes: [] })), "app_taken");
          assert.deepEqual(await store.getApp(B1), appB1);
          assert.equal(await store.createApp(app(A1, TA, "devNew")), "app_taken");
          assert.deepEqual(await store.getApp(A1), appA1);
          assert.equal((await store.getUser(TA, "u1"))?.union_ids.devNew, undefined);
          assert.equal(await store.createApp(app("cli_cccccccccccccccc", "cccccccccccccccc", "d")), "no_tenant");
          assert.equal(await store.getApp("cli_cccccccccccccccc"), undefined);
        }),
      );

      test(
        "updateApp changes only the given fields; revokeTokens deletes the app's tokens in the same call; unknown → undefined",
        withStore(async (store) => {
          await store.insertToken(tok("t-a1", A1, T0));
          await store.insertToken(tok("t-a2", A2, T0));
          assert.equal((await store.tokenOwner(h("t-a1")))?.token.app_id, A1, "cached before the change");
          const scoped = await store.updateApp(A1, { scopes: ["x"], visibility: ["u2"] }, false);
          assert.deepEqual(scoped, { ...appA1, scopes: ["x"], visibility: ["u2"] });
          assert.deepEqual(await store.getApp(A1), scoped);
          assert.deepEqual((await store.tokenOwner(h("t-a1")))?.app, scoped, "the token's app is the changed one");
          const rotated = await store.updateApp(A1, { secret_hash: "scrypt$new", enabled: false }, true);
          assert.deepEqual(rotated, { ...appA1, scopes: ["x"], visibility: ["u2"], secret_hash: "scrypt$new", enabled: false });
          assert.equal(await store.tokenOwner(h("t-a1")), undefined, "revoked");
          assert.equal(await store.latestToken(A1, "tenant", T0), undefined);
          assert.equal((await store.tokenOwner(h("t-a2")))?.token.app_id, A2, "another app's token stays");
          assert.deepEqual(await store.updateApp(A2, { visibility: "all" }, false), { ...appA2, visibility: "all" });
          assert.equal(await store.updateApp("cli_cccccccccccccccc", { enabled: true }, true), undefined);
          assert.equal(await store.getApp("cli_cccccccccccccccc"), undefined);
        }),
      );

      test(
        "listApps: by app_id, of one tenant or all, after a cursor",
        withStore(async (store) => {
          const ids = (apps: App[]) => apps.map((a) => a.app_id);
          assert.deepEqual(ids(await store.listApps(10)), [A1, A2, A3, B1]);
          assert.deepEqual(await store.listApps(1), [appA1]);
          assert.deepEqual(ids(await store.listApps(2, { afterId: A1 })), [A2, A3]);
          assert.deepEqual(ids(await store.listApps(10, { tenantKey: TA, afterId: A2 })), [A3]);
          assert.deepEqual(ids(await store.listApps(10, { tenantKey: TB })), [B1]);
          assert.deepEqual(await store.listApps(10, { tenantKey: "cccccccccccccccc" }), []);
        }),
      );

      test(
        "knownUserIds: the tenant's users among the ids",
        withStore(async (store) => {
          assert.deepEqual([...(await store.knownUserIds(TA, ["u2", "u9", "u1", "u2"]))].sort(), ["u1", "u2"]);
          assert.deepEqual([...(await store.knownUserIds(TB, ["u1", "u2"]))], ["u1"]);
          assert.deepEqual([...(await store.knownUserIds(TA, []))], []);
        }),
      );

      test(
        "getUser and listUsers: users by user_id with their ids per app and per developer",
        withStore(async (store) => {
          const u1 = await store.getUser(TA, "u1");
          assert.deepEqual(u1, {
            tenant_key: TA,
            user_id: "u1",
            name: "Ann Lee",
            resigned: false,
            open_ids: { [A1]: deriveOpenId(A1, TA, "u1"), [A2]: deriveOpenId(A2, TA, "u1"), [A3]: deriveOpenId(A3, TA, "u1") },
            union_ids: { devA: deriveUnionId("devA", TA, "u1"), devZ: deriveUnionId("devZ", TA, "u1") },
          });
          assert.equal(await store.getUser(TA, "u9"), undefined);
          assert.equal(await store.getUser("cccccccccccccccc", "u1"), undefined);
          const all = await store.listUsers(TA, 10);
          assert.deepEqual(
            all.map((u) => u.user_id),
            ["u1", "u2"],
          );
          assert.deepEqual(all[0], u1);
          assert.equal(all[1]?.resigned, true);
          assert.deepEqual(
            (await store.listUsers(TA, 1, "u1")).map((u) => u.user_id),
            ["u2"],
          );
          assert.deepEqual(await store.listUsers(TA, 10, "u2"), []);
          assert.deepEqual(await store.listUsers("cccccccccccccccc", 10), []);
        }),
      );

      test(
        "putUser: a new user gets the derived ids of every app; an update keeps ids and toggles; unknown tenant → no_tenant",
        withStore(async (store) => {
          assert.equal(await store.putUser(TA, { user_id: "u7", name: "Gus", resigned: false }), "created");
          assert.deepEqual(await store.getUser(TA, "u7"), {
            tenant_key: TA,
            user_id: "u7",
            name: "Gus",
            resigned: false,
            open_ids: { [A1]: deriveOpenId(A1, TA, "u7"), [A2]: deriveOpenId(A2, TA, "u7"), [A3]: deriveOpenId(A3, TA, "u7") },
            union_ids: { devA: deriveUnionId("devA", TA, "u7"), devZ: deriveUnionId("devZ", TA, "u7") },
          });
          assert.equal(userOf((await store.resolveUserIds(appA2, "open_id", [deriveOpenId(A2, TA, "u7")]))[0]), `${TA}/u7`);
          // An existing user with explicit ids and a toggle of its own keeps them.
          const explicit = userInput(TA, "u8", "Hu", [appA1, appA2, appA3], {
            open_ids: { [A1]: `ou_${"8".repeat(32)}` },
            union_ids: { devA: `on_${"8".repeat(32)}` },
            sync_off: [ID(1)],
          });
          await store.upsertUsers(TA, [explicit]);
          const a = created(await store.createStatus(TA, status(1, "A", 1), T0, 10));
          assert.equal(await store.putUser(TA, { user_id: "u8", name: "Hu Renamed", resigned: true }), "updated");
          const u8 = await store.getUser(TA, "u8");
          assert.deepEqual(u8, {
            tenant_key: TA,
            user_id: "u8",
            name: "Hu Renamed",
            resigned: true,
            open_ids: explicit.open_ids,
            union_ids: explicit.union_ids,
          });
          const rows = await openOk(store, TA, ID(1), snapshotOf(a), [{ user_id: "u8", end_time: T0_S + 60 }], A1, T0);
          assert.equal(rowOf(rows.get("u8"), ID(1)).sync_on, false, "the toggle survived");
          const [r] = await store.resolveUserIds(appA1, "open_id", [`ou_${"8".repeat(32)}`]);
          assert.deepEqual(r, { kind: "user", user: { tenant_key: TA, user_id: "u8", name: "Hu Renamed", resigned: true } });
          assert.equal(await store.putUser("cccccccccccccccc", { user_id: "u1", name: "x", resigned: false }), "no_tenant");
          assert.equal(await store.getUser("cccccccccccccccc", "u1"), undefined);
        }),
      );

      test(
        "importUsers: chunks in one call, counts created and updated, reports progress; an unknown tenant writes nothing",
        withStore(async (store) => {
          const chunks = [
            [
              { user_id: "n001", name: "N 1", resigned: false },
              { user_id: "u1", name: "Ann Renamed", resigned: true },
            ],
            [],
            Array.from({ length: 30 }, (_, i) => ({
              user_id: `n1${String(i).padStart(2, "0")}`,
              name: `N ${i}`,
              resigned: false,
            })),
          ];
          const progress: number[] = [];
          assert.deepEqual(await store.importUsers(TA, chunks, (n) => progress.push(n)), { created: 31, updated: 1 });
          assert.equal(progress.at(-1), 32);
          assert.equal((await store.listUsers(TA, 100)).length, 33);
          assert.deepEqual((await store.getUser(TA, "n129"))?.open_ids, {
            [A1]: deriveOpenId(A1, TA, "n129"),
            [A2]: deriveOpenId(A2, TA, "n129"),
            [A3]: deriveOpenId(A3, TA, "n129"),
          });
          const u1 = await store.getUser(TA, "u1");
          assert.equal(u1?.name, "Ann Renamed");
          assert.equal(u1?.open_ids[A1], deriveOpenId(A1, TA, "u1"));
          assert.deepEqual(await store.importUsers(TA, [[{ user_id: "n001", name: "N 1 again", resigned: false }]]), {
            created: 0,
            updated: 1,
          });
          assert.deepEqual(await store.importUsers(TA, []), { created: 0, updated: 0 });
          assert.equal(await store.importUsers("cccccccccccccccc", chunks), undefined);
          assert.deepEqual(await store.listUsers("cccccccccccccccc", 10), []);
        }),
      );

      test(
        "importUsers is one transaction: a failure in a later chunk leaves no user of the earlier ones",
        withStore(async (store) => {
          function* failing() {
            yield [
              { user_id: "n001", name: "N 1", resigned: false },
              { user_id: "u1", name: "Ann Renamed", resigned: true },
            ];
            throw new Error("the spool broke");
          }
          await assert.rejects(store.importUsers(TA, { [Symbol.iterator]: failing }));
          assert.equal(await store.getUser(TA, "n001"), undefined);
          assert.equal((await store.getUser(TA, "u1"))?.name, "Ann Lee");
          assert.deepEqual(await store.resolveUserIds(appA1, "open_id", [deriveOpenId(A1, TA, "n001")]), [{ kind: "invalid" }]);
          // The store still works afterwards.
          assert.equal(await store.putUser(TA, { user_id: "n001", name: "N 1", resigned: false }), "created");
        }),
      );
    });
  });
}
