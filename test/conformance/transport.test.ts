/**
 * Transport-level answers over real loopback sockets: requests the HTTP parser or the router
 * cannot read still get the vendor envelope and the log-id headers (9499), 405 names the allowed
 * methods, clients sending oversized bodies can read the 400, and a bad request pipelined after a
 * good one does not swallow the good one's answer.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { closeUrl, E, invalid, openUrl, statusUrl, TENANT_TOKEN_URL } from "../api/support.js";
import { APP, assertError, BASE, makeApp, type TestApp, TRIP } from "../helpers.js";
import { asInjected, parseResponses, RawConnection, type RawResponse, rawExchange } from "./raw-http.js";

const MIB = 1024 * 1024;
/** How long an upload watches for a client error after its answer was read. */
const SETTLE_MS = 100;
const JSON_CT = "application/json; charset=utf-8";
/** The catalog entry for a request that cannot be read (spelled out: a drifted code must fail here). */
const MALFORMED = { code: 9499, msg: "Bad Request" } as const;

let t: TestApp;
let port: number;
let token: string;

before(async () => {
  t = await makeApp();
  token = await t.token();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as { port: number }).port;
});
after(async () => {
  await t.close();
});

/** A 9499 envelope with the given status, the exact content type, and the log-id headers in the vendor casing. */
function assertMalformed(r: RawResponse, status: number): void {
  assertError(asInjected(r), { status, ...MALFORMED });
  assert.equal(r.headers["content-type"], JSON_CT);
  assert.ok(r.rawHeaderNames.includes("X-Tt-Logid"), r.rawHeaderNames.join(", "));
  assert.ok(r.rawHeaderNames.includes("X-Request-Id"), r.rawHeaderNames.join(", "));
  assert.match(r.headers["x-tt-logid"] ?? "", /^[0-9]{14}[0-9]{20}$/);
}

describe("a request that cannot be read answers the vendor envelope (9499)", () => {
  const unreadable: Array<[string, string, number]> = [
    // Well-formed HTTP the router cannot decode: the connection may stay open, so these ask to close it.
    ["a malformed percent-encoding in the path", "GET /open-apis/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
    ["a malformed percent-encoding in a path parameter", `GET ${BASE}/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
    ["a malformed percent-encoding outside /open-apis", "GET /healthz%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
    [
      "a bad chunk size",
      `POST ${BASE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t-x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n`,
      400,
    ],
    ["a request line that is not HTTP", "GARBAGE\r\n\r\n", 400],
    ["a request line alone over the header limit", `GET /open-apis/${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ["a header block over the limit", `GET /open-apis/x HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    [
      "a header block over the limit made of many headers",
      `GET ${BASE} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${"v".repeat(40)}\r\n`).join("")}\r\n`,
      431,
    ],
  ];
  for (const [name, raw, status] of unreadable) {
    test(`${name} → ${status} ${MALFORMED.code}`, async () => {
      const responses = parseResponses(await rawExchange(port, raw));
      assert.equal(responses.length, 1, JSON.stringify(responses));
      assertMalformed(responses[0] as RawResponse, status);
    });
  }

  test("the parser's answers close the connection and each carries its own log id", async () => {
    const ids = new Set<string>();
    for (const raw of ["GARBAGE\r\n\r\n", "GARBAGE\r\n\r\n", `GET /${"a".repeat(20_000)} HTTP/1.1\r\n\r\n`]) {
      const [r] = parseResponses(await rawExchange(port, raw));
      assert.equal(r?.headers.connection, "close");
      assert.ok(r?.headers.date, "a Date header, like every other answer");
      ids.add(r?.headers["x-tt-logid"] as string);
    }
    assert.equal(ids.size, 3);
  });

  test("a request timeout from Node's parser → 408 9499", async () => {
    // Node reports a request that outlives headersTimeout/requestTimeout as ERR_HTTP_REQUEST_TIMEOUT
    // through 'clientError'; its periodic check is too slow to wait for here, so the event is raised
    // on a real server-side socket directly.
    const serverSide = new Promise<Socket>((resolve) => t.app.server.once("connection", resolve));
    const client = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    client.on("data", (d: Buffer) => chunks.push(d));
    const closed = new Promise<void>((resolve) => client.on("close", () => resolve()));
    client.write("GET /open-apis/personal_settings/v1/system_statuses HTTP/1.1\r\nHost: x\r\n");
    const socket = await serverSide;
    t.app.server.emit("clientError", Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }), socket);
    await closed;
    const [r] = parseResponses(Buffer.concat(chunks));
    assertMalformed(r as RawResponse, 408);
  });
});

describe("405 names the methods the path answers (Allow)", () => {
  const cases: Array<[string, string, string]> = [
    ["PUT", BASE, "GET, HEAD, POST"],
    ["DELETE", BASE, "GET, HEAD, POST"],
    ["GET", statusUrl(TRIP), "DELETE, PATCH"],
    ["POST", statusUrl(TRIP), "DELETE, PATCH"],
    ["GET", openUrl(TRIP), "POST"],
    ["DELETE", closeUrl(TRIP), "POST"],
    ["GET", TENANT_TOKEN_URL, "POST"],
    ["PUT", `${TENANT_TOKEN_URL}/`, "POST"],
    ["OPTIONS", BASE, "GET, HEAD, POST"],
  ];
  for (const [method, url, allow] of cases) {
    test(`${method} ${url} → 405 with Allow: ${allow}`, async () => {
      const res = await t.call({ method: method as "GET", url, token });
      assertError(res, E.METHOD_NOT_ALLOWED);
      assert.equal(res.headers.allow, allow);
    });
  }

  test("404 has no Allow header", async () => {
    const res = await t.call({ method: "GET", url: "/open-apis/nope" });
    assertError(res, E.NOT_FOUND);
    assert.equal(res.headers.allow, undefined);
  });
});

describe("a client still sending an oversized body reads the 400", () => {
  /**
   * One upload with Node's http client on a keep-alive agent, writing the body while the answer
   * comes back. Resolves with the answer once read, if no client error (EPIPE, ECONNRESET: the
   * server closing on a client still sending) came before it or in the SETTLE_MS after it; then the
   * upload is abandoned. Node's client stops writing a body whose answer has ended anyway (it drops
   * its 'drain' listener), so waiting longer would only wait out the server's drain bound.
   */
  function upload(agent: Agent, path: string, size: number, chunked: boolean): Promise<RawResponse> {
    const what = `${size / MIB} MiB ${chunked ? "chunked" : "with Content-Length"}`;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      if (!chunked) headers["content-length"] = String(size);
      let res: RawResponse | undefined;
      const req = request({ host: "127.0.0.1", port, method: "POST", path, headers, agent }, (r) => {
        let body = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => {
          body += c;
        });
        r.on("end", () => {
          res = {
            statusCode: r.statusCode ?? 0,
            statusMessage: r.statusMessage ?? "",
            headers: r.headers as Record<string, string>,
            rawHeaderNames: r.rawHeaders.filter((_, i) => i % 2 === 0),
            body,
          };
          const answer = res;
          setTimeout(() => {
            if (error) reject(new Error(`${what}: ${error} on the request (the answer was read)`));
            else resolve(answer);
            req.destroy();
          }, SETTLE_MS);
        });
      });
      let error: string | undefined;
      req.on("error", (e: NodeJS.ErrnoException) => {
        error ??= e.code ?? e.message;
        if (!res) reject(new Error(`${what}: ${error} before the answer was read`));
      });
      req.on("close", () => {
        if (!res) reject(new Error(`${what}: closed before the answer was read`));
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < size && !req.destroyed) {
          const n = Math.min(chunk.length, size - sent);
          sent += n;
          if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            req.once("drain", pump);
            return;
          }
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
  }

  const N = 3;
  for (const [path, expected] of [
    [BASE, invalid("body")],
    [TENANT_TOKEN_URL, E.INVALID_PARAM],
  ] as const) {
    test(
      `${path}: 2, 10 and 50 MiB, with Content-Length and chunked, ${N} times each → 400 ${expected.code}`,
      { timeout: 120_000 },
      async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (const size of [2 * MIB, 10 * MIB, 50 * MIB]) {
            for (const chunked of [false, true]) {
              for (let i = 0; i < N; i++) {
                assertError(asInjected(await upload(agent, path, size, chunked)), expected);
              }
            }
          }
        } finally {
          agent.destroy();
        }
      },
    );
  }

  test("the connection stays usable once the refused body has been read", async () => {
    const c = new RawConnection(port);
    try {
      await c.ready;
      const size = 3 * MIB;
      c.socket.write(
        `POST ${BASE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${size}\r\n\r\n${" ".repeat(size)}`,
      );
      const refused = await c.next();
      assertError(asInjected(refused), invalid("body"));
      assert.notEqual(refused.headers.connection, "close");
      const next = await c.exchange(`POST ${TENANT_TOKEN_URL} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`);
      assertError(asInjected(next), E.INVALID_PARAM);
    } finally {
      c.destroy();
    }
  });
});

describe("pipelining", () => {
  test("GET /healthz then a garbage request in one packet: both answers, in order", async () => {
    const raw = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n";
    const [first, second, ...rest] = parseResponses(await rawExchange(port, raw));
    assert.equal(first?.statusCode, 200, JSON.stringify(first));
    assert.deepEqual(JSON.parse(first?.body ?? ""), { status: "ok" });
    assertMalformed(second as RawResponse, 400);
    assert.deepEqual(rest, []);
  });

  test("two API calls then a bad URL then garbage in one packet: three answers, in order", async () => {
    const auth = `Authorization: Bearer ${token}\r\n`;
    const body = JSON.stringify(APP);
    const raw =
      `GET ${BASE} HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
      `POST ${TENANT_TOKEN_URL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
      "GET /open-apis/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GARBAGE\r\n\r\n";
    const responses = parseResponses(await rawExchange(port, raw));
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [200, 200, 400, 400],
    );
    assert.equal((JSON.parse(responses[0]?.body ?? "") as { code: number }).code, 0);
    assert.equal((JSON.parse(responses[1]?.body ?? "") as { code: number }).code, 0);
    assertMalformed(responses[2] as RawResponse, 400);
    assertMalformed(responses[3] as RawResponse, 400);
  });
});
