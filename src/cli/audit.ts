/**
 * `larkstatus audit`: the audit log, newest first, filtered like the endpoint; `--follow` prints
 * what is acknowledged from now on, oldest first, until interrupted.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { systemClock } from "../domain/clock.js";
import { CliError, type Query } from "./client.js";
import type { CliCommand, CliContext } from "./command.js";
import { DEFAULT_LIMIT } from "./list.js";
import { cellText, isoSeconds, table } from "./output.js";

interface Entry {
  id: string | number;
  at_ms: number;
  tenant_key: string;
  actor: string;
  app_id?: string;
  op: string;
  system_status_id?: string;
  log_id?: string;
  results?: Array<{ user_id: string; result: string; end_time?: string }>;
}

/** How often --follow asks for new entries. */
export const FOLLOW_INTERVAL_MS = 1000;
/** How far before the newest entry seen each --follow poll looks again (see run). */
export const FOLLOW_SLACK_MS = 5000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Unix ms of `--since`/`--until`: Unix ms, an ISO 8601 time, or a duration ago (`90m`, `2h`, `1d`). */
export function parseTime(flag: string, text: string, nowMs: number): number {
  if (/^[0-9]{1,16}$/.test(text)) return Number(text);
  const d = /^([0-9]+)(s|m|h|d)$/.exec(text);
  if (d) return nowMs - Number(d[1]) * (UNITS[d[2] as string] as number);
  const t = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(t)) return t;
  throw new CliError(
    `--${flag} must be Unix milliseconds, an ISO 8601 time or a duration ago such as 90m, 2h or 1d; got "${text}"`,
  );
}

/** "success_show×2 invalid_user_id×1": what a batch answered, per result. */
function resultsSummary(results: Entry["results"]): string {
  if (!results || results.length === 0) return "";
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(" ");
}

const COLUMNS = [
  { header: "AT", cell: (e: Entry) => isoSeconds(e.at_ms) },
  { header: "OP", cell: (e: Entry) => e.op },
  { header: "ACTOR", cell: (e: Entry) => e.actor },
  { header: "APP", cell: (e: Entry) => e.app_id },
  { header: "TENANT", cell: (e: Entry) => e.tenant_key },
  { header: "STATUS", cell: (e: Entry) => e.system_status_id },
  { header: "RESULTS", cell: (e: Entry) => resultsSummary(e.results) },
];

function queryOf(ctx: CliContext): Query {
  const f = ctx.options.filters;
  const now = systemClock.now();
  return {
    tenant_key: f.tenant,
    user_id: f.user,
    system_status_id: f.status,
    app_id: f.app,
    op: f.op,
    since_ms: f.since === undefined ? undefined : parseTime("since", f.since, now),
    until_ms: f.until === undefined ? undefined : parseTime("until", f.until, now),
  };
}

function printEntries(ctx: CliContext, entries: Entry[]): void {
  for (const e of entries) {
    if (ctx.out.json) ctx.out.line(e);
    else ctx.out.write(`${COLUMNS.map((c) => cellText(c.cell(e))).join("  ")}\n`);
  }
}

export const audit: CliCommand = {
  name: "audit",
  args: [],
  flags: ["tenant", "user", "status", "app", "op", "since", "until", "limit", "cursor", "follow"],
  summary: "the audit log, newest first (--follow: new entries as they are acknowledged, until Ctrl-C)",
  async run(ctx) {
    const query = queryOf(ctx);
    const limit = ctx.options.limit ?? DEFAULT_LIMIT;
    if (!ctx.options.follow) {
      const page = await ctx.client.list<Entry>("/audit", query, limit, ctx.options.cursor);
      if (ctx.out.json) ctx.out.value(page);
      else ctx.out.write(page.items.length > 0 ? table(page.items, COLUMNS) : "no audit entries\n");
      if (!ctx.out.json && page.next_cursor !== undefined) ctx.out.note(`more: add --cursor ${page.next_cursor}`);
      return;
    }
    // Following: the last entries oldest first, then each poll's new ones: those written after the
    // last one printed at the start (ids increase in the order entries are written). An entry's
    // at_ms is taken before its transaction, so one may commit after a later-stamped entry was
    // printed: each poll asks again from FOLLOW_SLACK_MS before the newest time seen, and skips
    // the ids already printed in that window.
    const first = await ctx.client.list<Entry>("/audit", query, limit);
    const floor = first.items.reduce((m, e) => Math.max(m, Number(e.id)), 0);
    const printed = new Map<string, number>();
    let newest = query.since_ms === undefined ? 0 : Number(query.since_ms);
    const print = (entries: Entry[]) => {
      printEntries(ctx, entries);
      for (const e of entries) {
        printed.set(String(e.id), e.at_ms);
        newest = Math.max(newest, e.at_ms);
      }
      for (const [id, at] of printed) if (at < newest - FOLLOW_SLACK_MS) printed.delete(id);
    };
    print([...first.items].reverse());
    while (!ctx.signal.aborted) {
      try {
        await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: ctx.signal });
      } catch {
        break;
      }
      const since = Math.max(query.since_ms === undefined ? 0 : Number(query.since_ms), newest - FOLLOW_SLACK_MS);
      const page = await ctx.client.list<Entry>("/audit", { ...query, since_ms: since }, Number.MAX_SAFE_INTEGER);
      print(page.items.filter((e) => Number(e.id) > floor && !printed.has(String(e.id))).reverse());
    }
  },
};
