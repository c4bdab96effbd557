/** The seed file format (README, "Seed files"): the public fixture format, JSON or YAML. */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { StatusProperties, StringEnum } from "../api/schemas.js";
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

export const SeedUser = Type.Object(
  {
    user_id: UserIdString,
    name: Type.String({ minLength: 1 }),
    resigned: Type.Optional(Type.Boolean()),
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
    app_id: Type.String({ pattern: "^cli_[0-9a-f]{16}$" }),
    app_secret: Type.String({ minLength: 1 }),
    scopes: Type.Array(Type.String({ minLength: 1 })),
    visibility: Type.Optional(Type.Union([Type.Literal("all"), Type.Array(UserIdString)])),
    enabled: Type.Optional(Type.Boolean()),
    developer: Type.Optional(Type.String({ minLength: 1 })),
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
    tenant_key: Type.String({ pattern: "^[0-9a-f]{16}$" }),
    name: Type.String({ minLength: 1 }),
    api_enabled: Type.Optional(Type.Boolean()),
    sensitive_words: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    users: Type.Optional(Type.Array(SeedUser)),
    apps: Type.Optional(Type.Array(SeedApp)),
    system_statuses: Type.Optional(Type.Array(SeedStatus, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const SeedFile = Type.Object({ tenants: Type.Array(SeedTenant) }, { additionalProperties: false });
export type SeedFile = Static<typeof SeedFile>;
export type SeedTenant = Static<typeof SeedTenant>;
