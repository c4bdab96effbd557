/**
 * Shared helpers of the in-process API suite (test/api): expected error shapes, and thin wrappers
 * over the endpoints that assert success and return the typed `data`. The wire codes and HTTP
 * statuses are spelled out here literally (docs/wire-contract.md); only the messages come from the catalog, so a
 * drifted status or code in src/errors/codes.ts fails these tests.
 */
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { ERRORS } from "../../src/errors/codes.js";
import { assertOk, BASE, makeApp, type TestApp } from "../helpers.js";

export const TENANT_TOKEN_URL = "/open-apis/auth/v3/tenant_access_token/internal";
export const APP_TOKEN_URL = "/open-apis/auth/v3/app_access_token/internal";

export const SCOPE_UPDATE = "personal_settings:status:system_status_update";
export const SCOPE_OPERATE = "personal_settings:status:system_status_operate";
export const SCOPE_EMPLOYEE_ID = "contact:user.employee_id:readonly";

/** A well-formed (19-digit) id that no tenant has. */
export const NO_SUCH_STATUS = "7999999999999999999";

export interface ExpectedError {
  status: number;
  code: number;
  msg: string;
  field?: string;
}

/** 400 / 2005001 naming `field`. */
export function invalid(field: string): ExpectedError {
  return { status: 400, code: 2005001, msg: ERRORS.INVALID_PARAMETER.msg, field };
}

export const E = {
  INVALID_PARAM: { status: 400, code: 10003, msg: ERRORS.INVALID_PARAM.msg },
  APP_SECRET_INVALID: { status: 400, code: 10014, msg: ERRORS.APP_SECRET_INVALID.msg },
  MISSING_TOKEN: { status: 400, code: 99991661, msg: ERRORS.MISSING_TOKEN.msg },
  INVALID_TOKEN: { status: 400, code: 99991663, msg: ERRORS.INVALID_TOKEN.msg },
  USER_TOKEN: { status: 400, code: 99991668, msg: ERRORS.USER_TOKEN_NOT_SUPPORTED.msg },
  BAD_PREFIX: { status: 400, code: 99991671, msg: ERRORS.TOKEN_BAD_PREFIX.msg },
  NOT_FOUND: { status: 404, code: 99991201, msg: ERRORS.NOT_FOUND.msg },
  METHOD_NOT_ALLOWED: { status: 405, code: 99991301, msg: ERRORS.METHOD_NOT_ALLOWED.msg },
  RATE_LIMITED: { status: 429, code: 99991400, msg: ERRORS.RATE_LIMITED.msg },
  DUPLICATE_NAME: { status: 400, code: 2005002, msg: ERRORS.DUPLICATE_NAME.msg },
  SENSITIVE_WORD: { status: 400, code: 2005003, msg: ERRORS.SENSITIVE_WORD.msg },
  STATUS_LIMIT: { status: 400, code: 2005004, msg: ERRORS.STATUS_LIMIT.msg },
  DUPLICATE_PRIORITY: { status: 400, code: 2005005, msg: ERRORS.DUPLICATE_PRIORITY.msg },
  OTHER_TENANT_USER: { status: 400, code: 2005006, msg: ERRORS.OTHER_TENANT_USER.msg },
  TENANT_NO_PERMISSION: { status: 400, code: 2005007, msg: ERRORS.TENANT_NO_PERMISSION.msg },
} as const satisfies Record<string, ExpectedError>;

/** 400 / 99991672 naming `scope` (the message is the wire contract's, spelled out). */
export function scopeRequired(scope: string): ExpectedError {
  return {
    status: 400,
    code: 99991672,
    msg: `Access denied. One of the following scopes is required: [${scope}]`,
  };
}

/** Runs `fn` against a fresh app on the fixture seed (or `opts`), always closing it. */
export async function withApp(fn: (t: TestApp) => Promise<void>, opts: Parameters<typeof makeApp>[0] = {}): Promise<void> {
  const t = await makeApp(opts);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

export interface WireStatus {
  system_status_id: string;
  title: string;
  i18n_title: { zh_cn?: string; en_us?: string; ja_jp?: string };
  icon_key: string;
  color: string;
  priority: number;
  sync_setting: {
    is_open_by_default: boolean;
    title: string;
    i18n_title: Record<string, string>;
    explain: string;
    i18n_explain: Record<string, string>;
  };
}

export interface ListData {
  items: WireStatus[];
  has_more: boolean;
  page_token?: string;
}

export interface OpenResult {
  user_id: string;
  end_time: string;
  result: string;
}

export interface CloseResult {
  user_id: string;
  result: string;
}

export function statusUrl(id: string): string {
  return `${BASE}/${id}`;
}

export function openUrl(id: string, userIdType?: string): string {
  return `${BASE}/${id}/batch_open${userIdType === undefined ? "" : `?user_id_type=${userIdType}`}`;
}

export function closeUrl(id: string, userIdType?: string): string {
  return `${BASE}/${id}/batch_close${userIdType === undefined ? "" : `?user_id_type=${userIdType}`}`;
}

export function createRaw(t: TestApp, token: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.call({ method: "POST", url: BASE, token, body });
}

/** Creates a status, asserting success; returns the wire status. */
export async function create(t: TestApp, token: string, body: Record<string, unknown>): Promise<WireStatus> {
  return assertOk<{ system_status: WireStatus }>(await createRaw(t, token, body)).system_status;
}

export function patchRaw(t: TestApp, token: string, id: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.call({ method: "PATCH", url: statusUrl(id), token, body });
}

export async function patch(
  t: TestApp,
  token: string,
  id: string,
  systemStatus: Record<string, unknown>,
  updateFields: string[],
): Promise<WireStatus> {
  const res = await patchRaw(t, token, id, { system_status: systemStatus, update_fields: updateFields });
  return assertOk<{ system_status: WireStatus }>(res).system_status;
}

export function deleteRaw(t: TestApp, token: string, id: string): Promise<LightMyRequestResponse> {
  return t.call({ method: "DELETE", url: statusUrl(id), token });
}

export async function del(t: TestApp, token: string, id: string): Promise<void> {
  assert.deepEqual(assertOk(await deleteRaw(t, token, id)), {});
}

export function listRaw(t: TestApp, token: string, query = ""): Promise<LightMyRequestResponse> {
  return t.call({ method: "GET", url: `${BASE}${query}`, token });
}

export async function list(t: TestApp, token: string, query = ""): Promise<ListData> {
  return assertOk<ListData>(await listRaw(t, token, query));
}

/** Every live status of the caller's tenant, in list order (one page of 50). */
export async function listAll(t: TestApp, token: string): Promise<WireStatus[]> {
  const data = await list(t, token);
  assert.equal(data.has_more, false);
  return data.items;
}

export function openRaw(
  t: TestApp,
  token: string,
  id: string,
  userList: unknown,
  userIdType?: string,
): Promise<LightMyRequestResponse> {
  return t.call({ method: "POST", url: openUrl(id, userIdType), token, body: { user_list: userList } });
}

/** batch_open asserting success; returns the results. */
export async function open(
  t: TestApp,
  token: string,
  id: string,
  userList: Array<{ user_id: string; end_time: string | number }>,
  userIdType?: string,
): Promise<OpenResult[]> {
  return assertOk<{ result_list: OpenResult[] }>(await openRaw(t, token, id, userList, userIdType)).result_list;
}

/** The results of batch_open, one per user, in order. */
export async function openResults(
  t: TestApp,
  token: string,
  id: string,
  userList: Array<{ user_id: string; end_time: string | number }>,
  userIdType?: string,
): Promise<string[]> {
  return (await open(t, token, id, userList, userIdType)).map((r) => r.result);
}

export function closeRaw(
  t: TestApp,
  token: string,
  id: string,
  userList: unknown,
  userIdType?: string,
): Promise<LightMyRequestResponse> {
  return t.call({ method: "POST", url: closeUrl(id, userIdType), token, body: { user_list: userList } });
}

export async function close(
  t: TestApp,
  token: string,
  id: string,
  userList: string[],
  userIdType?: string,
): Promise<CloseResult[]> {
  return assertOk<{ result_list: CloseResult[] }>(await closeRaw(t, token, id, userList, userIdType)).result_list;
}

/** A minimal valid create body. */
export function statusBody(title: string, priority: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title, icon_key: "Coffee", priority, ...extra };
}

/** The `error` object of an error response. */
export function errorOf(res: LightMyRequestResponse): {
  log_id: string;
  troubleshooter: string;
  field_violations?: Array<{ field: string; value?: string; description: string }>;
  permission_violations?: Array<{ type: string; subject: string; description: string }>;
} {
  return (res.json() as { error: ReturnType<typeof errorOf> }).error;
}

/**
 * Whether an answer is a well-formed vendor envelope below 500: the JSON content type, a numeric
 * `code` and a string `msg`, and for an error the log id of `error.log_id` in `X-Tt-Logid`. For
 * checks over many hostile requests that collect every failure instead of stopping at the first.
 */
export function isVendorEnvelope(res: LightMyRequestResponse): boolean {
  let body: { code?: unknown; msg?: unknown; error?: { log_id?: unknown } } = {};
  try {
    body = res.json();
  } catch {
    return false;
  }
  return (
    res.statusCode < 500 &&
    res.headers["content-type"] === "application/json; charset=utf-8" &&
    typeof body.code === "number" &&
    typeof body.msg === "string" &&
    (body.code === 0 || (typeof body.error?.log_id === "string" && body.error.log_id === res.headers["x-tt-logid"]))
  );
}
