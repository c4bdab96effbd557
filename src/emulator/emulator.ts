/**
 * The emulator controls (`--emulator on`): what a test suite drives besides the vendor API. One
 * object per server, handed to the admin API (src/admin/emulator/); absent when the controls are off.
 */
import type { SnapshotInfo, Store } from "../storage/store.js";
import type { EmulatorClock } from "./clock.js";

/** Where snapshots are kept: the store (both drivers). */
export type SnapshotStore = Pick<Store, "saveSnapshot" | "listSnapshots" | "restoreSnapshot" | "deleteSnapshot">;

/** What a snapshot's name may be: 1 to 64 of letters, digits, `.`, `_` and `-`. */
export const SNAPSHOT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * [ours] The start-up state, which reset restores: kept as a snapshot under a name no user's
 * snapshot can have (`@` is outside SNAPSHOT_NAME), so lists never show it and no call can
 * restore, delete or overwrite it.
 */
export const BASELINE = "@baseline";

/** What a reset or a restore answers. */
export interface RestoreResult {
  /** How long it took, ms (a duration, not the clock). */
  took_ms: number;
  /** Rows of the state after it, over every table. */
  rows: number;
}

export interface EmulatorDeps {
  /** The server's one injected clock. */
  clock: EmulatorClock;
  /**
   * Whether other instances may share the store (PostgreSQL): the clock is then re-read before
   * every call, so a change made through one instance is seen by all on their next call.
   */
  shared: boolean;
  /** Where the baseline and the named snapshots are kept (the server's store). */
  snapshots: SnapshotStore;
}

export class Emulator {
  readonly clock: EmulatorClock;
  readonly shared: boolean;
  private readonly snapshots: SnapshotStore;
  private readonly resetHooks: Array<() => void | Promise<void>> = [];

  constructor(deps: EmulatorDeps) {
    this.clock = deps.clock;
    this.shared = deps.shared;
    this.snapshots = deps.snapshots;
  }

  /** Registers what a reset also clears (the journal, the faults): called in order, after the state is back. */
  onReset(fn: () => void | Promise<void>): void {
    this.resetHooks.push(fn);
  }

  /**
   * Keeps the whole state as it is now as the baseline a reset restores: called once the start-up
   * seeds are loaded (startServer; makeApp in tests). [ours] On a database that held data before
   * this start, the baseline is what it held once the seeds had run.
   */
  async captureBaseline(): Promise<void> {
    await this.snapshots.saveSnapshot(BASELINE, this.clock.now());
  }

  /**
   * Everything back to the baseline, in one transaction: every table's rows as they were after the
   * seeds, no token, no named snapshot; then the clock back to the wall clock and the reset hooks.
   */
  async reset(): Promise<RestoreResult> {
    const started = performance.now();
    const rows = await this.snapshots.restoreSnapshot(BASELINE, { reset: true });
    if (rows === undefined) throw new Error("no baseline to reset to: captureBaseline() was not called after the seeds");
    await this.clock.reset();
    for (const fn of this.resetHooks) await fn();
    return { took_ms: elapsed(started), rows };
  }

  /** Saves the whole state under `name` (SNAPSHOT_NAME), replacing a snapshot of that name. */
  async saveSnapshot(name: string): Promise<SnapshotInfo> {
    if (!SNAPSHOT_NAME.test(name)) throw new RangeError(`not a snapshot name: ${JSON.stringify(name)}`);
    return this.snapshots.saveSnapshot(name, this.clock.now());
  }

  /** The named snapshots, by name (not the baseline). */
  async listSnapshots(): Promise<SnapshotInfo[]> {
    return (await this.snapshots.listSnapshots()).filter((s) => SNAPSHOT_NAME.test(s.name));
  }

  /** The state back to snapshot `name`, exactly; undefined (nothing changed) when there is none. */
  async restoreSnapshot(name: string): Promise<RestoreResult | undefined> {
    if (!SNAPSHOT_NAME.test(name)) return undefined;
    const started = performance.now();
    const rows = await this.snapshots.restoreSnapshot(name);
    return rows === undefined ? undefined : { took_ms: elapsed(started), rows };
  }

  /** False when there is no snapshot `name`. */
  async deleteSnapshot(name: string): Promise<boolean> {
    return SNAPSHOT_NAME.test(name) && this.snapshots.deleteSnapshot(name);
  }

  /** Before serving any call: catch up with what other instances changed (the shared clock). */
  async beforeCall(): Promise<void> {
    if (this.shared) await this.clock.refresh();
  }
}

/** ms since `started` (performance.now()), to 0.01 ms. */
function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
