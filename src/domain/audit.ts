/**
 * The audit log: one entry per acknowledged change, written by the store in the same transaction
 * as the change (each write method takes an `AuditOf` callback), with the per-user results the
 * caller was answered. No HTTP and no SQL here: the entry's shape, how callers build it, and the
 * reader and pruner over the store.
 */
import type { Store } from "../storage/store.js";
import type { Clock } from "./clock.js";

/** Who made a change: an app through the vendor API, the admin API, or a seed file. */
export type AuditActor = "app" | "admin" | "seed";

/** One user's line of a batch: the caller's id as sent, the result it was answered, and its end_time. */
export interface AuditResult {
  user_id: string;
  result: string;
  /** Unix seconds as the vendor writes them (a string); opens only. */
  end_time?: string;
}

/** An entry as the service hands it to the store, before the store numbers it. */
export interface AuditEntry {
  /** Unix ms, from the injected clock: the change's own "now". */
  at_ms: number;
  tenant_key: string;
  actor: AuditActor;
  op: string;
  app_id?: string;
  system_status_id?: string;
  /** The request's log id (X-Tt-Logid / X-Request-Id). */
  log_id?: string;
  /**
   * The tenant's employee user_ids the call named (every input that resolved to a user, whatever
   * its result), so the user filter finds a batch sent with open_ids or union_ids.
   */
  users?: readonly string[];
  results?: readonly AuditResult[];
  /** What was written, for the changes that are not batches (a status's or tenant's fields). */
  change?: object;
}

/** An entry as stored: numbered by the store (increasing in insertion order on each driver). */
export interface AuditRecord extends AuditEntry {
  id: number;
}

/**
 * Builds the entry of a write from the write's own result, inside the write's transaction; no
 * entry (undefined) when the result says nothing changed (a conflict, a row that was gone).
 */
export type AuditOf<R> = (result: R) => AuditEntry | undefined;

/** Who asks for an admin change, for its audit entry: the admin operation's name and the request's log id. */
export interface ChangeBy {
  op: string;
  log_id?: string;
}

/** The audit entry of an admin change to `tenantKey` at `atMs`; `more` adds the app, status, users or change. */
export function adminEntry(by: ChangeBy, atMs: number, tenantKey: string, more: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at_ms: atMs,
    tenant_key: tenantKey,
    actor: "admin",
    op: by.op,
    ...(by.log_id === undefined ? {} : { log_id: by.log_id }),
    ...more,
  };
}

/** What `GET /admin/v1/audit` filters on; every field optional. */
export interface AuditFilter {
  tenant_key?: string;
  user_id?: string;
  system_status_id?: string;
  app_id?: string;
  op?: string;
  actor?: AuditActor;
  /** Entries at or after (Unix ms). */
  since_ms?: number;
  /** Entries at or before (Unix ms). */
  until_ms?: number;
}

/** The position of an entry in the log's order (newest first: at_ms, then id, both descending). */
export interface AuditKey {
  at_ms: number;
  id: number;
}

/**
 * A page of the log. `next` is where the next page starts (exclusive) when there may be more: after
 * the last entry of a full page, or, when a filter the store cannot look up by index (any but the
 * time bounds) made it examine its budget of entries first, after the last entry it examined (so a page
 * may hold fewer than `limit` entries and still have a next one).
 */
export interface AuditPage {
  entries: AuditRecord[];
  next?: AuditKey;
}

/** The longest a pruning pass holds SQLite's single writer: this many entries per transaction. */
export const PRUNE_BATCH = 500;
/** How often the pruner looks for entries older than the retention. */
export const PRUNE_EVERY_MS = 60_000;

/** Reads and prunes the audit log. */
export class AuditLog {
  private readonly store: Store;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Immediate | undefined;
  /** Set by stopPruning: a pass in progress stops after its current batch. */
  private halted = false;
  private running: Promise<number> | undefined;

  constructor(deps: { store: Store; clock: Clock }) {
    this.store = deps.store;
    this.clock = deps.clock;
  }

  /** Entries newest first, after `after` when given: at most `limit`. */
  list(filter: AuditFilter, limit: number, after?: AuditKey): Promise<AuditPage> {
    return this.store.listAudit(filter, limit, after);
  }

  /**
   * Deletes every entry older than `retentionMs` before now, PRUNE_BATCH at a time, each batch its
   * own transaction (a short one), yielding to other work between batches. Returns how many went.
   */
  async prune(retentionMs: number): Promise<number> {
    this.running ??= (async () => {
      const before = this.clock.now() - retentionMs;
      let total = 0;
      for (;;) {
        const n = await this.store.pruneAudit(before, PRUNE_BATCH);
        total += n;
        if (n < PRUNE_BATCH || this.halted) return total;
        // Let requests that queued behind this batch run before the next one.
        await new Promise((r) => setImmediate(r));
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Prunes now and then every `everyMs` in the background (off the hot path: a timer that does not
   * keep the process alive). A failed pass is reported to `onError` and retried on the next tick.
   */
  startPruning(retentionMs: number, onError: (e: unknown) => void, everyMs = PRUNE_EVERY_MS): void {
    this.stopTimers();
    this.halted = false;
    const tick = () => {
      this.prune(retentionMs).catch(onError);
    };
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
    this.first = setImmediate(tick);
  }

  /** Stops pruning and waits for a pass in progress. */
  async stopPruning(): Promise<void> {
    this.halted = true;
    this.stopTimers();
    await this.running?.catch(() => undefined);
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearImmediate(this.first);
    this.timer = undefined;
    this.first = undefined;
  }
}
