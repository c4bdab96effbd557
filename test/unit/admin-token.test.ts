import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ADMIN_TOKEN_RE, adminTokenFile, adminTokenMatches, newAdminToken, resolveAdminToken } from "../../src/admin/token.js";
import { ConfigError, loadConfig } from "../../src/config.js";

const dir = mkdtempSync(join(tmpdir(), "larkstatus-admin-token-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveAdminToken", () => {
  test("a configured token wins and no file is written", () => {
    const file = join(dir, "a.db.admin-token");
    assert.deepEqual(resolveAdminToken("x".repeat(20), file), { token: "x".repeat(20), source: { kind: "config" } });
    assert.throws(() => statSync(file));
  });

  test("without one, a token is made into the file beside the database (0600), then reused", () => {
    const file = adminTokenFile(join(dir, "b.db"));
    assert.equal(file, join(dir, "b.db.admin-token"));
    const first = resolveAdminToken(undefined, file);
    assert.deepEqual(first.source, { kind: "file", file, created: true });
    assert.match(first.token, /^lsa_[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, "utf8"), `${first.token}\n`);
    const again = resolveAdminToken(undefined, file);
    assert.deepEqual(again, { token: first.token, source: { kind: "file", file, created: false } });
  });

  test("a file that does not hold a token stops start-up naming it", () => {
    const file = join(dir, "c.db.admin-token");
    writeFileSync(file, "short\n");
    assert.throws(() => resolveAdminToken(undefined, file), new RegExp(`${file} does not hold an admin token`));
  });

  test("with no file to keep it in, a new token every time", () => {
    const a = resolveAdminToken(undefined, undefined);
    assert.equal(a.source.kind, "generated");
    assert.notEqual(a.token, resolveAdminToken(undefined, undefined).token);
    assert.match(newAdminToken(), ADMIN_TOKEN_RE);
  });
});

describe("adminTokenMatches", () => {
  test("only the exact token", () => {
    const tok = newAdminToken();
    assert.equal(adminTokenMatches(tok, tok), true);
    for (const other of ["", tok.slice(0, -1), `${tok}x`, tok.toUpperCase(), ` ${tok}`])
      assert.equal(adminTokenMatches(tok, other), false);
  });
});

describe("--admin-token", () => {
  test("flag and environment twin", () => {
    assert.equal(loadConfig(["--admin-token", "a".repeat(16)], {}, "s").adminToken, "a".repeat(16));
    assert.equal(loadConfig([], { LARKSTATUS_ADMIN_TOKEN: "b".repeat(40) }, "s").adminToken, "b".repeat(40));
    assert.equal(loadConfig([], {}, "s").adminToken, undefined);
  });
  for (const bad of ["short", "has a space in it!!", "x".repeat(257), "tab\tinside-the-token"]) {
    test(`refused: ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.throws(
        () => loadConfig(["--admin-token", bad], {}, "s"),
        (e: Error) => e instanceof ConfigError && /--admin-token/.test(e.message),
      );
    });
  }
});
