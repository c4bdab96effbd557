/** State: what a user shows, the user's sync toggle, and the users who show a status. */
import type { FastifyRequest } from "fastify";
import { isRefusal } from "../../domain/directory.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import type { AdminOperation } from "../operation.js";
import { invalidInput } from "../problems.js";
import { refusalProblem } from "../refusal.js";
import {
  ListOf,
  PROBLEM_RESPONSES,
  StatusUserOut,
  StatusUsersParams,
  StatusUsersQuery,
  SyncBody,
  SyncParams,
  UserParams,
  UserStatusViewOut,
} from "../schemas.js";

export const getUserStatus: AdminOperation = {
  name: "user.status",
  method: "GET",
  url: "/tenants/:tenant_key/users/:user_id/status",
  summary: "What the user's profile shows now (shown), every status the user has a row for, and the user's sync toggles",
  tag: "state",
  schema: { params: UserParams, response: { 200: UserStatusViewOut, ...PROBLEM_RESPONSES } },
  async handle({ state }, req: FastifyRequest<{ Params: UserParams }>) {
    const r = await state.view(req.params.tenant_key, req.params.user_id);
    if (isRefusal(r)) throw refusalProblem(r);
    return r;
  },
};

export const setUserSync: AdminOperation = {
  name: "user.sync",
  method: "PUT",
  url: "/tenants/:tenant_key/users/:user_id/sync/:system_status_id",
  summary:
    'Flip the user\'s "auto open" toggle of a status, as the user does in the client; answers the new status view. While off, opens answer success_user_close_syn',
  tag: "state",
  schema: { params: SyncParams, body: SyncBody, response: { 200: UserStatusViewOut, ...PROBLEM_RESPONSES } },
  async handle({ state }, req: FastifyRequest<{ Params: SyncParams; Body: SyncBody }>) {
    const { tenant_key, user_id, system_status_id } = req.params;
    const r = await state.setSync(tenant_key, user_id, system_status_id, req.body.on, { op: setUserSync.name, log_id: req.id });
    if (isRefusal(r)) throw refusalProblem(r);
    return r;
  },
};

export const listStatusUsers: AdminOperation = {
  name: "system_status.users",
  method: "GET",
  url: "/tenants/:tenant_key/system_statuses/:system_status_id/users",
  summary:
    "The users who have the status open (unexpired), by user_id; with shown=true, those whose profile shows it now (a page may then hold fewer than limit)",
  tag: "state",
  schema: {
    params: StatusUsersParams,
    querystring: StatusUsersQuery,
    response: { 200: ListOf(StatusUserOut), ...PROBLEM_RESPONSES },
  },
  async handle({ state }, req: FastifyRequest<{ Params: StatusUsersParams; Querystring: StatusUsersQuery }>) {
    const limit = req.query.limit ?? 100;
    const after = decodeCursor(req.query.cursor, 1)?.[0];
    if (typeof after === "number") throw invalidInput("cursor", "is not a cursor this list gave out");
    const r = await state.statusUsers(req.params.tenant_key, req.params.system_status_id, {
      limit,
      afterUserId: after,
      shownOnly: req.query.shown === true,
    });
    if (isRefusal(r)) throw refusalProblem(r);
    return { items: r.items, ...(r.scanned_to !== undefined ? { next_cursor: encodeCursor([r.scanned_to]) } : {}) };
  },
};
