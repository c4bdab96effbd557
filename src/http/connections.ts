/**
 * The server's client connections below Fastify: which are open, which responses each still owes,
 * the shutdown phases (serving → draining → closed), and how a body we refused is read off the
 * wire so the client can read our answer.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Server as NetServer, Socket } from "node:net";

/**
 * `serving`: normal. `draining`: the listening socket is closed, requests on open connections are
 * answered normally but with `Connection: close`. `closed`: the grace is over; requests still
 * arriving are refused with 503.
 */
export type ServerPhase = "serving" | "draining" | "closed";

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
  #phase: ServerPhase = "serving";
  #server: Server | undefined;
  readonly #open = new Set<Socket>();
  #onNoneOpen: (() => void) | undefined;

  /** Starts tracking `server` (Fastify's, right after it is created). */
  attach(server: Server): void {
    this.#server = server;
    server.on("connection", (socket: TrackedSocket) => {
      socket[kOwed] = new Set();
      this.#open.add(socket);
      socket.once("close", () => {
        this.#open.delete(socket);
        if (this.#open.size === 0) this.#onNoneOpen?.();
      });
    });
    // Prepended, so it runs before Fastify's own listener can answer anything.
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      if (this.#phase !== "serving") res.setHeader("Connection", "close");
      (req.socket as TrackedSocket)[kOwed]?.add(res);
      res.on("close", settle);
    });
  }

  get phase(): ServerPhase {
    return this.#phase;
  }

  /** How many client connections are open. */
  get openCount(): number {
    return this.#open.size;
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

  /**
   * Starts the shutdown: stops accepting connections (open ones stay open) and marks every answer
   * from now on `Connection: close`. Resolves after `graceMs`, or as soon as no connection is open,
   * or when `endGrace()` is called.
   */
  drain(graceMs: number): Promise<void> {
    if (this.#phase === "serving") {
      this.#phase = "draining";
      // net.Server's close, not http.Server's: since Node 19 the latter also closes idle keep-alive
      // connections at once, and a request a client is sending on one right now would be reset.
      if (this.#server?.listening) NetServer.prototype.close.call(this.#server);
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onNoneOpen = undefined;
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      this.#onNoneOpen = done;
      if (this.#open.size === 0 || graceMs <= 0) done();
    });
  }

  /** Ends a running grace now (e.g. on a second signal). */
  endGrace(): void {
    this.#onNoneOpen?.();
  }

  /** The grace is over: from now on requests are refused (503) and answered with `Connection: close`. */
  close(): void {
    this.#phase = "closed";
  }

  /** Cuts every connection still open (the last resort when in-flight requests outlive their bound). */
  destroyAll(): void {
    for (const socket of this.#open) socket.destroy();
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
