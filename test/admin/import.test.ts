/**
 * Admin API, the NDJSON import of users (runs on both drivers): counts of created and updated users
 * with the same effects as PUT for each; any invalid line rejects the whole import naming `line N`
 * (nothing written); the media type, the tenant and the body limit; the answer reaches a client
 * that is still uploading; the spool is removed; the line reader in pieces. 1,000,000 users are
 * measured by bench/import.ts (`npm run bench:import`), not here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, test } from "node:test";
import { forEachLine, IMPORT_MAX_LINE_BYTES } from "../../src/admin/directory/import.js";
import { AdminProblem } from "../../src/admin/problems.js";
import { deriveOpenId, deriveUnionId } from "../../src/domain/ids.js";
import { parseResponses } from "../conformance/raw-http.js";
import { ACME, ADMIN_TOKEN, APP, DISABLED_APP, GLOBEX, NARROW_APP, openId, type TestApp, unionId } from "../helpers.js";
import { ADMIN, assertProblem, ok, P, withAdmin } from "./support.js";

const NDJSON = "application/x-ndjson";

function importRaw(t: TestApp, body: string | Buffer, opts: { tenant?: string; type?: string | null; token?: string } = {}) {
  return t.app.inject({
    method: "POST",
    url: `${ADMIN}/tenants/${opts.tenant ?? ACME}/users/import`,
    headers: {
      authorization: `Bearer ${opts.token ?? ADMIN_TOKEN}`,
      ...(opts.type === null ? {} : { "content-type": opts.type ?? NDJSON }),
    },
    payload: body,
  });
}

const lines = (...objs: unknown[]) => `${objs.map((o) => (typeof o === "string" ? o : JSON.stringify(o))).join("\n")}\n`;

// A private TMPDIR for this file's in-process servers, so the spool check counts only its own
// imports (another process importing into the shared /tmp meanwhile would look like a leak).
const PRIVATE_TMP = mkdtempSync(join(tmpdir(), "ls-import-test-"));
process.env.TMPDIR = PRIVATE_TMP;
after(() => rmSync(PRIVATE_TMP, { recursive: true, force: true }));

function spoolDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("larkstatus-import-"));
}

describe("import: happy paths", () => {
  test("creates and updates, answers the counts; new users get every app's derived ids, existing ones keep theirs", async () => {
    await withAdmin(async (t) => {
      const before = spoolDirs();
      const body = lines({ user_id: "n001", name: "New One" }, { user_id: "u003", name: "Cy Wu renamed", resigned: true }, "", {
        user_id: "n002",
        name: "New Two",
        resigned: false,
      });
      assert.deepEqual(ok(await importRaw(t, body)), { created: 2, updated: 1 });
      const n001 = await t.store.getUser(ACME, "n001");
      assert.deepEqual(n001, {
        tenant_key: ACME,
        user_id: "n001",
        name: "New One",
        resigned: false,
        open_ids: Object.fromEntries(
          [APP.app_id, NARROW_APP.app_id, DISABLED_APP.app_id].map((a) => [a, deriveOpenId(a, ACME, "n001")]),
        ),
        union_ids: { [ACME]: deriveUnionId(ACME, ACME, "n001") },
      });
      const u003 = await t.store.getUser(ACME, "u003");
      assert.equal(u003?.name, "Cy Wu renamed");
      assert.equal(u003?.resigned, true);
      assert.equal(u003?.open_ids[APP.app_id], openId("u003"), "the seed's explicit id is kept");
      assert.equal(u003?.union_ids[ACME], unionId("u003"));
      assert.equal((await t.store.listUsers(ACME, 100)).length, 8);
      assert.deepEqual(spoolDirs(), before, "the spool is removed");
    });
  });

  test("CRLF line breaks, no final line break, a charset parameter and blank lines are fine; an empty body imports nothing", async () => {
    await withAdmin(async (t) => {
      const body = `${JSON.stringify({ user_id: "n001", name: "A" })}\r\n\r\n   \n${JSON.stringify({ user_id: "n002", name: "B" })}`;
      assert.deepEqual(ok(await importRaw(t, body, { type: "application/x-ndjson; charset=utf-8" })), { created: 2, updated: 0 });
      assert.deepEqual(ok(await importRaw(t, "")), { created: 0, updated: 0 });
      assert.deepEqual(ok(await importRaw(t, lines({ user_id: "n001", name: "A2" }))), { created: 0, updated: 1 });
      assert.equal((await t.store.getUser(ACME, "n001"))?.name, "A2");
    });
  });

  test("a few thousand users over several chunks, in one transaction", async () => {
    await withAdmin(async (t) => {
      const n = 12_345;
      const body = Array.from({ length: n }, (_, i) =>
        JSON.stringify({ user_id: `x${String(n - i).padStart(6, "0")}`, name: `X ${i}` }),
      )
        .join("\n")
        .concat("\n");
      assert.deepEqual(ok(await importRaw(t, body)), { created: n, updated: 0 });
      const users = await t.store.listUsers(ACME, 500, "x012000");
      assert.equal(users.length, 345);
      assert.equal(users[0]?.open_ids[APP.app_id], deriveOpenId(APP.app_id, ACME, "x012001"));
      assert.equal(await t.store.getUser(GLOBEX, "x000001"), undefined, "only this tenant");
    });
  });
});

describe("import: any invalid line rejects the whole import, naming its line (nothing written)", () => {
  // Every body starts with a valid change to an existing user and a new user: neither may be written.
  const prelude = lines({ user_id: "u001", name: "Renamed" }, { user_id: "n001", name: "New" });
  const cases: Array<[string, string | Buffer, string, RegExp]> = [
    ["a line without name", lines({ user_id: "n002" }), "line 3", /^name is required$/],
    ["a line that is not JSON", lines("{user_id: n002}"), "line 3", /^is not valid JSON$/],
    ["a line that is not an object", lines("[1, 2]"), "line 3", /^must be object$/],
    ["an unknown field", lines({ user_id: "n002", name: "x", colour: "red" }), "line 3", /^colour is not a known field$/],
    ["ids (they are derived)", lines({ user_id: "n002", name: "x", open_ids: {} }), "line 3", /^open_ids is not a known field$/],
    ["a malformed user_id", lines({ user_id: "n 2", name: "x" }), "line 3", /^user_id must match pattern/],
    ["resigned not a boolean", lines({ user_id: "n002", name: "x", resigned: "yes" }), "line 3", /^resigned must be boolean$/],
    [
      "a name that is not well-formed text",
      lines({ user_id: "n002", name: "x\ud800" }),
      "line 3",
      /^name must be well-formed Unicode/,
    ],
    [
      "a repeated user_id (after a blank line)",
      lines({ user_id: "n002", name: "B" }, "", { user_id: "n001", name: "Again" }),
      "line 5",
      /^user_id n001 is already on line 2$/,
    ],
    ["bytes that are not UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), "line 3", /^is not valid UTF-8$/],
    [
      "a line over the line limit",
      lines({ user_id: "n002", name: "x".repeat(IMPORT_MAX_LINE_BYTES) }),
      "line 3",
      /^is longer than/,
    ],
    [
      "the last line without a line break",
      `${JSON.stringify({ user_id: "n002", name: "B" })}\n{"user_id":`,
      "line 4",
      /^is not valid JSON$/,
    ],
  ];
  for (const [name, bad, field, message] of cases) {
    test(`${name} → 400 naming ${field}`, async () => {
      await withAdmin(async (t) => {
        const before = spoolDirs();
        const p = assertProblem(
          await importRaw(t, Buffer.concat([Buffer.from(prelude), Buffer.from(bad)])),
          P.invalid(field),
        ) as {
          detail: string;
          errors: Array<{ message: string }>;
        };
        assert.match(p.errors[0]?.message ?? "", message);
        assert.equal(p.detail, `${field}: ${p.errors[0]?.message}`);
        assert.equal((await t.store.getUser(ACME, "u001"))?.name, "Ann Lee");
        assert.equal(await t.store.getUser(ACME, "n001"), undefined);
        assert.equal((await t.store.listUsers(ACME, 100)).length, 6);
        assert.deepEqual(spoolDirs(), before, "the spool is removed");
      });
    });
  }

  test("the example of the contract reads as it says: `line 1234: name is required`", async () => {
    await withAdmin(async (t) => {
      const body = Array.from({ length: 1233 }, (_, i) => JSON.stringify({ user_id: `n${i}`, name: "x" }))
        .concat([JSON.stringify({ user_id: "n9999" })])
        .join("\n");
      const p = assertProblem(await importRaw(t, body), P.invalid("line 1234"));
      assert.equal(p.detail, "line 1234: name is required");
    });
  });
});

describe("import: the request", () => {
  test("another media type, or none → 415 naming body, before anything is read", async () => {
    await withAdmin(async (t) => {
      for (const type of ["application/json", "text/plain", null]) {
        assertProblem(await importRaw(t, lines({ user_id: "n001", name: "x" }), { type }), {
          status: 415,
          kind: "unsupported-media-type",
          field: "body",
        });
      }
      assert.equal(await t.store.getUser(ACME, "n001"), undefined);
    });
  });

  test("an unknown tenant → 404; without the admin token → 401; nothing written", async () => {
    await withAdmin(async (t) => {
      const body = lines({ user_id: "n001", name: "x" });
      assertProblem(await importRaw(t, body, { tenant: "ffffffffffffffff" }), P.notFound);
      assertProblem(await importRaw(t, body, { token: await t.token() }), P.unauthorized);
      assertProblem(await importRaw(t, body, { token: "wrong-token-0000000000" }), P.unauthorized);
      assert.equal(await t.store.getUser(ACME, "n001"), undefined);
      assert.equal(await t.store.getUser("ffffffffffffffff", "n001"), undefined);
    });
  });

  test("a body declared over 512 MiB → 413 at once", async () => {
    await withAdmin(async (t) => {
      const res = await t.app.inject({
        method: "POST",
        url: `${ADMIN}/tenants/${ACME}/users/import`,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          "content-type": NDJSON,
          "content-length": String(512 * 1024 * 1024 + 1),
        },
        payload: Readable.from([Buffer.from(lines({ user_id: "n001", name: "x" }))]),
      });
      assertProblem(res, { status: 413, kind: "payload-too-large", field: "body" });
    });
  });

  test("over a real socket: a bad first line is answered, and the rest of a 32 MB upload is read off the wire so the client finishes sending", async () => {
    await withAdmin(async (t) => {
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const { port } = t.app.server.address() as { port: number };
      const first = Buffer.from(`${JSON.stringify({ user_id: "n001" })}\n`);
      const filler = Buffer.from(`${JSON.stringify({ user_id: "n002", name: "x".repeat(200) })}\n`.repeat(4000));
      const chunks = 40; // far more than socket buffers hold: unless the server reads it, the upload stalls
      const head =
        `POST ${ADMIN}/tenants/${ACME}/users/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        `Content-Type: ${NDJSON}\r\nContent-Length: ${first.length + chunks * filler.length}\r\n\r\n`;
      const { uploaded, received } = await new Promise<{ uploaded: boolean; received: Buffer }>((resolve, reject) => {
        const got: Buffer[] = [];
        let uploaded = false;
        const socket = connect(port, "127.0.0.1");
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`the upload stalled (uploaded: ${uploaded}); read: ${Buffer.concat(got).toString()}`));
        }, 15_000);
        socket.on("data", (d: Buffer) => got.push(d));
        socket.on("error", reject);
        socket.on("close", () => {
          clearTimeout(timer);
          resolve({ uploaded, received: Buffer.concat(got) });
        });
        socket.write(head);
        socket.write(first);
        let left = chunks;
        const more = () => {
          while (left > 0) {
            left--;
            if (!socket.write(filler)) return void socket.once("drain", more);
          }
          socket.end(() => {
            uploaded = true;
          });
        };
        more();
      });
      assert.equal(uploaded, true);
      const [res] = parseResponses(received);
      assert.equal(res?.statusCode, 400, received.toString());
      const p = JSON.parse(res?.body ?? "") as { errors: Array<{ field: string; message: string }> };
      assert.deepEqual(p.errors[0], { field: "line 1", message: "name is required" });
      assert.equal(await t.store.getUser(ACME, "n002"), undefined);
    });
  });
});

describe("import: the line reader", () => {
  const read = async (chunks: Array<string | Buffer>, limit = 1_000_000) => {
    const out: Array<[number, string]> = [];
    await forEachLine(Readable.from(chunks.map((c) => Buffer.from(c))), limit, (n, b) => out.push([n, b.toString()]));
    return out;
  };

  test("lines split across chunks, several lines in one chunk, a last line without a break", async () => {
    assert.deepEqual(await read(["ab", "c\nd", "e\n\nf", "gh"]), [
      [1, "abc"],
      [2, "de"],
      [3, ""],
      [4, "fgh"],
    ]);
    assert.deepEqual(await read(["x\n"]), [[1, "x"]]);
    assert.deepEqual(await read([]), []);
  });

  test("past the byte limit → 413; a line over the line limit, even split across chunks → 400 naming it", async () => {
    await assert.rejects(
      read(["0123456789", "0"], 10),
      (e: unknown) => e instanceof AdminProblem && e.kind === "payload_too_large",
    );
    const half = "x".repeat(IMPORT_MAX_LINE_BYTES / 2 + 1);
    await assert.rejects(
      read(["ok\n", half, half]),
      (e: unknown) => e instanceof AdminProblem && e.kind === "invalid_input" && e.errors?.[0]?.field === "line 2",
    );
  });
});
