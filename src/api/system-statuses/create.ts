import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { SCOPE_STATUS_UPDATE } from "../../domain/model.js";
import { ok, type StatusOperation } from "../operation.js";
import { CreateBody, Envelope, ErrorEnvelope, SystemStatusOut } from "../schemas.js";

export const createStatus: StatusOperation = {
  name: "system_status.create",
  family: "personal_settings",
  method: "POST",
  url: "/open-apis/personal_settings/v1/system_statuses",
  summary: "Create a system status",
  scope: SCOPE_STATUS_UPDATE,
  tier: "crud",
  schema: {
    body: CreateBody,
    response: { 200: Envelope(Type.Object({ system_status: SystemStatusOut })), "4xx": ErrorEnvelope },
  },
  async handle({ service, caller }, req: FastifyRequest<{ Body: CreateBody }>) {
    return ok({ system_status: await service.create(caller, req.body) });
  },
};
