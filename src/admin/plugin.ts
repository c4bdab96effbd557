/**
 * The admin API under /admin/v1: bearer admin token, problem-details errors, strict validation with
 * the seed's rules, and /admin/openapi.json generated from the same schemas. Registered into the
 * main app (its own error and not-found handlers, encapsulated) by buildApp.
 */
import swagger from "@fastify/swagger";
import type { ErrorObject } from "ajv";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { drainUnreadBody } from "../http/connections.js";
import { StorageError } from "../storage/errors.js";
import { emulatorOf } from "./emulator/gate.js";
import { ADMIN_PREFIX, type AdminContext, type AdminOperation } from "./operation.js";
import { AdminProblem, invalidInput, PROBLEM_CONTENT_TYPE, problemBody } from "./problems.js";
import { ADMIN_OPERATIONS } from "./routes.js";
import { adminTokenMatches } from "./token.js";
import { adminBodyAjv, adminStringAjv, describeAjvError } from "./validation.js";

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: AdminProblem): FastifyReply {
  if (p.headers) reply.headers(p.headers);
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(p, request.id));
}

/** The 400 of an Ajv error: the offending field as a JSON path and the rule it broke. */
function validationProblem(err: ErrorObject, part: string | undefined): AdminProblem {
  const { path, message } = describeAjvError(err);
  const field = path === "" ? (part === "body" ? "body" : (part ?? "request")) : path;
  return new AdminProblem("invalid_input", `${field} ${message}`, { errors: [{ field, message }] });
}

/** Turns anything thrown under /admin into a problem; only our own bugs become a 500. */
function adminErrorHandler(error: FastifyError | AdminProblem, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // Answered before the body was read (a 401, a refused or half-read upload): read the rest off the
  // wire, bounded, so the client gets the answer instead of a reset.
  if (drainUnreadBody(request.raw)) reply.removeHeader("connection");
  if (error instanceof AdminProblem) return sendProblem(request, reply, error);
  const fe = error as FastifyError & { validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    return sendProblem(request, reply, validationProblem(fe.validation[0] as ErrorObject, fe.validationContext));
  }
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return sendProblem(
      request,
      reply,
      new AdminProblem("payload_too_large", "the request body is over the limit", {
        errors: [{ field: "body", message: "is too large" }],
      }),
    );
  }
  if (fe.code === "LARKSTATUS_MALFORMED_JSON") {
    return sendProblem(
      request,
      reply,
      new AdminProblem("invalid_input", "the request body is not valid JSON", {
        errors: [{ field: "body", message: "is not valid JSON" }],
      }),
    );
  }
  if ((fe.statusCode ?? 500) >= 400 && (fe.statusCode ?? 500) < 500) {
    return sendProblem(
      request,
      reply,
      new AdminProblem("invalid_input", fe.message, { errors: [{ field: "body", message: fe.message }] }),
    );
  }
  if (error instanceof StorageError && error.unavailable) {
    request.log.error({ err: error }, "store unavailable");
    return sendProblem(request, reply, new AdminProblem("unavailable", "the store cannot be reached; nothing was changed"));
  }
  request.log.error({ err: error }, "unhandled admin error");
  return sendProblem(request, reply, new AdminProblem("internal", "an internal error; nothing is known to have changed"));
}

/** The methods each admin path answers (for 405 and its Allow header). */
function adminMethods(path: string): string[] {
  const methods = ADMIN_OPERATIONS.filter((op) =>
    new RegExp(`^${ADMIN_PREFIX}${op.url.replace(/:[a-z_]+/g, "[^/]+")}$`).test(path),
  ).flatMap((op) => (op.method === "GET" ? ["GET", "HEAD"] : [op.method as string]));
  return [...new Set(methods)].sort();
}

/** 404 or 405 for a path under /admin that no operation answers with this method. */
export function adminRouteProblem(url: string): AdminProblem {
  const path = url.split("?")[0] ?? "";
  const allow = adminMethods(path);
  return allow.length > 0
    ? new AdminProblem("method_not_allowed", `${path} answers ${allow.join(", ")}`, { headers: { allow: allow.join(", ") } })
    : new AdminProblem("not_found", `no admin resource at ${path}`);
}

/** The media type of a request, without parameters, lower-cased ("" when none is sent). */
function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Registers the admin operations on `scope` (a prefixed child of the app, or the OpenAPI builder).
 * A streamed operation takes only its media type (415 before any of the body is read), up to its
 * own limit, and its handler reads the body as a stream; OpenAPI shows the schema of one line.
 */
function registerOperations(scope: FastifyInstance, ctx: AdminContext, hidden: boolean): void {
  // The stream itself is the body of a streamed operation: nothing buffers it.
  if (STREAMED_TYPES.length > 0) scope.addContentTypeParser(STREAMED_TYPES, (_req, payload, done) => done(null, payload));
  for (const op of ADMIN_OPERATIONS) {
    const stream = op.stream;
    scope.route({
      method: op.method,
      url: op.url,
      ...(stream
        ? {
            // Fastify enforces a route's limit only on bodies it buffers: the handler enforces it as it reads.
            bodyLimit: stream.limit,
            onRequest: async (req: FastifyRequest) => {
              if (mediaType(req) !== stream.contentType) {
                throw new AdminProblem("unsupported_media_type", `send the body as Content-Type: ${stream.contentType}`, {
                  errors: [{ field: "body", message: `must be ${stream.contentType}` }],
                });
              }
            },
          }
        : {}),
      // An emulator control answers 403 while the controls are off, before its input is validated.
      ...(op.tag === "emulator" && !stream
        ? {
            preValidation: async () => {
              emulatorOf(ctx);
            },
          }
        : {}),
      schema: {
        ...op.schema,
        ...(stream && !hidden ? { body: { content: { [stream.contentType]: { schema: stream.line } } } } : {}),
        operationId: op.name,
        summary: op.summary,
        tags: [op.tag],
        hide: hidden,
        security: [{ adminToken: [] }],
      } as Record<string, unknown>,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const out = await op.handle(ctx, req, reply);
        if (op.status) reply.code(op.status);
        return out;
      },
    });
  }
}

const validatorCompiler = ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
  (httpPart === "body" ? adminBodyAjv : adminStringAjv).compile(schema);

/** The media types of every streamed operation. */
const STREAMED_TYPES = [...new Set(ADMIN_OPERATIONS.flatMap((op) => (op.stream ? [op.stream.contentType] : [])))];

export interface AdminDeps {
  ctx: AdminContext;
  /** The admin token; with none, every admin call is refused. */
  token: string | undefined;
  version: string;
}

/** Registers /admin/v1/* and /admin/openapi.json on `app`. */
export async function registerAdmin(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(
    async (admin) => {
      admin.setValidatorCompiler(validatorCompiler);
      admin.setErrorHandler(adminErrorHandler);
      admin.setNotFoundHandler((req, reply) => sendProblem(req, reply, adminRouteProblem(req.url)));
      admin.addHook("onRequest", async (req) => {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
        if (!deps.token || !m || !adminTokenMatches(deps.token, m[1] as string)) {
          throw new AdminProblem(
            "unauthorized",
            deps.token ? "send Authorization: Bearer <admin token> (see the start-up banner)" : "this server has no admin token",
            { headers: { "www-authenticate": 'Bearer realm="larkstatus-admin"' } },
          );
        }
      });
      // No identifier holds U+0000 (each follows its seed pattern), and PostgreSQL cannot compare a
      // text with one: a path or query value with it is invalid input, named, before any lookup.
      admin.addHook("preValidation", async (req) => {
        for (const values of [req.params, req.query]) {
          for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>)) {
            if (typeof v === "string" && v.includes("\u0000")) throw invalidInput(k, "must not contain U+0000");
          }
        }
      });
      registerOperations(admin, deps.ctx, true);
    },
    { prefix: ADMIN_PREFIX },
  );

  let doc: Promise<unknown> | undefined;
  app.get("/admin/openapi.json", { schema: { hide: true } }, async () => {
    doc ??= adminOpenApi(deps.ctx, deps.version);
    return doc;
  });
}

/** /admin/openapi.json: the admin operations on a throwaway app, rendered by @fastify/swagger. */
async function adminOpenApi(ctx: AdminContext, version: string): Promise<unknown> {
  const builder = Fastify({ logger: false });
  builder.setValidatorCompiler(validatorCompiler);
  await builder.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "larkstatus admin API",
        version,
        description:
          "The operator surface of larkstatus (ours; the vendor has no such API): the directory, what users show, the audit log. Errors are RFC 9457 problem details.",
        license: { name: "MIT", url: "https://spdx.org/licenses/MIT.html" },
      },
      servers: [{ url: "http://{host}:{port}", variables: { host: { default: "127.0.0.1" }, port: { default: "3000" } } }],
      tags: [
        { name: "directory", description: "tenants, apps and users" },
        { name: "state", description: "what users show, and their sync toggles" },
        { name: "audit", description: "every acknowledged change" },
      ],
      components: { securitySchemes: { adminToken: { type: "http", scheme: "bearer", description: "the admin token" } } },
    },
  });
  await builder.register(async (scope) => registerOperations(scope, ctx, false), { prefix: ADMIN_PREFIX });
  await builder.ready();
  const out = builder.swagger();
  await builder.close();
  return out;
}

export type { AdminOperation };
