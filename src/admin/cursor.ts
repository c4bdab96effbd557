/**
 * Cursors of admin lists: an opaque token for "after this key". Not signed: the admin sees
 * everything anyway, so a forged cursor can only skip ahead in a list it may read whole.
 */
import { invalidInput } from "./problems.js";

/** The cursor that continues after `key` (the sort key of the last item of a page). */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** The key a cursor continues after; a cursor we did not make is a 400 naming `cursor`. */
export function decodeCursor(cursor: string | undefined, arity: number): Array<string | number> | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      // No key of ours holds U+0000 (every key follows its seed pattern); PostgreSQL could not even compare one.
      key.every((k) => (typeof k === "string" && !k.includes("\u0000")) || (typeof k === "number" && Number.isSafeInteger(k))) &&
      encodeCursor(key) === cursor
    ) {
      return key;
    }
  } catch {
    // fall through
  }
  throw invalidInput("cursor", "is not a cursor this list gave out");
}

/** A page of a list: `next_cursor` only when there is more. */
export function page<T>(
  items: T[],
  limit: number,
  keyOf: (item: T) => readonly (string | number)[],
): { items: T[]; next_cursor?: string } {
  if (items.length <= limit) return { items };
  const shown = items.slice(0, limit);
  return { items: shown, next_cursor: encodeCursor(keyOf(shown[shown.length - 1] as T)) };
}
