/** What one API operation declares: route, schema, guard settings and a thin handler. */
import type { FastifyRequest, FastifySchema, HTTPMethods } from "fastify";
import type { Caller, FailedInputs, StatusService } from "../domain/service.js";
import type { RateTier } from "../http/rate-limit.js";

export interface OperationContext {
  service: StatusService;
  /** The authenticated caller; set on personal_settings routes only. */
  caller: Caller;
  /** Batch inputs (by index) an injected fault fails (the emulator's fault rules); none otherwise. */
  failed?: FailedInputs;
}

interface BaseOperation {
  /** Stable name: the rate-limit key, the OpenAPI operationId and the log field. */
  name: string;
  method: HTTPMethods;
  /** Extra paths answering the same (e.g. the token endpoints' trailing-slash form). */
  aliases?: string[];
  url: string;
  summary: string;
  schema: FastifySchema;
  // biome-ignore lint/suspicious/noExplicitAny: each operation narrows its own request type.
  handle(ctx: OperationContext, request: FastifyRequest<any>): Promise<unknown>;
}

/** A token endpoint: no bearer token, no rate limit. */
export interface AuthOperation extends BaseOperation {
  family: "auth";
}

/** A personal_settings endpoint: tenant token, scope, rate limit and tenant permission first. */
export interface StatusOperation extends BaseOperation {
  family: "personal_settings";
  scope: string;
  tier: RateTier;
}

export type Operation = AuthOperation | StatusOperation;

/** The success envelope. */
export function ok<T>(data: T): { code: 0; msg: "success"; data: T } {
  return { code: 0, msg: "success", data };
}
