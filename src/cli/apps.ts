/** `larkstatus apps TENANT`: the tenant's apps (never their secrets), by app_id. */
import type { CliCommand } from "./command.js";
import { printList, seg } from "./list.js";

interface App {
  app_id: string;
  enabled?: boolean;
  scopes?: string[];
  visibility?: "all" | string[];
  developer?: string;
}

export const apps: CliCommand = {
  name: "apps",
  args: ["TENANT"],
  flags: ["limit", "cursor"],
  summary: "list a tenant's apps",
  run: (ctx) =>
    printList<App>(
      ctx,
      `/tenants/${seg(ctx.args[0] as string)}/apps`,
      {},
      [
        { header: "APP_ID", cell: (a) => a.app_id },
        { header: "ENABLED", cell: (a) => a.enabled },
        { header: "SCOPES", cell: (a) => a.scopes },
        { header: "VISIBILITY", cell: (a) => a.visibility },
        { header: "DEVELOPER", cell: (a) => a.developer },
      ],
      "apps",
    ),
};
