/**
 * `POST /admin/v1/tenants/{tenant_key}/users/import`: users from an NDJSON body, one object a line,
 * with the fields and rules of `PUT .../users/{user_id}` plus `user_id`.
 *
 * Two passes, so that any bad line rejects the whole import and memory stays bounded at any size:
 * 1. the body is read as a stream, one line at a time (never the whole body in memory), and each
 *    line is validated into a spool (a private temporary file keyed by user_id, which also finds a
 *    repeated user_id); the first bad line answers 400 naming `line N` and nothing is written;
 * 2. the spool is written in chunks of 5,000 users, all in ONE store transaction.
 * The store's transaction therefore never waits on the client's upload (a slow client holds no
 * lock and, on SQLite, never holds the writer), and it starts only once the input is known good.
 * The server logs a line every 100,000 users validated and written.
 */
import type { Readable } from "node:stream";
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import { isRefusal } from "../../domain/directory.js";
import { UserSpool } from "../../storage/spool.js";
import type { AdminOperation } from "../operation.js";
import { AdminProblem, invalidInput, notFound } from "../problems.js";
import { refusalProblem } from "../refusal.js";
import { ImportCountsOut, ImportUserLine, TenantKeyParams, UPLOAD_PROBLEM_RESPONSES } from "../schemas.js";
import { adminBodyAjv, describeAjvError } from "../validation.js";

/** The media type of an import body. */
export const NDJSON = "application/x-ndjson";
/** The most bytes an import body may have (this route's own limit; every other admin body has 1 MiB). */
export const IMPORT_BODY_LIMIT = 512 * 1024 * 1024;
/** The longest line (a user is a few hundred bytes; this bounds what one line can make us hold). */
export const IMPORT_MAX_LINE_BYTES = 64 * 1024;
/** Users between two progress lines in the server's log. */
export const IMPORT_LOG_EVERY = 100_000;

const validateLine = adminBodyAjv.compile<ImportUserLine>(ImportUserLine);

function tooLarge(): AdminProblem {
  return new AdminProblem("payload_too_large", `an import body is at most ${IMPORT_BODY_LIMIT} bytes`, {
    errors: [{ field: "body", message: `is over ${IMPORT_BODY_LIMIT} bytes` }],
  });
}

/**
 * Calls `onLine` with each line of `body` (its number from 1, its bytes without the line break),
 * holding at most one chunk and one line. Throws 413 past `limit` bytes, 400 for a line over
 * IMPORT_MAX_LINE_BYTES. Leaves the stream open when it throws, so the caller can drain it and
 * still answer.
 */
export async function forEachLine(body: Readable, limit: number, onLine: (n: number, bytes: Buffer) => void): Promise<void> {
  let n = 0;
  let total = 0;
  let carry: Buffer | undefined;
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > limit) throw tooLarge();
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      const piece = buf.subarray(start, nl);
      const line = carry ? Buffer.concat([carry, piece]) : piece;
      carry = undefined;
      if (line.length > IMPORT_MAX_LINE_BYTES) throw lineTooLong(n + 1);
      onLine(++n, line);
      start = nl + 1;
    }
    if (start < buf.length) {
      // A copy: a slice would keep the whole chunk alive.
      const rest = Buffer.from(buf.subarray(start));
      carry = carry ? Buffer.concat([carry, rest]) : rest;
      if (carry.length > IMPORT_MAX_LINE_BYTES) throw lineTooLong(n + 1);
    }
  }
  if (carry && carry.length > 0) onLine(++n, carry);
}

function lineTooLong(n: number): AdminProblem {
  return invalidInput(`line ${n}`, `is longer than ${IMPORT_MAX_LINE_BYTES} bytes`);
}

/** Validates every line of `body` into `spool`; the first bad line is a 400 naming it. Blank lines are skipped. */
export async function spoolUsers(body: Readable, spool: UserSpool, log: FastifyBaseLogger, tenantKey: string): Promise<void> {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  await forEachLine(body, IMPORT_BODY_LIMIT, (n, bytes) => {
    const field = `line ${n}`;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw invalidInput(field, "is not valid UTF-8");
    }
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidInput(field, "is not valid JSON");
    }
    if (!validateLine(value)) {
      const { path, message } = describeAjvError((validateLine.errors ?? [])[0] as NonNullable<typeof validateLine.errors>[0]);
      throw invalidInput(field, path === "" ? message : `${path} ${message}`);
    }
    const first = spool.add(n, { user_id: value.user_id, name: value.name, resigned: value.resigned ?? false });
    if (first !== undefined) throw invalidInput(field, `user_id ${value.user_id} is already on line ${first}`);
    if (spool.size % IMPORT_LOG_EVERY === 0) log.info({ tenant_key: tenantKey, users: spool.size }, "import: users validated");
  });
}

export const importUsers: AdminOperation = {
  name: "user.import",
  method: "POST",
  url: "/tenants/:tenant_key/users/import",
  summary:
    "Create or update users from an NDJSON body (one user a line, as PUT .../users/{user_id} plus user_id), all or nothing; any invalid line rejects the whole import, naming its line",
  tag: "directory",
  stream: { contentType: NDJSON, limit: IMPORT_BODY_LIMIT, line: ImportUserLine },
  schema: { params: TenantKeyParams, response: { 200: ImportCountsOut, ...UPLOAD_PROBLEM_RESPONSES } },
  async handle({ directory }, req: FastifyRequest<{ Params: TenantKeyParams }>) {
    const tenantKey = req.params.tenant_key;
    if (Number(req.headers["content-length"] ?? 0) > IMPORT_BODY_LIMIT) throw tooLarge();
    // Before reading a byte: an upload to a tenant that does not exist is refused at once.
    if (!(await directory.getTenant(tenantKey))) throw notFound("tenant", tenantKey);
    const spool = UserSpool.open();
    try {
      const started = performance.now();
      await spoolUsers(req.body as Readable, spool, req.log, tenantKey);
      req.log.info({ tenant_key: tenantKey, users: spool.size }, "import: every line is valid; writing");
      const r = await directory.importUsers(tenantKey, spool, { op: importUsers.name, log_id: req.id }, (written) => {
        if (written % IMPORT_LOG_EVERY === 0) req.log.info({ tenant_key: tenantKey, users: written }, "import: users written");
      });
      if (isRefusal(r)) throw refusalProblem(r);
      req.log.info({ tenant_key: tenantKey, ...r, ms: Math.round(performance.now() - started) }, "import: done");
      return r;
    } finally {
      spool.close();
    }
  },
};
