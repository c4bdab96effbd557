/** `larkstatus apps [TENANT]`: every app, or one tenant's (never their secrets), by app_id. */
import type { CliCommand } from "./command.js";
import { printList } from "./list.js";

/** An app as the admin API lists it. */
interface App {
  app_id: string;
  tenant_key: string;
  enabled: boolean;
  scopes: string[];
  visibility: "all" | string[];
  developer: string;
}

export const apps: CliCommand = {
  name: "apps",
  args: ["[TENANT]"],
  flags: ["limit", "cursor"],
  summary: "list the apps (of one tenant, when given)",
  run: (ctx) => {
    const tenant = ctx.args[0];
    return printList<App>(
      ctx,
      "/apps",
      // The server answers 404 for an unknown tenant, so a typo is not taken for a tenant without apps.
      { tenant_key: tenant },
      [
        { header: "APP_ID", cell: (a) => a.app_id },
        // One tenant's apps: its key on every row would say nothing.
        ...(tenant === undefined ? [{ header: "TENANT_KEY", cell: (a: App) => a.tenant_key }] : []),
        { header: "ENABLED", cell: (a) => a.enabled },
        { header: "VISIBILITY", cell: (a) => a.visibility },
        { header: "DEVELOPER", cell: (a) => a.developer },
        // Last: the longest cell, so the other columns stay narrow.
        { header: "SCOPES", cell: (a) => a.scopes },
      ],
      "apps",
    );
  },
};
