import { describe, expect, it } from 'vitest';
import { idNumberLegacy } from './id-number-legacy.check.ts';
import { contextFor, runCheck, type CustomerInput } from './test-support.ts';

// GB 11643's example: a woman born 1949-12-31 in Beijing.
const EXAMPLE: CustomerInput = { kind: 'person', name: '示例', gender: 'F', birthDate: '1949-12-31', idNumber: '11010519491231002X' };
const LEGACY: CustomerInput = { ...EXAMPLE, idNumber: '110105491231002' };

describe('id-number-legacy', () => {
  it('reports a 15-digit number, parseable or not', () => {
    expect(runCheck(idNumberLegacy, contextFor(LEGACY))).toEqual([{ field: 'customer.idNumber', reason: 'legacy-15-digit' }]);
    expect(runCheck(idNumberLegacy, contextFor({ ...LEGACY, idNumber: '990105490230002' }))).toHaveLength(1);
  });

  it('ignores 18-character and malformed numbers', () => {
    expect(runCheck(idNumberLegacy, contextFor(EXAMPLE))).toEqual([]);
    expect(runCheck(idNumberLegacy, contextFor({ ...EXAMPLE, idNumber: '11010549123100X' }))).toEqual([]);
    expect(runCheck(idNumberLegacy, contextFor({ ...LEGACY, idType: 'OTHER' }))).toEqual([]);
  });
});
