/**
 * `larkstatus import-users TENANT FILE`: streams FILE (`-`: standard input) to the import endpoint
 * as NDJSON, one user a line, never holding it in memory; a progress bar on a terminal.
 */
import { createReadStream, statSync } from "node:fs";
import { CliError } from "./client.js";
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { progressBar, record } from "./output.js";

/** `src` passed through, counting its bytes. */
async function* counted(src: AsyncIterable<Buffer | string>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    onBytes(bytes.length);
    yield bytes;
  }
}

export const importUsers: CliCommand = {
  name: "import-users",
  args: ["TENANT", "FILE"],
  summary: "create or update a tenant's users from an NDJSON file (one user a line; - reads standard input)",
  async run(ctx) {
    const [tenant, file] = ctx.args as [string, string];
    let total = 0;
    if (file !== "-") {
      try {
        const st = statSync(file);
        if (!st.isFile()) throw new CliError(`import-users: ${file} is not a file`);
        total = st.size;
      } catch (e) {
        if (e instanceof CliError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (e as Error).message;
        throw new CliError(`import-users: cannot read ${file}: ${why}`);
      }
    }
    const src = file === "-" ? process.stdin : createReadStream(file);
    let sent = 0;
    let drawn = 0;
    const label = file === "-" ? "standard input" : file;
    const body = counted(src, (n) => {
      sent += n;
      // Redrawn at most every 256 KiB: a terminal write per chunk would cost more than the upload.
      if (total > 0 && (sent - drawn >= 262_144 || sent === total)) {
        drawn = sent;
        ctx.out.progress(`importing ${label} ${progressBar(sent, total)}`);
      }
    });
    let out: Record<string, unknown>;
    try {
      out = await ctx.client.request<Record<string, unknown>>("POST", `/tenants/${seg(tenant)}/users/import`, {
        stream: { body, contentType: "application/x-ndjson" },
        signal: ctx.signal,
        timeoutMs: 0,
      });
    } finally {
      if (total > 0 && drawn > 0) ctx.out.progress(`importing ${label} ${progressBar(sent, total)}`, true);
    }
    if (ctx.out.json) {
      ctx.out.value(out);
      return;
    }
    ctx.out.write(record(Object.entries(out)));
  },
};
