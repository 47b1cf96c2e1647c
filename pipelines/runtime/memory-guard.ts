// Running out of memory is not about one event, so it must stop the run like any other failure of
// the run: exit 1 with a line saying why, nothing committed past the last durable batch. V8 gives a
// program no chance once its heap limit is reached (it aborts the process), so the pipeline looks
// before each batch and stops while it still can.
import { getHeapStatistics } from 'node:v8';
import { VerityError } from '../errors.ts';

export interface HeapStatistics {
  readonly used_heap_size: number;
  readonly heap_size_limit: number;
}

export interface MemoryGuardOptions {
  /** Share of the heap limit in use at which the run stops (default 0.92). */
  readonly stopAt?: number;
  /** Consecutive checks above it before stopping (default 2): one may still hold garbage a collection would free. */
  readonly checks?: number;
  readonly heap?: () => HeapStatistics;
}

export class MemoryGuard {
  readonly #stopAt: number;
  readonly #checks: number;
  readonly #heap: () => HeapStatistics;
  #above = 0;

  constructor(options: MemoryGuardOptions = {}) {
    this.#stopAt = options.stopAt ?? 0.92;
    this.#checks = options.checks ?? 2;
    this.#heap = options.heap ?? getHeapStatistics;
  }

  /** Throws MEMORY_EXHAUSTED when the heap has stayed near its limit; call it between batches. */
  check(): void {
    const { used_heap_size: used, heap_size_limit: limit } = this.#heap();
    if (used < this.#stopAt * limit) {
      this.#above = 0;
      return;
    }
    this.#above += 1;
    if (this.#above < this.#checks) return;
    const mb = (bytes: number) => Math.round(bytes / 1_048_576);
    throw new VerityError(
      'MEMORY_EXHAUSTED',
      `memory nearly exhausted: the heap holds ${mb(used)} MB of its ${mb(limit)} MB limit; stopping before the process is killed, with nothing committed past the last durable batch. Lower --batch-size or --partitions-concurrency, or give node more (--max-old-space-size)`,
    );
  }
}
