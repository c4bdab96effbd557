/**
 * SIGTERM against the real process: keep-alive connections opened before the signal still get
 * full answers (with `Connection: close`) during the shutdown grace, new connections are refused,
 * the grace ends early once no connection is open, a request arriving after the grace answers
 * 503 in the vendor envelope, and the process exits 0.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ERRORS } from "../../src/errors/codes.js";
import { APP, assertError, FIXTURE_SEED, makeApp } from "../helpers.js";
import { asInjected, RawConnection } from "./raw-http.js";
import { type ServerProcess, startServerProcess, tempDb } from "./server-process.js";

const HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const TOKEN_BODY = JSON.stringify(APP);
const TOKEN = `POST /open-apis/auth/v3/tenant_access_token/internal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(TOKEN_BODY)}\r\n\r\n${TOKEN_BODY}`;

/** Starts the server with a shutdown grace (through the environment) and info logs, which the tests watch. */
function start(grace: string): Promise<ServerProcess> {
  return startServerProcess(["--db", tempDb(), "--seed", FIXTURE_SEED, "--log-level", "info"], 30_000, {
    LARKSTATUS_SHUTDOWN_GRACE: grace,
  });
}

async function waitForOutput(server: ServerProcess, re: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(server.output())) {
    if (Date.now() > deadline) throw new Error(`no ${re} in the output within ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exitCode(server: ServerProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) resolve(server.child.exitCode);
    else server.child.once("exit", (code) => resolve(code));
  });
}

function portOf(server: ServerProcess): number {
  return Number(new URL(server.url).port);
}

test("requests on idle keep-alive connections right after SIGTERM are answered with Connection: close; the grace ends once none is open; exit 0", async () => {
  const server = await start("20s");
  const conns: RawConnection[] = [];
  try {
    for (let i = 0; i < 4; i++) conns.push(new RawConnection(portOf(server)));
    await Promise.all(conns.map((c) => c.ready));
    for (const c of conns) {
      const r = await c.exchange(HEALTHZ);
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers.connection, "keep-alive");
    }
    const exited = exitCode(server);
    server.child.kill("SIGTERM");
    await waitForOutput(server, /draining/);
    const signalled = Date.now();

    for (const [i, c] of conns.entries()) {
      const r = await c.exchange(i % 2 === 0 ? HEALTHZ : TOKEN);
      assert.equal(r.statusCode, 200, `connection ${i}: ${r.body}`);
      assert.equal(r.headers.connection, "close", `connection ${i}`);
      assert.equal((JSON.parse(r.body) as { code?: number; status?: string }).code ?? 0, 0);
      await c.closed;
      assert.equal(c.error, undefined, `connection ${i} ended with ${c.error}`);
    }

    const late = new RawConnection(portOf(server));
    await assert.rejects(late.ready, { code: "ECONNREFUSED" }, "no new connection after SIGTERM");
    assert.equal(await exited, 0, server.output());
    assert.ok(Date.now() - signalled < 10_000, "the 20 s grace ended once no connection was open");
  } finally {
    for (const c of conns) c.destroy();
    await server.stop();
  }
});

test("a connection left idle through the whole grace is closed at its end, not at the signal", async () => {
  const server = await start("1s");
  const c = new RawConnection(portOf(server));
  try {
    await c.ready;
    assert.equal((await c.exchange(HEALTHZ)).statusCode, 200);
    const exited = exitCode(server);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    await c.closed;
    const held = Date.now() - signalled;
    assert.ok(held >= 800, `closed after ${held} ms, before the 1 s grace was over`);
    assert.ok(held < 10_000, `closed after ${held} ms`);
    assert.equal(await exited, 0, server.output());
  } finally {
    c.destroy();
    await server.stop();
  }
});

test("a request completed after the grace answers 503 / 99991503 in the vendor envelope, with Connection: close", async () => {
  const server = await start("300ms");
  const c = new RawConnection(portOf(server));
  try {
    await c.ready;
    const exited = exitCode(server);
    server.child.kill("SIGTERM");
    await waitForOutput(server, /draining/);
    // A request under way (its head not yet complete) keeps the connection open past the grace.
    c.socket.write("GET /open-apis/personal_settings/v1/system_statuses HTTP/1.1\r\nHost: x\r\n");
    await waitForOutput(server, /grace is over/);
    c.socket.write("\r\n");
    const r = await c.next();
    assertError(asInjected(r), { status: 503, code: 99991503, msg: ERRORS.STORE_UNAVAILABLE.msg });
    assert.equal(r.headers.connection, "close");
    await c.closed;
    assert.equal(await exited, 0, server.output());
  } finally {
    c.destroy();
    await server.stop();
  }
});

test("while draining, /readyz answers 503 so a load balancer stops sending work, and /healthz stays 200", async () => {
  const t = await makeApp();
  try {
    assert.equal((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
    // Nothing is listening, so no connection is open and the grace ends at once; the phase stays.
    await t.app.connections.drain(60_000);
    const ready = await t.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { status: "draining" });
    assert.equal((await t.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  } finally {
    await t.close();
  }
});
