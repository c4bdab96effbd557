/** The one source of time for the whole server. Injected everywhere; never call Date.now() elsewhere. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told: tests use it to pin "now", and the emulator (later) to move
 * time forward to exercise expiry, like Stripe's test clocks.
 */
export class ManualClock implements Clock {
  private ms: number;

  constructor(startMs: number) {
    this.ms = startMs;
  }

  now(): number {
    return this.ms;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }
}

/** Unix seconds for a millisecond timestamp. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
