/**
 * A bounded, reproducible fuzz of every admin operation (runs on both drivers), modelled on the
 * vendor routes' fuzz (test/api/fuzz.test.ts). For each operation of ADMIN_OPERATIONS (so a new
 * route is fuzzed as soon as it is listed), a valid request is generated from the operation's own
 * schemas (path parameters, query, body, or NDJSON lines for a streamed body), then mutated once
 * at random: a value replaced by hostile JSON (wrong types, huge or deeply nested values, lone
 * surrogates, NUL), a key dropped, unknown keys at any depth, a hostile path segment, bad cursors
 * and limits, repeated or unknown query parameters, odd or missing content types, empty or
 * non-JSON bodies, NDJSON garbage. Every answer must be below 500 and, when 4xx, an RFC 9457
 * problem (a 400 naming its field); nothing may be logged at error level; afterwards the store must
 * hold the directory's invariants. Then, for every operation, a wrong or missing admin token is a
 * 401 problem and leaves a full dump of the directory unchanged.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { DURATION_PATTERN } from "../../src/admin/emulator/clock.js";
import { ADMIN_OPERATIONS } from "../../src/admin/routes.js";
import { buildApp } from "../../src/app.js";
import { ManualClock } from "../../src/domain/clock.js";
import { deriveOpenId, deriveUnionId, sequentialIds } from "../../src/domain/ids.js";
import { KNOWN_SCOPES } from "../../src/domain/model.js";
import { EmulatorClock } from "../../src/emulator/clock.js";
import { Emulator } from "../../src/emulator/emulator.js";
import { Faults } from "../../src/emulator/faults.js";
import { Journal } from "../../src/emulator/journal.js";
import { loadSeedFile } from "../../src/seed/load.js";
import type { Store } from "../../src/storage/store.js";
import { type Json, objects, prng } from "../fuzz.js";
import { ACME, ADMIN_TOKEN, APP, FIXTURE_SEED, GLOBEX, INITECH, LEAVE, T0, TEST_SCRYPT_N, TRIP, testStore } from "../helpers.js";
import { ADMIN } from "./support.js";

/**
 * Known defects the fuzz found outside the files of its branch, kept out of the random inputs until
 * they are fixed (each has its own test below, marked todo; flip the flag with the fix):
 * - NUL_IDS: on PostgreSQL, U+0000 in a looked-up identifier (a path's tenant_key or app_id,
 *   `?tenant_key=`, a cursor's key) or in an app's `developer` reaches PostgreSQL, which refuses it:
 *   500 instead of 404/400 (SQLite answers 404, or the page).
 * - BAD_ENCODING: an admin path with a malformed percent-encoding (`%ZZ`) or one that decodes to
 *   invalid UTF-8 (`%ED%A0%80`) answers the vendor's 9499 envelope (application/json), not a problem.
 */
const NUL_IDS_FIXED = true;
const BAD_ENCODING_FIXED = true;

const SEED = Number(process.env.LARKSTATUS_FUZZ_SEED ?? 20261202);
const ROUNDS = Number(process.env.LARKSTATUS_FUZZ_ROUNDS ?? 900);

const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const chance = (p: number) => rand() < p;
const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");

/** Marks a spot where the JSON text gets an array nested 5,000 deep (JSON.stringify cannot write it). */
const DEEP = "\u0000deep\u0000";
const STRINGS = [
  "",
  "a",
  "出差",
  " ",
  "x".repeat(257),
  "x".repeat(70_000),
  "s\ud800",
  "\udfff",
  "😀",
  "\u0000",
  "a\u0000b",
  "__proto__",
  "constructor",
  "all",
  "cli_a1b2c3d4e5f60718",
  "a1b2c3d4e5f60718",
  "7101214603622940001",
  "personal_settings:status:system_status_operat",
  "u001",
  "../u001",
];
const KEYS = ["name", "scopes", "visibility", "enabled", "on", "user_id", "resigned", "tenant_key", "junk", "__proto__"];

function hostile(depth = 0): unknown {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.18) return chance(0.5);
  if (r < 0.3) return pick([0, -1, 1, 500, 501, 2 ** 53, -0, 1.5, 1e308, -1e308]);
  if (r < 0.6) return pick(STRINGS);
  if (r < 0.66) return DEEP;
  if (r < 0.8 && depth < 3) return Array.from({ length: Math.floor(rand() * 3) }, () => hostile(depth + 1));
  if (depth < 3)
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(KEYS), hostile(depth + 1)]));
  return pick(STRINGS);
}

function mutate(body: Json): Json {
  const o = pick(objects(body));
  const keys = Object.keys(o);
  const r = rand();
  if (r < 0.45 && keys.length) o[pick(keys)] = hostile();
  else if (r < 0.6 && keys.length) delete o[pick(keys)];
  else o[pick(["junk", "extra", "app_secret", "open_ids", "sync_off", "id"])] = hostile();
  return body;
}

const toText = (v: unknown) => JSON.stringify(v).replaceAll(JSON.stringify(DEEP), `${"[".repeat(5000)}${"]".repeat(5000)}`);

/** What the fuzz knows exists (and what it created), so valid requests mostly reach the handlers. */
interface Known {
  tenants: string[];
  /** Tenants the fuzz created: the only ones it deletes (else the seed's data would be gone at once). */
  created: string[];
  apps: string[];
  users: string[];
  statuses: string[];
  cursors: string[];
  /** Snapshot names and fault rule ids that exist (the emulator's). */
  snapshots: string[];
  faults: string[];
}

/** What the fuzz app holds right after its seed (and after every reset). */
function startingKnown(): Known {
  return {
    tenants: [ACME, GLOBEX, INITECH],
    created: [],
    apps: [APP.app_id, "cli_00000000000000b2", "cli_00000000000000d3", "cli_0f1e2d3c4b5a6978"],
    users: ["u001", "u002", "u003", "u004", "g001", "i001"],
    statuses: [TRIP, LEAVE, "7101214603622940009"],
    cursors: [],
    snapshots: [FUZZ_SNAPSHOT],
    faults: [FUZZ_FAULT],
  };
}

/** A copy of `items` in a random order (Fisher-Yates, on the seeded PRNG). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A valid value of a path parameter, by its name; a parameter the fuzz does not know fails the test. */
function paramValue(name: string, method: string, known: Known, clean: boolean, url: string): string {
  // A clean request names what exists; others sometimes name what does not (404s).
  const known_ = (p: number) => clean || chance(p);
  switch (name) {
    case "tenant_key":
      if (method === "DELETE") return known_(0.8) && known.created.length ? pick(known.created) : hex(16);
      // The known users and statuses are Acme's: a path that names one of them names Acme, or
      // every seed would mostly pair them with a tenant that has none of them (404s only).
      if (url.includes(":user_id") || url.includes(":system_status_id")) return known_(0.9) ? ACME : hex(16);
      return known_(0.9) ? pick(known.tenants) : hex(16);
    case "app_id":
      return known_(0.9) ? pick(known.apps) : `cli_${hex(16)}`;
    case "user_id":
      return known_(0.8) ? pick(known.users) : `n${Math.floor(rand() * 50)}`;
    case "system_status_id":
      return known_(0.9) ? pick(known.statuses) : `7${"0".repeat(17)}${Math.floor(rand() * 10)}`;
    case "id":
      return known_(0.8) && known.faults.length ? pick(known.faults) : `flt_${Math.floor(rand() * 50) + 1}`;
    case "name":
      return known_(0.8) && known.snapshots.length ? pick(known.snapshots) : `snap-${Math.floor(rand() * 20)}`;
    default:
      throw new Error(`the admin fuzz has no valid values for the path parameter :${name}: add them to paramValue`);
  }
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minProperties?: number;
}

/** A valid value of `schema` (a TypeBox/JSON schema), using the property's name for the values rules check. */
function valid(schema: Schema, key: string, known: Known): unknown {
  if (schema.anyOf) return valid(pick(schema.anyOf), key, known);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(schema.enum);
  switch (schema.type) {
    case "object": {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      let out = Object.fromEntries(
        props.filter(([k]) => required.has(k) || chance(0.5)).map(([k, s]) => [k, valid(s, k, known)]),
      );
      if (Object.keys(out).length < (schema.minProperties ?? 0) && props.length) {
        const [k, s] = pick(props);
        out = { ...out, [k]: valid(s, k, known) };
      }
      return out;
    }
    case "array":
      return Array.from({ length: Math.floor(rand() * 3) }, () => valid(schema.items ?? {}, key, known));
    case "boolean":
      return chance(0.5);
    case "integer":
    case "number":
      return Math.floor((schema.minimum ?? 0) + rand() * Math.min(10, (schema.maximum ?? 10) - (schema.minimum ?? 0)));
    default:
      return validString(schema, key, known);
  }
}

function validString(schema: Schema, key: string, known: Known): string {
  switch (schema.pattern) {
    case "^[0-9a-f]{16}$":
      return hex(16);
    case "^cli_[0-9a-f]{16}$":
      return `cli_${hex(16)}`;
    case "^[A-Za-z0-9_-]{1,64}$":
      return pick(known.users);
    case "^[0-9]{19}$":
      return pick(known.statuses);
    case "^[A-Za-z0-9._-]{1,64}$":
      return chance(0.5) && known.snapshots.length ? pick(known.snapshots) : `snap-${Math.floor(rand() * 20)}`;
    case DURATION_PATTERN:
      return pick(["30s", "90m", "2h", "1.5d"]);
  }
  switch (key) {
    case "scopes":
      return pick(KNOWN_SCOPES);
    case "cursor":
      return pick(known.cursors.length ? known.cursors : [""]);
    case "tenant_key":
      return pick(known.tenants);
    case "developer":
      return pick(["dev-a", ACME, "外包"]);
    case "op":
      return pick(["system_status.batch_open", "tenant.create", "user.sync"]);
    case "operation":
      return pick(["system_status.batch_open", "system_status.list", "tenant_access_token"]);
    default:
      return pick([`${key} ${Math.floor(rand() * 1000)}`, "中文名", "Ann Lee"]);
  }
}

/** A hostile path segment (percent-encoded where the URL needs it). */
function hostileSegment(): string {
  return pick([
    "x",
    ...(NUL_IDS_FIXED ? ["%00"] : []),
    ...(BAD_ENCODING_FIXED ? ["%ZZ", "%ED%A0%80"] : []),
    "%F0%9F%98%80",
    "..",
    "%2F",
    "%20",
    "7".repeat(40),
    "x".repeat(5000),
    "a1b2c3d4e5f6071",
    "A1B2C3D4E5F60718",
    "cli_A1B2C3D4E5F60718",
    "__proto__",
    "u001%0A",
  ]);
}

/** A hostile query: bad limits, bad cursors, unknown or repeated parameters. */
function hostileQuery(known: Known): string {
  const cursor = () =>
    pick([
      "bogus",
      "!!",
      "%00",
      Buffer.from("[1]").toString("base64url"),
      ...(NUL_IDS_FIXED ? [Buffer.from('["\\u0000"]').toString("base64url")] : []),
      Buffer.from('["\\ud800"]').toString("base64url"),
      Buffer.from('["x","y"]').toString("base64url"),
      Buffer.from("[null]").toString("base64url"),
      Buffer.from('[{"a":1}]').toString("base64url"),
      Buffer.from(`["${"z".repeat(10_000)}"]`).toString("base64url"),
      Buffer.from("[1e400]").toString("base64url"),
      ...known.cursors,
    ]);
  const parts = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
    pick([
      () => `limit=${pick(["0", "501", "-1", "1.5", "x", "1e3", "", "100000000000000000000", "%00", "1", "500"])}`,
      () => `cursor=${encodeURIComponent(cursor())}`,
      () => `shown=${pick(["true", "false", "maybe", "1", ""])}`,
      () => `tenant_key=${pick([ACME, "x", "", hex(16), ...(NUL_IDS_FIXED ? ["%00"] : [])])}`,
      () => `${pick(["junk", "user_id_type", "__proto__", "limit", "cursor"])}=${pick(["1", "", "x"])}`,
    ])(),
  );
  return `?${parts.join("&")}`;
}

/** NDJSON that is mostly valid lines, with garbage of every kind mixed in. */
function ndjson(line: Schema, known: Known, garbage: boolean): Buffer {
  const pieces: Buffer[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    let obj = valid(line, "", known) as Json;
    if (typeof obj.user_id === "string" && chance(0.5)) obj.user_id = `m${Math.floor(rand() * 40)}`;
    // A valid body names each user once (a repeated user_id is a refusal of its own).
    if (!garbage && typeof obj.user_id === "string") obj.user_id = `${obj.user_id.slice(0, 50)}-${i}`;
    if (garbage && chance(0.35)) obj = mutate(obj);
    let text: Buffer = Buffer.from(toText(obj));
    if (garbage && chance(0.15)) {
      text = pick([
        () => Buffer.from("{not json"),
        () => Buffer.from("[]"),
        () => Buffer.from("null"),
        () => Buffer.from('"a string"'),
        () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        () => Buffer.from([0xed, 0xa0, 0x80]),
        () => Buffer.from(`{"user_id":"u001","name":"${"x".repeat(70_000)}"}`),
        () => Buffer.from("   "),
        () => Buffer.from('{"user_id":"u001","name":"a"}{"user_id":"u002","name":"b"}'),
        () => Buffer.from("\u0000"),
      ])();
    }
    pieces.push(text, Buffer.from(garbage && chance(0.2) ? pick(["\r\n", "\n\n", "\r", ""]) : "\n"));
  }
  if (garbage && chance(0.1)) pieces.push(Buffer.from('{"user_id":"trailing"')); // no final newline, cut short
  return Buffer.concat(pieces);
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A request of `op`: valid, then (unless `clean`) mutated once. */
function request(op: (typeof ADMIN_OPERATIONS)[number], known: Known, clean = false): FuzzRequest {
  const method = op.method as string;
  const mutating = !clean && chance(0.8);
  const what = mutating ? pick(["body", "body", "path", "query", "type"] as const) : undefined;
  const url = op.url.replace(/:([a-z_]+)/g, (_, name: string) =>
    what === "path" && chance(0.6) ? hostileSegment() : encodeURIComponent(paramValue(name, method, known, clean, op.url)),
  );
  const schema = op.schema as { querystring?: Schema; body?: Schema };
  let query = "";
  if (what === "query" || (mutating && chance(0.1))) query = hostileQuery(known);
  else if (schema.querystring) {
    const q = valid(schema.querystring, "", known) as Record<string, unknown>;
    // Time bounds are inclusive and ordered: a valid pair has since before until.
    if (typeof q.since_ms === "number" && typeof q.until_ms === "number" && q.until_ms < q.since_ms)
      [q.since_ms, q.until_ms] = [q.until_ms, q.since_ms];
    const s = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();
    query = s ? `?${s}` : "";
  }
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let body: string | Buffer | undefined;
  if (op.stream) {
    headers["content-type"] = op.stream.contentType;
    body = ndjson(op.stream.line as Schema, known, mutating);
  } else if (schema.body) {
    headers["content-type"] = "application/json";
    const v = valid(schema.body, "", known) as Json;
    // The clock takes exactly one of its fields (the schema says so in words): keep the first.
    if (op.name === "emulator.clock.change") {
      for (const k of Object.keys(v).slice(1)) delete v[k];
      // Time only moves forward: a valid set_ms is later than the clock (which starts at T0 and
      // only advances by the fuzz's own steps, well under a year in any run).
      if (typeof v.set_ms === "number") v.set_ms = T0 + 365 * 86_400_000 + Math.floor(rand() * 1e9);
    }
    // A fault rule's fields depend on each other (an error or a user fail, not both; a catalog code):
    // a valid one is spelled out, and mutated like any other body.
    if (op.name === "emulator.faults.add") {
      for (const k of Object.keys(v)) delete v[k];
      Object.assign(
        v,
        pick([
          { operation: "system_status.list", latency_ms: 5 },
          { operation: "*", error_code: 99991400, probability: 0.5, seed: 7 },
          { operation: "system_status.batch_open", user_fail_probability: 0.3, times: 2 },
        ]),
      );
    }
    if (what === "body") mutate(v);
    if (!NUL_IDS_FIXED && typeof v.developer === "string") v.developer = v.developer.replaceAll("\u0000", "0");
    body = toText(v);
    if (what === "body" && chance(0.15)) body = pick(["", "{", "[]", "null", "0", '"x"', "{}", "{}{}", '{"a":1', "\u0000"]);
  } else if (what === "body") {
    // An operation without a body gets one anyway.
    headers["content-type"] = "application/json";
    body = toText(hostile());
  }
  if (what === "type") {
    const type = pick([
      null,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=latin1",
      "APPLICATION/X-NDJSON",
      "application/x-ndjson",
      "application/json",
      "",
    ]);
    if (type === null) delete headers["content-type"];
    else headers["content-type"] = type;
    if (body === undefined && chance(0.5)) body = "{}";
  }
  return { method, url: `${ADMIN}${url}${query}`, headers, ...(body !== undefined ? { body } : {}) };
}

/** Why `res` is not an acceptable admin answer (undefined: it is one). */
function badAnswer(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return "a 5xx";
  const type = res.headers["content-type"];
  if (res.statusCode === 204) return res.body === "" ? undefined : "a 204 with a body";
  if (res.statusCode < 400) {
    if (type !== "application/json; charset=utf-8") return `a success typed ${type}`;
    try {
      JSON.parse(res.body);
    } catch {
      return "a success that is not JSON";
    }
    return undefined;
  }
  if (type !== "application/problem+json; charset=utf-8") return `a ${res.statusCode} typed ${type}`;
  let p: { type?: unknown; title?: unknown; status?: unknown; detail?: unknown; log_id?: unknown; errors?: unknown };
  try {
    p = JSON.parse(res.body);
  } catch {
    return "a problem that is not JSON";
  }
  if (typeof p.type !== "string" || !p.type.startsWith("urn:larkstatus:problem:")) return "no problem type";
  if (typeof p.title !== "string" || p.title === "") return "no title";
  if (p.status !== res.statusCode) return "a problem status unlike the HTTP status";
  if (typeof p.detail !== "string") return "no detail";
  if (p.log_id !== res.headers["x-request-id"]) return "log_id is not X-Request-Id";
  if (res.statusCode === 400) {
    const errors = p.errors as Array<{ field?: unknown; message?: unknown }> | undefined;
    if (!Array.isArray(errors) || errors.length === 0) return "a 400 without errors";
    if (!errors.every((e) => typeof e.field === "string" && e.field !== "" && typeof e.message === "string"))
      return "a 400 error without its field or message";
  }
  return undefined;
}

interface FuzzApp {
  inject(req: FuzzRequest): Promise<LightMyRequestResponse>;
  store: Store;
  clock: ManualClock;
  /** Log records at error level or above (a 5xx, or an error after the answer was sent). */
  errors: string[];
  close(): Promise<void>;
}

/** A snapshot and a fault rule every fuzz app starts with (and gets back on reset), so their routes can succeed. */
const FUZZ_SNAPSHOT = "fuzz-start";
const FUZZ_FAULT = "flt_1";

/**
 * The test app of makeApp() with the emulator controls on, but with its log kept, so an error
 * logged behind an answer is seen.
 */
async function fuzzApp(): Promise<FuzzApp> {
  const clock = new ManualClock(T0);
  const store = await testStore();
  await store.migrate();
  const emulatorClock = new EmulatorClock(clock, store);
  await emulatorClock.refresh();
  const ids = sequentialIds(emulatorClock);
  const emulator = new Emulator({
    clock: emulatorClock,
    shared: false,
    snapshots: store,
    journal: new Journal(100),
    faults: new Faults(),
  });
  await loadSeedFile(FIXTURE_SEED, { store, ids, now: () => emulatorClock.now(), scryptN: TEST_SCRYPT_N });
  await emulator.captureBaseline();
  await emulator.saveSnapshot(FUZZ_SNAPSHOT);
  // Vendor calls only (the fuzz makes none): a rule whose id the fault routes can name.
  assert.equal(emulator.faults.add({ operation: "system_status.list", latency_ms: 1 }).id, FUZZ_FAULT);
  const errors: string[] = [];
  let pending = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "" && errors.length < 50) errors.push(line.slice(0, 500));
      done();
    },
  });
  // Fastify's logger takes a stream besides the level; AppDeps names only the level.
  const logger: { level: string } = { level: "error", ...{ stream } };
  const app = await buildApp({ store, clock: emulatorClock, ids, rateLimit: "off", logger, adminToken: ADMIN_TOKEN, emulator });
  return {
    store,
    clock,
    errors,
    inject: (r) =>
      app.inject({
        method: r.method as "GET",
        url: r.url,
        headers: r.headers,
        ...(r.body !== undefined ? { payload: r.body } : {}),
      }),
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Every tenant, app, user (with ids), status, user row and toggle in the store, for before/after comparisons. */
async function dump(store: Store): Promise<unknown> {
  const tenants = await store.listTenants(10_000);
  const apps = await store.listApps(10_000);
  const out: unknown[] = [tenants, apps.map((a) => ({ ...a }))];
  for (const t of tenants) {
    const users = await store.listUsers(t.tenant_key, 10_000);
    const statuses = await store.listStatuses(t.tenant_key, 50);
    out.push(users, statuses);
    for (const s of statuses.items) out.push(await store.getStatus(t.tenant_key, s.system_status_id, true));
    for (const u of users) {
      out.push(await store.userStatuses(t.tenant_key, u.user_id));
      out.push([...(await store.userSyncPrefs(t.tenant_key, u.user_id))]);
    }
  }
  return JSON.parse(JSON.stringify(out));
}

/** What an emulator control that succeeded changed in what the fuzz knows exists. */
function followEmulator(op: string, req: FuzzRequest, res: LightMyRequestResponse, known: Known): Known {
  const body = res.body === "" ? {} : (res.json() as Json);
  const nameInPath = decodeURIComponent(req.url.split("?")[0]?.split("/")[5] ?? "");
  switch (op) {
    case "emulator.reset":
      // Everything as after the seed: what the fuzz created is gone, and so are every snapshot and rule.
      return { ...startingKnown(), snapshots: [], faults: [] };
    case "emulator.snapshot.save":
      return typeof body.name === "string" ? { ...known, snapshots: [...new Set([...known.snapshots, body.name])] } : known;
    case "emulator.snapshot.delete":
      return { ...known, snapshots: known.snapshots.filter((n) => n !== nameInPath) };
    case "emulator.faults.add":
      return typeof body.id === "string" ? { ...known, faults: [...known.faults, body.id] } : known;
    case "emulator.faults.clear":
      return { ...known, faults: [] };
    case "emulator.faults.remove":
      return { ...known, faults: known.faults.filter((id) => id !== nameInPath) };
    default:
      return known;
  }
}

const TENANT_KEYS = ["tenant_key", "name", "api_enabled", "sensitive_words"];
const APP_KEYS = ["app_id", "tenant_key", "scopes", "visibility", "enabled", "developer", "secret_hash"];
const USER_KEYS = ["tenant_key", "user_id", "name", "resigned", "open_ids", "union_ids"];
const wellFormed = (s: unknown) => typeof s === "string" && s.length > 0 && !/\p{Cs}/u.test(s);

/** The directory's invariants, as failures (empty: all hold). */
async function invariants(store: Store): Promise<string[]> {
  const bad: string[] = [];
  const tenants = await store.listTenants(10_000);
  const apps = await store.listApps(10_000);
  for (const t of tenants) {
    const where = `tenant ${t.tenant_key}`;
    if (!/^[0-9a-f]{16}$/.test(t.tenant_key)) bad.push(`${where}: a malformed tenant_key`);
    for (const k of Object.keys(t)) if (!TENANT_KEYS.includes(k)) bad.push(`${where}: unknown field ${k}`);
    if (!wellFormed(t.name)) bad.push(`${where}: name ${JSON.stringify(t.name)}`);
    if (!t.sensitive_words.every(wellFormed)) bad.push(`${where}: sensitive_words ${JSON.stringify(t.sensitive_words)}`);
    const own = apps.filter((a) => a.tenant_key === t.tenant_key);
    for (const a of own) {
      const w = `app ${a.app_id}`;
      for (const k of Object.keys(a)) if (!APP_KEYS.includes(k)) bad.push(`${w}: unknown field ${k}`);
      if (!/^cli_[0-9a-f]{16}$/.test(a.app_id)) bad.push(`${w}: a malformed app_id`);
      if (!a.scopes.every((s) => (KNOWN_SCOPES as readonly string[]).includes(s))) bad.push(`${w}: scopes ${a.scopes}`);
      if (a.visibility !== "all" && !a.visibility.every((u) => /^[A-Za-z0-9_-]{1,64}$/.test(u)))
        bad.push(`${w}: visibility ${JSON.stringify(a.visibility)}`);
      if (!wellFormed(a.developer)) bad.push(`${w}: developer ${JSON.stringify(a.developer)}`);
    }
    const developers = new Set(own.map((a) => a.developer));
    for (const u of await store.listUsers(t.tenant_key, 10_000)) {
      const w = `user ${t.tenant_key}/${u.user_id}`;
      for (const k of Object.keys(u)) if (!USER_KEYS.includes(k)) bad.push(`${w}: unknown field ${k}`);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(u.user_id)) bad.push(`${w}: a malformed user_id`);
      if (!wellFormed(u.name)) bad.push(`${w}: name ${JSON.stringify(u.name)}`);
      if (typeof u.resigned !== "boolean") bad.push(`${w}: resigned ${u.resigned}`);
      // The seed gives u003 an explicit open_id and union_id; every other id is the derived one.
      const seeded = t.tenant_key === ACME && u.user_id === "u003";
      const openIds = Object.keys(u.open_ids).sort();
      if (JSON.stringify(openIds) !== JSON.stringify(own.map((a) => a.app_id).sort()))
        bad.push(`${w}: open_ids for ${openIds.join(",")}, apps ${own.map((a) => a.app_id).join(",")}`);
      for (const a of own) {
        const id = u.open_ids[a.app_id];
        if (id !== deriveOpenId(a.app_id, t.tenant_key, u.user_id) && !(seeded && a.app_id === APP.app_id))
          bad.push(`${w}: open_id ${id} for ${a.app_id} is not the derived one`);
      }
      for (const d of developers) {
        const id = u.union_ids[d];
        if (id !== deriveUnionId(d, t.tenant_key, u.user_id) && !(seeded && d === ACME))
          bad.push(`${w}: union_id ${id} for developer ${d} is not the derived one`);
      }
    }
  }
  for (const a of apps) if (!tenants.some((t) => t.tenant_key === a.tenant_key)) bad.push(`app ${a.app_id} of a gone tenant`);
  return bad;
}

test(`admin fuzz: ${ROUNDS} mutated requests over every operation (seed ${SEED}) answer < 500 problems, and the directory keeps its invariants`, async () => {
  const t = await fuzzApp();
  try {
    let known: Known = startingKnown();
    const failures: string[] = [];
    const seen = new Map<string, number>();
    const reached = new Map<string, Set<number>>();
    let order = [...ADMIN_OPERATIONS];
    for (let i = 0; i < ROUNDS; i++) {
      // Every operation once a cycle, in another (seeded) order each cycle: a fixed order would always
      // run, say, faults.clear just before faults.remove, which then never finds a rule to remove.
      if (i % ADMIN_OPERATIONS.length === 0) order = shuffled(ADMIN_OPERATIONS);
      const op = order[i % ADMIN_OPERATIONS.length] as (typeof ADMIN_OPERATIONS)[number];
      // An operation that has not yet succeeded gets unmutated requests in the second half, so the
      // coverage check below holds for every seed, not only for lucky ones.
      const unlucky = i >= ROUNDS / 2 && ![...(reached.get(op.name) ?? [])].some((c) => c < 300);
      const req = request(op, known, unlucky);
      const res = await t.inject(req);
      seen.set(String(res.statusCode), (seen.get(String(res.statusCode)) ?? 0) + 1);
      const codes = reached.get(op.name) ?? new Set<number>();
      codes.add(res.statusCode);
      reached.set(op.name, codes);
      const why = badAnswer(res);
      if (why && failures.length < 20) {
        const body = req.body === undefined ? "" : String(req.body).slice(0, 200);
        failures.push(
          `round ${i} ${op.name}: ${req.method} ${req.url.slice(0, 200)} ${body} → ${why}: ${res.statusCode} ${res.body.slice(0, 300)}`,
        );
      }
      if (!why && res.statusCode < 300 && res.body !== "") {
        const out = res.json() as Json & { next_cursor?: string };
        if (typeof out.next_cursor === "string" && known.cursors.length < 20) known.cursors.push(out.next_cursor);
        if (op.name === "tenant.create" && typeof out.tenant_key === "string") {
          known.tenants.push(out.tenant_key);
          known.created.push(out.tenant_key);
        }
        if (op.name === "app.create" && typeof out.app_id === "string") known.apps.push(out.app_id);
      }
      if (!why && res.statusCode < 300) known = followEmulator(op.name, req, res, known);
      if (op.name === "tenant.delete" && res.statusCode === 204) {
        const gone = decodeURIComponent(req.url.slice(`${ADMIN}/tenants/`.length).split(/[/?]/)[0] ?? "");
        known.tenants = known.tenants.filter((k) => k !== gone);
        known.created = known.created.filter((k) => k !== gone);
      }
      if (i % 100 === 99) t.clock.advance(61_000);
    }
    if (process.env.LARKSTATUS_FUZZ_VERBOSE)
      console.log(JSON.stringify([[...seen], ...[...reached].map(([k, v]) => [k, [...v].sort()])]));
    assert.deepEqual(failures, [], `replay with LARKSTATUS_FUZZ_SEED=${SEED}`);
    assert.deepEqual(t.errors, [], "nothing is logged at error level");
    // The mutations reached both success and a refusal of every operation, or the fuzz proves little
    // (a refusal: an operation without a body, query or patterned parameter, e.g. tenant.get, has
    // nothing to answer 400 for, only 404).
    assert.ok((seen.get("400") ?? 0) > ROUNDS / 5, JSON.stringify([...seen]));
    for (const op of ADMIN_OPERATIONS) {
      const codes = [...(reached.get(op.name) ?? [])];
      assert.ok(
        codes.some((c) => c < 300),
        `${op.name} never succeeded: ${codes}`,
      );
      assert.ok(
        codes.some((c) => c >= 400),
        `${op.name} never refused anything: ${codes}`,
      );
    }
    assert.deepEqual(await invariants(t.store), []);
  } finally {
    await t.close();
  }
});

test("admin fuzz: a wrong or missing admin token is a 401 problem on every operation, and changes nothing", async () => {
  const t = await fuzzApp();
  const sent: Array<[string, FuzzRequest]> = [];
  try {
    const known: Known = {
      tenants: [ACME],
      created: [ACME],
      apps: [APP.app_id],
      users: ["u001"],
      statuses: [TRIP],
      cursors: [],
      snapshots: [FUZZ_SNAPSHOT],
      faults: [FUZZ_FAULT],
    };
    const before = await dump(t.store);
    const wrong: Array<string | null> = [
      null,
      "",
      "Bearer",
      "Bearer ",
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      `Bearer ${ADMIN_TOKEN.toUpperCase()}`,
      `Basic ${ADMIN_TOKEN}`,
      ADMIN_TOKEN,
      `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}`,
      "Bearer t-0123456789abcdef",
    ];
    let calls = 0;
    for (const op of ADMIN_OPERATIONS) {
      for (const auth of wrong) {
        // A request the admin token would have answered with success (never mutated).
        const req = request(op, known, true);
        if (auth === wrong[0]) sent.push([op.name, { ...req, headers: { ...req.headers } }]);
        if (auth === null) delete req.headers.authorization;
        else req.headers.authorization = auth;
        const res = await t.inject(req);
        calls++;
        const where = `${op.name} with Authorization ${JSON.stringify(auth)}`;
        assert.equal(res.statusCode, 401, `${where}: ${res.body}`);
        assert.equal(badAnswer(res), undefined, where);
        assert.equal(res.json().type, "urn:larkstatus:problem:unauthorized", where);
        assert.match(String(res.headers["www-authenticate"]), /^Bearer /, where);
      }
    }
    assert.equal(calls, ADMIN_OPERATIONS.length * wrong.length);
    assert.deepEqual(await dump(t.store), before, "nothing changed");
    assert.deepEqual(t.errors, []);
  } finally {
    await t.close();
  }
  // The refused requests were ones the admin token gets answered with success (each on a fresh
  // store, since some of them delete or rotate what the next one needs).
  for (const [op, req] of sent) {
    const fresh = await fuzzApp();
    try {
      const res = await fresh.inject(req);
      assert.ok(res.statusCode < 300, `${op} with the admin token: ${res.statusCode} ${res.body.slice(0, 300)}`);
    } finally {
      await fresh.close();
    }
  }
});

/** Requests that U+0000 in an identifier or a developer sends to the store (see NUL_IDS_FIXED). */
const NUL_CURSOR = Buffer.from('["\\u0000"]').toString("base64url");
const NUL_REQUESTS: Array<[string, string, unknown?]> = [
  ["GET", "/tenants/%00"],
  ["PATCH", "/tenants/%00", { name: "x" }],
  ["DELETE", "/tenants/%00"],
  ["POST", "/tenants/%00/apps", { scopes: [] }],
  ["GET", "/tenants/%00/users"],
  ["GET", "/tenants/%00/users/u001"],
  ["PUT", "/tenants/%00/users/u001", { name: "x" }],
  ["GET", "/tenants/%00/users/u001/status"],
  ["PUT", `/tenants/%00/users/u001/sync/${TRIP}`, { on: true }],
  ["GET", `/tenants/%00/system_statuses/${TRIP}/users`],
  ["GET", "/apps/%00"],
  ["PATCH", "/apps/%00", { enabled: true }],
  ["POST", "/apps/%00/secret"],
  ["GET", "/apps?tenant_key=%00"],
  ["GET", `/tenants?cursor=${NUL_CURSOR}`],
  ["GET", `/apps?cursor=${NUL_CURSOR}`],
  ["GET", `/tenants/${ACME}/users?cursor=${NUL_CURSOR}`],
  ["GET", `/tenants/${ACME}/system_statuses/${TRIP}/users?cursor=${NUL_CURSOR}`],
  ["POST", `/tenants/${ACME}/apps`, { scopes: [], developer: "a\u0000b" }],
];

test(
  "admin fuzz, known defect: U+0000 in an identifier, a cursor or a developer answers < 500 on every driver",
  {
    todo: NUL_IDS_FIXED
      ? false
      : "the PostgreSQL store sends U+0000 in keys and developer to PostgreSQL (500); see NUL_IDS_FIXED",
  },
  async () => {
    const t = await fuzzApp();
    try {
      const bad: string[] = [];
      for (const [method, path, body] of NUL_REQUESTS) {
        const res = await t.inject({
          method,
          url: `${ADMIN}${path}`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const why = badAnswer(res);
        if (why) bad.push(`${method} ${path} → ${why}: ${res.statusCode}`);
      }
      assert.deepEqual(bad, []);
    } finally {
      await t.close();
    }
  },
);

test(
  "admin fuzz, known defect: an admin path that does not decode answers a 400 problem, not the vendor envelope",
  { todo: BAD_ENCODING_FIXED ? false : "Fastify's frameworkErrors handler answers 9499 for every path; see BAD_ENCODING_FIXED" },
  async () => {
    const t = await fuzzApp();
    try {
      for (const path of ["/tenants/%ZZ", "/tenants/%ED%A0%80/users", "/apps/%E0%A4%A"]) {
        const res = await t.inject({
          method: "GET",
          url: `${ADMIN}${path}`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        assert.equal(badAnswer(res), undefined, `${path}: ${res.statusCode} ${res.headers["content-type"]} ${res.body}`);
        assert.equal(res.statusCode, 400, path);
      }
    } finally {
      await t.close();
    }
  },
);
