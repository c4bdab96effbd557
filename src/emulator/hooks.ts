/**
 * How the emulator's journal and fault rules hook into the vendor routes. Installed by buildApp only
 * when the emulator controls are on, so with them off the hot path has none of this.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Operation } from "../api/operation.js";
import type { Clock } from "../domain/clock.js";
import type { FailedInputs } from "../domain/service.js";
import { ApiError, errorKeyOf } from "../errors/codes.js";
import { RATE_TIERS } from "../http/rate-limit.js";
import type { Emulator } from "./emulator.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The emulated now when the request arrived (journal). */
    journalAt: number;
    /** The payload as sent (journal). */
    journalPayload: unknown;
    /** Batch inputs an injected fault fails. */
    failedInputs: FailedInputs | undefined;
  }
}

/** Whether a URL is the vendor API's (what the journal keeps). */
function isVendorPath(url: string): boolean {
  return url.startsWith("/open-apis/") || url === "/open-apis" || url.startsWith("/open-apis?");
}

/** The app a vendor request is from: its token's (once authenticated) or its body's `app_id` (token endpoints). */
export function appIdOf(req: FastifyRequest): string | undefined {
  if (req.caller) return req.caller.app.app_id;
  if (req.routeOptions.config?.family !== "auth") return undefined;
  const body = req.body as { app_id?: unknown } | undefined;
  return typeof body === "object" && body !== null && typeof body.app_id === "string" ? body.app_id : undefined;
}

/**
 * The emulator's hooks on the app: every request to /open-apis recorded in the journal (when it
 * keeps any), and the request field the fault step fills.
 */
export function installEmulator(app: FastifyInstance, emulator: Emulator, clock: Clock): void {
  app.decorateRequest("failedInputs", undefined);
  const journal = emulator.journal;
  if (journal.size === 0) return;
  app.decorateRequest("journalAt", 0);
  app.decorateRequest("journalPayload", undefined);
  app.addHook("onRequest", async (req) => {
    req.journalAt = clock.now();
  });
  app.addHook("onSend", async (req, _reply, payload) => {
    req.journalPayload = payload;
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => {
    if (!isVendorPath(req.url)) return;
    const q = req.url.indexOf("?");
    const operation = (req.routeOptions.config as { operation?: string } | undefined)?.operation;
    journal.record({
      log_id: req.id,
      at_ms: req.journalAt,
      method: req.method,
      path: q < 0 ? req.url : req.url.slice(0, q),
      query: q < 0 ? "" : req.url.slice(q + 1),
      app_id: appIdOf(req),
      operation,
      request_body: req.body,
      request_text: req.bodyText,
      response_payload: req.journalPayload,
      status: reply.statusCode,
      duration_ms: reply.elapsedTime,
      authorization: req.headers.authorization,
    });
  });
}

/** The error an injected fault answers: the catalog's, with what the real one carries. */
function faultError(code: number, op: Operation): ApiError {
  const key = errorKeyOf(code);
  if (key === undefined) return new ApiError("INTERNAL");
  const scope = op.family === "personal_settings" ? op.scope : "";
  if (key === "SCOPE_REQUIRED") {
    return new ApiError(key, {
      scope,
      permissionViolations: [{ type: "action_scope_required", subject: scope, description: `the app lacks the scope ${scope}` }],
    });
  }
  if (key === "RATE_LIMITED") {
    const limit = op.family === "personal_settings" ? (RATE_TIERS[op.tier][0]?.limit ?? 1) : 1;
    return new ApiError(key, { headers: { "x-ogw-ratelimit-limit": String(limit), "x-ogw-ratelimit-reset": "1" } });
  }
  return new ApiError(key);
}

/**
 * The route's fault step (a preHandler: after authentication, scope, rate limit and validation, so a
 * call that would fail anyway keeps its real error): waits the rules' latency, then answers their
 * error, or marks the batch inputs they fail.
 */
export function faultStep(emulator: Emulator, op: Operation): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    if (!emulator.faults.active) return;
    const list = (req.body as { user_list?: unknown } | undefined)?.user_list;
    const effect = emulator.faults.decide(op.name, Array.isArray(list) ? list.length : 0);
    if (!effect) return;
    if (effect.latency_ms > 0) await sleep(effect.latency_ms);
    if (effect.error_code !== undefined) throw faultError(effect.error_code, op);
    if (effect.fail_users.size > 0) req.failedInputs = effect.fail_users;
  };
}
