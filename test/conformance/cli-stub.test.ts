/**
 * What only a stub can show of the CLI, run as a child process: `audit` over entries the test
 * writes itself (exact ids and times, entries appearing while --follow runs), and an import the
 * server takes over five minutes to answer (TEST_SLOW=1). Every other command runs against the
 * real server in test/conformance/cli.test.ts. Plus the pure helpers (tables with CJK, the
 * progress bar, --since parsing, problem messages).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseTime } from "../../src/cli/audit.js";
import { problemMessage } from "../../src/cli/client.js";
import { progressBar, table } from "../../src/cli/output.js";
import { LARKSTATUS, ROOT } from "./server-process.js";

const TOKEN = "lsa_stub-admin-token-000000000000";
const T = "a1b2c3d4e5f60718";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: { bytes: number; lines: number; chunks: number };
}

/** An admin API stub: records every request, answers from `routes`. */
function stub(routes: (req: Seen, res: ServerResponse) => boolean): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const body = { bytes: 0, lines: 0, chunks: 0 };
    req.on("data", (d: Buffer) => {
      body.chunks++;
      body.bytes += d.length;
      for (const b of d) if (b === 0x0a) body.lines++;
    });
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { "content-type": "application/problem+json" });
        res.end(
          JSON.stringify({ type: "urn:larkstatus:problem:unauthorized", title: "x", status: 401, detail: "no", log_id: "1" }),
        );
        return;
      }
      if (!routes(s, res)) {
        res.writeHead(404, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ status: 404, detail: `no admin resource at ${s.url}` }));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}`, seen });
    }),
  );
}

function send(res: ServerResponse, body: unknown, status = 200): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
  return true;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `larkstatus ...args --url <stub>` with the stub's token; `onStdout` sees output as it comes. */
function cli(
  url: string,
  args: string[],
  onStdout?: (soFar: string, kill: () => void) => void,
  timeoutMs = 30_000,
): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LARKSTATUS_")));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LARKSTATUS, ...args, "--url", url], {
      cwd: ROOT,
      env: { ...env, LARKSTATUS_ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, () => child.kill("SIGINT"));
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`larkstatus ${args.join(" ")} did not exit in ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("audit against a stub of the audit endpoint (entries the test controls)", () => {
  let s: Awaited<ReturnType<typeof stub>>;
  const audit = [
    {
      id: "3",
      at_ms: Date.UTC(2026, 0, 1, 0, 0, 3),
      tenant_key: T,
      actor: "admin",
      op: "user.sync",
      system_status_id: "7101214603622940001",
    },
    {
      id: "2",
      at_ms: Date.UTC(2026, 0, 1, 0, 0, 2),
      tenant_key: T,
      actor: "app",
      app_id: "cli_a1b2c3d4e5f60718",
      op: "system_status.batch_open",
      system_status_id: "7101214603622940001",
      results: [
        { user_id: "u001", result: "success_show", end_time: "1767229200" },
        { user_id: "u002", result: "resign_user_id" },
        { user_id: "u004", result: "success_show", end_time: "1767229200" },
      ],
    },
  ];
  before(async () => {
    s = await stub((req, res) => {
      const u = new URL(req.url, "http://x");
      if (req.method === "GET" && u.pathname === "/admin/v1/audit") {
        const since = Number(u.searchParams.get("since_ms") ?? 0);
        return send(res, { items: audit.filter((e) => e.at_ms >= since) });
      }
      return false;
    });
  });
  after(async () => {
    await new Promise((r) => s.server.close(r));
  });

  test("audit: newest first as a table, the filters as the endpoint's query", async () => {
    const r = await cli(s.url, [
      "audit",
      "--tenant",
      T,
      "--user",
      "u001",
      "--op",
      "system_status.batch_open",
      "--since",
      "1767225600000",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const q = new URL(s.seen.at(-1)?.url as string, "http://x").searchParams;
    assert.deepEqual(Object.fromEntries(q), {
      tenant_key: T,
      user_id: "u001",
      op: "system_status.batch_open",
      since_ms: "1767225600000",
      limit: "100",
    });
    assert.deepEqual(r.stdout.split("\n"), [
      "AT                    OP                        ACTOR  APP                   TENANT            STATUS               RESULTS",
      "2026-01-01T00:00:03Z  user.sync                 admin  -                     a1b2c3d4e5f60718  7101214603622940001  -",
      "2026-01-01T00:00:02Z  system_status.batch_open  app    cli_a1b2c3d4e5f60718  a1b2c3d4e5f60718  7101214603622940001  success_show×2 resign_user_id×1",
      "",
    ]);
  });

  test("audit --follow --json: the last entries oldest first, then new ones as they come, until interrupted (exit 0)", async () => {
    let added = false;
    const r = await cli(s.url, ["audit", "--follow", "--json"], (out, kill) => {
      const n = out.split("\n").filter(Boolean).length;
      if (n === 2 && !added) {
        added = true;
        audit.unshift({
          id: "4",
          at_ms: Date.UTC(2026, 0, 1, 0, 0, 4),
          tenant_key: T,
          actor: "admin",
          op: "user.sync",
          system_status_id: "x",
        });
      }
      if (n === 3) kill();
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id),
      ["2", "3", "4"],
    );
  });
});

describe("a server that has the path but not the method (an older one)", () => {
  test("405: says which endpoint it lacks, as for a 404 of a missing route", async () => {
    const s = await stub((req, res) => {
      res.writeHead(405, { "content-type": "application/problem+json", allow: "POST" });
      res.end(JSON.stringify({ status: 405, detail: `${new URL(req.url, "http://x").pathname} answers POST` }));
      return true;
    });
    try {
      const r = await cli(s.url, ["audit"]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `larkstatus: the server at ${s.url} has no GET /admin/v1/audit: a larkstatus without this command's endpoint (an older one?)\n`,
      );
    } finally {
      await new Promise((r) => s.server.close(r));
    }
  });
});

/** How long the slow stub takes to answer an import: past the 300 s fetch (undici) gives a response's headers. */
const SLOW_ANSWER_MS = 310_000;

describe(
  "import-users: an import the server takes minutes to write",
  { skip: process.env.TEST_SLOW !== "1" && "TEST_SLOW=1 runs it (over 5 minutes)" },
  () => {
    test("is waited for, however long the server takes to answer (no client-side timeout on an upload)", async () => {
      const s = await stub((req, res) => {
        if (req.method !== "POST") return false;
        setTimeout(() => send(res, { created: req.body.lines, updated: 0 }), SLOW_ANSWER_MS);
        return true;
      });
      const dir = mkdtempSync(join(tmpdir(), "larkstatus-cli-slow-"));
      try {
        const file = join(dir, "users.ndjson");
        writeFileSync(file, '{"user_id":"s1","name":"S"}\n{"user_id":"s2","name":"T"}\n');
        const r = await cli(s.url, ["import-users", T, file], undefined, SLOW_ANSWER_MS + 60_000);
        assert.equal(r.stderr, "");
        assert.equal(r.code, 0);
        assert.equal(r.stdout, "created  2\nupdated  0\n");
      } finally {
        s.server.closeAllConnections();
        await new Promise((r) => s.server.close(r));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe("CLI output helpers", () => {
  test("table: columns aligned by display width (CJK counts two), two spaces apart, no trailing blanks", () => {
    assert.equal(
      table(
        [
          { a: "出差", b: true, c: null },
          { a: "Business trip", b: false, c: ["x", "y"] },
        ],
        [
          { header: "TITLE", cell: (r) => r.a },
          { header: "OK", cell: (r) => r.b },
          { header: "LIST", cell: (r) => r.c },
        ],
      ),
      "TITLE          OK   LIST\n出差           yes  -\nBusiness trip  no   x,y\n",
    );
  });

  test("progressBar: the fraction, the percentage and the megabytes", () => {
    assert.equal(progressBar(0, 2_000_000, 10), "[..........]   0%  0.0/2.0 MB");
    assert.equal(progressBar(1_000_000, 2_000_000, 10), "[#####.....]  50%  1.0/2.0 MB");
    assert.equal(progressBar(2_000_000, 2_000_000, 10), "[##########] 100%  2.0/2.0 MB");
  });

  test("--since/--until: Unix ms, ISO 8601, or a duration ago; anything else names the flag", () => {
    const now = Date.UTC(2026, 0, 2);
    assert.equal(parseTime("since", "1767225600000", now), 1767225600000);
    assert.equal(parseTime("since", "2026-01-01T00:00:00Z", now), Date.UTC(2026, 0, 1));
    assert.equal(parseTime("since", "90m", now), now - 90 * 60_000);
    assert.equal(parseTime("until", "1d", now), now - 86_400_000);
    assert.throws(
      () => parseTime("since", "yesterday", now),
      /--since must be Unix milliseconds, an ISO 8601 time or a duration/,
    );
  });

  test("problemMessage: the detail, and the field (listed when the detail does not already say it)", () => {
    assert.equal(
      problemMessage({ detail: "on must be boolean", errors: [{ field: "on", message: "must be boolean" }] }),
      "on must be boolean (field on)",
    );
    assert.equal(
      problemMessage({ detail: "line 3 is invalid", errors: [{ field: "line 3: name", message: "is required" }] }),
      "line 3 is invalid\n  field line 3: name: is required",
    );
    assert.equal(problemMessage({ detail: 'no user "x"' }), 'no user "x"');
  });
});
