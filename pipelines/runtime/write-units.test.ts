import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceBatch } from './source.ts';
import { allAborted, takeUnit, unitId } from './write-units.ts';

const queued = (id: string, size: number) => ({ batch: { id, scope: 's', tenure: 1, messages: Array.from({ length: size }, () => ({ value: Buffer.alloc(0), key: null, coordinates: { kind: 'file' as const, file: 's', line: 1 } })) } satisfies SourceBatch });

describe('takeUnit', () => {
  it('takes batches in order up to the budget, at least one, and leaves the rest queued in order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 50 }), (sizes, budget) => {
        const queue = sizes.map((n, i) => queued(`b${i}`, n));
        const units: string[][] = [];
        while (queue.length > 0) {
          const unit = takeUnit(queue, budget);
          const messages = unit.reduce((n, q) => n + q.batch.messages.length, 0);
          expect(unit.length).toBeGreaterThan(0);
          expect(unit.length === 1 || messages <= budget).toBe(true);
          // Greedy: the next batch would not have fitted.
          if (queue.length > 0) expect(messages + queue[0]!.batch.messages.length).toBeGreaterThan(budget);
          units.push(unit.map((q) => q.batch.id));
        }
        expect(units.flat()).toEqual(sizes.map((_, i) => `b${i}`));
      }),
    );
  });
});

describe('unitId', () => {
  it("keeps a lone batch's id, and derives one per set of batches otherwise", () => {
    expect(unitId([{ id: 'topic-0-10-19' }])).toBe('topic-0-10-19');
    const two = unitId([{ id: 'a' }, { id: 'b' }]);
    expect(two).toMatch(/^unit:[0-9a-f]{32}$/);
    expect(unitId([{ id: 'a' }, { id: 'b' }])).toBe(two);
    expect(unitId([{ id: 'b' }, { id: 'a' }])).not.toBe(two);
    expect(unitId([{ id: 'a' }, { id: 'b' }, { id: 'c' }])).not.toBe(two);
  });
});

describe('allAborted', () => {
  it('aborts once every signal has, with the last reason, and not before', () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const { signal, release } = allAborted([a.signal, b.signal]);
    a.abort('first');
    expect(signal!.aborted).toBe(false);
    b.abort('second');
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe('second');
    release();
  });

  it("is the shared signal itself when the batches share one (a Kafka membership's), and none when one can never abort", () => {
    const shared = new AbortController().signal;
    expect(allAborted([shared, shared]).signal).toBe(shared);
    expect(allAborted([shared, undefined]).signal).toBeUndefined();
  });

  it('after release, no longer follows the signals', () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const { signal, release } = allAborted([a.signal, b.signal]);
    release();
    a.abort();
    b.abort();
    expect(signal!.aborted).toBe(false);
  });
});
