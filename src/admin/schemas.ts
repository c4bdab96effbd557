/**
 * The admin API's wire schemas: one TypeBox schema per body, query and answer, driving validation,
 * handler types and /admin/openapi.json. Directory fields come from the seed file's definitions
 * (src/seed/schema.ts), so the admin API and the seed loader validate with the same rules.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { TenantFields } from "../seed/schema.js";

/** RFC 9457 problem details, as every admin error answers. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: "urn:larkstatus:problem:<kind>" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String({ description: "a JSON path" }), message: Type.String() })),
    ),
    log_id: Type.String({ description: "the request's log id (X-Request-Id)" }),
  },
  { description: "RFC 9457 problem details (application/problem+json)" },
);

/** `?limit=&cursor=` of every list. */
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: "1-500, default 100" })),
    cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

/** `{items, next_cursor?}`: `next_cursor` is absent on the last page. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    next_cursor: Type.Optional(Type.String({ description: "absent on the last page" })),
  });
}

export const TenantOut = Type.Object({
  tenant_key: Type.String(),
  name: Type.String(),
  api_enabled: Type.Boolean(),
  sensitive_words: Type.Array(Type.String()),
});

export const TenantKeyParams = Type.Object({ tenant_key: Type.String({ description: "16 hex" }) });
export type TenantKeyParams = Static<typeof TenantKeyParams>;

export const CreateTenantBody = Type.Object(
  {
    tenant_key: Type.Optional(TenantFields.tenant_key),
    name: TenantFields.name,
    api_enabled: Type.Optional(TenantFields.api_enabled),
    sensitive_words: Type.Optional(TenantFields.sensitive_words),
  },
  { additionalProperties: false },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

export const PatchTenantBody = Type.Object(
  {
    name: Type.Optional(TenantFields.name),
    api_enabled: Type.Optional(TenantFields.api_enabled),
    sensitive_words: Type.Optional(TenantFields.sensitive_words),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchTenantBody = Static<typeof PatchTenantBody>;

/** The error answers every admin operation may give. */
export const PROBLEM_RESPONSES = {
  400: Problem,
  401: Problem,
  404: Problem,
  409: Problem,
  503: Problem,
} as const;
