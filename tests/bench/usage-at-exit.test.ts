// The benches' preload, in a real child process: at exit it writes the peak RSS, the CPU time and
// the main heap in use (and committed) after each full collection. The child keeps about 64 MB
// reachable through two forced full collections, then lets it go and forces a third: the heap
// figures must show both. A worker thread does the same with 32 MB: its figures come back to the
// main thread over the preload's channel, under the worker's thread id.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageAtExit } from './usage-at-exit.ts';

const PRELOAD = join(import.meta.dirname, 'usage-at-exit.ts');

const CHILD = `
const tick = () => new Promise((resolve) => setTimeout(resolve, 50));
let kept = Array.from({ length: 8 }, (_, k) => Array.from({ length: 1 << 20 }, (_, i) => i + k + 0.5));
globalThis.gc(); await tick();
globalThis.gc(); await tick();
kept = null;
globalThis.gc(); await tick();
`;

const CHILD_WITH_WORKER = `
import { Worker } from 'node:worker_threads';
const worker = new Worker(\`
  const tick = () => new Promise((resolve) => setTimeout(resolve, 50));
  let kept = Array.from({ length: 4 }, (_, k) => Array.from({ length: 1 << 20 }, (_, i) => i + k + 0.5));
  globalThis.gc(); await tick();
  kept = null;
  globalThis.gc(); await tick();
\`, { eval: true });
await new Promise((resolve) => worker.on('exit', resolve));
// The worker's last message may still be on its way.
await new Promise((resolve) => setTimeout(resolve, 200));
`;

function runWithPreload(child: string): UsageAtExit {
  const file = join(mkdtempSync(join(tmpdir(), 'verity-usage-')), 'usage.json');
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', PRELOAD, '--input-type=module', '-e', child], {
    encoding: 'utf8',
    env: { ...process.env, VERITY_BENCH_USAGE_FILE: file },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as UsageAtExit;
}

describe('usage-at-exit preload', () => {
  it('writes peak RSS, CPU time and the heap after each full collection', () => {
    const usage = runWithPreload(CHILD);
    expect(usage.peakRssMb).toBeGreaterThan(64);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    const heap = usage.heapAfterFullGc;
    expect(heap.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < heap.length; i += 1) expect(heap[i]!.seconds).toBeGreaterThanOrEqual(heap[i - 1]!.seconds);
    for (const h of heap) expect(h.committedMb).toBeGreaterThanOrEqual(h.usedMb);
    // Eight arrays of 2^20 doubles: 64 MB in the heap itself, through two collections, then gone.
    const [first, second, last] = [heap.at(-3)!, heap.at(-2)!, heap.at(-1)!];
    expect(first.usedMb).toBeGreaterThan(64);
    expect(second.usedMb).toBeGreaterThan(64);
    expect(last.usedMb).toBeLessThan(first.usedMb - 56);
    expect(usage.workerHeapAfterFullGc).toEqual({});
  });

  it("records a worker thread's heap after its full collections, apart from the main thread's", () => {
    const usage = runWithPreload(CHILD_WITH_WORKER);
    const threads = Object.entries(usage.workerHeapAfterFullGc);
    expect(threads).toHaveLength(1);
    const [threadId, heap] = threads[0]!;
    expect(Number(threadId)).toBeGreaterThan(0);
    expect(heap.length).toBeGreaterThanOrEqual(2);
    for (const h of heap) expect(h.committedMb).toBeGreaterThanOrEqual(h.usedMb);
    // On the process's clock, not the worker's: after the main thread's start, before its exit.
    for (const h of heap) expect(h.seconds).toBeGreaterThan(0);
    // Four arrays of 2^20 doubles: 32 MB in the worker's heap through one collection, then gone.
    const [kept, dropped] = [heap.at(-2)!, heap.at(-1)!];
    expect(kept.usedMb).toBeGreaterThan(32);
    expect(dropped.usedMb).toBeLessThan(kept.usedMb - 28);
    // The main thread's own figures do not carry the worker's 32 MB.
    for (const h of usage.heapAfterFullGc) expect(h.usedMb).toBeLessThan(32);
  });
});
