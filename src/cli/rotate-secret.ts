/**
 * `larkstatus rotate-secret APP`: a new app_secret, printed this once (`--json`: the whole app, as
 * the admin API answers); every token of the app stops working and the old secret is refused.
 */
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { record } from "./output.js";

export const rotateSecret: CliCommand = {
  name: "rotate-secret",
  args: ["APP"],
  summary: "give an app a new app_secret (printed once); its tokens stop working on every instance",
  async run(ctx) {
    const app = ctx.args[0] as string;
    const out = await ctx.client.request<Record<string, unknown>>("POST", `/apps/${seg(app)}/secret`);
    if (ctx.out.json) {
      ctx.out.value(out);
      return;
    }
    // The secret is what this is for; the rest of the app is in `apps` (and in --json).
    ctx.out.write(
      record([
        ["app_id", out.app_id],
        ["app_secret", out.app_secret],
      ]),
    );
    ctx.out.note("the secret is shown this once: store it now; the app's tokens no longer work");
  },
};
