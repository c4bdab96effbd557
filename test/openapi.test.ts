/** /openapi.json is generated from the same TypeBox schemas that validate requests. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateBody } from "../src/api/schemas.js";
import { ERRORS } from "../src/errors/codes.js";
import { assertError, BASE, makeApp } from "./helpers.js";

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
