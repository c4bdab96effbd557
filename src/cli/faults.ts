/**
 * `larkstatus faults add RULE`, `faults list`, `faults clear`, `faults delete ID`: fault injection on
 * the vendor API. RULE is JSON (`'{"operation":"system_status.batch_open","error_code":99991400}'`) or
 * `key=value` pairs separated by commas (`operation=system_status.batch_open,latency_ms=200,times=1`).
 */
import { CliError } from "./client.js";
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { table } from "./output.js";

interface Rule {
  id: string;
  operation: string;
  probability?: number;
  latency_ms?: number;
  error_code?: number;
  user_fail_probability?: number;
  times?: number;
  seed?: number;
}

const ACTIONS = ["add", "list", "clear", "delete"];

/** The rule a RULE argument spells: JSON, or key=value pairs (numbers as numbers). */
export function parseRule(text: string): Record<string, unknown> {
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`the fault rule is not valid JSON: ${(e as Error).message}`);
    }
  }
  const rule: Record<string, unknown> = {};
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliError(`a fault rule is JSON or key=value pairs separated by commas; "${pair}" is neither`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    rule[key] = /^-?[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : value;
  }
  return rule;
}

const COLUMNS = [
  { header: "ID", cell: (r: Rule) => r.id },
  { header: "OPERATION", cell: (r: Rule) => r.operation },
  { header: "PROBABILITY", cell: (r: Rule) => r.probability },
  { header: "LATENCY_MS", cell: (r: Rule) => r.latency_ms },
  { header: "ERROR_CODE", cell: (r: Rule) => r.error_code },
  { header: "USER_FAIL", cell: (r: Rule) => r.user_fail_probability },
  { header: "TIMES", cell: (r: Rule) => r.times },
  { header: "SEED", cell: (r: Rule) => r.seed },
];

export const faults: CliCommand = {
  name: "faults",
  args: ["add|list|clear|delete", "[RULE|ID]"],
  summary: "emulator: inject faults in the vendor API (add RULE, list, clear, delete ID)",
  check(args) {
    const [action, value] = args;
    if (!ACTIONS.includes(action as string)) return `faults takes add, list, clear or delete, got "${action}"`;
    if ((action === "add" || action === "delete") && value === undefined) {
      return action === "add"
        ? "faults add needs a RULE such as operation=system_status.batch_open,error_code=99991400"
        : "faults delete needs an ID";
    }
    if ((action === "list" || action === "clear") && value !== undefined)
      return `faults ${action} takes nothing more, got "${value}"`;
    return undefined;
  },
  async run(ctx) {
    const [action, value] = ctx.args as [string, string | undefined];
    if (action === "list") {
      const page = await ctx.client.request<{ items: Rule[] }>("GET", "/emulator/faults");
      if (ctx.out.json) ctx.out.value(page);
      else ctx.out.write(page.items.length > 0 ? table(page.items, COLUMNS) : "no fault rules\n");
      return;
    }
    if (action === "add") {
      const rule = await ctx.client.request<Rule>("POST", "/emulator/faults", { json: parseRule(value as string) });
      if (ctx.out.json) ctx.out.value(rule);
      else ctx.out.write(table([rule], COLUMNS));
      return;
    }
    await ctx.client.request<undefined>(
      "DELETE",
      action === "clear" ? "/emulator/faults" : `/emulator/faults/${seg(value as string)}`,
    );
    if (ctx.out.json) ctx.out.value(action === "clear" ? { cleared: true } : { deleted: value });
    else ctx.out.write(action === "clear" ? "every fault rule removed\n" : `removed fault rule ${value}\n`);
  },
};
