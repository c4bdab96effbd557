/**
 * What every log line of a vendor request carries besides Fastify's own fields: the operation (from
 * the first line), the calling app (once known), and on the completion line the answer's vendor
 * `code` (and `vendor_msg`, the envelope's `msg`, for an error: pino's own `msg` is the line's
 * message), so a mistyped app id reads `app_id: "cli_typo", code: 10003, vendor_msg: "invalid
 * param"` rather than a bare `statusCode: 400`.
 */
import { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { redactUrl } from "../domain/secrets.js";
import type { ApiError } from "../errors/codes.js";
import type { RouteFamily } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The vendor error this request was answered with (set where errors are serialized). */
    apiError: ApiError | undefined;
  }
}

/** Adds `fields` to every later line of the request's log (a no-op without a logger). */
export function bindLog(req: FastifyRequest, fields: Record<string, unknown>): void {
  (req.log as { setBindings?: (b: Record<string, unknown>) => void }).setBindings?.(fields);
}

/** The vendor answer of a request: its error's code and msg, or code 0 for a vendor route's success. */
function answerOf(req: FastifyRequest, reply: FastifyReply): { code?: number; vendor_msg?: string } {
  if (req.apiError) return { code: req.apiError.code, vendor_msg: req.apiError.message };
  const family = (req.routeOptions.config as { family?: RouteFamily } | undefined)?.family;
  return (family === "auth" || family === "personal_settings") && reply.statusCode < 400 ? { code: 0 } : {};
}

/** Fastify's request logging, with the vendor answer (`code`, `vendor_msg`) on the completion line. */
export class VendorLogController extends LogController {
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const answer = answerOf(request, reply);
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime, ...answer }, "request errored");
    else reply.log.info({ res: reply, responseTime: reply.elapsedTime, ...answer }, "request completed");
  }
}

/**
 * Fastify's request serializer with the URL's secrets redacted (a client that puts its secret or
 * token in the query must not leave it in the log). The log never holds headers or bodies.
 */
export const LOG_SERIALIZERS = {
  req(req: FastifyRequest) {
    return {
      method: req.method,
      url: redactUrl(req.url),
      version: req.headers?.["accept-version"] as string | undefined,
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket ? req.socket.remotePort : undefined,
    };
  },
};
