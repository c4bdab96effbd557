/** The request journal: the last requests to /open-apis, newest first, filtered; and clearing it. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { OPERATIONS } from "../../api/routes.js";
import { didYouMean } from "../../domain/suggest.js";
import type { AdminOperation } from "../operation.js";
import { invalidInput } from "../problems.js";
import { EMULATOR_PROBLEM_RESPONSES, emulatorOf, NO_QUERY } from "./gate.js";

/** Every vendor operation's name (what `operation` filters and fault rules name). */
export const OPERATION_NAMES: readonly string[] = OPERATIONS.map((op) => op.name);

/** 400 naming `field` unless `name` is a vendor operation's (or `*` when `wildcard`). */
export function checkOperation(field: string, name: string, wildcard: boolean): void {
  if ((wildcard && name === "*") || OPERATION_NAMES.includes(name)) return;
  throw invalidInput(
    field,
    `is not a vendor operation${didYouMean(name, OPERATION_NAMES)}: one of ${OPERATION_NAMES.join(", ")}${wildcard ? ", or *" : ""}`,
  );
}

export const JOURNAL_LIMIT_MAX = 10_000;

export const JournalQuery = Type.Object(
  {
    operation: Type.Optional(Type.String({ description: "a vendor operation name, e.g. system_status.batch_open" })),
    app_id: Type.Optional(Type.String({ description: "the calling app" })),
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: "the HTTP status answered" })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: JOURNAL_LIMIT_MAX, default: 100, description: `1-${JOURNAL_LIMIT_MAX}, default 100` }),
    ),
  },
  { additionalProperties: false },
);
export type JournalQuery = Static<typeof JournalQuery>;

const AnyJson = Type.Unknown({ description: "JSON as sent (a string when it was not JSON or was cut)" });

export const JournalEntryOut = Type.Object({
  log_id: Type.String({ description: "the request's log id (X-Tt-Logid)" }),
  at_ms: Type.Integer({ description: "when it arrived, on the emulated clock (Unix ms)" }),
  method: Type.String(),
  path: Type.String(),
  query: Type.String({ description: 'the query string as sent, without the "?" ("" when none)' }),
  app_id: Type.Optional(Type.String({ description: "the token's app, or the token request's app_id" })),
  operation: Type.Optional(Type.String({ description: "the vendor operation; absent for a path none serves" })),
  request_body: AnyJson,
  request_body_truncated: Type.Optional(
    Type.Literal(true, { description: "the body was over 64 KiB: its first 64 Ki characters" }),
  ),
  status: Type.Integer({ description: "the HTTP status answered" }),
  response_body: AnyJson,
  response_body_truncated: Type.Optional(Type.Literal(true)),
  duration_ms: Type.Number({ description: "from arrival to the answer sent (ms, real time)" }),
});

export const getJournal: AdminOperation = {
  name: "emulator.journal",
  method: "GET",
  url: "/emulator/journal",
  summary:
    "The last requests to /open-apis (--journal-size, default 1000; this instance's), newest first, filtered by operation, app_id and status; secrets and token values are redacted",
  tag: "emulator",
  schema: {
    querystring: JournalQuery,
    response: { 200: Type.Object({ items: Type.Array(JournalEntryOut) }), ...EMULATOR_PROBLEM_RESPONSES },
  },
  async handle(ctx, req: FastifyRequest<{ Querystring: JournalQuery }>) {
    const emulator = emulatorOf(ctx);
    const { limit = 100, ...filter } = req.query;
    if (filter.operation !== undefined) checkOperation("operation", filter.operation, false);
    return { items: emulator.journal.list(filter, limit) };
  },
};

export const clearJournal: AdminOperation = {
  name: "emulator.journal.clear",
  method: "DELETE",
  url: "/emulator/journal",
  summary: "Forget every request the journal holds",
  tag: "emulator",
  status: 204,
  schema: {
    querystring: NO_QUERY,
    response: { 204: Type.Null({ description: "cleared; no body" }), ...EMULATOR_PROBLEM_RESPONSES },
  },
  async handle(ctx) {
    emulatorOf(ctx).journal.clear();
    return undefined;
  },
};
