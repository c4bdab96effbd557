/** What one admin operation declares: route, schemas and a thin handler (the vendor surface's pattern). */
import type { TSchema } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from "fastify";
import type { AuditLog } from "../domain/audit.js";
import type { Directory } from "../domain/directory.js";
import type { UserState } from "../domain/user-state.js";
import type { Emulator } from "../emulator/emulator.js";

export interface AdminContext {
  directory: Directory;
  audit: AuditLog;
  /** What users show, and their sync toggles. */
  state: UserState;
  /** The emulator controls; undefined when they are off (`--emulator off`: every control answers 403). */
  emulator: Emulator | undefined;
}

export interface AdminOperation {
  /** Stable name: the OpenAPI operationId and, for writes, the audit log's `op`. */
  name: string;
  method: HTTPMethods;
  /** Below `/admin/v1`, e.g. `/tenants/:tenant_key`. */
  url: string;
  summary: string;
  /** The OpenAPI tag: what the operation is about. */
  tag: "directory" | "state" | "audit" | "emulator";
  schema: FastifySchema;
  /** The HTTP status of a success (default 200). */
  status?: number;
  /**
   * A streamed body: the route takes only `contentType` (415 otherwise), its handler reads
   * `request.body` as a stream of at most `limit` bytes (it enforces the limit as it reads), and
   * `line` is the schema of one line, shown in OpenAPI.
   */
  stream?: { contentType: string; limit: number; line: TSchema };
  // biome-ignore lint/suspicious/noExplicitAny: each operation narrows its own request type.
  handle(ctx: AdminContext, request: FastifyRequest<any>, reply: FastifyReply): Promise<unknown>;
}

/** The base path of every admin operation. */
export const ADMIN_PREFIX = "/admin/v1";
