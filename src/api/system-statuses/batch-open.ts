import type { FastifyRequest } from "fastify";
import { SCOPE_STATUS_OPERATE } from "../../domain/model.js";
import { ok, type StatusOperation } from "../operation.js";
import { BatchOpenBody, Envelope, ErrorEnvelope, OpenResultList, StatusIdParams, UserIdTypeQuery } from "../schemas.js";

export const batchOpen: StatusOperation = {
  name: "system_status.batch_open",
  family: "personal_settings",
  method: "POST",
  url: "/open-apis/personal_settings/v1/system_statuses/:system_status_id/batch_open",
  summary: "Open a system status for up to 50 users until their end_time",
  scope: SCOPE_STATUS_OPERATE,
  tier: "batch",
  schema: {
    params: StatusIdParams,
    querystring: UserIdTypeQuery,
    body: BatchOpenBody,
    response: { 200: Envelope(OpenResultList), "4xx": ErrorEnvelope },
  },
  async handle(
    { service, caller, failed },
    req: FastifyRequest<{ Params: StatusIdParams; Querystring: UserIdTypeQuery; Body: BatchOpenBody }>,
  ) {
    const results = await service.batchOpen(
      caller,
      req.params.system_status_id,
      req.query.user_id_type ?? "open_id",
      req.body.user_list,
      failed,
    );
    return ok({ result_list: results });
  },
};
