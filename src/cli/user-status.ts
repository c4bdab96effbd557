/** `larkstatus user-status TENANT USER`: what the user's profile shows now, every row, the toggles. */
import type { CliCommand, CliContext } from "./command.js";
import { seg } from "./list.js";
import { isoSeconds, table } from "./output.js";

/** The admin API's user status view (the fields the CLI prints). */
export interface StatusView {
  tenant_key: string;
  user_id: string;
  name: string;
  now_ms: number;
  shown: null | {
    system_status_id: string;
    title: string;
    i18n_title: Record<string, string>;
    priority: number;
    end_time: string;
    opened_by_app_id: string;
  };
  statuses: Array<{
    system_status_id: string;
    title: string;
    open: boolean;
    expired: boolean;
    sync_on: boolean;
    shown: boolean;
    end_time: string;
    opened_by_app_id: string;
  }>;
  sync: Array<{ system_status_id: string; title: string; on: boolean; set_by_user: boolean }>;
}

const endOf = (endTime: string) => isoSeconds(Number(endTime) * 1000);

/** The view for people: a sentence saying what shows, then the rows and the toggles. */
export function printView(ctx: CliContext, v: StatusView): void {
  if (ctx.out.json) {
    ctx.out.value(v);
    return;
  }
  const who = `${v.user_id} (${v.name}) of tenant ${v.tenant_key}`;
  const s = v.shown;
  const title = s ? [s.title, ...Object.values(s.i18n_title).filter((x) => x !== s.title)].join(" / ") : "";
  ctx.out.write(
    s
      ? `${who} shows ${title} [${s.system_status_id}, priority ${s.priority}] until ${endOf(s.end_time)}, opened by ${s.opened_by_app_id} (at ${isoSeconds(v.now_ms)})\n`
      : `${who} shows no status (at ${isoSeconds(v.now_ms)})\n`,
  );
  ctx.out.write("\n");
  ctx.out.write(
    v.statuses.length === 0
      ? "no status rows\n"
      : table(v.statuses, [
          { header: "STATUS", cell: (r) => r.system_status_id },
          { header: "TITLE", cell: (r) => r.title },
          { header: "OPEN", cell: (r) => r.open },
          { header: "EXPIRED", cell: (r) => r.expired },
          { header: "SYNC", cell: (r) => (r.sync_on ? "on" : "off") },
          { header: "SHOWN", cell: (r) => r.shown },
          { header: "END", cell: (r) => endOf(r.end_time) },
          { header: "OPENED_BY", cell: (r) => r.opened_by_app_id },
        ]),
  );
  if (v.sync.length > 0) {
    ctx.out.write("\n");
    ctx.out.write(
      table(v.sync, [
        { header: "AUTO_OPEN", cell: (r) => r.system_status_id },
        { header: "TITLE", cell: (r) => r.title },
        { header: "SYNC", cell: (r) => (r.on ? "on" : "off") },
        { header: "SET_BY", cell: (r) => (r.set_by_user ? "user" : "default") },
      ]),
    );
  }
}

export const userStatus: CliCommand = {
  name: "user-status",
  args: ["TENANT", "USER"],
  summary: "what a user's profile shows now, every status row, and the sync toggles",
  async run(ctx) {
    const [tenant, user] = ctx.args as [string, string];
    printView(ctx, await ctx.client.request<StatusView>("GET", `/tenants/${seg(tenant)}/users/${seg(user)}/status`));
  },
};
