/**
 * `larkstatus import-users TENANT FILE`: streams FILE (`-`: standard input) to the import endpoint
 * as NDJSON, one user a line, never holding it in memory. On a terminal (stderr a TTY, without
 * `--json`) a progress line: the bytes and lines sent (with a bar when the size is known), then a
 * note while the server writes the users; off a terminal nothing but the result.
 */
import { createReadStream, statSync } from "node:fs";
import { CliError } from "./client.js";
import type { CliCommand } from "./command.js";
import { seg } from "./list.js";
import { progressBar, record } from "./output.js";

/** Progress is redrawn at most every this many bytes: a terminal write per chunk would cost more than the upload. */
const REDRAW_BYTES = 262_144;

/** What has been sent so far. */
interface Sent {
  bytes: number;
  lines: number;
}

/** `src` passed through, counting its bytes and line breaks; `onEnd` once it is all read. */
async function* counted(
  src: AsyncIterable<Buffer | string>,
  sent: Sent,
  onChunk: () => void,
  onEnd: () => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    sent.bytes += bytes.length;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) sent.lines++;
    onChunk();
    yield bytes;
  }
  onEnd();
}

/** The progress line: `[####....]  50%  1.2/2.5 MB  25,000 lines` (no bar when the size is unknown). */
export function importProgress(label: string, sent: Sent, total: number | undefined): string {
  const lines = `${sent.lines.toLocaleString("en-US")} lines`;
  return total === undefined
    ? `importing ${label}: ${(sent.bytes / 1_000_000).toFixed(1)} MB  ${lines}`
    : `importing ${label} ${progressBar(sent.bytes, total)}  ${lines}`;
}

export const importUsers: CliCommand = {
  name: "import-users",
  args: ["TENANT", "FILE"],
  summary: "create or update a tenant's users from an NDJSON file (one user a line; - reads standard input)",
  async run(ctx) {
    const [tenant, file] = ctx.args as [string, string];
    let total: number | undefined;
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
    const label = file === "-" ? "standard input" : file;
    const sent: Sent = { bytes: 0, lines: 0 };
    let drawn = -1;
    const draw = (suffix = "", done = false) => {
      drawn = sent.bytes;
      ctx.out.progress(`${importProgress(label, sent, total)}${suffix}`, done);
    };
    const body = counted(
      src,
      sent,
      () => {
        if (drawn < 0 || sent.bytes - drawn >= REDRAW_BYTES) draw();
      },
      // The server validates as it reads, then writes every user in one transaction: say why it is quiet.
      () => draw("  sent; the server is writing the users"),
    );
    let out: Record<string, unknown>;
    try {
      out = await ctx.client.request<Record<string, unknown>>("POST", `/tenants/${seg(tenant)}/users/import`, {
        stream: { body, contentType: "application/x-ndjson" },
        signal: ctx.signal,
      });
    } finally {
      if (drawn >= 0) draw("", true);
    }
    if (ctx.out.json) {
      ctx.out.value(out);
      return;
    }
    ctx.out.write(record(Object.entries(out)));
  },
};
