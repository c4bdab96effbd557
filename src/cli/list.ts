/** The list commands' shared shape: up to --limit items (following cursors), as a table or as `{items, next_cursor}`. */

import type { Query } from "./client.js";
import type { CliContext } from "./command.js";
import { type Column, table } from "./output.js";

/** How many items a list prints when no --limit is given. */
export const DEFAULT_LIMIT = 100;

/** A path segment from user input, escaped. */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

/** Prints a list: `what` names the items when there are none ("no users"). */
export async function printList<T>(
  ctx: CliContext,
  path: string,
  query: Query,
  columns: readonly Column<T>[],
  what: string,
): Promise<void> {
  const page = await ctx.client.list<T>(path, query, ctx.options.limit ?? DEFAULT_LIMIT, ctx.options.cursor);
  if (ctx.out.json) {
    ctx.out.value(page);
    return;
  }
  ctx.out.write(page.items.length > 0 ? table(page.items, columns) : `no ${what}\n`);
  if (page.next_cursor !== undefined) ctx.out.note(`more: add --cursor ${page.next_cursor}`);
}
