import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunStats } from './run-stats.ts';

describe('RunStats distinct customers per rule', () => {
  it('counts exactly up to the limit, then reports the rule as capped and stops growing', () => {
    const stats = new RunStats(['r'], 3);
    for (const t of ['a', 'b', 'a', 'c']) stats.noteFinding('r', t);
    expect(stats.customersByRule()).toEqual({ r: 3 });
    expect(stats.cappedRules()).toEqual([]);
    stats.noteFinding('r', 'b'); // one already counted: still exact
    expect(stats.cappedRules()).toEqual([]);
    stats.noteFinding('r', 'd');
    expect(stats.customersByRule()).toEqual({ r: 3 });
    expect(stats.cappedRules()).toEqual(['r']);
    expect(stats.findings).toBe(6);
  });

  it('is exact below the limit and a lower bound at it, for any findings', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('r1', 'r2'), fc.string({ maxLength: 3 })), { maxLength: 200 }), fc.integer({ min: 0, max: 20 }), (findings, limit) => {
        const stats = new RunStats(['r1', 'r2'], limit);
        for (const [rule, token] of findings) stats.noteFinding(rule, token);
        const counts = stats.customersByRule();
        for (const rule of ['r1', 'r2']) {
          const distinct = new Set(findings.filter(([r]) => r === rule).map(([, t]) => t)).size;
          if (distinct <= limit) {
            expect(counts[rule]).toBe(distinct);
            expect(stats.cappedRules()).not.toContain(rule);
          } else {
            expect(counts[rule]).toBe(limit);
            expect(stats.cappedRules()).toContain(rule);
          }
        }
        expect(stats.findings).toBe(findings.length);
      }),
    );
  });
});
