/** /admin/openapi.json: generated from the schemas that validate admin requests, and a valid OpenAPI 3.0 document. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { ADMIN_OPERATIONS } from "../../src/admin/routes.js";
import { CreateTenantBody } from "../../src/admin/schemas.js";
import { withAdmin } from "./support.js";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
}

test("/admin/openapi.json lists every admin operation, with the validating schemas, and is valid OpenAPI 3.0", async () => {
  await withAdmin(async (t) => {
    const res = await t.app.inject({ method: "GET", url: "/admin/openapi.json" });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as Doc;
    assert.equal(doc.openapi, "3.0.3");
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`),
    );
    assert.deepEqual(
      ops.sort(),
      ADMIN_OPERATIONS.map((op) => `${op.method} /admin/v1${op.url.replace(/:([a-z_]+)/g, "{$1}")} ${op.name}`).sort(),
    );
    const create = doc.paths["/admin/v1/tenants"]?.post?.requestBody?.content["application/json"]?.schema as {
      required: string[];
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    assert.deepEqual(create.required, CreateTenantBody.required);
    assert.deepEqual(Object.keys(create.properties).sort(), Object.keys(CreateTenantBody.properties).sort());
    assert.equal(create.additionalProperties, false);
    const result = await new Validator().validate(doc as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    // Served the same on every call (built once).
    assert.deepEqual((await t.app.inject({ method: "GET", url: "/admin/openapi.json" })).json(), doc);
  });
});
