import { describe, expect, it } from 'vitest';
import { landlineFormat } from './landline-format.check.ts';
import { contextFor, runCheck } from './test-support.ts';

describe('landline-format', () => {
  it('passes well-formed numbers with extensions', () => {
    for (const landline of ['010-62345678', '(0755)86013388转123', '+86 21 5123 4567']) {
      expect(runCheck(landlineFormat, contextFor({ kind: 'organization', landline }))).toEqual([]);
    }
  });

  it('reports malformed numbers', () => {
    expect(runCheck(landlineFormat, contextFor({ kind: 'person', landline: '62345678' }))).toEqual([
      { field: 'customer.landline', reason: 'missing-area-code' },
    ]);
    expect(runCheck(landlineFormat, contextFor({ kind: 'person', landline: '010-12345678' }))).toEqual([
      { field: 'customer.landline', reason: 'bad-local-number' },
    ]);
  });

  it('takes the local length range from params', () => {
    const context = contextFor({ kind: 'person', landline: '0931-812345' });
    expect(runCheck(landlineFormat, context)).toEqual([{ field: 'customer.landline', reason: 'bad-length' }]);
    expect(runCheck(landlineFormat, context, { minLocalLength: 6 })).toEqual([]);
    expect(landlineFormat.params.safeParse({ minLocalLength: 8, maxLocalLength: 7 }).success).toBe(false);
  });
});
