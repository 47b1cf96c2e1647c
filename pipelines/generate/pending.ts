// Events planned ahead of their time, waiting to be written in time order. A customer's whole
// history is planned when it is created; a min-heap releases each event when the stream's clock
// reaches it, so the file is globally time-ordered without holding the whole stream in memory.
import type { RuleId, Source } from './model.ts';

export interface PendingEvent {
  /** Epoch milliseconds of occurredAt. */
  readonly time: number;
  /** Tie-breaker: planning order, so equal times keep a customer's events in sequence. */
  readonly order: number;
  readonly schema: 'customer-change/v1' | 'agent-change/v1';
  readonly source: Source;
  /** The event's JSON after its eventId, starting with a comma: the id is assigned on release. */
  readonly tail: string;
  /** Rules its after-image trips (any severity), recorded in the truth under its eventId. */
  readonly rules?: readonly RuleId[];
}

export class PendingQueue {
  readonly #heap: PendingEvent[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(event: PendingEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as PendingEvent, heap[parent] as PendingEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as PendingEvent, heap[i] as PendingEvent];
      i = parent;
    }
  }

  peek(): PendingEvent | undefined {
    return this.#heap[0];
  }

  pop(): PendingEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left] as PendingEvent, heap[smallest] as PendingEvent)) smallest = left;
        if (right < heap.length && before(heap[right] as PendingEvent, heap[smallest] as PendingEvent)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as PendingEvent, heap[i] as PendingEvent];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: PendingEvent, b: PendingEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}
