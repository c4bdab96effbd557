/** POST /open-apis/auth/v3/{tenant,app}_access_token/internal: top-level fields, no `data`. */
import type { FastifyRequest } from "fastify";
import type { AuthOperation } from "../operation.js";
import { AppTokenResponse, ErrorEnvelope, TenantTokenResponse, TokenBody } from "../schemas.js";

type Req = FastifyRequest<{ Body: TokenBody }>;

export const tenantAccessToken: AuthOperation = {
  name: "tenant_access_token",
  family: "auth",
  method: "POST",
  url: "/open-apis/auth/v3/tenant_access_token/internal",
  aliases: ["/open-apis/auth/v3/tenant_access_token/internal/"],
  summary: "Get a tenant_access_token for a custom app",
  schema: { body: TokenBody, response: { 200: TenantTokenResponse, 400: ErrorEnvelope } },
  async handle({ service }, req: Req) {
    const t = await service.tenantAccessToken(req.body.app_id, req.body.app_secret);
    return { code: 0, msg: "ok", tenant_access_token: t.token, expire: t.expire };
  },
};

export const appAccessToken: AuthOperation = {
  name: "app_access_token",
  family: "auth",
  method: "POST",
  url: "/open-apis/auth/v3/app_access_token/internal",
  aliases: ["/open-apis/auth/v3/app_access_token/internal/"],
  summary: "Get an app_access_token (and the tenant_access_token) for a custom app",
  schema: { body: TokenBody, response: { 200: AppTokenResponse, 400: ErrorEnvelope } },
  async handle({ service }, req: Req) {
    const t = await service.appAccessToken(req.body.app_id, req.body.app_secret);
    return {
      code: 0,
      msg: "ok",
      app_access_token: t.app.token,
      tenant_access_token: t.tenant.token,
      expire: t.app.expire,
    };
  },
};
