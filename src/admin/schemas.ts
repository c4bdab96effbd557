/**
 * The admin API's wire schemas: one TypeBox schema per body, query and answer, driving validation,
 * handler types and /admin/openapi.json. Directory fields come from the seed file's definitions
 * (src/seed/schema.ts), so the admin API and the seed loader validate with the same rules.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { AppFields, TenantFields, UserFields } from "../seed/schema.js";

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

// ---------------------------------------------------------------- apps

export const AppOut = Type.Object({
  app_id: Type.String(),
  tenant_key: Type.String(),
  scopes: Type.Array(Type.String()),
  visibility: AppFields.visibility,
  enabled: Type.Boolean(),
  developer: Type.String(),
});

export const AppWithSecretOut = Type.Object({
  ...AppOut.properties,
  app_secret: Type.String({ description: "shown only in this answer: only a hash of it is stored" }),
});

export const AppIdParams = Type.Object({ app_id: Type.String({ description: "cli_ + 16 hex" }) });
export type AppIdParams = Static<typeof AppIdParams>;

export const AppListQuery = Type.Object(
  { ...ListQuery.properties, tenant_key: Type.Optional(Type.String({ description: "only this tenant's apps" })) },
  { additionalProperties: false },
);
export type AppListQuery = Static<typeof AppListQuery>;

export const CreateAppBody = Type.Object(
  {
    app_id: Type.Optional(AppFields.app_id),
    scopes: AppFields.scopes,
    visibility: Type.Optional(AppFields.visibility),
    developer: Type.Optional(AppFields.developer),
    enabled: Type.Optional(AppFields.enabled),
  },
  { additionalProperties: false },
);
export type CreateAppBody = Static<typeof CreateAppBody>;

export const PatchAppBody = Type.Object(
  {
    enabled: Type.Optional(AppFields.enabled),
    scopes: Type.Optional(AppFields.scopes),
    visibility: Type.Optional(AppFields.visibility),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchAppBody = Static<typeof PatchAppBody>;

// ---------------------------------------------------------------- users

/** A map of ids, e.g. app_id → open_id (plain additionalProperties: OpenAPI 3.0 has no patternProperties). */
const IdMap = (description: string) => Type.Object({}, { additionalProperties: Type.String(), description });

export const UserOut = Type.Object({
  tenant_key: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  resigned: Type.Boolean(),
  open_ids: IdMap("open_id per app_id"),
  union_ids: IdMap("union_id per developer"),
});

export const UserParams = Type.Object({ tenant_key: Type.String({ description: "16 hex" }), user_id: UserFields.user_id });
export type UserParams = Static<typeof UserParams>;

export const PutUserBody = Type.Object(
  { name: UserFields.name, resigned: Type.Optional(UserFields.resigned) },
  { additionalProperties: false },
);
export type PutUserBody = Static<typeof PutUserBody>;

/** One line of an import: the fields of PUT .../users/{user_id}, plus the user_id. */
export const ImportUserLine = Type.Object(
  { user_id: UserFields.user_id, name: UserFields.name, resigned: Type.Optional(UserFields.resigned) },
  { additionalProperties: false, description: "one line of the NDJSON body (one JSON object a line)" },
);
export type ImportUserLine = Static<typeof ImportUserLine>;

export const ImportCountsOut = Type.Object({
  created: Type.Integer({ description: "users that did not exist" }),
  updated: Type.Integer({ description: "users that existed (their ids are kept)" }),
});

/** The error answers every admin operation may give. */
export const PROBLEM_RESPONSES = {
  400: Problem,
  401: Problem,
  404: Problem,
  409: Problem,
  503: Problem,
} as const;

/** The error answers of an upload, besides those of every operation. */
export const UPLOAD_PROBLEM_RESPONSES = { ...PROBLEM_RESPONSES, 413: Problem, 415: Problem } as const;
