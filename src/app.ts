/**
 * Builds the Fastify app from its dependencies. No I/O of its own (no listen, no files), so tests
 * drive it with inject() and main.ts decides where it runs.
 */
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import { adminRouteProblem, registerAdmin, sendProblem } from "./admin/plugin.js";
import { openApiHeader, routeSchema } from "./api/openapi.js";
import type { OperationContext } from "./api/operation.js";
import { OPERATIONS } from "./api/routes.js";
import { AuditLog } from "./domain/audit.js";
import type { Clock } from "./domain/clock.js";
import { Directory } from "./domain/directory.js";
import type { IdGenerator } from "./domain/ids.js";
import { SCOPE_EMPLOYEE_ID } from "./domain/model.js";
import { type Caller, StatusService } from "./domain/service.js";
import { UserState } from "./domain/user-state.js";
import type { Emulator } from "./emulator/emulator.js";
import { appIdOf, faultStep, installEmulator } from "./emulator/hooks.js";
import { ApiError } from "./errors/codes.js";
import { clientErrorHandler, frameworkErrorHandler, setLogIdHeaders } from "./http/client-errors.js";
import { Connections, drainUnreadBody } from "./http/connections.js";
import { errorHandler, type RouteFamily, sendApiError } from "./http/errors.js";
import { MemoryRateLimiter, noRateLimit, RATE_TIERS, type RateLimiter } from "./http/rate-limit.js";
import { bindLog, LOG_SERIALIZERS, VendorLogController } from "./http/request-log.js";
import { validatorCompiler } from "./http/validation.js";
import type { Store } from "./storage/store.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The server's client connections and shutdown phase (src/http/connections.ts). */
    connections: Connections;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** The body's text as received, JSON or not (the journal keeps it). */
    bodyText?: string;
  }
  interface FastifyContextConfig {
    family?: RouteFamily;
    /** The vendor operation a route serves (its log lines and journal entries name it). */
    operation?: string;
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
  /** The admin API's bearer token; without one every admin call answers 401. */
  adminToken?: string;
  /** The emulator controls (`--emulator on`); without them every control answers 403. */
  emulator?: Emulator;
  /** pino options (Fastify's own logger; `stream`: where lines go, default stdout), or false for none. */
  logger?: { level: string; stream?: { write(line: string): void } } | false;
  version?: string;
}

function malformedJson(): Error {
  return Object.assign(new Error("request body is not valid JSON"), { code: "LARKSTATUS_MALFORMED_JSON", statusCode: 400 });
}

/**
 * [ours] A query string where a repeated parameter reads as its first occurrence (as Go's
 * `url.Values.Get` does): `?user_id_type=user_id&user_id_type=open_id` is `user_id`. Every check reads
 * the same single value, so the scope check (99991672) still runs before validation (2005001).
 */
export function firstValues(query: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(query)) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * The methods each path answers, from the routes themselves: a path with none is a 404, one with
 * others than the request's a 405 whose `Allow` lists them. GET routes answer HEAD too (Fastify's
 * exposeHeadRoutes).
 */
function allowedMethods(routes: readonly { method: string; url: string }[]): (path: string) => string[] {
  const table = routes.map((r) => ({
    re: new RegExp(`^${r.url.replace(/:[a-z_]+/g, "[^/]+")}$`),
    methods: r.method === "GET" ? ["GET", "HEAD"] : [r.method],
  }));
  return (path) => [...new Set(table.filter((r) => r.re.test(path)).flatMap((r) => r.methods))].sort();
}

/** Whether a request URL is the admin API's (problem details, not the vendor envelope). */
function isAdminPath(url: string): boolean {
  return url === "/admin" || url.startsWith("/admin/") || url.startsWith("/admin?");
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { store, clock, ids } = deps;
  const connections = new Connections();
  // The client-error handler is configured before the app (and its logger) exists.
  let appLog: FastifyBaseLogger | undefined;
  const app = Fastify({
    logger: deps.logger ? { ...deps.logger, serializers: LOG_SERIALIZERS } : false,
    // The completion line of a vendor request carries its answer's code (and msg).
    logController: new VendorLogController(),
    genReqId: () => ids.logId(),
    bodyLimit: BODY_LIMIT,
    // Requests after the shutdown grace get our 503 envelope (onRequest below), not Fastify's.
    return503OnClosing: false,
    // What Node's parser or Fastify's router cannot read still answers the vendor envelope.
    clientErrorHandler: clientErrorHandler({ ids, clock, connections, log: () => appLog }),
    frameworkErrors: frameworkErrorHandler,
    // Longer than any request line Node accepts, so an oversized id reaches validation (2005001)
    // instead of falling through to the not-found handler.
    routerOptions: { maxParamLength: 65_536, querystringParser: firstValues },
  });
  const service = new StatusService({ store, clock, ids });
  const limiter: RateLimiter = deps.rateLimit === "vendor" ? (deps.rateLimiter ?? new MemoryRateLimiter(clock)) : noRateLimit;

  appLog = app.log;
  connections.attach(app.server);
  app.decorate("connections", connections);
  app.addHook("preClose", (done) => {
    connections.close();
    done();
  });
  app.decorateRequest("caller", null);
  app.decorateRequest("apiError", undefined);
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    // An answer sent before the body was read (a body over the limit, an auth error): read the
    // rest off the wire, bounded, and keep the connection, instead of Fastify's Connection: close,
    // whose close with unread bytes resets the connection and loses the answer.
    if (drainUnreadBody(request.raw)) reply.removeHeader("connection");
    return errorHandler(error, request, reply);
  });

  // Bodies are JSON whatever the Content-Type says (some clients send none); parse failures
  // become the route family's vendor error in errorHandler, never a 5xx.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = body as string;
    // The body as received (the journal keeps it as sent, not as validation left it).
    (_req as FastifyRequest).bodyText = text;
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformedJson(), undefined);
    }
  });

  const methodsOf = allowedMethods(
    OPERATIONS.flatMap((op) => [op.url, ...(op.aliases ?? [])].map((url) => ({ method: op.method, url }))),
  );
  const routeError = (url: string) => {
    const allow = methodsOf(url.split("?")[0] ?? "");
    return allow.length > 0
      ? new ApiError("METHOD_NOT_ALLOWED", { headers: { allow: allow.join(", ") } })
      : new ApiError("NOT_FOUND");
  };

  const emulator = deps.emulator;
  // [ours] A reset puts the server back as it started: no call counted yet (this instance's counters;
  // shared Redis counters are left to expire).
  if (emulator && limiter instanceof MemoryRateLimiter) emulator.onReset(() => limiter.clear());
  // First of all: the shared emulator clock as another instance may have moved it.
  if (emulator?.shared) app.addHook("onRequest", async () => emulator.beforeCall());
  // The journal and the fault rules: nothing of them on the hot path with the controls off.
  if (emulator) installEmulator(app, emulator, clock);
  app.addHook("onRequest", async (req, reply) => {
    // The SDKs read the log id from X-Tt-Logid; it equals error.log_id.
    setLogIdHeaders(reply.raw, req.id);
    // After the shutdown grace: refuse, in the envelope (the connection closes after it).
    if (connections.phase === "closed") return sendApiError(req, reply, new ApiError("STORE_UNAVAILABLE"));
    // The route is checked first: an unknown path or method answers 404/405 before the body is
    // even read, so a malformed or oversized body cannot turn it into a 2005001.
    // Under /admin the admin API's own not-found handler answers, with a problem document.
    if (req.is404 && !isAdminPath(req.url)) {
      drainUnreadBody(req.raw);
      return sendApiError(req, reply, routeError(req.url));
    }
  });
  app.setNotFoundHandler((req, reply) =>
    isAdminPath(req.url) ? sendProblem(req, reply, adminRouteProblem(req.url)) : sendApiError(req, reply, routeError(req.url)),
  );

  await app.register(swagger, { openapi: openApiHeader(deps.version ?? "0.0.0") });

  for (const op of OPERATIONS) {
    for (const url of [op.url, ...(op.aliases ?? [])]) {
      app.route({
        method: op.method,
        url,
        config: { family: op.family, operation: op.name },
        schema: routeSchema(op, url),
        // Every log line of the request names its operation, from the first.
        childLoggerFactory: (logger, bindings, opts) => logger.child({ ...bindings, operation: op.name }, opts),
        ...(emulator ? { preHandler: faultStep(emulator, op) } : {}),
        ...(op.family === "personal_settings"
          ? {
              // The vendor's order: token → scope → rate limit → tenant permission, all before the
              // body is even parsed, so a malformed body never hides an auth error.
              onRequest: async (req: FastifyRequest) => {
                const caller = await service.authenticate(req.headers.authorization, req.id);
                bindLog(req, { app_id: caller.app.app_id });
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
          : {
              // A token endpoint's caller is the body's app_id, once the body is read.
              preValidation: async (req: FastifyRequest) => {
                const appId = appIdOf(req);
                if (appId !== undefined) bindLog(req, { app_id: appId });
              },
            }),
        handler: async (req) => {
          const ctx: OperationContext = { service, caller: req.caller as Caller };
          if (req.failedInputs) ctx.failed = req.failedInputs;
          return op.handle(ctx, req);
        },
      });
    }
  }

  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  const probes: Record<string, () => Promise<boolean>> = { store: () => store.ping(), ...deps.readiness };
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    // Draining for shutdown: not ready, so a load balancer stops sending new work here.
    if (connections.phase !== "serving") return reply.code(503).send({ status: "draining" });
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((n) => (probes[n] as () => Promise<boolean>)().catch(() => false)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i] ? "ok" : "unreachable"]));
    const ready = results.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await registerAdmin(app, {
    ctx: {
      directory: new Directory({ store, ids, clock }),
      state: new UserState({ store, clock }),
      audit: new AuditLog({ store, clock }),
      emulator: deps.emulator,
    },
    token: deps.adminToken,
    version: deps.version ?? "0.0.0",
  });

  return app;
}
