/**
 * Answers for requests that cannot be read (9499 `Bad Request`), in the vendor envelope with the
 * log-id headers like every other answer: what Node's HTTP parser rejects (a malformed request
 * line or chunk size, a header block over the limit, a timeout) and what Fastify's router cannot
 * decode (a malformed percent-encoding). The path of such a request is often unknowable, so every
 * one of them gets the envelope, under /open-apis or not.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger, FastifyError, FastifyReply } from "fastify";
import { invalidInput, PROBLEM_CONTENT_TYPE, problemBody } from "../admin/problems.js";
import type { Clock } from "../domain/clock.js";
import type { IdGenerator } from "../domain/ids.js";
import { ApiError } from "../errors/codes.js";
import { type Connections, drainUnreadBody } from "./connections.js";
import { errorBody } from "./errors.js";

/** How long a connection we answered 9499 may stay half-open while the client reads and closes. */
const LINGER_MS = 2_000;

/**
 * Sets `X-Tt-Logid` and `X-Request-Id` on the raw response, so the names keep the vendor's casing
 * on the wire: lark-oapi (Python) looks `X-Tt-Logid` up in a plain dict, and Fastify's
 * `reply.header()` lower-cases names.
 */
export function setLogIdHeaders(res: ServerResponse, logId: string): void {
  res.setHeader("X-Tt-Logid", logId);
  res.setHeader("X-Request-Id", logId);
}

/** A parser error as Node hands it to 'clientError'. */
type ParserError = Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number };

/**
 * The HTTP status of a 9499 for a parser error: 408 for a timeout, 431 for a header block over
 * the limit, 414 when we can tell that the request line alone is (no line break between the
 * start of the request and the point where the parser gave up), 400 otherwise.
 */
export function parserErrorStatus(err: ParserError, firstPacket: boolean): number {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  if (err.code !== "HPE_HEADER_OVERFLOW") return 400;
  const raw = err.rawPacket;
  if (!raw) return 431;
  const upTo = Math.min(err.bytesParsed ?? raw.length, raw.length);
  // The request starts after the last blank line that ends before the failure point (the end of
  // a pipelined request before it), or at the packet's start if it is the connection's first
  // packet; otherwise its start is out of sight.
  const lastBlank = raw.lastIndexOf("\r\n\r\n", upTo - 4);
  if (lastBlank < 0 && !firstPacket) return 431;
  const requestSoFar = raw.subarray(lastBlank < 0 ? 0 : lastBlank + 4, upTo);
  return requestSoFar.length > 0 && !requestSoFar.includes(0x0a) ? 414 : 431;
}

/** The full HTTP/1.1 response of a 9499, written straight to a socket whose parser has failed. */
export function rawMalformedResponse(status: number, logId: string, now: number): Buffer {
  const body = JSON.stringify(errorBody(new ApiError("MALFORMED_REQUEST"), logId));
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `X-Tt-Logid: ${logId}\r\n` +
    `X-Request-Id: ${logId}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Date: ${new Date(now).toUTCString()}\r\n` +
    "Connection: close\r\n\r\n";
  return Buffer.from(head + body, "utf8");
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node's parser rejected with a 9499 written to
 * the socket, then closes the connection. Node's own handler (and Fastify's default) write their
 * answer at once, which loses the answers still owed to requests pipelined before the bad one;
 * this one waits for those first.
 */
export function clientErrorHandler(deps: {
  ids: IdGenerator;
  clock: Clock;
  connections: Connections;
  log: () => FastifyBaseLogger | undefined;
}): (error: Error, socket: Socket) => void {
  const answered = new WeakSet<Socket>();
  return (error, socket) => {
    const err = error as ParserError;
    // The parser fails again on every later chunk of a connection it already gave up on.
    if (answered.has(socket)) return;
    const parseFailure = err.code?.startsWith("HPE_") || err.code === "ERR_HTTP_REQUEST_TIMEOUT";
    if (!parseFailure || socket.destroyed || !socket.writable) {
      // A socket error (ECONNRESET, EPIPE...): there is nobody to answer.
      socket.destroy();
      return;
    }
    answered.add(socket);
    const firstPacket = err.rawPacket !== undefined && socket.bytesRead === err.rawPacket.length;
    const status = parserErrorStatus(err, firstPacket);
    deps.connections.afterOwedResponses(socket, () => {
      if (socket.destroyed || !socket.writable) {
        socket.destroy();
        return;
      }
      const logId = deps.ids.logId();
      deps.log()?.info({ logId, err: { code: err.code, message: err.message }, status }, "unreadable request answered 9499");
      // end(), not destroy(): the client may still be sending; it reads the answer, then closes.
      socket.end(rawMalformedResponse(status, logId, deps.clock.now()));
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
  };
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route runs (a malformed
 * percent-encoding, a parameter over maxParamLength) answer a 9499 in the envelope, or, under
 * /admin, a 400 problem naming the path (the admin API never answers the vendor's envelope).
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: { id: string; raw: IncomingMessage; log: FastifyBaseLogger },
  reply: FastifyReply,
): void {
  setLogIdHeaders(reply.raw, request.id);
  const status = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : 400;
  request.log.info({ err: { code: error.code, message: error.message } }, "unreadable request answered 9499");
  drainUnreadBody(request.raw);
  if (request.raw.url?.startsWith("/admin/")) {
    const p = invalidInput(
      "path",
      error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? "a path segment is longer than the server reads"
        : "is not valid percent-encoded UTF-8",
    );
    reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(p, request.id));
    return;
  }
  reply
    .code(status)
    .type("application/json; charset=utf-8")
    .send(errorBody(new ApiError("MALFORMED_REQUEST"), request.id));
}
