/** `larkstatus reset`: the emulator back to its start-up state (the seeds), clock, tokens, journal and faults cleared. */
import type { CliCommand } from "./command.js";

export const reset: CliCommand = {
  name: "reset",
  args: [],
  summary: "emulator: everything back to the start-up seeds (tokens, clock, journal, faults and snapshots cleared)",
  async run(ctx) {
    const out = await ctx.client.request<Record<string, unknown>>("POST", "/emulator/reset");
    if (ctx.out.json) ctx.out.value(out);
    else ctx.out.write(`reset to the start-up state${typeof out?.took_ms === "number" ? ` in ${out.took_ms} ms` : ""}\n`);
  },
};
