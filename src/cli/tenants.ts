/** `larkstatus tenants`: the tenants, by tenant_key. */
import type { CliCommand } from "./command.js";
import { printList } from "./list.js";

interface Tenant {
  tenant_key: string;
  name: string;
  api_enabled: boolean;
  sensitive_words: string[];
}

export const tenants: CliCommand = {
  name: "tenants",
  args: [],
  flags: ["limit", "cursor"],
  summary: "list the tenants",
  run: (ctx) =>
    printList<Tenant>(
      ctx,
      "/tenants",
      {},
      [
        { header: "TENANT_KEY", cell: (t) => t.tenant_key },
        { header: "NAME", cell: (t) => t.name },
        { header: "API_ENABLED", cell: (t) => t.api_enabled },
        { header: "SENSITIVE_WORDS", cell: (t) => t.sensitive_words },
      ],
      "tenants",
    ),
};
