// Write units: the batches waiting for the state store go through one transaction and one
// analytics write together (quality-pipeline.ts `handle`). What makes a unit, apart from the I/O.
import { stableId } from '../contract/ids.ts';
import type { SourceBatch } from './source.ts';

/**
 * Takes from the head of `queue` the batches that go together next: in order, up to `budget`
 * messages, and at least one (a batch larger than the budget is a unit alone).
 */
export function takeUnit<T extends { readonly batch: SourceBatch }>(queue: T[], budget: number): T[] {
  const members = [queue.shift()!];
  let messages = members[0]!.batch.messages.length;
  while (queue.length > 0 && messages + queue[0]!.batch.messages.length <= budget) {
    const next = queue.shift()!;
    messages += next.batch.messages.length;
    members.push(next);
  }
  return members;
}

/**
 * A unit's id, its analytics inserts' deduplication token: a batch alone keeps its own (so a
 * unit of one writes exactly as a batch did); several get one derived from theirs, the same for
 * the same batches and different for any other set.
 */
export function unitId(batches: readonly Pick<SourceBatch, 'id'>[]): string {
  return batches.length === 1 ? batches[0]!.id : `unit:${stableId(...batches.map((b) => b.id))}`;
}

/**
 * A signal aborted (with the last one's reason) once all of `signals` are; none when one of them
 * can never abort. `release` takes its listeners off the others (a Kafka membership's signal
 * lives for many units). Batches of one membership share its signal: it is then that signal.
 */
export function allAborted(signals: readonly (AbortSignal | undefined)[]): { signal?: AbortSignal; release: () => void } {
  const none = () => undefined;
  if (signals.some((s) => s === undefined)) return { release: none };
  const distinct = [...new Set(signals as readonly AbortSignal[])];
  if (distinct.length === 1) return { signal: distinct[0]!, release: none };
  const all = new AbortController();
  const listeners = distinct.map((s) => {
    const listener = () => {
      if (!all.signal.aborted && distinct.every((d) => d.aborted)) all.abort(s.reason);
    };
    s.addEventListener('abort', listener, { once: true });
    return () => s.removeEventListener('abort', listener);
  });
  if (distinct.every((d) => d.aborted)) all.abort(distinct.at(-1)!.reason);
  return { signal: all.signal, release: () => listeners.forEach((remove) => remove()) };
}

