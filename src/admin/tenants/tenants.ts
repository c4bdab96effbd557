/** Tenants: list, create, read, change, delete. */
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { isRefusal } from "../../domain/directory.js";
import { decodeCursor, page } from "../cursor.js";
import type { AdminOperation } from "../operation.js";
import { notFound } from "../problems.js";
import { refusalProblem } from "../refusal.js";
import {
  CreateTenantBody,
  ListOf,
  ListQuery,
  PatchTenantBody,
  PROBLEM_RESPONSES,
  TenantKeyParams,
  TenantOut,
} from "../schemas.js";

export const listTenants: AdminOperation = {
  name: "tenant.list",
  method: "GET",
  url: "/tenants",
  summary: "List tenants by tenant_key",
  tag: "directory",
  schema: { querystring: ListQuery, response: { 200: ListOf(TenantOut), ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Querystring: ListQuery }>) {
    const limit = req.query.limit ?? 100;
    const after = decodeCursor(req.query.cursor, 1)?.[0] as string | undefined;
    return page(await directory.listTenants(limit, after), limit, (t) => [t.tenant_key]);
  },
};

export const createTenant: AdminOperation = {
  name: "tenant.create",
  method: "POST",
  url: "/tenants",
  summary: "Create a tenant (a tenant_key is made when none is given)",
  tag: "directory",
  status: 201,
  schema: { body: CreateTenantBody, response: { 201: TenantOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Body: CreateTenantBody }>) {
    const r = await directory.createTenant(req.body, { op: createTenant.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return r;
  },
};

export const getTenant: AdminOperation = {
  name: "tenant.get",
  method: "GET",
  url: "/tenants/:tenant_key",
  summary: "Read a tenant",
  tag: "directory",
  schema: { params: TenantKeyParams, response: { 200: TenantOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams }>) {
    const t = await directory.getTenant(req.params.tenant_key);
    if (!t) throw notFound("tenant", req.params.tenant_key);
    return t;
  },
};

export const patchTenant: AdminOperation = {
  name: "tenant.patch",
  method: "PATCH",
  url: "/tenants/:tenant_key",
  summary: "Change a tenant's name, api_enabled or sensitive_words",
  tag: "directory",
  schema: { params: TenantKeyParams, body: PatchTenantBody, response: { 200: TenantOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams; Body: PatchTenantBody }>) {
    const r = await directory.patchTenant(req.params.tenant_key, req.body, { op: patchTenant.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return r;
  },
};

export const deleteTenant: AdminOperation = {
  name: "tenant.delete",
  method: "DELETE",
  url: "/tenants/:tenant_key",
  summary: "Delete a tenant with everything it owns (apps and their tokens, users, statuses), in one transaction",
  tag: "directory",
  status: 204,
  schema: {
    params: TenantKeyParams,
    response: { 204: Type.Null({ description: "deleted; no body" }), ...PROBLEM_RESPONSES },
  },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams }>) {
    const r = await directory.deleteTenant(req.params.tenant_key, { op: deleteTenant.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return undefined;
  },
};
