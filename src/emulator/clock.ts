/**
 * The emulator's clock: the one injected clock of the server when the emulator controls are on.
 * It reads the wall clock plus an offset, or a frozen instant, and moves only forward (Stripe's test
 * clocks, for one whole server). Its state lives in the store, so it survives a restart with the
 * data written under it, and several instances on one PostgreSQL share it: each refreshes it before
 * serving a call (`refresh`), so an advance through one is seen by the others on their next call.
 */
import type { Clock } from "../domain/clock.js";

/** The clock's state as the store keeps it. */
export interface ClockState {
  /** Added to the wall clock while running. */
  offset_ms: number;
  /** The instant it shows while frozen; null while running. */
  frozen_at_ms: number | null;
}

/** What `GET /admin/v1/emulator/clock` answers. */
export interface ClockView {
  now_ms: number;
  /** now_ms as ISO 8601 (UTC). */
  now_at: string;
  frozen: boolean;
  /** How far the clock is ahead of the wall clock (ms). */
  offset_ms: number;
}

/** What a change asks: one of these. */
export type ClockChange = { advance_ms: number } | { set_ms: number } | { frozen: boolean };

/** Where the state is kept: the store (both drivers), one row, changed under its own lock. */
export interface ClockStateStore {
  readClockState(): Promise<ClockState | undefined>;
  /**
   * Replaces the state with what `change` makes of the current one (the default when none is
   * stored), atomically with respect to other instances; `change` throws to refuse.
   */
  updateClockState(change: (current: ClockState) => ClockState): Promise<ClockState>;
}

/** The key of the clock's state in the store's `meta` table (both drivers). */
export const CLOCK_KEY = "emulator_clock";

export const WALL_TIME: ClockState = Object.freeze({ offset_ms: 0, frozen_at_ms: null });

/** Refused: the change would move time backwards. */
export class ClockBackwards extends Error {
  constructor(
    readonly nowMs: number,
    readonly askedMs: number,
  ) {
    super(`the clock only moves forward: it is ${new Date(nowMs).toISOString()}, ${askedMs} is earlier`);
    this.name = "ClockBackwards";
  }
}

/** The time `state` shows when the wall clock reads `wallMs`. */
export function timeOf(state: ClockState, wallMs: number): number {
  return state.frozen_at_ms ?? wallMs + state.offset_ms;
}

/** What `change` makes of `state` at wall time `wallMs`; throws ClockBackwards for a move back. */
export function applyClockChange(state: ClockState, change: ClockChange, wallMs: number): ClockState {
  const now = timeOf(state, wallMs);
  if ("advance_ms" in change) {
    return state.frozen_at_ms === null
      ? { offset_ms: state.offset_ms + change.advance_ms, frozen_at_ms: null }
      : { offset_ms: state.offset_ms, frozen_at_ms: state.frozen_at_ms + change.advance_ms };
  }
  if ("set_ms" in change) {
    if (change.set_ms < now) throw new ClockBackwards(now, change.set_ms);
    return state.frozen_at_ms === null
      ? { offset_ms: change.set_ms - wallMs, frozen_at_ms: null }
      : { offset_ms: state.offset_ms, frozen_at_ms: change.set_ms };
  }
  if (change.frozen) return state.frozen_at_ms === null ? { offset_ms: state.offset_ms, frozen_at_ms: now } : state;
  // Unfrozen, time runs on from the frozen instant (no jump).
  return state.frozen_at_ms === null ? state : { offset_ms: state.frozen_at_ms - wallMs, frozen_at_ms: null };
}

export class EmulatorClock implements Clock {
  private state: ClockState = WALL_TIME;

  constructor(
    private readonly wall: Clock,
    private readonly store: ClockStateStore,
  ) {}

  now(): number {
    return timeOf(this.state, this.wall.now());
  }

  view(): ClockView {
    // One reading of the wall clock: now and the offset from it must agree to the millisecond.
    const wall = this.wall.now();
    const now = timeOf(this.state, wall);
    return {
      now_ms: now,
      now_at: new Date(now).toISOString(),
      frozen: this.state.frozen_at_ms !== null,
      offset_ms: now - wall,
    };
  }

  /** Reads the shared state (another instance may have moved it). */
  async refresh(): Promise<void> {
    this.state = (await this.store.readClockState()) ?? WALL_TIME;
  }

  /** Applies `change` to the shared state (throws ClockBackwards for a move back). */
  async change(change: ClockChange): Promise<ClockView> {
    this.state = await this.store.updateClockState((current) => applyClockChange(current, change, this.wall.now()));
    return this.view();
  }

  /** Back to the wall clock (reset: the one move backwards there is). */
  async reset(): Promise<void> {
    this.state = await this.store.updateClockState(() => WALL_TIME);
  }
}
