/** Apps: create (the secret shown once), list, read, change, rotate the secret. */
import type { FastifyRequest } from "fastify";
import { type AppWithSecret, isRefusal } from "../../domain/directory.js";
import type { App } from "../../domain/model.js";
import { decodeCursor, page } from "../cursor.js";
import type { AdminOperation } from "../operation.js";
import { notFound } from "../problems.js";
import { refusalProblem } from "../refusal.js";
import {
  AppIdParams,
  AppListQuery,
  AppOut,
  AppWithSecretOut,
  CreateAppBody,
  ListOf,
  PatchAppBody,
  PROBLEM_RESPONSES,
  TenantKeyParams,
} from "../schemas.js";

/** An app as the admin API shows it: never its secret, nor the secret's hash. */
export function appOut(app: App) {
  return {
    app_id: app.app_id,
    tenant_key: app.tenant_key,
    scopes: app.scopes,
    visibility: app.visibility,
    enabled: app.enabled,
    developer: app.developer,
  };
}

function withSecret(r: AppWithSecret) {
  return { ...appOut(r.app), app_secret: r.app_secret };
}

export const createApp: AdminOperation = {
  name: "app.create",
  method: "POST",
  url: "/tenants/:tenant_key/apps",
  summary: "Create an app of the tenant; the answer holds its app_secret, the only time it is shown",
  tag: "directory",
  status: 201,
  schema: { params: TenantKeyParams, body: CreateAppBody, response: { 201: AppWithSecretOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams; Body: CreateAppBody }>) {
    const r = await directory.createApp(req.params.tenant_key, req.body, { op: createApp.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return withSecret(r);
  },
};

export const listApps: AdminOperation = {
  name: "app.list",
  method: "GET",
  url: "/apps",
  summary: "List apps by app_id (?tenant_key= for one tenant's)",
  tag: "directory",
  schema: { querystring: AppListQuery, response: { 200: ListOf(AppOut), ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Querystring: AppListQuery }>) {
    const limit = req.query.limit ?? 100;
    const after = decodeCursor(req.query.cursor, 1)?.[0] as string | undefined;
    const r = await directory.listApps(limit, {
      ...(req.query.tenant_key !== undefined ? { tenantKey: req.query.tenant_key } : {}),
      ...(after !== undefined ? { afterId: after } : {}),
    });
    if (isRefusal(r)) throw refusalProblem(r);
    return page(r.map(appOut), limit, (a) => [a.app_id]);
  },
};

export const getApp: AdminOperation = {
  name: "app.get",
  method: "GET",
  url: "/apps/:app_id",
  summary: "Read an app (never its secret)",
  tag: "directory",
  schema: { params: AppIdParams, response: { 200: AppOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: AppIdParams }>) {
    const app = await directory.getApp(req.params.app_id);
    if (!app) throw notFound("app", req.params.app_id);
    return appOut(app);
  },
};

export const patchApp: AdminOperation = {
  name: "app.patch",
  method: "PATCH",
  url: "/apps/:app_id",
  summary: "Change an app's enabled, scopes or visibility; disabling it revokes its tokens at once",
  tag: "directory",
  schema: { params: AppIdParams, body: PatchAppBody, response: { 200: AppOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: AppIdParams; Body: PatchAppBody }>) {
    const r = await directory.patchApp(req.params.app_id, req.body, { op: patchApp.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return appOut(r);
  },
};

export const rotateSecret: AdminOperation = {
  name: "app.rotate_secret",
  method: "POST",
  url: "/apps/:app_id/secret",
  summary: "Rotate an app's secret: answers the new app_secret; every token of the app stops working at once",
  tag: "directory",
  schema: { params: AppIdParams, response: { 200: AppWithSecretOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: AppIdParams }>) {
    const r = await directory.rotateSecret(req.params.app_id, { op: rotateSecret.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return withSecret(r);
  },
};
