import type { FastifyRequest } from "fastify";
import { SCOPE_STATUS_OPERATE } from "../../domain/model.js";
import { ok, type StatusOperation } from "../operation.js";
import { BatchCloseBody, CloseResultList, Envelope, ErrorEnvelope, StatusIdParams, UserIdTypeQuery } from "../schemas.js";

export const batchClose: StatusOperation = {
  name: "system_status.batch_close",
  family: "personal_settings",
  method: "POST",
  url: "/open-apis/personal_settings/v1/system_statuses/:system_status_id/batch_close",
  summary: "Close a system status for up to 50 users",
  scope: SCOPE_STATUS_OPERATE,
  tier: "batch",
  schema: {
    params: StatusIdParams,
    querystring: UserIdTypeQuery,
    body: BatchCloseBody,
    response: { 200: Envelope(CloseResultList), "4xx": ErrorEnvelope },
  },
  async handle(
    { service, caller, failed },
    req: FastifyRequest<{ Params: StatusIdParams; Querystring: UserIdTypeQuery; Body: BatchCloseBody }>,
  ) {
    const results = await service.batchClose(
      caller,
      req.params.system_status_id,
      req.query.user_id_type ?? "open_id",
      req.body.user_list,
      failed,
    );
    return ok({ result_list: results });
  },
};
