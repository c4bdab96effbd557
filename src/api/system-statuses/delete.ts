import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { SCOPE_STATUS_UPDATE } from "../../domain/model.js";
import { ok, type StatusOperation } from "../operation.js";
import { Envelope, ErrorEnvelope, StatusIdParams } from "../schemas.js";

export const deleteStatus: StatusOperation = {
  name: "system_status.delete",
  family: "personal_settings",
  method: "DELETE",
  url: "/open-apis/personal_settings/v1/system_statuses/:system_status_id",
  summary: "Delete a system status (users showing it keep it until their end_time)",
  scope: SCOPE_STATUS_UPDATE,
  tier: "crud",
  schema: { params: StatusIdParams, response: { 200: Envelope(Type.Object({})), "4xx": ErrorEnvelope } },
  async handle({ service, caller }, req: FastifyRequest<{ Params: StatusIdParams }>) {
    await service.delete(caller, req.params.system_status_id);
    return ok({});
  },
};
