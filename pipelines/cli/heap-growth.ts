// V8 sizes each thread's heap by itself: after a full collection it lets the heap grow to a
// multiple of what survived before it collects again, up to 4× when collections are cheap next to
// the program's own work, as they are in a run. A run keeps 60–90 MB alive on its main thread, and
// nearly all of a unit's events outlive two young collections (about 12 KB per event is promoted),
// so between full collections the main heap swelled to 200–250 MB. A fixed growth holds it near
// the survivors instead, for more full collections (README, Benchmarks: "The heap's growth fixed").
import { setFlagsFromString } from 'node:v8';

/** V8's own flag for a growth of `percent` past the survivors of the last full collection. */
export function heapGrowthFlag(percent: number): string {
  return `--heap-growing-percent=${percent}`;
}

/**
 * Fixes the heap growth of every thread of this process, those running and those yet to start:
 * V8's flags are the process's, and it reads this one at each collection, so setting it while
 * running takes effect at the next. 0 leaves V8's own choice (or node's command line) in place.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(heapGrowthFlag(percent));
}
