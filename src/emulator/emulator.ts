/**
 * The emulator controls (`--emulator on`): what a test suite drives besides the vendor API. One
 * object per server, handed to the admin API (src/admin/emulator/); absent when the controls are off.
 */
import type { EmulatorClock } from "./clock.js";
import type { Faults } from "./faults.js";
import type { Journal } from "./journal.js";

export interface EmulatorDeps {
  /** The server's one injected clock. */
  clock: EmulatorClock;
  /**
   * Whether other instances may share the store (PostgreSQL): the clock is then re-read before
   * every call, so a change made through one instance is seen by all on their next call.
   */
  shared: boolean;
  /** The last requests to /open-apis (this instance's; `--journal-size`). */
  journal: Journal;
  /** The fault rules (this instance's). */
  faults: Faults;
}

export class Emulator {
  readonly clock: EmulatorClock;
  readonly shared: boolean;
  readonly journal: Journal;
  readonly faults: Faults;

  constructor(deps: EmulatorDeps) {
    this.clock = deps.clock;
    this.shared = deps.shared;
    this.journal = deps.journal;
    this.faults = deps.faults;
  }

  /** Before serving any call: catch up with what other instances changed (the shared clock). */
  async beforeCall(): Promise<void> {
    if (this.shared) await this.clock.refresh();
  }
}
