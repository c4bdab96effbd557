/**
 * The vendor page's C# RestSharp sample cannot run here (no .NET or NuGet on these machines), so
 * its exact request goes over a raw socket: RestSharp 106's default headers, the page's body
 * string byte for byte, and the query string on the URL.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { makeApp, openId, TRIP } from "../helpers.js";

function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // write, not end: RestSharp keeps its side open until the answer (Connection: close ends it).
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let data = "";
    socket.on("data", (d) => {
      data += d.toString("utf8");
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

test("RestSharp's batch_close request, byte for byte, is answered like the page's example", async () => {
  const t = await makeApp();
  try {
    const token = await t.token();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const port = (t.app.server.address() as { port: number }).port;
    const user = openId("u003");
    // request.AddParameter("application/json", body, ParameterType.RequestBody) sends the string as is.
    const body = `{"user_list":["${user}"]}`;
    const request = [
      `POST /open-apis/personal_settings/v1/system_statuses/${TRIP}/batch_close?user_id_type=open_id HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${token}`,
      "Accept: application/json, text/json, text/x-json, text/javascript, application/xml, text/xml",
      "User-Agent: RestSharp/106.15.0.0",
      "Content-Type: application/json",
      "Accept-Encoding: gzip, deflate",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      "",
      body,
    ].join("\r\n");
    const raw = await rawRequest(port, request);
    const [head, payload] = raw.split("\r\n\r\n") as [string, string];
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    assert.doesNotMatch(
      head,
      /content-encoding/i,
      "RestSharp may ask for gzip; an uncompressed answer is what the vendor's example shows",
    );
    const logId = /\r\nx-tt-logid: (\S+)\r\n/i.exec(head)?.[1];
    assert.ok(logId, head);
    assert.deepEqual(JSON.parse(payload), {
      code: 0,
      msg: "success",
      data: { result_list: [{ user_id: user, result: "success" }] },
    });
  } finally {
    await t.close();
  }
});
