import { describe, expect, it } from 'vitest';
import { idGenderMismatch } from './id-gender-mismatch.check.ts';
import { contextFor, residentId, runCheck, type CustomerInput } from './test-support.ts';

// GB 11643's example: a woman born 1949-12-31 in Beijing.
const EXAMPLE: CustomerInput = { kind: 'person', name: '示例', gender: 'F', birthDate: '1949-12-31', idNumber: '11010519491231002X' };
const LEGACY: CustomerInput = { ...EXAMPLE, idNumber: '110105491231002' };

describe('id-gender-mismatch', () => {
  it('compares the sequence parity with the recorded gender', () => {
    expect(runCheck(idGenderMismatch, contextFor(EXAMPLE))).toEqual([]);
    expect(runCheck(idGenderMismatch, contextFor({ ...EXAMPLE, gender: 'M' }))).toEqual([{ field: 'customer.gender', reason: 'gender-mismatch' }]);
    const male = residentId('11010519491231001');
    expect(runCheck(idGenderMismatch, contextFor({ ...EXAMPLE, idNumber: male, gender: 'M' }))).toEqual([]);
  });

  it('reads the 15th digit of a legacy number', () => {
    expect(runCheck(idGenderMismatch, contextFor(LEGACY))).toEqual([]);
    expect(runCheck(idGenderMismatch, contextFor({ ...LEGACY, gender: 'M' }))).toHaveLength(1);
    expect(runCheck(idGenderMismatch, contextFor({ ...LEGACY, idNumber: '110105491231001', gender: 'M' }))).toEqual([]);
  });

  it('stays silent without a gender or a well-formed number', () => {
    const { gender: _, ...noGender } = EXAMPLE;
    expect(runCheck(idGenderMismatch, contextFor(noGender))).toEqual([]);
    expect(runCheck(idGenderMismatch, contextFor({ ...EXAMPLE, gender: 'M', idNumber: '110105194912310021' }))).toEqual([]);
    expect(runCheck(idGenderMismatch, contextFor({ ...LEGACY, gender: 'M', idNumber: '990105491231002' }))).toEqual([]);
  });
});
