import { z } from 'zod';
import type { Check } from './types.ts';
import { hasText, namesEqual } from './names.ts';

export const premiumPayerMismatchParams = z.strictObject({});
export type PremiumPayerMismatchParams = z.infer<typeof premiumPayerMismatchParams>;

/** 004 篇五 art. 11: premiums paid from someone else's account are suspicious unless approved. */
export const premiumPayerMismatch: Check<PremiumPayerMismatchParams> = {
  name: 'premium-payer-mismatch',
  params: premiumPayerMismatchParams,
  run({ customer, policy }) {
    const account = policy?.premiumAccount;
    if (policy?.role !== 'policyholder' || !account || account.approved === true) return [];
    if (!hasText(account.holderName) || !hasText(customer.name)) return [];
    return namesEqual(account.holderName, customer.name)
      ? []
      : [{ field: 'policy.premiumAccount.holderName', reason: 'payer-not-policyholder' }];
  },
};
