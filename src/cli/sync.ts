/** `larkstatus sync TENANT USER STATUS on|off`: flips the user's "auto open" toggle; prints the new view. */
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { printView, type StatusView } from "./user-status.js";

export const sync: CliCommand = {
  name: "sync",
  args: ["TENANT", "USER", "STATUS", "on|off"],
  summary: 'flip a user\'s "auto open" toggle of a status, as the user does in the client',
  check(args) {
    const state = args[3];
    return state === "on" || state === "off" ? undefined : `the last argument of sync must be on or off, got "${state}"`;
  },
  async run(ctx) {
    const [tenant, user, status, state] = ctx.args as [string, string, string, string];
    const view = await ctx.client.request<StatusView>("PUT", `/tenants/${seg(tenant)}/users/${seg(user)}/sync/${seg(status)}`, {
      json: { on: state === "on" },
    });
    if (!ctx.out.json) ctx.out.note(`auto open of ${status} for ${user}: ${state}`);
    printView(ctx, view);
  },
};
