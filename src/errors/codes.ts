/**
 * The closed catalog of every error code larkstatus answers with: code → HTTP status and the exact
 * public message. Messages are the vendor's where the vendor publishes one; the others are ours and
 * are listed in docs/fidelity.md. Nothing else in the code base may spell a message.
 */
export const ERRORS = {
  // --- token endpoints (auth/v3) ---
  INVALID_PARAM: { code: 10003, status: 400, msg: "invalid param" },
  APP_SECRET_INVALID: { code: 10014, status: 400, msg: "app secret invalid" },

  // --- gateway: auth, routing, rate limit ---
  MISSING_TOKEN: {
    code: 99991661,
    status: 400,
    msg: "Missing access token for authorization. Please make a request with token attached.",
  },
  INVALID_TOKEN: {
    code: 99991663,
    status: 400,
    msg: "Invalid access token for authorization. Please make a request with token attached.",
  },
  USER_TOKEN_NOT_SUPPORTED: { code: 99991668, status: 400, msg: "user access token not support" },
  TOKEN_BAD_PREFIX: { code: 99991671, status: 400, msg: "Invalid token: must start with t-/u-" },
  // The message names the missing scope; see scopeRequiredMessage().
  SCOPE_REQUIRED: { code: 99991672, status: 400, msg: "Access denied. One of the following scopes is required: [{scope}]" },
  NOT_FOUND: { code: 99991201, status: 404, msg: "resource not find" },
  // [ours] the vendor documents the code, not a message we could verify.
  METHOD_NOT_ALLOWED: { code: 99991301, status: 405, msg: "request method not allowed" },
  RATE_LIMITED: { code: 99991400, status: 429, msg: "request trigger frequency limit" },
  // [ours] a request that cannot be read as HTTP (malformed request line, URL encoding or chunk
  // size, a header block over the limit, a timeout): the vendor publishes no code for a request
  // its gateway cannot read. Sent with 400, or 414 / 431 / 408 (src/http/client-errors.ts).
  MALFORMED_REQUEST: { code: 9499, status: 400, msg: "Bad Request" },
  // [ours] a last-resort answer for a bug of ours; never expected on the wire.
  INTERNAL: { code: 99991500, status: 500, msg: "internal error" },
  // [ours] the database cannot be reached, or the server is shutting down: nothing was changed, retry later.
  STORE_UNAVAILABLE: { code: 99991503, status: 503, msg: "service temporarily unavailable, please retry later" },

  // --- personal_settings business errors ---
  INVALID_PARAMETER: { code: 2005001, status: 400, msg: "Your request contains an invalid request parameter." },
  DUPLICATE_NAME: {
    code: 2005002,
    status: 400,
    msg: "The same name or i18n name has already be created within your tenant.",
  },
  SENSITIVE_WORD: { code: 2005003, status: 400, msg: "Name or i18n name contains sensitive words." },
  // [ours] the vendor documents the code (10-status limit) but we found no published message.
  STATUS_LIMIT: {
    code: 2005004,
    status: 400,
    msg: "The number of system statuses within your tenant has reached the upper limit.",
  },
  DUPLICATE_PRIORITY: {
    code: 2005005,
    status: 400,
    msg: "The priority of tenant system status has already be created within your tenant.",
  },
  OTHER_TENANT_USER: { code: 2005006, status: 400, msg: "Request contains other tenant user." },
  TENANT_NO_PERMISSION: { code: 2005007, status: 400, msg: "Tenant does not have permission to api." },
} as const;

export type ErrorKey = keyof typeof ERRORS;
export type ErrorDef = (typeof ERRORS)[ErrorKey];

/** A field that broke a rule, as the vendor reports it in `error.field_violations`. */
export interface FieldViolation {
  field: string;
  value?: string;
  description: string;
}

/** A missing permission, as the vendor reports it in `error.permission_violations`. */
export interface PermissionViolation {
  type: string;
  subject: string;
  description: string;
}

export interface ApiErrorDetails {
  fieldViolations?: FieldViolation[];
  permissionViolations?: PermissionViolation[];
  /** Replaces `{scope}` in the catalog message. */
  scope?: string;
  /** Extra HTTP headers (e.g. the rate-limit headers). */
  headers?: Record<string, string>;
  /** Internal cause for logs; never sent on the wire. */
  cause?: unknown;
}

/**
 * The one exception type the HTTP layer turns into a vendor error envelope. Thrown by domain code,
 * auth and validation alike; serialized in exactly one place (src/http/errors.ts).
 */
export class ApiError extends Error {
  readonly def: ErrorDef;
  readonly details: ApiErrorDetails;

  constructor(key: ErrorKey, details: ApiErrorDetails = {}) {
    const def = ERRORS[key];
    super(details.scope !== undefined ? def.msg.replace("{scope}", details.scope) : def.msg, { cause: details.cause });
    this.name = "ApiError";
    this.def = def;
    this.details = details;
  }

  get code(): number {
    return this.def.code;
  }

  get status(): number {
    return this.def.status;
  }
}

/** The longest `field_violations[].value` we echo; longer values are cut with an ellipsis. */
export const VIOLATION_VALUE_MAX = 256;

/**
 * A value as echoed in a field violation: strings as they are, anything else as JSON. Never throws
 * (a pathologically nested value overflows JSON.stringify) and never echoes more than
 * VIOLATION_VALUE_MAX characters.
 */
export function violationValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Array.isArray(value) ? "[…]" : typeof value === "object" && value !== null ? "{…}" : String(value);
    }
  }
  return text.length > VIOLATION_VALUE_MAX ? `${text.slice(0, VIOLATION_VALUE_MAX - 1)}…` : text;
}

/** A 2005001 naming one offending field by its JSON path. */
export function invalidField(field: string, description: string, value?: unknown): ApiError {
  const violation: FieldViolation = { field, description };
  if (value !== undefined) violation.value = violationValue(value);
  return new ApiError("INVALID_PARAMETER", { fieldViolations: [violation] });
}

/** The catalog entry of a vendor code, or undefined for a code the catalog does not hold. */
export function errorKeyOf(code: number): ErrorKey | undefined {
  return (Object.keys(ERRORS) as ErrorKey[]).find((k) => ERRORS[k].code === code);
}
