import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { SCOPE_STATUS_UPDATE, UPDATE_FIELDS, type UpdateField } from "../../domain/model.js";
import { type StatusInput, UPDATE_FIELD_PROPERTY } from "../../domain/service.js";
import { invalidField } from "../../errors/codes.js";
import { ajvErrorToApiError, bodyAjv } from "../../http/validation.js";
import { ok, type StatusOperation } from "../operation.js";
import { Envelope, ErrorEnvelope, PatchBody, StatusIdParams, StatusProperties, SystemStatusOut } from "../schemas.js";

/** One compiled validator per updatable field, from the same schemas as create. */
const fieldValidators = Object.fromEntries(
  UPDATE_FIELDS.map((f) => [f, bodyAjv.compile(StatusProperties[UPDATE_FIELD_PROPERTY[f]])]),
) as Record<UpdateField, ReturnType<typeof bodyAjv.compile>>;

export const patchStatus: StatusOperation = {
  name: "system_status.patch",
  family: "personal_settings",
  method: "PATCH",
  url: "/open-apis/personal_settings/v1/system_statuses/:system_status_id",
  summary: "Update the fields named in update_fields",
  scope: SCOPE_STATUS_UPDATE,
  tier: "crud",
  schema: {
    params: StatusIdParams,
    body: PatchBody,
    response: { 200: Envelope(Type.Object({ system_status: SystemStatusOut })), "4xx": ErrorEnvelope },
  },
  async handle({ service, caller }, req: FastifyRequest<{ Params: StatusIdParams; Body: PatchBody }>) {
    const src = req.body.system_status as Record<string, unknown>;
    // [ours] only the named fields are validated: a field named but absent is 2005001.
    for (const f of req.body.update_fields) {
      const prop = UPDATE_FIELD_PROPERTY[f];
      if (src[prop] === undefined) {
        throw invalidField(`system_status.${prop}`, `system_status.${prop} is required because update_fields names ${f}`);
      }
      const validate = fieldValidators[f];
      if (!validate(src[prop])) {
        throw ajvErrorToApiError((validate.errors ?? [])[0] as never, ["system_status", prop], src[prop]);
      }
    }
    const status = await service.patch(caller, req.params.system_status_id, {
      system_status: src as Partial<StatusInput>,
      update_fields: req.body.update_fields,
    });
    return ok({ system_status: status });
  },
};
