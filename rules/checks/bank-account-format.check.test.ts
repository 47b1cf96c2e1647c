import { describe, expect, it } from 'vitest';
import { bankAccountFormat } from './bank-account-format.check.ts';
import { luhnCheckDigit } from '../../pipelines/cn/luhn.ts';
import { contextFor, policy, runCheck } from './test-support.ts';

/** A computed UnionPay-shaped card number (IIN 62) with a correct Luhn digit. */
const CARD_PAYLOAD = '621700123456789012';
const CARD = CARD_PAYLOAD + luhnCheckDigit(CARD_PAYLOAD);
const BAD_CARD = CARD_PAYLOAD + String((Number(luhnCheckDigit(CARD_PAYLOAD)) + 1) % 10);

describe('bank-account-format', () => {
  it('passes digit strings of 12–19 digits, spaces tolerated', () => {
    const context = contextFor({
      kind: 'person',
      bankAccounts: [{ number: CARD }, { number: CARD.replace(/(\d{4})/gu, '$1 ') }, { number: '110923456789' }],
    });
    expect(runCheck(bankAccountFormat, context)).toEqual([]);
  });

  it('reports bad characters and lengths on each account', () => {
    const context = contextFor({
      kind: 'person',
      bankAccounts: [{ number: '1109-2345-6789' }, { number: '11092345678' }, { number: '11092345678901234567' }, { number: ' ' }],
    });
    expect(runCheck(bankAccountFormat, context)).toEqual([
      { field: 'customer.bankAccounts[0].number', reason: 'bad-character' },
      { field: 'customer.bankAccounts[1].number', reason: 'too-short' },
      { field: 'customer.bankAccounts[2].number', reason: 'too-long' },
      { field: 'customer.bankAccounts[3].number', reason: 'missing' },
    ]);
  });

  it('downgrades a Luhn failure on a 62-prefixed card to low severity', () => {
    const context = contextFor({ kind: 'person', bankAccounts: [{ number: BAD_CARD }] });
    expect(runCheck(bankAccountFormat, context)).toEqual([
      { field: 'customer.bankAccounts[0].number', reason: 'card-check-digit', severity: 'low' },
    ]);
  });

  it('does not Luhn-check other accounts', () => {
    const notCard = `11${BAD_CARD.slice(2)}`;
    const shortSixtyTwo = '621234567890'; // 12 digits: too short for a card number
    const context = contextFor({ kind: 'person', bankAccounts: [{ number: notCard }, { number: shortSixtyTwo }] });
    expect(runCheck(bankAccountFormat, context)).toEqual([]);
  });

  it('checks the settlement and premium accounts', () => {
    const context = contextFor(
      { kind: 'organization', settlementAccount: { number: '12345' } },
      { policy: policy('policyholder', { premiumAccount: { number: BAD_CARD } }) },
    );
    expect(runCheck(bankAccountFormat, context)).toEqual([
      { field: 'customer.settlementAccount.number', reason: 'too-short' },
      { field: 'policy.premiumAccount.number', reason: 'card-check-digit', severity: 'low' },
    ]);
  });

  it('takes lengths, prefixes and severity from params', () => {
    const context = contextFor({ kind: 'person', bankAccounts: [{ number: BAD_CARD }, { number: '11092345678' }] });
    expect(runCheck(bankAccountFormat, context, { minLength: 10, luhnPrefixes: [] })).toEqual([]);
    expect(runCheck(bankAccountFormat, context, { minLength: 10, luhnSeverity: 'medium' })).toEqual([
      { field: 'customer.bankAccounts[0].number', reason: 'card-check-digit', severity: 'medium' },
    ]);
    expect(bankAccountFormat.params.safeParse({ luhnSeverity: 'urgent' }).success).toBe(false);
  });

  it('does nothing without accounts', () => {
    expect(runCheck(bankAccountFormat, contextFor({ kind: 'person' }))).toEqual([]);
  });
});
