/** The audit log: every acknowledged change, newest first, filtered. */
import type { FastifyRequest } from "fastify";
import type { AuditFilter, AuditKey, AuditRecord } from "../../domain/audit.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import type { AdminOperation } from "../operation.js";
import { invalidInput } from "../problems.js";
import { AuditEntryOut, AuditQuery, ListOf, PROBLEM_RESPONSES } from "../schemas.js";

/** The position a cursor of this list continues after. */
function afterKey(cursor: string | undefined): AuditKey | undefined {
  const key = decodeCursor(cursor, 2);
  if (!key) return undefined;
  const [at_ms, id] = key;
  if (typeof at_ms !== "number" || typeof id !== "number") throw invalidInput("cursor", "is not a cursor this list gave out");
  return { at_ms, id };
}

export const listAudit: AdminOperation = {
  name: "audit.list",
  method: "GET",
  url: "/audit",
  summary:
    "The audit log, newest first: one entry per acknowledged change (vendor API, admin API, seeds), filtered by tenant, user, status, app, op, actor and time",
  tag: "audit",
  schema: { querystring: AuditQuery, response: { 200: ListOf(AuditEntryOut), ...PROBLEM_RESPONSES } },
  async handle({ audit }, req: FastifyRequest<{ Querystring: AuditQuery }>) {
    const { limit = 100, cursor, ...filter } = req.query;
    if (filter.since_ms !== undefined && filter.until_ms !== undefined && filter.until_ms < filter.since_ms) {
      throw invalidInput("until_ms", "must not be before since_ms");
    }
    const page = await audit.list(filter satisfies AuditFilter, limit, afterKey(cursor));
    return {
      items: page.entries satisfies AuditRecord[],
      ...(page.next ? { next_cursor: encodeCursor([page.next.at_ms, page.next.id]) } : {}),
    };
  },
};
