/**
 * `larkstatus clock`: the emulated now; `clock advance 2h`, `clock set TIME`, `clock freeze`,
 * `clock unfreeze` move it (forward only).
 */
import { CliError } from "./client.js";
import type { CliCommand } from "./command.js";
import { record } from "./output.js";

interface ClockView {
  now_ms: number;
  now_at: string;
  frozen: boolean;
  offset_ms: number;
}

const ACTIONS = ["advance", "set", "freeze", "unfreeze"];

/** The body of `clock set TIME`: Unix ms or an ISO 8601 time. */
function setBody(text: string): { set_ms: number } {
  if (/^[0-9]{1,16}$/.test(text)) return { set_ms: Number(text) };
  const t = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(t)) return { set_ms: t };
  throw new CliError(`clock set takes Unix milliseconds or an ISO 8601 time, got "${text}"`);
}

export const clock: CliCommand = {
  name: "clock",
  args: ["[advance|set|freeze|unfreeze]", "[VALUE]"],
  summary: "emulator: the emulated now; advance 2h, set TIME (ms or ISO 8601), freeze or unfreeze it",
  check(args) {
    const [action, value] = args;
    if (action === undefined) return undefined;
    if (!ACTIONS.includes(action)) return `clock takes advance, set, freeze or unfreeze, got "${action}"`;
    const needs = action === "advance" || action === "set";
    if (needs && value === undefined)
      return `clock ${action} needs a ${action === "advance" ? "duration such as 90m or 2h" : "time"}`;
    if (!needs && value !== undefined) return `clock ${action} takes no value, got "${value}"`;
    return undefined;
  },
  async run(ctx) {
    const [action, value] = ctx.args as [string | undefined, string | undefined];
    const body =
      action === "advance"
        ? /^[0-9]+$/.test(value as string)
          ? { advance_ms: Number(value) }
          : { advance: value }
        : action === "set"
          ? setBody(value as string)
          : action === undefined
            ? undefined
            : { frozen: action === "freeze" };
    const view =
      body === undefined
        ? await ctx.client.request<ClockView>("GET", "/emulator/clock")
        : await ctx.client.request<ClockView>("POST", "/emulator/clock", { json: body });
    if (ctx.out.json) {
      ctx.out.value(view);
      return;
    }
    ctx.out.write(
      record([
        ["now", view.now_at],
        ["now_ms", view.now_ms],
        ["frozen", view.frozen],
        ["offset_ms", view.offset_ms],
      ]),
    );
  },
};
