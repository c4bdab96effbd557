/** The seed file format (README, "Seed files"): the public fixture format, JSON or YAML. */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { StatusProperties, StringEnum, Text } from "../api/schemas.js";
import { ICON_KEYS } from "../domain/model.js";

/**
 * `schema` with every object closed (`additionalProperties: false`) at any depth. The API ignores
 * unknown fields (and drops them before storing anything); a seed is a file someone wrote, so an
 * unknown field there is a typo the loader names, even inside `i18n_title`.
 */
function closed<T extends TSchema>(schema: T): T {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string | symbol, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = visit(x);
    for (const sym of Object.getOwnPropertySymbols(v)) out[sym] = (v as Record<symbol, unknown>)[sym];
    if (out.type === "object" && out.properties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    return out;
  };
  return visit(schema) as T;
}

const UserIdString = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "employee id: 1-64 of [A-Za-z0-9_-]" });

/**
 * The fields of a tenant, an app and a user, with their rules: one definition for the seed file and
 * the admin API, so a rule cannot differ between them.
 */
export const TenantFields = {
  tenant_key: Type.String({ pattern: "^[0-9a-f]{16}$", description: "16 hex" }),
  name: Text({ minLength: 1, maxLength: 256 }),
  api_enabled: Type.Boolean({ description: "false: every personal_settings call answers 2005007" }),
  sensitive_words: Type.Array(Text({ minLength: 1, maxLength: 256 }), {
    maxItems: 1000,
    description: "case-insensitive substrings refused in titles (2005003)",
  }),
};

export const AppFields = {
  app_id: Type.String({ pattern: "^cli_[0-9a-f]{16}$", description: "cli_ + 16 hex" }),
  app_secret: Text({ minLength: 1, maxLength: 256 }),
  scopes: Type.Array(Text({ minLength: 1, maxLength: 256 }), { maxItems: 100, description: "known scopes only" }),
  visibility: Type.Union([Type.Literal("all"), Type.Array(UserIdString)], {
    description: '"all", or the user_ids the app may see (others are invisible_user_id)',
  }),
  enabled: Type.Boolean({ description: "false: refuses tokens and revokes the app's tokens" }),
  // No control characters: a developer is a label keyed on (PostgreSQL cannot even store U+0000 in it).
  developer: Text({
    minLength: 1,
    maxLength: 256,
    pattern: "^[^\\u0000-\\u001f]+$",
    description: "union ids are per developer × user (default: the tenant_key); no control characters",
  }),
};

export const UserFields = {
  user_id: UserIdString,
  name: Text({ minLength: 1, maxLength: 256 }),
  resigned: Type.Boolean({ description: "true: resign_user_id" }),
};

export const SeedUser = Type.Object(
  {
    user_id: UserFields.user_id,
    name: UserFields.name,
    resigned: Type.Optional(UserFields.resigned),
    union_id: Type.Optional(Type.String({ pattern: "^on_[0-9a-f]{32}$" })),
    open_ids: Type.Optional(
      Type.Record(Type.String({ pattern: "^cli_[0-9a-f]{16}$" }), Type.String({ pattern: "^ou_[0-9a-f]{32}$" })),
    ),
    sync_off: Type.Optional(Type.Array(Type.String({ pattern: "^[0-9]{19}$" }))),
  },
  { additionalProperties: false },
);

export const SeedApp = Type.Object(
  {
    app_id: AppFields.app_id,
    app_secret: AppFields.app_secret,
    scopes: AppFields.scopes,
    visibility: Type.Optional(AppFields.visibility),
    enabled: Type.Optional(AppFields.enabled),
    developer: Type.Optional(AppFields.developer),
  },
  { additionalProperties: false },
);

export const SeedStatus = Type.Object(
  {
    system_status_id: Type.Optional(Type.String({ pattern: "^[0-9]{19}$" })),
    title: StatusProperties.title,
    i18n_title: Type.Optional(closed(StatusProperties.i18n_title)),
    icon_key: StringEnum(ICON_KEYS),
    color: Type.Optional(StatusProperties.color),
    priority: Type.Optional(StatusProperties.priority),
    sync_setting: Type.Optional(closed(StatusProperties.sync_setting)),
  },
  { additionalProperties: false },
);

export const SeedTenant = Type.Object(
  {
    tenant_key: TenantFields.tenant_key,
    name: TenantFields.name,
    api_enabled: Type.Optional(TenantFields.api_enabled),
    sensitive_words: Type.Optional(TenantFields.sensitive_words),
    users: Type.Optional(Type.Array(SeedUser)),
    apps: Type.Optional(Type.Array(SeedApp)),
    system_statuses: Type.Optional(Type.Array(SeedStatus, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const SeedFile = Type.Object({ tenants: Type.Array(SeedTenant) }, { additionalProperties: false });
export type SeedFile = Static<typeof SeedFile>;
export type SeedTenant = Static<typeof SeedTenant>;
