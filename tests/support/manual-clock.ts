// A Clock (pipelines/runtime/clock.ts) whose time moves only when a test says so. A tick fires at
// its own instant and is waited for before the next one, so each sweep sees exactly the time it
// was scheduled for; nothing reads today's date.
import type { Clock } from '../../pipelines/runtime/clock.ts';

export class ManualClock implements Clock {
  #ms: number;
  readonly #timers = new Set<{ readonly intervalMs: number; next: number; readonly tick: () => void | Promise<unknown> }>();

  constructor(start: string) {
    this.#ms = Date.parse(start);
  }

  now(): string {
    return new Date(this.#ms).toISOString();
  }

  every(intervalMs: number, tick: () => void | Promise<unknown>): () => void {
    const timer = { intervalMs, next: this.#ms + intervalMs, tick };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  async advanceTo(instant: string): Promise<void> {
    const end = Date.parse(instant);
    for (;;) {
      const due = [...this.#timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.#ms = due.next;
      due.next += due.intervalMs;
      await due.tick();
    }
    this.#ms = end;
  }
}
