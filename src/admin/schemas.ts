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
    user_id: Type.Optional(
      Type.String({
        ...UserFields.user_id,
        description: "the tenant's employee user_id (a batch sent with open_ids or union_ids is found by it too)",
      }),
    ),
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

// ---------------------------------------------------------------------------- state: what users show

const StatusId = Type.String({ pattern: "^[0-9]{19}$", description: "19-digit decimal id" });
const EndTime = Type.String({ description: "the vendor's end_time: Unix seconds, as a string" });
const EndAt = Type.String({ description: "end_time as ISO 8601" });
const OpenedBy = Type.String({ description: "the app that opened the row last" });
const OpenedAtMs = Type.Integer({
  description: "when the row's snapshot was taken (Unix ms): its first open since it last closed or expired",
});

export const UserParams = Type.Object({
  tenant_key: TenantKeyParams.properties.tenant_key,
  user_id: UserFields.user_id,
});
export type UserParams = Static<typeof UserParams>;

export const SyncParams = Type.Object({
  tenant_key: TenantKeyParams.properties.tenant_key,
  user_id: UserFields.user_id,
  system_status_id: StatusId,
});
export type SyncParams = Static<typeof SyncParams>;

export const SyncBody = Type.Object(
  { on: Type.Boolean({ description: 'the user\'s "auto open" toggle of this status' }) },
  { additionalProperties: false },
);
export type SyncBody = Static<typeof SyncBody>;

const I18nText = Type.Object({
  zh_cn: Type.Optional(Type.String()),
  en_us: Type.Optional(Type.String()),
  ja_jp: Type.Optional(Type.String()),
});

export const ShownOut = Type.Object(
  {
    system_status_id: Type.String(),
    title: Type.String(),
    i18n_title: I18nText,
    icon_key: Type.String(),
    color: Type.String(),
    priority: Type.Integer(),
    end_time: EndTime,
    end_at: EndAt,
    opened_by_app_id: OpenedBy,
    opened_at_ms: OpenedAtMs,
  },
  { description: "what the profile shows: the snapshot the status was opened with" },
);

export const UserStatusViewOut = Type.Object({
  tenant_key: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  resigned: Type.Boolean(),
  now_ms: Type.Integer({ description: "the server clock's time the view describes" }),
  // OpenAPI 3.0 has no null type: `nullable` says it (and the serializer honours it).
  shown: Type.Unsafe<Static<typeof ShownOut> | null>({
    ...ShownOut,
    nullable: true,
    description: "what the profile shows now (the effective-status rule), or null",
  }),
  statuses: Type.Array(
    Type.Object({
      system_status_id: Type.String(),
      title: Type.String({ description: "the snapshot's title" }),
      open: Type.Boolean(),
      expired: Type.Boolean({ description: "end_time ≤ now: shows nothing, whatever open says" }),
      sync_on: Type.Boolean({ description: "the user's toggle, else the status's is_open_by_default" }),
      shown: Type.Boolean({ description: "the row the profile shows" }),
      end_time: EndTime,
      end_at: EndAt,
      opened_by_app_id: OpenedBy,
      opened_at_ms: OpenedAtMs,
    }),
    { description: "every status the user has a row for, by system_status_id" },
  ),
  sync: Type.Array(
    Type.Object({
      system_status_id: Type.String(),
      title: Type.String(),
      on: Type.Boolean(),
      set_by_user: Type.Boolean({ description: "false: the status's is_open_by_default" }),
    }),
    { description: 'the user\'s "auto open" toggle of every live status of the tenant, by priority' },
  ),
});

export const StatusUsersParams = Type.Object({
  tenant_key: TenantKeyParams.properties.tenant_key,
  system_status_id: StatusId,
});
export type StatusUsersParams = Static<typeof StatusUsersParams>;

export const StatusUsersQuery = Type.Object(
  {
    ...ListQuery.properties,
    shown: Type.Optional(
      Type.Boolean({
        default: false,
        description: "true: only the users whose profile shows it now (a page may then hold fewer than limit)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type StatusUsersQuery = Static<typeof StatusUsersQuery>;

export const StatusUserOut = Type.Object({
  user_id: Type.String(),
  end_time: EndTime,
  end_at: EndAt,
  sync_on: Type.Boolean(),
  shown: Type.Boolean({ description: "the user's profile shows this status now" }),
  opened_by_app_id: OpenedBy,
  opened_at_ms: OpenedAtMs,
});

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
