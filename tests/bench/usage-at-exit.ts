// Preloaded into a measured child (`node --import tests/bench/usage-at-exit.ts …`): when the
// process exits, it writes its peak resident set size and CPU time, as one JSON object, to the
// file named by VERITY_BENCH_USAGE_FILE. The measured program itself stays untouched (e.g. the
// real `verity run`).
//
// It also records the main thread's V8 heap in use right after each full (mark-compact) collection:
// what the heap really holds, without the garbage between collections that RSS samples catch at
// random. The long run reports its growth beside the RSS's (long-run.ts), which tells a leak from a
// heap that V8 lets swell. Each worker thread (PGlite's store thread among them) records its own
// heap the same way and sends it to the main thread over a BroadcastChannel, since the process's
// file is written once, by the main thread.
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

export interface HeapAfterFullGc {
  /** Seconds since the process started. */
  readonly seconds: number;
  readonly usedMb: number;
  /** The heap's committed size then: what V8 holds for it, garbage room included. */
  readonly committedMb: number;
}

export interface UsageAtExit {
  readonly peakRssMb: number;
  /** User + system CPU time of every thread of the process (chDB's included). */
  readonly cpuSeconds: number;
  /** The main thread's heap used after each full collection, in order. */
  readonly heapAfterFullGc: readonly HeapAfterFullGc[];
  /** The same for each worker thread that collected, by thread id (seconds since the process started). */
  readonly workerHeapAfterFullGc: Readonly<Record<string, readonly HeapAfterFullGc[]>>;
}

/** What a worker sends the main thread after its full collections: the end in epoch milliseconds. */
interface WorkerHeapMessage {
  readonly threadId: number;
  readonly endEpochMs: number;
  readonly usedMb: number;
  readonly committedMb: number;
}

const CHANNEL = 'verity-bench-usage-at-exit';

const file = process.env['VERITY_BENCH_USAGE_FILE'];

/** Calls `record` with the thread's heap right after the last full collection of each batch of gc entries. */
function observeFullCollections(record: (endMs: number, usedMb: number, committedMb: number) => void): PerformanceObserver {
  // Entries arrive in batches after the collections; the heap is read once per batch, after its
  // last full collection (the young-generation ones in between are small).
  const observer = new PerformanceObserver((list) => {
    // A gc entry carries its kind in `detail`, which the type of a generic entry does not declare.
    const full = list.getEntries().filter((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    const last = full.at(-1);
    if (!last) return;
    const stats = getHeapStatistics();
    record(last.startTime + last.duration, stats.used_heap_size / 1024 / 1024, stats.total_heap_size / 1024 / 1024);
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}

if (file && isMainThread) {
  const heap: HeapAfterFullGc[] = [];
  const workers: Record<string, HeapAfterFullGc[]> = {};
  const observer = observeFullCollections((endMs, usedMb, committedMb) => heap.push({ seconds: endMs / 1000, usedMb, committedMb }));
  const channel = new BroadcastChannel(CHANNEL);
  // Listening must not keep the process alive.
  channel.unref();
  channel.onmessage = (event) => {
    const m = (event as { readonly data: WorkerHeapMessage }).data;
    (workers[m.threadId] ??= []).push({ seconds: (m.endEpochMs - performance.timeOrigin) / 1000, usedMb: m.usedMb, committedMb: m.committedMb });
  };
  process.on('exit', () => {
    observer.disconnect();
    channel.close();
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes on Linux; CPU times in microseconds.
    const result: UsageAtExit = {
      peakRssMb: usage.maxRSS / 1024,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      heapAfterFullGc: heap,
      workerHeapAfterFullGc: workers,
    };
    writeFileSync(file, `${JSON.stringify(result)}\n`);
  });
} else if (file) {
  // Workers get the preload too (it is in their execArgv).
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  // A worker's clock starts with the worker: the main thread gets epoch times.
  observeFullCollections((endMs, usedMb, committedMb) =>
    channel.postMessage({ threadId, endEpochMs: performance.timeOrigin + endMs, usedMb, committedMb } satisfies WorkerHeapMessage),
  );
}
