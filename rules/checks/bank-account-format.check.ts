import { z } from 'zod';
import { SEVERITIES, type Check, type CheckContext, type Violation } from './types.ts';
import { isLuhnValid } from '../../pipelines/cn/luhn.ts';

/**
 * Only UnionPay card numbers (IIN 62, 16–19 digits) carry a Luhn check digit. Corporate settlement
 * accounts and deposit-book accounts are numbered by each bank's own scheme, with no check digit or
 * a private one, so a Luhn test on them would flag valid accounts. Even for 62 numbers a failure is
 * only a warning: some banks issue 62-prefixed account numbers that are not card numbers.
 */
export const bankAccountFormatParams = z
  .strictObject({
    minLength: z.number().int().min(1).max(40).default(12),
    maxLength: z.number().int().min(1).max(40).default(19),
    luhnPrefixes: z.array(z.string().regex(/^\d+$/u)).default(['62']),
    luhnMinLength: z.number().int().min(2).max(40).default(16),
    luhnMaxLength: z.number().int().min(2).max(40).default(19),
    luhnSeverity: z.enum(SEVERITIES).default('low'),
  })
  .refine((params) => params.minLength <= params.maxLength, { message: 'minLength must not exceed maxLength' });
export type BankAccountFormatParams = z.infer<typeof bankAccountFormatParams>;

interface AccountNumber {
  readonly field: string;
  readonly number: string;
}

function accountNumbers({ customer, policy }: CheckContext): AccountNumber[] {
  const found: AccountNumber[] = [];
  customer.bankAccounts?.forEach((account, index) => {
    found.push({ field: `customer.bankAccounts[${index}].number`, number: account.number });
  });
  if (customer.settlementAccount) found.push({ field: 'customer.settlementAccount.number', number: customer.settlementAccount.number });
  if (policy?.premiumAccount) found.push({ field: 'policy.premiumAccount.number', number: policy.premiumAccount.number });
  return found;
}

function checkNumber({ field, number }: AccountNumber, params: BankAccountFormatParams): Violation | undefined {
  const digits = number.normalize('NFKC').replace(/\s/gu, '');
  if (digits === '') return { field, reason: 'missing' };
  if (!/^\d+$/u.test(digits)) return { field, reason: 'bad-character' };
  if (digits.length < params.minLength) return { field, reason: 'too-short' };
  if (digits.length > params.maxLength) return { field, reason: 'too-long' };
  const isCard =
    params.luhnPrefixes.some((prefix) => digits.startsWith(prefix)) &&
    digits.length >= params.luhnMinLength &&
    digits.length <= params.luhnMaxLength;
  if (isCard && !isLuhnValid(digits)) return { field, reason: 'card-check-digit', severity: params.luhnSeverity };
  return undefined;
}

export const bankAccountFormat: Check<BankAccountFormatParams> = {
  name: 'bank-account-format',
  params: bankAccountFormatParams,
  run(context, params) {
    return accountNumbers(context).flatMap((account) => checkNumber(account, params) ?? []);
  },
};
