import { describe, expect, it } from 'vitest';
import { ScopeTenures } from './scope-tenures.ts';

describe('ScopeTenures', () => {
  it('loads a customer once per tenure, and hands back the customers to forget when a new tenure begins', () => {
    const tenures = new ScopeTenures();
    expect(tenures.isNew('t/0', 1)).toBe(true);
    expect(tenures.begin('t/0', 1)).toEqual([]);
    expect(tenures.isNew('t/0', 1)).toBe(false);
    expect(tenures.claimUnloaded('t/0', ['a', 'b', 'a', ''])).toEqual(['a', 'b']);
    expect(tenures.claimUnloaded('t/0', ['b', 'c'])).toEqual(['c']);
    // Another scope keeps its own customers.
    expect(tenures.claimUnloaded('t/1', ['a'])).toEqual(['a']);

    // The partition came back after a rebalance: everything cached in tenure 1 is stale.
    expect(tenures.isNew('t/0', 7)).toBe(true);
    expect(tenures.begin('t/0', 7).slice().sort()).toEqual(['a', 'b', 'c']);
    expect(tenures.claimUnloaded('t/0', ['a'])).toEqual(['a']);
    expect(tenures.claimUnloaded('t/1', ['a'])).toEqual([]);
  });
});
