/**
 * `larkstatus journal`: the last requests to /open-apis, newest first, with what they answered;
 * `--follow` prints each new one as it is answered, until interrupted.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Query } from "./client.js";
import type { CliCommand, CliContext } from "./command.js";
import { isoSeconds, table } from "./output.js";

interface Entry {
  log_id: string;
  at_ms: number;
  method: string;
  path: string;
  query?: string;
  app_id?: string;
  operation?: string;
  status: number;
  response_body?: unknown;
  duration_ms: number;
}

/** How often --follow asks for new requests. */
export const JOURNAL_FOLLOW_INTERVAL_MS = 500;

/** The vendor code an answer carried (its envelope's `code`), if any. */
function codeOf(e: Entry): unknown {
  const body = e.response_body;
  return body !== null && typeof body === "object" ? (body as { code?: unknown }).code : undefined;
}

const COLUMNS = [
  { header: "AT", cell: (e: Entry) => isoSeconds(e.at_ms) },
  { header: "STATUS", cell: (e: Entry) => e.status },
  { header: "CODE", cell: (e: Entry) => codeOf(e) },
  { header: "APP", cell: (e: Entry) => e.app_id },
  { header: "REQUEST", cell: (e: Entry) => `${e.method} ${e.path}${e.query ? `?${e.query}` : ""}` },
  { header: "MS", cell: (e: Entry) => Math.round(e.duration_ms) },
  { header: "LOG_ID", cell: (e: Entry) => e.log_id },
];

function queryOf(ctx: CliContext): Query {
  const f = ctx.options.filters;
  return { operation: f.op, app_id: f.app, status: f.status };
}

export const journal: CliCommand = {
  name: "journal",
  args: [],
  flags: ["op", "app", "status", "limit", "follow"],
  summary: "emulator: the last requests to /open-apis and their answers (--op, --app, --status HTTP; --follow)",
  async run(ctx) {
    const query = queryOf(ctx);
    const get = (limit?: number) =>
      ctx.client.request<{ items: Entry[] }>("GET", "/emulator/journal", { query: { ...query, limit } });
    const first = await get(ctx.options.limit);
    if (!ctx.options.follow) {
      if (ctx.out.json) ctx.out.value(first);
      else ctx.out.write(first.items.length > 0 ? table(first.items, COLUMNS) : "no requests in the journal\n");
      return;
    }
    // Following: what is there, oldest first, then every request not printed yet (the journal is
    // newest first and bounded, so each poll's new entries are those before the first one seen).
    const seen = new Set<string>();
    const print = (entries: Entry[]) => {
      for (const e of entries) {
        if (seen.has(e.log_id)) continue;
        seen.add(e.log_id);
        if (ctx.out.json) ctx.out.line(e);
        else ctx.out.write(`${COLUMNS.map((c) => String(c.cell(e) ?? "-")).join("  ")}\n`);
      }
    };
    print([...first.items].reverse());
    while (!ctx.signal.aborted) {
      try {
        await sleep(JOURNAL_FOLLOW_INTERVAL_MS, undefined, { signal: ctx.signal });
      } catch {
        break;
      }
      const page = await get();
      print([...page.items].reverse());
      // Forget what the journal itself no longer holds (it is bounded), so the set stays bounded too.
      if (seen.size > 2 * page.items.length + 1000) {
        const kept = new Set(page.items.map((e) => e.log_id));
        for (const id of seen) if (!kept.has(id)) seen.delete(id);
      }
    }
  },
};
