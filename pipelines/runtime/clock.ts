// Wall-clock time and a repeating timer behind one small interface, so that what runs on the wall
// clock (the SLA clock) can be driven in tests through fixed instants and explicit ticks instead of
// today's date and real waiting.

export interface Clock {
  /** The current instant, ISO 8601 in UTC. */
  now(): string;
  /**
   * Calls `tick` every `intervalMs` until the returned function is called. The system clock does
   * not wait for a tick's promise, so a tick that must not overlap the next one guards itself; a
   * clock driven by a test may wait for it, which makes each step deterministic.
   */
  every(intervalMs: number, tick: () => void | Promise<unknown>): () => void;
}

export const systemClock: Clock = {
  now: () => new Date().toISOString(),
  every(intervalMs, tick) {
    const timer = setInterval(() => void tick(), intervalMs);
    // A periodic chore must not keep a process alive once its real work has ended.
    timer.unref();
    return () => clearInterval(timer);
  },
};
