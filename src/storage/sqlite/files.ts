/**
 * The SQLite driver's files on disk: creating them private, and saying plainly when the data
 * directory cannot be written.
 *
 * Modes: a data directory larkstatus creates is 0700 and a database file it creates is 0600, made
 * before better-sqlite3 opens it (SQLite gives the -wal, -shm and journal files the database file's
 * mode). Files and directories the user made are left as they are.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { StorageError } from "../errors.js";

const PERMISSION_CODES = new Set(["EACCES", "EPERM", "EROFS"]);

/** A file-system failure in words an operator can act on; the path is always named. */
function fileError(cause: unknown, what: string, path: string): StorageError {
  const code = (cause as NodeJS.ErrnoException).code ?? "";
  if (PERMISSION_CODES.has(code)) {
    const why = code === "EROFS" ? "read-only file system" : code;
    return new StorageError(
      `permission denied: cannot ${what} ${path} (${why}); the user running larkstatus must be able to write the data directory, which holds the database and its -wal and -shm files`,
      { cause },
    );
  }
  return new StorageError(`cannot ${what} ${path}: ${(cause as Error).message}`, { cause });
}

/** Creates `path` with `mode` unless it exists (never changes an existing file). */
function createIfMissing(path: string, mode: number, what: string): void {
  try {
    closeSync(openSync(path, "wx", mode));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(cause, what, path);
  }
}

function checkWritable(path: string, what: string): void {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (cause) {
    throw fileError(cause, what, path);
  }
}

/**
 * Makes sure the database file at `path` can be served: its directory exists (created 0700) and is
 * writable, the file exists (created 0600) and it and its -wal/-shm, when present, are writable.
 * Throws a StorageError saying "permission denied" and naming the path otherwise.
 */
export function prepareDatabaseFile(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw fileError(cause, "create the data directory", dir);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (cause) {
    throw fileError(cause, "write to the data directory", dir);
  }
  createIfMissing(path, 0o600, "create the database");
  checkWritable(path, "write the database");
  for (const suffix of ["-wal", "-shm"]) if (existsSync(path + suffix)) checkWritable(path + suffix, "write");
}
