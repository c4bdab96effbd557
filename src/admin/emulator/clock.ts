/** The emulator's clock: read it, move it forward, set it, freeze it. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { parseDuration } from "../../config.js";
import { ClockBackwards, type ClockChange } from "../../emulator/clock.js";
import type { AdminOperation } from "../operation.js";
import { AdminProblem, invalidInput } from "../problems.js";
import { EMULATOR_PROBLEM_RESPONSES, emulatorOf, NO_QUERY } from "./gate.js";

/** The latest instant a clock may show: JavaScript's last Date (year 275760). */
export const CLOCK_MAX_MS = 8.64e15;

/** A duration `advance` takes: a number (decimals allowed) and s, m, h or d. */
export const DURATION_PATTERN = "^[0-9]+(\\.[0-9]+)?(s|m|h|d)$";

export const ClockOut = Type.Object({
  now_ms: Type.Integer({ description: "the emulated now, Unix ms" }),
  now_at: Type.String({ description: "now_ms as ISO 8601 (UTC)" }),
  frozen: Type.Boolean(),
  offset_ms: Type.Integer({ description: "how far the emulated now is ahead of the wall clock" }),
});

export const ClockBody = Type.Object(
  {
    advance_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: CLOCK_MAX_MS, description: "move forward by this many ms" })),
    advance: Type.Optional(
      Type.String({ pattern: DURATION_PATTERN, description: "move forward by a duration: 30s, 90m, 2h, 1d" }),
    ),
    set_ms: Type.Optional(
      Type.Integer({ minimum: 0, maximum: CLOCK_MAX_MS, description: "move to this Unix ms (not earlier than now: 409)" }),
    ),
    frozen: Type.Optional(Type.Boolean({ description: "true: time stands still; false: it runs on from where it stood" })),
  },
  { additionalProperties: false, description: "exactly one of advance_ms, advance, set_ms, frozen" },
);
export type ClockBody = Static<typeof ClockBody>;

const FIELDS = ["advance_ms", "advance", "set_ms", "frozen"] as const;

/** The one change a body asks for, or the 400 naming what is wrong with it. */
function changeOf(body: ClockBody | undefined): ClockChange {
  const given = FIELDS.filter((f) => body?.[f] !== undefined);
  if (given.length !== 1) {
    const field = given.length === 0 ? "body" : (given[1] as string);
    throw invalidInput(
      field,
      `must hold exactly one of ${FIELDS.join(", ")}${given.length > 1 ? ` (got ${given.join(" and ")})` : ""}`,
    );
  }
  const b = body as ClockBody;
  if (b.advance_ms !== undefined) return { advance_ms: b.advance_ms };
  if (b.set_ms !== undefined) return { set_ms: b.set_ms };
  if (b.frozen !== undefined) return { frozen: b.frozen };
  const ms = parseDuration(b.advance as string);
  if (ms === undefined || ms > CLOCK_MAX_MS) throw invalidInput("advance", "must be a duration such as 30s, 90m, 2h or 1d");
  return { advance_ms: ms };
}

export const getClock: AdminOperation = {
  name: "emulator.clock",
  method: "GET",
  url: "/emulator/clock",
  summary: "The emulated now: every expiry, token lifetime, rate-limit window and audit time follows it",
  tag: "emulator",
  schema: { querystring: NO_QUERY, response: { 200: ClockOut, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx) {
    return emulatorOf(ctx).clock.view();
  },
};

export const setClock: AdminOperation = {
  name: "emulator.clock.change",
  method: "POST",
  url: "/emulator/clock",
  summary:
    'Move the clock: {"advance_ms": N}, {"advance": "2h"}, {"set_ms": T} or {"frozen": true|false}. Time only moves forward (an earlier set_ms is 409)',
  tag: "emulator",
  schema: { body: ClockBody, response: { 200: ClockOut, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx, req: FastifyRequest<{ Body: ClockBody | undefined }>) {
    const emulator = emulatorOf(ctx);
    const change = changeOf(req.body);
    if ("advance_ms" in change && emulator.clock.now() + change.advance_ms > CLOCK_MAX_MS) {
      throw invalidInput(
        req.body?.advance === undefined ? "advance_ms" : "advance",
        `would move the clock past ${CLOCK_MAX_MS} (Unix ms)`,
      );
    }
    try {
      return await emulator.clock.change(change);
    } catch (e) {
      if (e instanceof ClockBackwards) {
        throw new AdminProblem("conflict", e.message, {
          errors: [{ field: "set_ms", message: "is earlier than the clock's now" }],
        });
      }
      throw e;
    }
  },
};
