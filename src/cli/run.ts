/**
 * Runs one CLI command: finds the server and its token, calls the command, and turns a CliError
 * into a message on stderr (with --json, a JSON object) and exit status 1.
 */
import type { Config } from "../config.js";
import { AdminClient, CliError, resolveTarget } from "./client.js";
import { cliCommand } from "./commands.js";
import { Output, type Streams } from "./output.js";

/** Runs the CLI command of `config`; resolves with the exit status. */
export async function runCli(config: Config, streams: Streams): Promise<number> {
  const cmd = cliCommand(config.command);
  const cli = config.cli;
  if (!cmd || !cli) throw new Error(`${config.command} is not a CLI command`);
  const out = new Output(streams, cli.json);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const target = resolveTarget({ db: config.db, url: cli.url, adminToken: config.adminToken });
    await cmd.run({ args: cli.args, options: cli, client: new AdminClient(target), out, signal: stop.signal });
    return 0;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    streams.stderr.write(
      cli.json
        ? `${JSON.stringify({ error: e.message, ...(e.problem ? { problem: e.problem } : {}) })}\n`
        : `larkstatus: ${e.message}\n`,
    );
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
