/** `larkstatus rotate-secret APP`: a new app_secret (shown this once); every token of the app stops working. */
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
    ctx.out.write(record(Object.entries(out)));
    ctx.out.note("the secret is shown this once: store it now; the app's tokens no longer work");
  },
};
