/**
 * Builds the Fastify app from its dependencies. No I/O of its own (no listen, no files), so tests
 * drive it with inject() and main.ts decides where it runs.
 */
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { openApiHeader, routeSchema } from "./api/openapi.js";
import type { OperationContext } from "./api/operation.js";
import { OPERATIONS } from "./api/routes.js";
import type { Clock } from "./domain/clock.js";
import type { IdGenerator } from "./domain/ids.js";
import { SCOPE_EMPLOYEE_ID } from "./domain/model.js";
import { type Caller, StatusService } from "./domain/service.js";
import { ApiError } from "./errors/codes.js";
import { errorHandler, type RouteFamily, sendApiError } from "./http/errors.js";
import { MemoryRateLimiter, noRateLimit, RATE_TIERS, type RateLimiter } from "./http/rate-limit.js";
import { validatorCompiler } from "./http/validation.js";
import type { Store } from "./storage/store.js";

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    family?: RouteFamily;
  }
}

export const BODY_LIMIT = 1024 * 1024;

export interface AppDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  rateLimit: "vendor" | "off";
  /** The limiter for `rateLimit: "vendor"`; default: in-process counters (each instance limits alone). */
  rateLimiter?: RateLimiter;
  /** Extra dependencies /readyz checks besides the store (e.g. Redis). */
  readiness?: Record<string, () => Promise<boolean>>;
  /** pino options (Fastify's own logger), or false for none (tests). */
  logger?: { level: string } | false;
  version?: string;
}

function malformedJson(): Error {
  return Object.assign(new Error("request body is not valid JSON"), { code: "LARKSTATUS_MALFORMED_JSON", statusCode: 400 });
}

/** A matcher for "this path exists with another method" (405 instead of 404). */
function knownPathMatcher(urls: readonly string[]): (path: string) => boolean {
  const res = urls.map((u) => new RegExp(`^${u.replace(/:[a-z_]+/g, "[^/]+")}$`));
  return (path) => res.some((re) => re.test(path));
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { store, clock, ids } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    genReqId: () => ids.logId(),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    // Longer than any request line Node accepts, so an oversized id reaches validation (2005001)
    // instead of falling through to the not-found handler.
    routerOptions: { maxParamLength: 65_536 },
  });
  const service = new StatusService({ store, clock, ids });
  const limiter: RateLimiter = deps.rateLimit === "vendor" ? (deps.rateLimiter ?? new MemoryRateLimiter(clock)) : noRateLimit;

  app.decorateRequest("caller", null);
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);

  // Bodies are JSON whatever the Content-Type says (some clients send none); parse failures
  // become the route family's vendor error in errorHandler, never a 5xx.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformedJson(), undefined);
    }
  });

  const isKnownPath = knownPathMatcher(OPERATIONS.flatMap((op) => [op.url, ...(op.aliases ?? [])]));
  const routeError = (url: string) => new ApiError(isKnownPath(url.split("?")[0] ?? "") ? "METHOD_NOT_ALLOWED" : "NOT_FOUND");

  app.addHook("onRequest", async (req, reply) => {
    // The SDKs read the log id from X-Tt-Logid; it equals error.log_id. Set on the raw response so
    // the name keeps the vendor's casing on the wire: lark-oapi (Python) copies headers into a
    // plain dict and looks up "X-Tt-Logid" exactly, while Fastify's reply.header() lowercases.
    reply.raw.setHeader("X-Tt-Logid", req.id);
    reply.raw.setHeader("X-Request-Id", req.id);
    // The route is checked first: an unknown path or method answers 404/405 before the body is
    // even read, so a malformed or oversized body cannot turn it into a 2005001.
    if (req.is404) return sendApiError(req, reply, routeError(req.url));
  });
  app.setNotFoundHandler((req, reply) => sendApiError(req, reply, routeError(req.url)));

  await app.register(swagger, { openapi: openApiHeader(deps.version ?? "0.0.0") });

  for (const op of OPERATIONS) {
    for (const url of [op.url, ...(op.aliases ?? [])]) {
      app.route({
        method: op.method,
        url,
        config: { family: op.family },
        schema: routeSchema(op, url),
        ...(op.family === "personal_settings"
          ? {
              // The vendor's order: token → scope → rate limit → tenant permission, all before the
              // body is even parsed, so a malformed body never hides an auth error.
              onRequest: async (req: FastifyRequest) => {
                const caller = await service.authenticate(req.headers.authorization);
                service.requireScope(caller, op.scope);
                if ((req.query as Record<string, unknown>).user_id_type === "user_id") {
                  service.requireScope(caller, SCOPE_EMPLOYEE_ID);
                }
                const d = await limiter.hit(`${caller.app.app_id}|${caller.tenant.tenant_key}|${op.name}`, RATE_TIERS[op.tier]);
                if (!d.ok) {
                  throw new ApiError("RATE_LIMITED", {
                    headers: { "x-ogw-ratelimit-limit": String(d.limit), "x-ogw-ratelimit-reset": String(d.resetSeconds) },
                  });
                }
                service.requireApiEnabled(caller);
                req.caller = caller;
              },
            }
          : {}),
        handler: async (req) => {
          const ctx: OperationContext = { service, caller: req.caller as Caller };
          return op.handle(ctx, req);
        },
      });
    }
  }

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  const probes: Record<string, () => Promise<boolean>> = { store: () => store.ping(), ...deps.readiness };
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((n) => (probes[n] as () => Promise<boolean>)().catch(() => false)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i] ? "ok" : "unreachable"]));
    const ready = results.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  return app;
}
