import { describe, expect, it } from 'vitest';
import { idBirthdateMismatch } from './id-birthdate-mismatch.check.ts';
import { contextFor, runCheck, type CustomerInput } from './test-support.ts';

// GB 11643's example: a woman born 1949-12-31 in Beijing.
const EXAMPLE: CustomerInput = { kind: 'person', name: '示例', gender: 'F', birthDate: '1949-12-31', idNumber: '11010519491231002X' };
const LEGACY: CustomerInput = { ...EXAMPLE, idNumber: '110105491231002' };

describe('id-birthdate-mismatch', () => {
  it('compares digits 7–14 with the recorded birth date', () => {
    expect(runCheck(idBirthdateMismatch, contextFor(EXAMPLE))).toEqual([]);
    expect(runCheck(idBirthdateMismatch, contextFor({ ...EXAMPLE, birthDate: '1949-12-30' }))).toEqual([
      { field: 'customer.birthDate', reason: 'birth-date-mismatch' },
    ]);
  });

  it('reads 19YYMMDD from a legacy number', () => {
    expect(runCheck(idBirthdateMismatch, contextFor(LEGACY))).toEqual([]);
    expect(runCheck(idBirthdateMismatch, contextFor({ ...LEGACY, birthDate: '2049-12-31' }))).toHaveLength(1);
  });

  it('stays silent without a birth date or a well-formed number', () => {
    const { birthDate: _, ...noBirthDate } = EXAMPLE;
    expect(runCheck(idBirthdateMismatch, contextFor(noBirthDate))).toEqual([]);
    expect(runCheck(idBirthdateMismatch, contextFor({ ...EXAMPLE, birthDate: '1950-01-01', idNumber: '110105194912310021' }))).toEqual([]);
    expect(runCheck(idBirthdateMismatch, contextFor({ ...LEGACY, birthDate: '1950-01-01', idNumber: '110105490230002' }))).toEqual([]);
  });
});
