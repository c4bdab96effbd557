/** The emulator controls' common parts: the --emulator gate and their error answers. */
import { Type } from "@sinclair/typebox";
import type { Emulator } from "../../emulator/emulator.js";
import type { AdminContext } from "../operation.js";
import { AdminProblem } from "../problems.js";
import { PROBLEM_RESPONSES, Problem } from "../schemas.js";

/** The server's emulator, or the 403 that says how to turn the controls on. */
export function emulatorOf(ctx: AdminContext): Emulator {
  if (ctx.emulator) return ctx.emulator;
  throw new AdminProblem(
    "forbidden",
    "the emulator controls are off on this server: start it with --emulator on (or LARKSTATUS_EMULATOR=on); they are off by default with PostgreSQL",
  );
}

/** The error answers of every emulator control: those of every operation, and 403 when off. */
export const EMULATOR_PROBLEM_RESPONSES = { ...PROBLEM_RESPONSES, 403: Problem } as const;

/** The query of a control that takes none: a parameter it does not know is refused (400 naming it), not ignored. */
export const NO_QUERY = Type.Object({}, { additionalProperties: false });
