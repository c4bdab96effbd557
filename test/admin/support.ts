/**
 * Shared helpers of the admin API suite (test/admin): calls with the admin token, and the problem
 * documents every admin error answers (status, type, title, the offending field).
 */
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { ADMIN_TOKEN, type MakeAppOptions, makeApp, type TestApp } from "../helpers.js";

export const ADMIN = "/admin/v1";

/** An admin call: the admin token unless `token` says otherwise (null: no Authorization at all). */
export function admin(
  t: TestApp,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `${ADMIN}${path}`,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
}

/** Asserts a JSON success with `status` (default 200) and returns the body. */
export function ok<T = Record<string, unknown>>(res: LightMyRequestResponse, status = 200): T {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
  return res.json() as T;
}

export interface ExpectedProblem {
  status: number;
  kind: string;
  /** The first offending field, for 400s. */
  field?: string;
}

/** Asserts an RFC 9457 problem document: content type, status, type, title, log id, and the field. */
export function assertProblem(res: LightMyRequestResponse, expected: ExpectedProblem): Record<string, unknown> {
  assert.equal(res.statusCode, expected.status, res.body);
  assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8", res.body);
  const p = res.json() as {
    type: string;
    title: string;
    status: number;
    detail: string;
    log_id: string;
    errors?: Array<{ field: string; message: string }>;
  };
  assert.equal(p.type, `urn:larkstatus:problem:${expected.kind}`, res.body);
  assert.equal(p.status, expected.status);
  assert.equal(typeof p.title, "string");
  assert.ok(p.title.length > 0);
  assert.equal(typeof p.detail, "string");
  assert.equal(p.log_id, res.headers["x-request-id"]);
  if (expected.field !== undefined) {
    assert.ok(p.errors && p.errors.length > 0, `expected errors in ${res.body}`);
    assert.equal(p.errors[0]?.field, expected.field, res.body);
    assert.equal(typeof p.errors[0]?.message, "string");
  }
  return p;
}

export const P = {
  unauthorized: { status: 401, kind: "unauthorized" },
  notFound: { status: 404, kind: "not-found" },
  methodNotAllowed: { status: 405, kind: "method-not-allowed" },
  conflict: { status: 409, kind: "conflict" },
  invalid: (field: string): ExpectedProblem => ({ status: 400, kind: "invalid-input", field }),
} as const;

/** Runs `fn` against a fresh app on the fixture seed (with the emulator controls on if asked), always closing it. */
export async function withAdmin(fn: (t: TestApp) => Promise<void>, opts: MakeAppOptions = {}): Promise<void> {
  const t = await makeApp(opts);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}
