// The benches' preload, in a real child process: at exit it writes the peak RSS, the CPU time and
// the main heap in use (and committed) after each full collection. The child keeps about 64 MB
// reachable through two forced full collections, then lets it go and forces a third: the heap
// figures must show both.
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

describe('usage-at-exit preload', () => {
  it('writes peak RSS, CPU time and the heap after each full collection', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verity-usage-')), 'usage.json');
    const result = spawnSync(process.execPath, ['--expose-gc', '--import', PRELOAD, '--input-type=module', '-e', CHILD], {
      encoding: 'utf8',
      env: { ...process.env, VERITY_BENCH_USAGE_FILE: file },
    });
    expect(result.status, result.stderr).toBe(0);
    const usage = JSON.parse(readFileSync(file, 'utf8')) as UsageAtExit;
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
  });
});
