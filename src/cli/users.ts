/**
 * `larkstatus users TENANT [--app APP]`: the tenant's users, by user_id. Each user has an open_id
 * per app and a union_id per developer: the table counts them, and with `--app` shows the user's
 * open_id for that app and union_id for its developer (`--json`: every id).
 */
import { CliError } from "./client.js";
import type { CliCommand } from "./command.js";
import { printList, seg } from "./list.js";

/** A user as the admin API lists it. */
interface User {
  user_id: string;
  name: string;
  resigned: boolean;
  open_ids: Record<string, string>;
  union_ids: Record<string, string>;
}

interface App {
  app_id: string;
  tenant_key: string;
  developer: string;
}

export const users: CliCommand = {
  name: "users",
  args: ["TENANT"],
  flags: ["limit", "cursor", "app"],
  summary: "list a tenant's users (--app APP: with their open_id and union_id for that app)",
  async run(ctx) {
    const tenant = ctx.args[0] as string;
    const appId = ctx.options.filters.app;
    let app: App | undefined;
    if (appId !== undefined) {
      app = await ctx.client.request<App>("GET", `/apps/${seg(appId)}`);
      // Another tenant's app gives no ids to these users: say so rather than print a column of "-".
      if (app.tenant_key !== tenant) throw new CliError(`app "${appId}" is of tenant "${app.tenant_key}", not "${tenant}"`);
    }
    const ids = app
      ? [
          { header: "OPEN_ID", cell: (u: User) => u.open_ids[(app as App).app_id] },
          { header: "UNION_ID", cell: (u: User) => u.union_ids[(app as App).developer] },
        ]
      : [
          { header: "OPEN_IDS", cell: (u: User) => Object.keys(u.open_ids).length },
          { header: "UNION_IDS", cell: (u: User) => Object.keys(u.union_ids).length },
        ];
    await printList<User>(
      ctx,
      `/tenants/${seg(tenant)}/users`,
      {},
      [
        { header: "USER_ID", cell: (u) => u.user_id },
        { header: "NAME", cell: (u) => u.name },
        { header: "RESIGNED", cell: (u) => u.resigned },
        ...ids,
      ],
      "users",
    );
  },
};
