/** Every CLI command, in the order `larkstatus help` lists them. */
import { apps } from "./apps.js";
import { audit } from "./audit.js";
import { clock } from "./clock.js";
import type { CliCommand } from "./command.js";
import { faults } from "./faults.js";
import { importUsers } from "./import-users.js";
import { journal } from "./journal.js";
import { reset } from "./reset.js";
import { rotateSecret } from "./rotate-secret.js";
import { snapshot } from "./snapshot.js";
import { sync } from "./sync.js";
import { tenants } from "./tenants.js";
import { userStatus } from "./user-status.js";
import { users } from "./users.js";

export const CLI_COMMANDS: readonly CliCommand[] = [
  tenants,
  apps,
  users,
  userStatus,
  sync,
  importUsers,
  audit,
  rotateSecret,
  reset,
  snapshot,
  clock,
  journal,
  faults,
];

/** The command named `name`, if it is a CLI command. */
export function cliCommand(name: string): CliCommand | undefined {
  return CLI_COMMANDS.find((c) => c.name === name);
}
