/**
 * How the CLI finds a local server: a server on a SQLite file writes `<db>.server.json` (its URL
 * and pid, mode 0600) beside the database and its `<db>.admin-token` once it listens, and removes
 * it on a clean shutdown. One process serves a SQLite file (the store's lock), so the file names
 * at most one server. A server killed without a shutdown leaves it behind: its pid then names no
 * process, which is how a reader tells.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";

/** What a running server says about itself. */
export interface Discovery {
  /** A URL this machine reaches the server at (a wildcard bind address is given as loopback). */
  url: string;
  pid: number;
  version: string;
  /** ISO 8601. */
  started_at: string;
}

/** The discovery file beside a SQLite database. */
export function discoveryFile(dbPath: string): string {
  return `${dbPath}.server.json`;
}

/**
 * The URL a local client uses for a server bound to `host`: the wildcard addresses (`0.0.0.0`,
 * `::`) are not addresses to connect to, so they become their loopback.
 */
export function localUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

/** Writes the file (0600) atomically: a reader sees the old file or the whole new one. */
export function writeDiscovery(file: string, d: Discovery): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(d)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Removes the file if it still names `pid` (a newer server's file is left alone). */
export function removeDiscovery(file: string, pid: number): void {
  try {
    if (readDiscovery(file)?.pid === pid) rmSync(file, { force: true });
  } catch {
    // Unreadable or malformed: not ours to judge at shutdown.
  }
}

/** The file's contents; undefined when there is none. Throws when it exists but is not ours. */
export function readDiscovery(file: string): Discovery | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const d = JSON.parse(text) as Partial<Discovery>;
  if (typeof d.url !== "string" || !Number.isSafeInteger(d.pid)) {
    throw new Error(`${file} is not a larkstatus discovery file (it needs url and pid)`);
  }
  return d as Discovery;
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
