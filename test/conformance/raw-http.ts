/**
 * Raw HTTP/1.1 over a loopback socket, for requests no HTTP client would send (a malformed request
 * line, a bad chunk size, pipelined requests in one packet) and for reading every byte the server
 * answers, in order.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import type { LightMyRequestResponse } from "fastify";

/** One HTTP response as read off the wire. */
export interface RawResponse {
  statusCode: number;
  statusMessage: string;
  /** Header names lower-cased; the last value wins. */
  headers: Record<string, string>;
  /** Header names as sent. */
  rawHeaderNames: string[];
  body: string;
}

/** Writes `data` (in one write: one packet on loopback) and resolves with everything read until the server closes. */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1", () => socket.write(data));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; read so far:\n${Buffer.concat(chunks).toString("utf8")}`));
    }, timeoutMs);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Splits bytes into the responses they hold (each framed by Content-Length). */
export function parseResponses(buf: Buffer): RawResponse[] {
  const { responses, rest } = takeResponses(buf);
  assert.equal(rest.length, 0, `an incomplete response: ${rest.toString("utf8")}`);
  return responses;
}

/** The complete responses at the start of `buf`, and the bytes after them. */
function takeResponses(buf: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < buf.length) {
    const end = buf.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const lines = buf.subarray(at, end).toString("latin1").split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(lines[0] ?? "");
    assert.ok(m, `not a status line: ${lines[0]}`);
    const headers: Record<string, string> = {};
    const rawHeaderNames: string[] = [];
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      const name = line.slice(0, i);
      rawHeaderNames.push(name);
      headers[name.toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers["content-length"]);
    assert.ok(Number.isInteger(length), `no Content-Length: ${lines.join("\n")}`);
    const bodyStart = end + 4;
    if (bodyStart + length > buf.length) break;
    out.push({
      statusCode: Number(m[1]),
      statusMessage: m[2] as string,
      headers,
      rawHeaderNames,
      body: buf.subarray(bodyStart, bodyStart + length).toString("utf8"),
    });
    at = bodyStart + length;
  }
  return { responses: out, rest: buf.subarray(at) };
}

/** A kept-open loopback connection: write requests, await their responses one by one. */
export class RawConnection {
  readonly socket: Socket;
  /** Resolves once the connection is open. */
  readonly ready: Promise<void>;
  /** Resolves when the server (or anyone) closes the connection; never rejects. */
  readonly closed: Promise<void>;
  /** The socket error that ended the connection, if any (ECONNRESET, ...). */
  error: string | undefined;
  #buf: Buffer = Buffer.alloc(0);
  readonly #responses: RawResponse[] = [];
  #wake: (() => void) | undefined;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.on("close", () => {
        this.#wake?.();
        resolve();
      });
    });
    this.socket.on("error", (e: NodeJS.ErrnoException) => {
      this.error = e.code ?? e.message;
    });
    this.socket.on("data", (d: Buffer) => {
      const { responses, rest } = takeResponses(Buffer.concat([this.#buf, d]));
      this.#buf = rest;
      this.#responses.push(...responses);
      if (responses.length > 0) this.#wake?.();
    });
  }

  /** The next complete response; rejects if the connection closes first or after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.#responses.shift();
      if (r) return r;
      if (this.socket.destroyed) {
        throw new Error(
          `the connection closed without a (complete) response (${this.error ?? "no error"}); ${this.#buf.length} bytes pending`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends a request and awaits its response. */
  async exchange(request: string): Promise<RawResponse> {
    this.socket.write(request);
    return this.next();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A raw response in the shape `assertError` reads. */
export function asInjected(r: {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: string;
}): LightMyRequestResponse {
  return {
    statusCode: r.statusCode,
    headers: r.headers,
    body: r.body,
    json: () => JSON.parse(r.body),
  } as unknown as LightMyRequestResponse;
}
