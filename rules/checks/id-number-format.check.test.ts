import { describe, expect, it } from 'vitest';
import { idNumberFormat } from './id-number-format.check.ts';
import { contextFor, residentId, runCheck, type CustomerInput } from './test-support.ts';

// GB 11643's example: a woman born 1949-12-31 in Beijing.
const EXAMPLE: CustomerInput = { kind: 'person', name: '示例', gender: 'F', birthDate: '1949-12-31', idNumber: '11010519491231002X' };
const LEGACY: CustomerInput = { ...EXAMPLE, idNumber: '110105491231002' };

describe('id-number-format', () => {
  it('passes the standard example, lowercase x included', () => {
    expect(runCheck(idNumberFormat, contextFor(EXAMPLE))).toEqual([]);
    expect(runCheck(idNumberFormat, contextFor({ ...EXAMPLE, idNumber: '11010519491231002x' }))).toEqual([]);
  });

  it('reports the failure reason on the ID field', () => {
    const cases: [string, string][] = [
      ['110105194912310021', 'check-character'],
      [residentId('00010519491231002'), 'bad-region'],
      [residentId('99010519491231002'), 'bad-region'],
      [residentId('11010519490230002'), 'bad-birth-date'],
      [residentId('11010520260602002'), 'future-birth-date'],
      ['11010519491231002', 'bad-length'],
      ['11010519491231002X1', 'bad-length'],
      ['1101051949123100AX', 'bad-character'],
    ];
    for (const [idNumber, reason] of cases) {
      expect(runCheck(idNumberFormat, contextFor({ ...EXAMPLE, idNumber }))).toEqual([{ field: 'customer.idNumber', reason }]);
    }
  });

  it('does not fail a 15-digit legacy number', () => {
    expect(runCheck(idNumberFormat, contextFor(LEGACY))).toEqual([]);
  });

  it('applies only to persons with a resident ID', () => {
    const bad = '110105194912310021';
    expect(runCheck(idNumberFormat, contextFor({ ...EXAMPLE, idNumber: bad, idType: 'CN_RESIDENT_ID' }))).toHaveLength(1);
    expect(runCheck(idNumberFormat, contextFor({ ...EXAMPLE, idNumber: 'E12345678', idType: 'PASSPORT' }))).toEqual([]);
    expect(runCheck(idNumberFormat, contextFor({ kind: 'organization', idNumber: bad }))).toEqual([]);
    expect(runCheck(idNumberFormat, contextFor({ ...EXAMPLE, idNumber: ' ' }))).toEqual([]);
    expect(runCheck(idNumberFormat, contextFor({ kind: 'person' }))).toEqual([]);
  });
});
