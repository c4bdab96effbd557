/**
 * `--port-file FILE`: once the server listens, its URL (`http://127.0.0.1:PORT`, one line) is in
 * FILE, so a test runner that started it with `--port 0` learns the port without parsing stdout.
 * Written atomically (a temp file beside it, then a rename: a reader sees no file or the whole
 * line) and removed on shutdown if it still holds this server's URL (a newer server's is left).
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "./config.js";

/** Temp names are unique per write, also for several servers in one process (the testing API). */
let writes = 0;

/** Before anything starts: FILE's folder must exist, or the start fails saying so. */
export function checkPortFile(file: string): void {
  const dir = dirname(resolve(file));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Missing: said below.
  }
  if (!isDir) {
    throw new ConfigError(`--port-file / LARKSTATUS_PORT_FILE: cannot write ${file}: the folder ${dir} does not exist`);
  }
}

/** Writes `url` and a newline to `file` atomically. */
export function writePortFile(file: string, url: string): void {
  const tmp = `${file}.${process.pid}.${++writes}.tmp`;
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      writeSync(fd, `${url}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ConfigError(`--port-file / LARKSTATUS_PORT_FILE: cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Removes `file` if it still holds `url` (another server may have written it since). */
export function removePortFile(file: string, url: string): void {
  try {
    if (readFileSync(file, "utf8") === `${url}\n`) rmSync(file, { force: true });
  } catch {
    // Gone already, or unreadable: not ours to judge at shutdown.
  }
}
