/** Users: list, read, create or update (with their open_ids per app and union_ids per developer). */
import type { FastifyReply, FastifyRequest } from "fastify";
import { isRefusal } from "../../domain/directory.js";
import { decodeCursor, page } from "../cursor.js";
import type { AdminOperation } from "../operation.js";
import { refusalProblem } from "../refusal.js";
import { ListOf, ListQuery, PROBLEM_RESPONSES, PutUserBody, TenantKeyParams, UserOut, UserParams } from "../schemas.js";

export const listUsers: AdminOperation = {
  name: "user.list",
  method: "GET",
  url: "/tenants/:tenant_key/users",
  summary: "List the tenant's users by user_id, with their ids",
  tag: "directory",
  schema: { params: TenantKeyParams, querystring: ListQuery, response: { 200: ListOf(UserOut), ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams; Querystring: ListQuery }>) {
    const limit = req.query.limit ?? 100;
    const after = decodeCursor(req.query.cursor, 1)?.[0] as string | undefined;
    const r = await directory.listUsers(req.params.tenant_key, limit, after);
    if (isRefusal(r)) throw refusalProblem(r);
    return page(r, limit, (u) => [u.user_id]);
  },
};

export const getUser: AdminOperation = {
  name: "user.get",
  method: "GET",
  url: "/tenants/:tenant_key/users/:user_id",
  summary: "Read a user with its open_ids (per app) and union_ids (per developer)",
  tag: "directory",
  schema: { params: UserParams, response: { 200: UserOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: UserParams }>) {
    const r = await directory.getUser(req.params.tenant_key, req.params.user_id);
    if (isRefusal(r)) throw refusalProblem(r);
    return r;
  },
};

export const putUser: AdminOperation = {
  name: "user.put",
  method: "PUT",
  url: "/tenants/:tenant_key/users/:user_id",
  summary: "Create (201) or update (200) a user; a new user gets the derived ids of every app, an existing one keeps its ids",
  tag: "directory",
  schema: { params: UserParams, body: PutUserBody, response: { 200: UserOut, 201: UserOut, ...PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: UserParams; Body: PutUserBody }>, reply: FastifyReply) {
    const r = await directory.putUser(req.params.tenant_key, req.params.user_id, req.body, { op: putUser.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    reply.code(r.created ? 201 : 200);
    return r.user;
  },
};
