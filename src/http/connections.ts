/**
 * The server's client connections below Fastify: which responses each still owes, and how a body
 * we refused is read off the wire so the client can read our answer.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Socket } from "node:net";

/** How much of a refused body is read and thrown away before the connection is cut. */
export const REFUSED_BODY_DRAIN = { maxBytes: 64 * 1024 * 1024, maxMs: 5_000 } as const;

/** Per connection: the responses not yet sent (or abandoned), in request order. */
const kOwed = Symbol("larkstatus.owedResponses");
type TrackedSocket = Socket & { [kOwed]?: Set<ServerResponse> };

/** A response is settled once it has been sent or abandoned (shared by every response: no closure per request). */
function settle(this: ServerResponse): void {
  (this.req.socket as TrackedSocket | null)?.[kOwed]?.delete(this);
}

/** Tracks a server's connections and in-flight exchanges; one per app, attached before it listens. */
export class Connections {
  /** Starts tracking `server` (Fastify's, right after it is created). */
  attach(server: Server): void {
    server.on("connection", (socket: TrackedSocket) => {
      socket[kOwed] = new Set();
    });
    // Prepended, so it runs before Fastify's own listener can answer anything.
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      (req.socket as TrackedSocket)[kOwed]?.add(res);
      res.on("close", settle);
    });
  }

  /**
   * Calls `fn` once every response still owed on `socket` for a request that was fully received
   * has been sent. A request still being received is not waited for: it is the one whose bytes
   * failed to parse, and it will never complete.
   */
  afterOwedResponses(socket: Socket, fn: () => void): void {
    const owed = (socket as TrackedSocket)[kOwed];
    const pending = owed ? [...owed].filter((res) => res.req.complete) : [];
    let left = pending.length;
    if (left === 0) {
      fn();
      return;
    }
    for (const res of pending) {
      res.once("close", () => {
        left -= 1;
        if (left === 0) fn();
      });
    }
  }
}

/**
 * Reads and discards what is left of a request body we answered without reading, so the client
 * can read our answer: closing a socket with unread bytes makes the kernel send a reset, which
 * discards the answer on the client's side too. Returns false when there is nothing left to read.
 * Past REFUSED_BODY_DRAIN (bytes after the refusal, or time) the connection is cut.
 */
export function drainUnreadBody(req: IncomingMessage): boolean {
  const socket = req.socket;
  // Only a body still arriving over a real connection (inject()'s requests have none).
  if (req.complete || req.destroyed || !(socket instanceof Socket)) return false;
  let left: number = REFUSED_BODY_DRAIN.maxBytes;
  const cut = () => {
    stop();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) cut();
  };
  const timer = setTimeout(cut, REFUSED_BODY_DRAIN.maxMs).unref();
  const stop = () => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", stop);
    req.off("close", stop);
  };
  req.on("data", onData);
  req.once("end", stop);
  req.once("close", stop);
  // An aborted upload errors the request stream; nobody else is listening any more.
  req.on("error", () => {});
  req.resume();
  return true;
}
