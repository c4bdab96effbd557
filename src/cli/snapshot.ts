/** `larkstatus snapshot save|restore|delete NAME`, `larkstatus snapshot list`: named copies of the whole state. */
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { isoSeconds, table } from "./output.js";

interface Snapshot {
  name: string;
  created_ms: number;
}

const ACTIONS = ["save", "restore", "delete", "list"];

export const snapshot: CliCommand = {
  name: "snapshot",
  args: ["save|restore|delete|list", "[NAME]"],
  summary: "emulator: save, restore, delete or list named snapshots of the whole state",
  check(args) {
    const [action, name] = args;
    if (!ACTIONS.includes(action as string)) return `snapshot takes save, restore, delete or list, got "${action}"`;
    if (action !== "list" && name === undefined) return `snapshot ${action} needs a NAME`;
    if (action === "list" && name !== undefined) return `snapshot list takes no NAME, got "${name}"`;
    return undefined;
  },
  async run(ctx) {
    const [action, name] = ctx.args as [string, string | undefined];
    if (action === "list") {
      const page = await ctx.client.request<{ items: Snapshot[] }>("GET", "/emulator/snapshots");
      if (ctx.out.json) ctx.out.value(page);
      else
        ctx.out.write(
          page.items.length > 0
            ? table(page.items, [
                { header: "NAME", cell: (s: Snapshot) => s.name },
                { header: "CREATED", cell: (s: Snapshot) => isoSeconds(s.created_ms) },
              ])
            : "no snapshots\n",
        );
      return;
    }
    const path = `/emulator/snapshots/${seg(name as string)}`;
    const out =
      action === "save"
        ? await ctx.client.request<unknown>("POST", "/emulator/snapshots", { json: { name } })
        : action === "restore"
          ? await ctx.client.request<unknown>("POST", `${path}/restore`)
          : await ctx.client.request<unknown>("DELETE", path);
    if (ctx.out.json) ctx.out.value(out ?? { deleted: name });
    else ctx.out.write(`${action === "save" ? "saved" : action === "restore" ? "restored" : "deleted"} snapshot ${name}\n`);
  },
};
