import { describe, expect, it } from 'vitest';
import { premiumPayerMismatch } from './premium-payer-mismatch.check.ts';
import { contextFor, policy, runCheck, type CustomerInput } from './test-support.ts';

describe('premium-payer-mismatch', () => {
  const holder: CustomerInput = { kind: 'person', name: '张伟' };
  const paidBy = (holderName: string | undefined, approved = false) =>
    policy('policyholder', { premiumAccount: { number: '6217000000000000', approved, ...(holderName === undefined ? {} : { holderName }) } });

  it('passes when the policyholder pays', () => {
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: paidBy('张\u3000伟') }))).toEqual([]);
  });

  it('reports a premium paid from another person’s account', () => {
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: paidBy('李娜') }))).toEqual([
      { field: 'policy.premiumAccount.holderName', reason: 'payer-not-policyholder' },
    ]);
  });

  it('accepts an approved third-party payer', () => {
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: paidBy('李娜', true) }))).toEqual([]);
  });

  it('is not evaluated for other roles or missing names', () => {
    const insured = policy('insured', { premiumAccount: { number: '6217000000000000', holderName: '李娜' } });
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: insured }))).toEqual([]);
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: paidBy(undefined) }))).toEqual([]);
    expect(runCheck(premiumPayerMismatch, contextFor({ kind: 'person' }, { policy: paidBy('李娜') }))).toEqual([]);
    expect(runCheck(premiumPayerMismatch, contextFor(holder, { policy: policy('policyholder') }))).toEqual([]);
    expect(runCheck(premiumPayerMismatch, contextFor(holder))).toEqual([]);
  });
});
