import type { FastifyRequest } from "fastify";
import { LIST_PAGE_SIZE_MAX, SCOPE_STATUS_UPDATE } from "../../domain/model.js";
import { ok, type StatusOperation } from "../operation.js";
import { Envelope, ErrorEnvelope, ListData, ListQuery } from "../schemas.js";

export const listStatuses: StatusOperation = {
  name: "system_status.list",
  family: "personal_settings",
  method: "GET",
  url: "/open-apis/personal_settings/v1/system_statuses",
  summary: "List the tenant's system statuses by priority",
  scope: SCOPE_STATUS_UPDATE,
  tier: "crud",
  schema: { querystring: ListQuery, response: { 200: Envelope(ListData), "4xx": ErrorEnvelope } },
  async handle({ service, caller }, req: FastifyRequest<{ Querystring: ListQuery }>) {
    return ok(await service.list(caller, req.query.page_size ?? LIST_PAGE_SIZE_MAX, req.query.page_token));
  },
};
