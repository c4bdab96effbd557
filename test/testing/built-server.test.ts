/**
 * The built server (`node dist/main.js`) as a test runner of any language starts it: `--port 0
 * --port-file FILE`, its first stdout line read from a pipe that is then closed
 * (`larkstatus --port 0 | head -1`), SIGTERM to stop.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { DIST_MAIN, ensureBuilt, ROOT } from "./built.js";

before(() => ensureBuilt());

/** One request on its own connection (no keep-alive left open to hold the shutdown grace). */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

function serve(args: string[]): { child: ChildProcessWithoutNullStreams; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [DIST_MAIN, "--db", "sqlite::memory:", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, LARKSTATUS_SHUTDOWN_GRACE: "200ms" },
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

/** The first line on the child's stdout. */
function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no first line in 20 s: ${out}`)), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before its first line`)));
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "larkstatus-portfile-"));
}

test("stdout closed after the first line: the built server goes on answering and logging, and SIGTERM exits 0", async () => {
  // --log-level info: every request writes a log line to the closed stdout.
  const s = serve(["--log-level", "info"]);
  try {
    const first = await firstLine(s.child);
    s.child.stdout.destroy();
    const url = /(http:\/\/127\.0\.0\.1:[0-9]+)/.exec(first)?.[1];
    assert.ok(url, first);
    for (let i = 0; i < 20; i++) {
      assert.equal(await get(`${url}/healthz`), 200, `request ${i}`);
      assert.equal(await get(`${url}/open-apis/nope`), 404, `request ${i}`);
    }
    assert.equal(s.child.exitCode, null, "still running");
    s.child.kill("SIGTERM");
    assert.equal(await s.exited, 0);
    assert.equal(s.stderr(), "", "nothing went wrong");
  } finally {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  }
});

test("--port-file: the URL, one line, written whole once the server answers; removed on SIGTERM", async () => {
  const dir = tempDir();
  const file = join(dir, "url");
  const s = serve(["--port-file", file, "--log-level", "warn"]);
  try {
    // Atomic: every read sees either no file or the whole line (polled as fast as the loop turns).
    let text: string | undefined;
    const deadline = performance.now() + 20_000;
    while (text === undefined) {
      assert.ok(performance.now() < deadline, `no port file in 20 s: ${s.stderr()}`);
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        assert.equal((e as NodeJS.ErrnoException).code, "ENOENT");
        await new Promise((r) => setImmediate(r));
      }
      if (text !== undefined) assert.match(text, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*\n$/, "the whole line");
    }
    const url = text.trim();
    // Written once listening: the server answers at once.
    assert.equal(await get(`${url}/healthz`), 200);
    const stdout = await firstLine(s.child);
    assert.equal(stdout, `listening on ${url}`, "the readiness line names the same URL");
    assert.deepEqual(readdirSync(dir), ["url"], "no temp file left beside it");
    s.child.kill("SIGTERM");
    assert.equal(await s.exited, 0);
    assert.equal(existsSync(file), false, "removed at exit");
  } finally {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  }
});

test("--port-file: a file another server has since rewritten is left alone at exit", async () => {
  const dir = tempDir();
  const file = join(dir, "url");
  const s = serve(["--port-file", file, "--log-level", "warn"]);
  try {
    await firstLine(s.child);
    assert.match(readFileSync(file, "utf8"), /^http:\/\/127\.0\.0\.1:[0-9]+\n$/);
    writeFileSync(file, "http://127.0.0.1:1\n");
    s.child.kill("SIGTERM");
    assert.equal(await s.exited, 0);
    assert.equal(readFileSync(file, "utf8"), "http://127.0.0.1:1\n");
  } finally {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  }
});

test("--port-file in a folder that does not exist: a clear start-up error, exit 1, nothing served", async () => {
  const missing = join(tempDir(), "no-such-folder", "url");
  const s = serve(["--port-file", missing]);
  let out = "";
  s.child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  try {
    assert.equal(await s.exited, 1);
    assert.equal(out, "", "never announced listening");
    assert.match(
      s.stderr(),
      /^larkstatus: --port-file \/ LARKSTATUS_PORT_FILE: cannot write .*no-such-folder\/url: the folder .*no-such-folder does not exist\n$/,
    );
    assert.equal(existsSync(missing), false);
  } finally {
    if (s.child.exitCode === null) s.child.kill("SIGKILL");
  }
});
