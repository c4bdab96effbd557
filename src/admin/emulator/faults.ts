/** Fault injection: rules that slow matching vendor calls, answer a catalog error, or fail some users of a batch. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { batchClose } from "../../api/system-statuses/batch-close.js";
import { batchOpen } from "../../api/system-statuses/batch-open.js";
import type { FaultRule } from "../../emulator/faults.js";
import { ERRORS, errorKeyOf } from "../../errors/codes.js";
import type { AdminOperation } from "../operation.js";
import { invalidInput, notFound } from "../problems.js";
import { EMULATOR_PROBLEM_RESPONSES, emulatorOf, NO_QUERY } from "./gate.js";
import { checkOperation } from "./journal.js";

/** The longest latency a rule may add (ms). */
export const FAULT_LATENCY_MAX_MS = 60_000;

/** The operations whose users a rule may fail one by one. */
const BATCH_OPERATIONS: readonly string[] = [batchOpen.name, batchClose.name];

const Probability = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

export const FaultBody = Type.Object(
  {
    operation: Type.String({ description: "a vendor operation name (e.g. system_status.batch_open, tenant_access_token) or *" }),
    probability: Type.Optional(
      Probability("0-1, default 1: the chance a matching call gets the rule's error (or its user fails)"),
    ),
    latency_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: FAULT_LATENCY_MAX_MS,
        description: `added to every matching call (real time), 0-${FAULT_LATENCY_MAX_MS}`,
      }),
    ),
    error_code: Type.Optional(
      Type.Integer({ description: "a code of the error catalog, answered with its real HTTP status and envelope" }),
    ),
    user_fail_probability: Type.Optional(
      Probability(
        "batch_open / batch_close only: the chance each user of the batch gets the result fail (nothing changes for it)",
      ),
    ),
    times: Type.Optional(Type.Integer({ minimum: 1, description: "the rule goes after this many matching calls" })),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: "the PRNG's seed: the same seed, the same choices" }),
    ),
  },
  {
    additionalProperties: false,
    description: "a rule must do something: latency_ms above 0, error_code or user_fail_probability",
  },
);
export type FaultBody = Static<typeof FaultBody>;

export const FaultOut = Type.Object({
  id: Type.String({ description: "flt_<n>" }),
  operation: Type.String(),
  probability: Type.Number(),
  latency_ms: Type.Optional(Type.Integer()),
  error_code: Type.Optional(Type.Integer()),
  user_fail_probability: Type.Optional(Type.Number()),
  times: Type.Optional(Type.Integer()),
  remaining: Type.Optional(Type.Integer({ description: "matching calls left before the rule goes (with times)" })),
  seed: Type.Optional(Type.Integer()),
  matched: Type.Integer({ description: "matching calls so far" }),
});

export const FaultIdParams = Type.Object({ id: Type.String({ description: "flt_<n>" }) });
export type FaultIdParams = Static<typeof FaultIdParams>;

const CATALOG_CODES = Object.values(ERRORS)
  .map((e) => e.code)
  .sort((a, b) => a - b);

/** The rule a body asks for, or the 400 naming what is wrong with it. */
function ruleOf(body: FaultBody): FaultRule {
  checkOperation("operation", body.operation, true);
  if (body.error_code !== undefined && errorKeyOf(body.error_code) === undefined) {
    throw invalidInput("error_code", `is not a code of the error catalog: one of ${CATALOG_CODES.join(", ")}`);
  }
  if (body.user_fail_probability !== undefined) {
    if (!BATCH_OPERATIONS.includes(body.operation)) {
      throw invalidInput("user_fail_probability", `applies to ${BATCH_OPERATIONS.join(" and ")} only`);
    }
    if (body.error_code !== undefined) {
      throw invalidInput("user_fail_probability", "a rule answers either an error_code or user fails, not both");
    }
  }
  const answers = body.error_code !== undefined || body.user_fail_probability !== undefined;
  if (body.probability !== undefined && !answers) {
    throw invalidInput("probability", "applies to error_code or user_fail_probability: give one of them");
  }
  if (!answers && !(body.latency_ms !== undefined && body.latency_ms > 0)) {
    throw invalidInput("body", "a rule must do something: latency_ms above 0, error_code or user_fail_probability");
  }
  return body;
}

const FAULT_RESPONSES = EMULATOR_PROBLEM_RESPONSES;

export const addFault: AdminOperation = {
  name: "emulator.faults.add",
  method: "POST",
  url: "/emulator/faults",
  summary:
    "Add a fault rule (this instance's): for matching calls, after their own checks, wait latency_ms; then, with probability, answer error_code, or fail each user of a batch with user_fail_probability",
  tag: "emulator",
  status: 201,
  schema: { body: FaultBody, response: { 201: FaultOut, ...FAULT_RESPONSES } },
  async handle(ctx, req: FastifyRequest<{ Body: FaultBody }>) {
    const emulator = emulatorOf(ctx);
    if (req.body === undefined || req.body === null) throw invalidInput("body", "must be a fault rule object");
    return emulator.faults.add(ruleOf(req.body));
  },
};

export const listFaults: AdminOperation = {
  name: "emulator.faults",
  method: "GET",
  url: "/emulator/faults",
  summary: "The fault rules, in the order they apply",
  tag: "emulator",
  schema: { querystring: NO_QUERY, response: { 200: Type.Object({ items: Type.Array(FaultOut) }), ...FAULT_RESPONSES } },
  async handle(ctx) {
    return { items: emulatorOf(ctx).faults.list() };
  },
};

export const clearFaults: AdminOperation = {
  name: "emulator.faults.clear",
  method: "DELETE",
  url: "/emulator/faults",
  summary: "Remove every fault rule",
  tag: "emulator",
  status: 204,
  schema: { querystring: NO_QUERY, response: { 204: Type.Null({ description: "removed; no body" }), ...FAULT_RESPONSES } },
  async handle(ctx) {
    emulatorOf(ctx).faults.clear();
    return undefined;
  },
};

export const removeFault: AdminOperation = {
  name: "emulator.faults.remove",
  method: "DELETE",
  url: "/emulator/faults/:id",
  summary: "Remove one fault rule",
  tag: "emulator",
  status: 204,
  schema: { params: FaultIdParams, response: { 204: Type.Null({ description: "removed; no body" }), ...FAULT_RESPONSES } },
  async handle(ctx, req: FastifyRequest<{ Params: FaultIdParams }>) {
    if (!emulatorOf(ctx).faults.remove(req.params.id)) throw notFound("fault rule", req.params.id);
    return undefined;
  },
};
