/** `larkstatus users TENANT`: the tenant's users, by user_id. */
import type { CliCommand } from "./command.js";
import { printList, seg } from "./list.js";

interface User {
  user_id: string;
  name: string;
  resigned: boolean;
}

export const users: CliCommand = {
  name: "users",
  args: ["TENANT"],
  flags: ["limit", "cursor"],
  summary: "list a tenant's users",
  run: (ctx) =>
    printList<User>(
      ctx,
      `/tenants/${seg(ctx.args[0] as string)}/users`,
      {},
      [
        { header: "USER_ID", cell: (u) => u.user_id },
        { header: "NAME", cell: (u) => u.name },
        { header: "RESIGNED", cell: (u) => u.resigned },
      ],
      "users",
    ),
};
