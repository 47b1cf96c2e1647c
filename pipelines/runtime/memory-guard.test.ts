import { describe, expect, it } from 'vitest';
import { MemoryGuard } from './memory-guard.ts';

const MB = 1_048_576;

describe('MemoryGuard', () => {
  it('stops the run once the heap stays near its limit for two checks, saying how full it is', () => {
    const readings = [500, 950, 500, 950, 960];
    const guard = new MemoryGuard({ heap: () => ({ used_heap_size: readings.shift()! * MB, heap_size_limit: 1000 * MB }) });
    guard.check(); // 50 %
    guard.check(); // 95 %, once: may be garbage
    guard.check(); // back to 50 %: the count starts again
    guard.check(); // 95 %
    expect(() => guard.check()).toThrow(
      expect.objectContaining({ code: 'MEMORY_EXHAUSTED', message: expect.stringMatching(/^memory nearly exhausted: the heap holds 960 MB of its 1000 MB limit; stopping/) }),
    );
  });

  it('reads the real heap by default without stopping a healthy process', () => {
    expect(() => new MemoryGuard().check()).not.toThrow();
  });
});
