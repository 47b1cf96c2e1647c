import { describe, expect, it } from 'vitest';
import { mobileFormat } from './mobile-format.check.ts';
import { contextFor, runCheck } from './test-support.ts';

describe('mobile-format', () => {
  it('passes well-formed numbers in any accepted writing', () => {
    for (const mobile of ['13912345678', '+86 139 1234 5678', '86-199-1234-5678', '16612345678']) {
      expect(runCheck(mobileFormat, contextFor({ kind: 'person', mobile }))).toEqual([]);
    }
  });

  it('reports malformed numbers', () => {
    expect(runCheck(mobileFormat, contextFor({ kind: 'person', mobile: '15412345678' }))).toEqual([{ field: 'customer.mobile', reason: 'bad-prefix' }]);
    expect(runCheck(mobileFormat, contextFor({ kind: 'person', mobile: '1391234567' }))).toEqual([{ field: 'customer.mobile', reason: 'bad-length' }]);
    expect(runCheck(mobileFormat, contextFor({ kind: 'organization', mobile: '139-1234-567a' }))).toEqual([{ field: 'customer.mobile', reason: 'bad-character' }]);
  });

  it('ignores absent and blank numbers', () => {
    expect(runCheck(mobileFormat, contextFor({ kind: 'person' }))).toEqual([]);
    expect(runCheck(mobileFormat, contextFor({ kind: 'person', mobile: ' ' }))).toEqual([]);
  });

  it('takes the segment table from params', () => {
    const context = contextFor({ kind: 'person', mobile: '15412345678' });
    expect(runCheck(mobileFormat, context, { prefixes: ['154'] })).toEqual([]);
    expect(mobileFormat.params.safeParse({ prefixes: ['1541'] }).success).toBe(false);
  });
});
