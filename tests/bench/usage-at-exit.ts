// Preloaded into a measured child (`node --import tests/bench/usage-at-exit.ts …`): when the
// process exits, it writes its peak resident set size and CPU time, as one JSON object, to the
// file named by VERITY_BENCH_USAGE_FILE. The measured program itself stays untouched (e.g. the
// real `verity run`).
//
// It also records the main thread's V8 heap in use right after each full (mark-compact) collection:
// what the heap really holds, without the garbage between collections that RSS samples catch at
// random. The long run reports its growth beside the RSS's (long-run.ts), which tells a leak from a
// heap that V8 lets swell.
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

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
}

const file = process.env['VERITY_BENCH_USAGE_FILE'];
// Workers get the preload too (it is in their execArgv); the process's figures are the main thread's to write.
if (file && isMainThread) {
  const heap: HeapAfterFullGc[] = [];
  // Entries arrive in batches after the collections; the heap is read once per batch, after its
  // last full collection (the young-generation ones in between are small).
  const observer = new PerformanceObserver((list) => {
    // A gc entry carries its kind in `detail`, which the type of a generic entry does not declare.
    const full = list.getEntries().filter((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    const last = full.at(-1);
    if (!last) return;
    const stats = getHeapStatistics();
    heap.push({ seconds: (last.startTime + last.duration) / 1000, usedMb: stats.used_heap_size / 1024 / 1024, committedMb: stats.total_heap_size / 1024 / 1024 });
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    observer.disconnect();
    const usage = process.resourceUsage();
    // maxRSS is in kilobytes on Linux; CPU times in microseconds.
    const result: UsageAtExit = { peakRssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, heapAfterFullGc: heap };
    writeFileSync(file, `${JSON.stringify(result)}\n`);
  });
}
