/**
 * What one CLI command declares: its name, its positional arguments, the flags it takes beyond
 * the common ones, and what it does with the admin client. One file per command under src/cli/;
 * commands.ts lists them, config.ts checks their arguments, run.ts runs them.
 */
import type { CliOptions } from "../config.js";
import type { AdminClient } from "./client.js";
import type { Output } from "./output.js";

/** The flags only some commands take (every command takes --url, --db, --admin-token and --json). */
export type CliFlag = "limit" | "cursor" | "follow" | "tenant" | "user" | "status" | "app" | "op" | "since" | "until";

export interface CliContext {
  /** The command's positional arguments: every required one, and the optional ones given. */
  args: readonly string[];
  options: CliOptions;
  client: AdminClient;
  out: Output;
  /** Aborted on SIGINT/SIGTERM: long-running commands (--follow, an import) stop on it. */
  signal: AbortSignal;
}

export interface CliCommand {
  name: string;
  /** Positional arguments by name, for usage and arity: `TENANT`, `FILE`, `on|off`; `[TENANT]` is optional (last only). */
  args: readonly string[];
  flags?: readonly CliFlag[];
  /** One line for `larkstatus help`. */
  summary: string;
  /** What is wrong with the arguments, checked before anything is sent; undefined when nothing is. */
  check?(args: readonly string[]): string | undefined;
  run(ctx: CliContext): Promise<void>;
}
