/**
 * A closed stdout or stderr never stops the service (`larkstatus | head -1`, a log collector that
 * went away): the server keeps answering, keeps logging into the void, and exits 0 on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { test } from "node:test";
import { LARKSTATUS, ROOT, tempDb } from "./server-process.js";

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

test("with stdout and stderr closed after the first line, requests that log are answered and SIGTERM exits 0", async () => {
  // The built server, like every other process test, rebuilt when src/ changed (server-process.ts).
  const child = spawn(process.execPath, [...LARKSTATUS, "--port", "0", "--db", tempDb(), "--log-level", "info"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    // At info level the first line is the framework's own "Server listening at ..." log line; the
    // "listening on" line and the banner follow it, so they are written into a closed pipe.
    const first = await new Promise<string>((resolve, reject) => {
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
    child.stdout.destroy();
    child.stderr.destroy();
    const url = /(http:\/\/127\.0\.0\.1:[0-9]+)/.exec(first)?.[1];
    assert.ok(url, first);

    for (let i = 0; i < 10; i++) {
      assert.equal(await get(`${url}/healthz`), 200, `request ${i}`);
      assert.equal(await get(`${url}/open-apis/nope`), 404, `request ${i}`);
    }
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
