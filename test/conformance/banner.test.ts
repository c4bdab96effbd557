/**
 * The start-up banner: it says which seed was loaded, prints a Node SDK snippet that runs exactly as
 * printed in a .mjs file, and never prints a secret other than the built-in demo seed's.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { bannerText } from "../../src/banner.js";
import { ROOT, type ServerProcess, startServerProcess, tempDb } from "./server-process.js";

const SUMMARY = { tenants: 1, apps: 2, users: 3, statuses: 1, firstAppId: "cli_0000000000000001" };
const DEMO = { app_id: "cli_a1b2c3d4e5f60718", app_secret: "dev-secret-please-change" };
const ADMIN_TOKEN = "lsa_0123456789abcdef0123456789abcdef0123456789a";
const ADMIN_FILE = { kind: "file" as const, file: "data/larkstatus.db.admin-token", created: true, token: ADMIN_TOKEN };

describe("bannerText", () => {
  test("the admin API line names where its token is, and prints the token only when it is kept nowhere", () => {
    const base = { url: "http://h:1", seeded: undefined, builtInSeed: "examples/seed.yaml", demo: undefined };
    const inFile = bannerText({ ...base, admin: ADMIN_FILE });
    assert.ok(
      inFile.includes(
        "admin API: http://h:1/admin/v1 (Bearer token in data/larkstatus.db.admin-token; reference: http://h:1/admin/openapi.json)\n",
      ),
      inFile,
    );
    assert.equal(inFile.includes(ADMIN_TOKEN), false);
    const given = bannerText({ ...base, admin: { kind: "config", token: ADMIN_TOKEN } });
    assert.ok(given.includes("(Bearer token: the --admin-token you gave;"), given);
    assert.equal(given.includes(ADMIN_TOKEN), false);
    const made = bannerText({ ...base, admin: { kind: "generated", token: ADMIN_TOKEN } });
    assert.ok(made.includes(`(Bearer token ${ADMIN_TOKEN}, made for this run;`), made);
  });

  test("the built-in demo seed: named as such, with its credentials", () => {
    const text = bannerText({
      url: "http://127.0.0.1:3000",
      seeded: { file: "examples/seed.yaml", summary: { ...SUMMARY, firstAppId: DEMO.app_id } },
      builtInSeed: "examples/seed.yaml",
      demo: DEMO,
      admin: ADMIN_FILE,
    });
    assert.match(text, /^seed: loaded examples\/seed\.yaml \(the built-in demo seed\): 1 tenant, 2 apps, 3 users, 1 status\n/);
    assert.ok(text.includes("    appSecret: 'dev-secret-please-change',\n"), text);
    assert.ok(text.includes("  import * as lark from '@larksuiteoapi/node-sdk';\n"), text);
    assert.ok(text.includes("    domain: 'http://127.0.0.1:3000',\n"), text);
  });

  test("another seed: its first app id, the secret from the environment", () => {
    const text = bannerText({
      url: "http://h:1",
      seeded: { file: "team.yaml", summary: SUMMARY },
      builtInSeed: "examples/seed.yaml",
      demo: undefined,
      admin: ADMIN_FILE,
    });
    assert.match(text, /^seed: loaded team\.yaml: 1 tenant, 2 apps, 3 users, 1 status\n/);
    assert.ok(text.includes("    appId: 'cli_0000000000000001',\n"), text);
    assert.ok(text.includes("    appSecret: process.env.LARK_APP_SECRET,\n"), text);
    assert.match(text, /LARK_APP_SECRET set to the app_secret of cli_0000000000000001/);
  });

  test("no seed loaded: says the database already had data", () => {
    const text = bannerText({
      url: "http://h:1",
      seeded: undefined,
      builtInSeed: "examples/seed.yaml",
      demo: undefined,
      admin: ADMIN_FILE,
    });
    assert.match(text, /^seed: none loaded \(the database already had data/);
    assert.ok(text.includes("    appId: process.env.LARK_APP_ID,\n"), text);
    assert.ok(text.includes("    appSecret: process.env.LARK_APP_SECRET,\n"), text);
  });
});

/** A folder for snippets, whose node_modules is the project's (so the SDK import resolves). */
const SNIPPETS = mkdtempSync(join(tmpdir(), "larkstatus-banner-"));
symlinkSync(join(ROOT, "node_modules"), join(SNIPPETS, "node_modules"));
after(() => rmSync(SNIPPETS, { recursive: true, force: true }));

const SNIPPET_END = "  console.log(JSON.stringify(res.data, null, 2));\n";

/** Waits until the banner has been printed whole. */
async function banner(server: ServerProcess): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (!server.output().includes(SNIPPET_END)) {
    assert.ok(Date.now() < deadline, `no snippet in:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return server.output();
}

/** The snippet's lines as printed (indented two spaces), un-indented, as a user would paste them. */
function snippet(out: string): string {
  const start = out.indexOf("  import * as lark");
  const end = out.indexOf(SNIPPET_END) + SNIPPET_END.length;
  return out
    .slice(start, end)
    .split("\n")
    .map((l) => l.replace(/^ {2}/, ""))
    .join("\n");
}

/** Runs a snippet as `node try.mjs`; `json` is what it printed after the SDK's own `[info]` lines. */
function runSnippet(code: string, env: NodeJS.ProcessEnv = {}): { status: number | null; json: string; stderr: string } {
  const file = join(SNIPPETS, `try-${Date.now()}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], {
    cwd: SNIPPETS,
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, json: r.stdout.slice(Math.max(0, r.stdout.search(/^\{/m))), stderr: `${r.stderr}\n${r.stdout}` };
}

describe("the banner of a real server", () => {
  test("first start: the demo seed is loaded, and the printed snippet runs as printed in a .mjs file", async () => {
    const db = tempDb();
    const server = await startServerProcess(["--db", db, "--rate-limit", "off"]);
    try {
      const out = await banner(server);
      assert.match(out, /seed: loaded examples\/seed\.yaml \(the built-in demo seed\): /);
      const r = runSnippet(snippet(out));
      assert.equal(r.status, 0, r.stderr);
      const data = JSON.parse(r.json) as { items: Array<{ title: string }>; has_more: boolean };
      assert.ok(data.items.length > 0, r.json);
      assert.equal(data.has_more, false);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // Second start on the same file: nothing loaded, and the demo app still answers to the demo secret.
    const again = await startServerProcess(["--db", db, "--rate-limit", "off"]);
    try {
      const out = await banner(again);
      assert.match(out, /seed: none loaded \(the database already had data/);
      assert.ok(out.includes("appSecret: 'dev-secret-please-change'"), out);
      const r = runSnippet(snippet(out));
      assert.equal(r.status, 0, r.stderr);
    } finally {
      assert.equal(await again.stop(), 0);
    }
  });

  test("another seed: no secret of it is printed, and the snippet runs with the secret in the environment", async () => {
    const seed = join(ROOT, "test", "fixtures", "seed.yaml");
    const secrets = [...readFileSync(seed, "utf8").matchAll(/app_secret: "([^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(secrets.length >= 3);
    const server = await startServerProcess(["--db", tempDb(), "--seed", seed, "--rate-limit", "off"]);
    try {
      const out = await banner(server);
      assert.match(out, /seed: loaded test\/fixtures\/seed\.yaml: 3 tenants, 5 apps, 9 users, 3 statuses\n/);
      for (const s of secrets) assert.equal(out.includes(s), false, `the seed's secret ${s} was printed:\n${out}`);
      const r = runSnippet(snippet(out), { LARK_APP_SECRET: "acme-secret" });
      assert.equal(r.status, 0, r.stderr);
      assert.ok((JSON.parse(r.json) as { items: unknown[] }).items.length > 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
