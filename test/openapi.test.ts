/**
 * /openapi.json is generated from the same TypeBox schemas that validate requests, is a valid
 * OpenAPI 3.0 document with what `redocly lint` asks for (servers, licence, tags, security, the
 * 429 and 503 answers), and documents the errors exactly as the server sends them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv } from "ajv";
import type { LightMyRequestResponse } from "fastify";
import { CreateBody } from "../src/api/schemas.js";
import { buildApp } from "../src/app.js";
import { ManualClock } from "../src/domain/clock.js";
import { sequentialIds } from "../src/domain/ids.js";
import { ERRORS } from "../src/errors/codes.js";
import { StorageError } from "../src/storage/errors.js";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../src/storage/store.js";
import { closeRaw, listRaw } from "./api/support.js";
import { assertError, BASE, makeApp, openId, T0, TRIP } from "./helpers.js";
import { openApiDocument } from "./openapi-document.js";

interface Response {
  description: string;
  headers?: Record<string, { schema: unknown; description?: string }>;
  content?: Record<string, { schema: Record<string, unknown> }>;
}
interface OperationDoc {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
}
interface Doc {
  openapi: string;
  info: { license?: { name: string; url?: string } };
  servers?: { url: string; variables?: Record<string, { default: string }> }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, OperationDoc>>;
}

const TOKEN_PATHS = ["/open-apis/auth/v3/tenant_access_token/internal", "/open-apis/auth/v3/app_access_token/internal"];

function operations(doc: Doc): { method: string; path: string; op: OperationDoc }[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** Asserts that a response's body matches the JSON schema the document gives for it. */
function assertDocumented(doc: Doc, method: string, path: string, res: LightMyRequestResponse): void {
  const documented = doc.paths[path]?.[method.toLowerCase()]?.responses[String(res.statusCode)];
  assert.ok(documented, `${method} ${path} does not document ${res.statusCode}`);
  const schema = documented.content?.["application/json"]?.schema;
  assert.ok(schema, `${method} ${path} ${res.statusCode} has no JSON schema`);
  const validate = new Ajv({ strict: false, allErrors: true }).compile({ ...schema, additionalProperties: false });
  assert.ok(validate(res.json()), `${method} ${path} ${res.statusCode}: ${JSON.stringify(validate.errors)} in ${res.body}`);
}

test("openapi.json lists every vendor operation with the validating schemas", async () => {
  const t = await makeApp();
  try {
    const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    assert.equal(doc.openapi, "3.0.3");
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`),
    );
    assert.deepEqual(ops.sort(), [
      "DELETE /open-apis/personal_settings/v1/system_statuses/{system_status_id} system_status.delete",
      "GET /open-apis/personal_settings/v1/system_statuses system_status.list",
      "PATCH /open-apis/personal_settings/v1/system_statuses/{system_status_id} system_status.patch",
      "POST /open-apis/auth/v3/app_access_token/internal app_access_token",
      "POST /open-apis/auth/v3/tenant_access_token/internal tenant_access_token",
      "POST /open-apis/personal_settings/v1/system_statuses system_status.create",
      "POST /open-apis/personal_settings/v1/system_statuses/{system_status_id}/batch_close system_status.batch_close",
      "POST /open-apis/personal_settings/v1/system_statuses/{system_status_id}/batch_open system_status.batch_open",
    ]);
    const createSchema = doc.paths[BASE]?.post?.requestBody?.content["application/json"]?.schema as {
      required: string[];
      properties: Record<string, unknown>;
    };
    assert.deepEqual(createSchema.required, CreateBody.required);
    assert.deepEqual(Object.keys(createSchema.properties).sort(), Object.keys(CreateBody.properties).sort());
  } finally {
    await t.close();
  }
});

test("an oversized system_status_id is a 2005001 on that field, not a 404 or 405", async () => {
  const t = await makeApp();
  try {
    const tok = await t.token();
    const res = await t.call({ method: "DELETE", url: `${BASE}/${"9".repeat(500)}`, token: tok });
    assertError(res, { status: 400, code: 2005001, msg: ERRORS.INVALID_PARAMETER.msg, field: "system_status_id" });
  } finally {
    await t.close();
  }
});

test("openapi.json is a valid OpenAPI 3.0 document", async () => {
  const result = await new Validator().validate(await openApiDocument());
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test("openapi.json names a server with npm start's defaults, the MIT licence and a described tag per operation", async () => {
  const doc = (await openApiDocument()) as unknown as Doc;
  assert.deepEqual(doc.servers, [
    {
      url: "http://{host}:{port}",
      description: "a larkstatus server (defaults: --host 127.0.0.1 --port 3000)",
      variables: { host: { default: "127.0.0.1" }, port: { default: "3000" } },
    },
  ]);
  assert.equal(doc.info.license?.name, "MIT");
  assert.match(doc.info.license?.url ?? "", /^https:\/\//);
  const tags = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  assert.deepEqual([...tags.keys()], ["auth", "system_status"]);
  for (const { method, path, op } of operations(doc)) {
    const where = `${method} ${path}`;
    assert.equal(op.tags?.length, 1, `${where}: one tag`);
    assert.ok(tags.get(op.tags?.[0] ?? "")?.length, `${where}: tag ${op.tags?.[0]} is defined with a description`);
    assert.equal(op.tags?.[0], TOKEN_PATHS.includes(path) ? "auth" : "system_status", where);
    assert.ok(op.summary && op.description, `${where}: summary and description`);
    for (const [status, r] of Object.entries(op.responses)) {
      assert.notEqual(r.description, "Default Response", `${where} ${status}: a real description`);
    }
  }
});

test("openapi.json: the token endpoints take no token (security: []); every other operation takes the tenant token", async () => {
  const doc = (await openApiDocument()) as unknown as Doc;
  for (const { method, path, op } of operations(doc)) {
    const expected = TOKEN_PATHS.includes(path) ? [] : [{ tenantAccessToken: [] }];
    assert.deepEqual(op.security, expected, `${method} ${path}`);
  }
});

test("openapi.json: the operations that are rate limited document 429 with both x-ogw-ratelimit headers; all document 503", async () => {
  const doc = (await openApiDocument()) as unknown as Doc;
  for (const { method, path, op } of operations(doc)) {
    const where = `${method} ${path}`;
    const limited = op.responses["429"];
    if (TOKEN_PATHS.includes(path)) assert.equal(limited, undefined, `${where}: token endpoints are not rate limited`);
    else {
      assert.ok(limited, `${where}: 429 documented`);
      assert.deepEqual(Object.keys(limited.headers ?? {}).sort(), ["x-ogw-ratelimit-limit", "x-ogw-ratelimit-reset"], where);
      assert.ok(limited.description.includes(ERRORS.RATE_LIMITED.msg), where);
    }
    const unavailable = op.responses["503"];
    assert.ok(unavailable, `${where}: 503 documented`);
    assert.ok(unavailable.description.includes(ERRORS.STORE_UNAVAILABLE.msg), where);
  }
});

test("a real 429 sends the documented headers and a body of the documented schema", async () => {
  const t = await makeApp({ rateLimit: "vendor" });
  try {
    const res = await t.call({ method: "GET", url: "/openapi.json" });
    const doc = res.json() as Doc;
    const tok = await t.token();
    const cases = [
      { path: BASE, method: "GET", calls: 100, call: () => listRaw(t, tok) },
      {
        path: `${BASE}/{system_status_id}/batch_close`,
        method: "POST",
        calls: 50,
        call: () => closeRaw(t, tok, TRIP, [openId("u001")]),
      },
    ];
    for (const c of cases) {
      for (let i = 0; i < c.calls; i++) assert.equal((await c.call()).statusCode, 200);
      const limited = await c.call();
      assertError(limited, { status: 429, code: ERRORS.RATE_LIMITED.code, msg: ERRORS.RATE_LIMITED.msg });
      const documented = doc.paths[c.path]?.[c.method.toLowerCase()]?.responses["429"];
      for (const h of Object.keys(documented?.headers ?? {})) {
        assert.match(String(limited.headers[h]), /^[1-9][0-9]*$/, `${c.method} ${c.path}: header ${h}`);
      }
      assertDocumented(doc, c.method, c.path, limited);
    }
  } finally {
    await t.close();
  }
});

test("with the store unreachable every documented operation answers the documented 503", async () => {
  const real = new SqliteStore("sqlite::memory:");
  // Every store call fails as an unreachable database does.
  const down = new Proxy(real, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? () => Promise.reject(new StorageError("connection refused", { unavailable: true })) : v;
    },
  }) as Store;
  const clock = new ManualClock(T0);
  const app = await buildApp({ store: down, clock, ids: sequentialIds(clock), rateLimit: "vendor", logger: false });
  try {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as Doc;
    const ops = operations(doc);
    assert.equal(ops.length, 8);
    for (const { method, path } of ops) {
      const res = await app.inject({
        method: method as "GET",
        url: path.replace("{system_status_id}", TRIP),
        headers: { authorization: "Bearer t-0000000000000000000000000000000000000000", "content-type": "application/json" },
        // A well-formed token request reaches the store; the others fail on authentication first.
        ...(TOKEN_PATHS.includes(path)
          ? { payload: { app_id: "cli_a1b2c3d4e5f60718", app_secret: "acme-secret" } }
          : method === "GET" || method === "DELETE"
            ? {}
            : { payload: "{}" }),
      });
      assertError(res, { status: 503, code: ERRORS.STORE_UNAVAILABLE.code, msg: ERRORS.STORE_UNAVAILABLE.msg });
      assertDocumented(doc, method, path, res);
    }
  } finally {
    await app.close();
    await real.close();
  }
});
