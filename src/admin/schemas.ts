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

/** `GET /audit`'s filters (each optional, all must match) with `?limit=&cursor=`. */
export const AuditQuery = Type.Object(
  {
    ...ListQuery.properties,
    tenant_key: Type.Optional(TenantFields.tenant_key),
    user_id: Type.Optional({
      ...UserFields.user_id,
      description: "the tenant's employee user_id (a batch sent with open_ids or union_ids is found by it too)",
    }),
    system_status_id: Type.Optional(Type.String({ pattern: "^[0-9]{19}$", description: "19 digits" })),
    app_id: Type.Optional(AppFields.app_id),
    op: Type.Optional(
      Type.String({
        pattern: "^[a-z_]{1,32}(\\.[a-z_]{1,32}){0,3}$",
        description: "an operation's name: system_status.batch_open, tenant.create, seed.users…",
      }),
    ),
    actor: Type.Optional(Type.Union([Type.Literal("app"), Type.Literal("admin"), Type.Literal("seed")])),
    since_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "entries at or after (Unix ms)" }),
    ),
    until_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "entries at or before (Unix ms)" }),
    ),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntryOut = Type.Object({
  id: Type.Integer({ description: "increasing in the order entries were written" }),
  at_ms: Type.Integer({ description: "when the change was made (Unix ms)" }),
  tenant_key: Type.String(),
  actor: Type.Union([Type.Literal("app"), Type.Literal("admin"), Type.Literal("seed")]),
  app_id: Type.Optional(Type.String()),
  op: Type.String(),
  system_status_id: Type.Optional(Type.String()),
  log_id: Type.Optional(Type.String({ description: "the request's log id (X-Tt-Logid, X-Request-Id)" })),
  results: Type.Optional(
    Type.Array(
      Type.Object({
        user_id: Type.String({ description: "the caller's id, as sent" }),
        result: Type.String(),
        end_time: Type.Optional(Type.String({ description: "Unix seconds, as answered" })),
      }),
      { description: "batches: the per-user results the caller was answered, in its order" },
    ),
  ),
  change: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: "what was written (a status's or tenant's fields)" }),
  ),
});

/** The error answers every admin operation may give. */
export const PROBLEM_RESPONSES = {
  400: Problem,
  401: Problem,
  404: Problem,
  409: Problem,
  503: Problem,
} as const;
