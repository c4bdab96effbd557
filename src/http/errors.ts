/**
 * The one place where errors become the vendor's wire envelope:
 * `{code, msg, error: {log_id, troubleshooter, field_violations?, permission_violations?}}`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, invalidField } from "../errors/codes.js";
import { StorageError } from "../storage/errors.js";
import { ajvErrorToApiError } from "./validation.js";

/** Which error vocabulary a route speaks when its input is malformed. */
export type RouteFamily = "auth" | "personal_settings" | "internal";

export function errorBody(err: ApiError, logId: string): Record<string, unknown> {
  const error: Record<string, unknown> = {
    log_id: logId,
    // [ours] same shape as the vendor's; the link is the vendor's search page for the code.
    troubleshooter: `排查建议查看(Troubleshooting suggestions): https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=${err.code}`,
  };
  if (err.details.fieldViolations) error.field_violations = err.details.fieldViolations;
  if (err.details.permissionViolations) error.permission_violations = err.details.permissionViolations;
  return { code: err.code, msg: err.message, error };
}

export function sendApiError(request: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  // The completion line of the request's log names it (src/http/request-log.ts).
  request.apiError = err;
  if (err.details.headers) reply.headers(err.details.headers);
  return reply.code(err.status).type("application/json; charset=utf-8").send(errorBody(err, request.id));
}

function familyOf(request: FastifyRequest): RouteFamily {
  return (request.routeOptions.config as { family?: RouteFamily } | undefined)?.family ?? "internal";
}

/** The input error of a route family: 10003 on token endpoints, 2005001 elsewhere. */
function malformed(family: RouteFamily, field: string, description: string): ApiError {
  return family === "auth" ? new ApiError("INVALID_PARAM") : invalidField(field, description);
}

/** Turns anything thrown while answering into a vendor envelope; only our own bugs become 5xx. */
export function errorHandler(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) return sendApiError(request, reply, error);
  const family = familyOf(request);
  const fe = error as FastifyError & { validationContext?: string };
  if (fe.validation && fe.validation.length > 0) {
    if (family === "auth") return sendApiError(request, reply, new ApiError("INVALID_PARAM"));
    const ctx = fe.validationContext;
    const root = ctx === "body" ? request.body : ctx === "querystring" ? request.query : request.params;
    // biome-ignore lint/suspicious/noExplicitAny: Fastify types validation entries loosely.
    return sendApiError(request, reply, ajvErrorToApiError(fe.validation[0] as any, [], root));
  }
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return sendApiError(request, reply, malformed(family, "body", "request body exceeds 1 MiB"));
  }
  if (fe.code === "LARKSTATUS_MALFORMED_JSON") {
    return sendApiError(request, reply, malformed(family, "body", "request body is not valid JSON"));
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    request.log.info({ err: fe }, "client error mapped to a vendor envelope");
    return sendApiError(request, reply, malformed(family, "body", fe.message));
  }
  if (error instanceof StorageError && error.unavailable) {
    request.log.error({ err: error }, "store unavailable");
    return sendApiError(request, reply, new ApiError("STORE_UNAVAILABLE", { cause: error }));
  }
  request.log.error({ err: error }, "unhandled error");
  return sendApiError(request, reply, new ApiError("INTERNAL", { cause: error }));
}
