/** A storage failure in domain words: the driver's own errors never leave the driver. */
export class StorageError extends Error {
  /**
   * True when the database could not be reached or the connection was lost (refused, timed out,
   * terminated): the request may succeed later, so the HTTP layer can answer "unavailable" rather
   * than "internal error", and readiness can report it.
   */
  readonly unavailable: boolean;

  constructor(message: string, options?: { cause?: unknown; unavailable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StorageError";
    this.unavailable = options?.unavailable ?? false;
  }
}
