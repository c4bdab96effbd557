/**
 * The wire schemas: one TypeBox schema per body, query and response. They drive request
 * validation, the TypeScript types of handlers and /openapi.json alike.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { COLORS, ICON_KEYS, UPDATE_FIELDS, USER_ID_TYPES } from "../domain/model.js";

/**
 * The format of every free-text string a client sends: well-formed Unicode (no unpaired surrogate,
 * e.g. a JSON `"\ud800"` escape alone). Such text has no UTF-8 form, so SQLite would store U+FFFD in
 * its place (two different titles becoming one name) and PostgreSQL would refuse it; it is 2005001
 * naming the field instead. Registered on every Ajv instance by src/http/validation.ts.
 */
export const TEXT_FORMAT = "well-formed-unicode";

/** A string a client sends: every one of them is well-formed text (see TEXT_FORMAT). */
export function Text(options: Parameters<typeof Type.String>[0] = {}) {
  return Type.String({ ...options, format: TEXT_FORMAT });
}

/** A string enum as plain JSON Schema `enum` (clean errors and OpenAPI, unlike a union of literals). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/** Success envelope `{code: 0, msg: "success", data}`. */
export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({
    code: Type.Integer({ description: "0 on success" }),
    msg: Type.String(),
    data,
  });
}

export const ErrorEnvelope = Type.Object(
  {
    code: Type.Integer(),
    msg: Type.String(),
    error: Type.Object({
      log_id: Type.String(),
      troubleshooter: Type.String(),
      field_violations: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), value: Type.Optional(Type.String()), description: Type.String() })),
      ),
      permission_violations: Type.Optional(
        Type.Array(Type.Object({ type: Type.String(), subject: Type.String(), description: Type.String() })),
      ),
    }),
  },
  { description: "Vendor error envelope" },
);

const title = (max: number, what: string) =>
  Text({ minLength: 1, maxLength: max, description: `${what}: 1-${max} weighted characters (CJK counts 2)` });

export const I18nTitle = (max: number, what: string) =>
  Type.Object({
    zh_cn: Type.Optional(title(max, what)),
    en_us: Type.Optional(title(max, what)),
    ja_jp: Type.Optional(title(max, what)),
  });

export const SyncSettingInput = Type.Object({
  is_open_by_default: Type.Optional(Type.Boolean({ description: "default true" })),
  title: Type.Optional(title(30, "sync toggle title")),
  i18n_title: Type.Optional(I18nTitle(30, "sync toggle title")),
  explain: Type.Optional(title(60, "sync toggle explanation")),
  i18n_explain: Type.Optional(I18nTitle(60, "sync toggle explanation")),
});

/** The properties of a status a client may send; each also validates one named field of a patch. */
export const StatusProperties = {
  title: title(20, "status title"),
  i18n_title: I18nTitle(20, "status title"),
  icon_key: StringEnum(ICON_KEYS),
  color: StringEnum(COLORS, { description: "default BLUE" }),
  priority: Type.Integer({
    minimum: 0,
    maximum: 9,
    description: "0-9, unique among live statuses; smaller shows first; default 0",
  }),
  sync_setting: SyncSettingInput,
};

/** create: a bare SystemStatus. Unknown fields (system_status_id included) are ignored. */
export const CreateBody = Type.Object({
  title: StatusProperties.title,
  i18n_title: Type.Optional(StatusProperties.i18n_title),
  icon_key: StatusProperties.icon_key,
  color: Type.Optional(StatusProperties.color),
  priority: Type.Optional(StatusProperties.priority),
  sync_setting: Type.Optional(StatusProperties.sync_setting),
});
export type CreateBody = Static<typeof CreateBody>;

/** A patch property: any value here; validated like create's property only when named. */
function namedOnly(property: keyof typeof StatusProperties) {
  return Type.Optional(
    Type.Unknown({ description: `validated with the rules of create's \`${property}\` only when update_fields names it` }),
  );
}

/**
 * patch: the outer shape only. Each field named in update_fields is validated against
 * StatusProperties by the handler; fields not named are neither validated nor applied. The
 * properties are declared (any value) so that unknown ones are dropped like everywhere else.
 */
export const PatchBody = Type.Object({
  system_status: Type.Object({
    title: namedOnly("title"),
    i18n_title: namedOnly("i18n_title"),
    icon_key: namedOnly("icon_key"),
    color: namedOnly("color"),
    priority: namedOnly("priority"),
    sync_setting: namedOnly("sync_setting"),
  } satisfies Record<keyof typeof StatusProperties, unknown>),
  update_fields: Type.Array(StringEnum(UPDATE_FIELDS), { minItems: 1 }),
});
export type PatchBody = Static<typeof PatchBody>;

const I18nOut = Type.Object({
  zh_cn: Type.Optional(Type.String()),
  en_us: Type.Optional(Type.String()),
  ja_jp: Type.Optional(Type.String()),
});

export const SystemStatusOut = Type.Object({
  system_status_id: Type.String({ description: "19-digit decimal id" }),
  title: Type.String(),
  i18n_title: I18nOut,
  icon_key: Type.String(),
  color: Type.String(),
  priority: Type.Integer(),
  sync_setting: Type.Object({
    is_open_by_default: Type.Boolean(),
    title: Type.String(),
    i18n_title: I18nOut,
    explain: Type.String(),
    i18n_explain: I18nOut,
  }),
});

export const StatusIdParams = Type.Object({ system_status_id: Type.String({ description: "19-digit decimal id" }) });
export type StatusIdParams = Static<typeof StatusIdParams>;

export const ListQuery = Type.Object({
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: "1-50, default 50" })),
  page_token: Type.Optional(Type.String({ description: "from the previous page; absent on the last page" })),
});
export type ListQuery = Static<typeof ListQuery>;

export const UserIdTypeQuery = Type.Object({
  user_id_type: Type.Optional(
    StringEnum(USER_ID_TYPES, { description: "default open_id; user_id needs contact:user.employee_id:readonly" }),
  ),
});
export type UserIdTypeQuery = Static<typeof UserIdTypeQuery>;

export const BatchOpenBody = Type.Object({
  user_list: Type.Array(
    Type.Object({
      user_id: Text(),
      end_time: Type.Union([Text(), Type.Integer()], {
        description: "Unix seconds, as a string or a number; in (now, now + 365 days]",
      }),
    }),
    { minItems: 1, maxItems: 50 },
  ),
});
export type BatchOpenBody = Static<typeof BatchOpenBody>;

export const BatchCloseBody = Type.Object({
  user_list: Type.Array(Text(), { minItems: 1, maxItems: 50 }),
});
export type BatchCloseBody = Static<typeof BatchCloseBody>;

export const OpenResultList = Type.Object({
  result_list: Type.Array(Type.Object({ user_id: Type.String(), end_time: Type.String(), result: Type.String() })),
});
export const CloseResultList = Type.Object({
  result_list: Type.Array(Type.Object({ user_id: Type.String(), result: Type.String() })),
});

export const ListData = Type.Object({
  items: Type.Array(SystemStatusOut),
  has_more: Type.Boolean(),
  page_token: Type.Optional(Type.String()),
});

export const TokenBody = Type.Object({ app_id: Text(), app_secret: Text() });
export type TokenBody = Static<typeof TokenBody>;

export const TenantTokenResponse = Type.Object({
  code: Type.Integer(),
  msg: Type.String(),
  tenant_access_token: Type.String(),
  expire: Type.Integer({ description: "seconds left" }),
});
export const AppTokenResponse = Type.Object({
  code: Type.Integer(),
  msg: Type.String(),
  app_access_token: Type.String(),
  tenant_access_token: Type.String(),
  expire: Type.Integer({ description: "seconds left" }),
});
