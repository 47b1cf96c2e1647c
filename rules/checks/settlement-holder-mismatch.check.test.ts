import { describe, expect, it } from 'vitest';
import { settlementHolderMismatch } from './settlement-holder-mismatch.check.ts';
import { contextFor, runCheck, type CustomerInput } from './test-support.ts';

const ORGANIZATION: CustomerInput = { kind: 'organization', name: '示例烟酒商行', legalRepresentative: '李娜', licenseHolderName: '王芳' };
const account = (holderName: string | undefined, authorized = false) => ({ number: '110923456789', authorized, ...(holderName === undefined ? {} : { holderName }) });

describe('settlement-holder-mismatch', () => {
  it('passes when the holder is the licence holder, spacing aside', () => {
    expect(runCheck(settlementHolderMismatch, contextFor({ ...ORGANIZATION, settlementAccount: account('王 芳') }))).toEqual([]);
  });

  it('reports a holder other than the licence holder', () => {
    expect(runCheck(settlementHolderMismatch, contextFor({ ...ORGANIZATION, settlementAccount: account('李娜') }))).toEqual([
      { field: 'customer.settlementAccount.holderName', reason: 'holder-not-license-holder' },
    ]);
  });

  it('falls back to the legal representative', () => {
    const { licenseHolderName: _, ...noLicence } = ORGANIZATION;
    expect(runCheck(settlementHolderMismatch, contextFor({ ...noLicence, settlementAccount: account('李娜') }))).toEqual([]);
    expect(runCheck(settlementHolderMismatch, contextFor({ ...noLicence, licenseHolderName: ' ', settlementAccount: account('王芳') }))).toEqual([
      { field: 'customer.settlementAccount.holderName', reason: 'holder-not-legal-representative' },
    ]);
  });

  it('accepts an authorised holder', () => {
    expect(runCheck(settlementHolderMismatch, contextFor({ ...ORGANIZATION, settlementAccount: account('赵强', true) }))).toEqual([]);
  });

  it('is not evaluated without a holder or anyone to compare with', () => {
    expect(runCheck(settlementHolderMismatch, contextFor({ ...ORGANIZATION, settlementAccount: account(undefined) }))).toEqual([]);
    expect(runCheck(settlementHolderMismatch, contextFor({ ...ORGANIZATION, settlementAccount: account('') }))).toEqual([]);
    expect(runCheck(settlementHolderMismatch, contextFor({ kind: 'organization', settlementAccount: account('赵强') }))).toEqual([]);
    expect(runCheck(settlementHolderMismatch, contextFor(ORGANIZATION))).toEqual([]);
    expect(runCheck(settlementHolderMismatch, contextFor({ kind: 'person', licenseHolderName: '王芳', settlementAccount: account('赵强') }))).toEqual([]);
  });
});
