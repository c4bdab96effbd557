/**
 * What /openapi.json says beyond the schemas that validate requests: the document's header
 * (servers, licence, tags, the security scheme) and, per route, its id, tag, security and the
 * answers every operation of its kind can give. Derived from the operation list, the rate tiers
 * and the error catalog, so the document cannot drift from what the server does.
 */
import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import type { FastifySchema } from "fastify";
import { SCOPE_EMPLOYEE_ID } from "../domain/model.js";
import { ERRORS } from "../errors/codes.js";
import { RATE_TIERS, type RateRule } from "../http/rate-limit.js";
import type { Operation } from "./operation.js";
import { ErrorEnvelope } from "./schemas.js";

const TAGS: Record<Operation["family"], { name: string; description: string }> = {
  auth: { name: "auth", description: "Token endpoints of a custom app (auth v3). No bearer token, no rate limit." },
  personal_settings: {
    name: "system_status",
    description:
      "personal_settings v1 system statuses. A tenant_access_token with the operation's scope; rate limited per (app, tenant, endpoint).",
  },
};

/** The `openapi` options of @fastify/swagger: the document's header. */
export function openApiHeader(version: string): FastifyDynamicSwaggerOptions["openapi"] {
  return {
    openapi: "3.0.3",
    info: {
      title: "larkstatus: Feishu/Lark personal_settings system-status API",
      version,
      description:
        "The vendor's wire contract as larkstatus serves it (docs/wire-contract.md); our decisions where the vendor is silent are in docs/fidelity.md.",
      license: { name: "MIT", url: "https://spdx.org/licenses/MIT.html" },
    },
    servers: [
      {
        // The document is served by the server it describes; these are `npm start`'s defaults.
        url: "http://{host}:{port}",
        description: "a larkstatus server (defaults: --host 127.0.0.1 --port 3000)",
        variables: { host: { default: "127.0.0.1" }, port: { default: "3000" } },
      },
    ],
    tags: [TAGS.auth, TAGS.personal_settings],
    components: {
      securitySchemes: {
        tenantAccessToken: {
          type: "http",
          scheme: "bearer",
          description: "a tenant_access_token (`t-...`) from POST /open-apis/auth/v3/tenant_access_token/internal",
        },
      },
    },
  };
}

function per(rule: RateRule): string {
  return rule.windowMs === 1000 ? `${rule.limit}/s` : `${rule.limit}/min`;
}

/** An error answer with the vendor envelope (and optional headers), described for the document. */
function errorResponse(description: string, headers?: Record<string, unknown>) {
  return { ...ErrorEnvelope, description, ...(headers ? { headers } : {}) };
}

const storeUnavailable = errorResponse(
  `The store cannot be reached: code ${ERRORS.STORE_UNAVAILABLE.code}, msg "${ERRORS.STORE_UNAVAILABLE.msg}"; nothing was changed, retry later (larkstatus's answer; the vendor publishes none).`,
);

function rateLimited(rules: readonly RateRule[]) {
  return errorResponse(
    `Over the vendor's limit of ${rules.map(per).join(" and ")} per (app, tenant, endpoint): code ${ERRORS.RATE_LIMITED.code}, msg "${ERRORS.RATE_LIMITED.msg}".`,
    {
      "x-ogw-ratelimit-limit": { type: "integer", description: "the limit of the window that refused the call" },
      "x-ogw-ratelimit-reset": { type: "integer", description: "whole seconds until that window ends (at least 1)" },
    },
  );
}

/** Descriptions of the answers an operation declares itself, by status key. */
const DECLARED: Record<string, string> = {
  "200": "Success",
  "400": `A vendor error: code ${ERRORS.INVALID_PARAM.code} (missing field, unknown app_id, malformed body) or ${ERRORS.APP_SECRET_INVALID.code} (wrong secret, disabled app)`,
  "4xx":
    "A vendor error with HTTP 400: an invalid parameter (2005001), a token or scope error (9999166x, 99991671, 99991672) or a business rule (2005002-2005007); see docs/wire-contract.md",
};

/**
 * The route schema of one operation at one of its URLs, as Fastify validates and serializes it and
 * as /openapi.json documents it. Aliases (the token endpoints' trailing-slash form) are hidden.
 */
export function routeSchema(op: Operation, url: string): FastifySchema {
  const declared = (op.schema.response ?? {}) as Record<string, Record<string, unknown>>;
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(declared)) {
    response[status] = { ...schema, description: DECLARED[status] ?? (schema.description as string | undefined) ?? status };
  }
  let description: string;
  if (op.family === "personal_settings") {
    const rules = RATE_TIERS[op.tier];
    response["429"] = rateLimited(rules);
    const query = op.schema.querystring as { properties?: Record<string, unknown> } | undefined;
    const employeeIds = query?.properties?.user_id_type ? ` With \`user_id_type=user_id\`, also \`${SCOPE_EMPLOYEE_ID}\`.` : "";
    description = `Scope: \`${op.scope}\`.${employeeIds} Rate limit: ${rules.map(per).join(" and ")} per (app, tenant, endpoint).`;
  } else {
    description = "No bearer token and no rate limit.";
  }
  response["503"] = storeUnavailable;
  return {
    ...op.schema,
    operationId: url === op.url ? op.name : `${op.name}.alias`,
    summary: op.summary,
    description,
    tags: [TAGS[op.family].name],
    hide: url !== op.url,
    // The token endpoints are how a caller gets a token: they take none.
    security: op.family === "personal_settings" ? [{ tenantAccessToken: [] }] : [],
    response,
  } as FastifySchema;
}
