/** Every CLI command, in the order `larkstatus help` lists them. */
import { apps } from "./apps.js";
import { audit } from "./audit.js";
import type { CliCommand } from "./command.js";
import { importUsers } from "./import-users.js";
import { rotateSecret } from "./rotate-secret.js";
import { sync } from "./sync.js";
import { tenants } from "./tenants.js";
import { userStatus } from "./user-status.js";
import { users } from "./users.js";

export const CLI_COMMANDS: readonly CliCommand[] = [tenants, apps, users, userStatus, sync, importUsers, audit, rotateSecret];

/** The command named `name`, if it is a CLI command. */
export function cliCommand(name: string): CliCommand | undefined {
  return CLI_COMMANDS.find((c) => c.name === name);
}
