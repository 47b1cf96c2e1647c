import { z } from 'zod';
import type { Check } from './types.ts';
import { hasText, namesEqual } from './names.ts';

export const settlementHolderMismatchParams = z.strictObject({});
export type SettlementHolderMismatchParams = z.infer<typeof settlementHolderMismatchParams>;

/** 002 tobacco art. 7.5: the settlement account belongs to the licence's holder unless authorised. */
export const settlementHolderMismatch: Check<SettlementHolderMismatchParams> = {
  name: 'settlement-holder-mismatch',
  params: settlementHolderMismatchParams,
  run({ customer }) {
    const account = customer.settlementAccount;
    if (customer.kind !== 'organization' || !account || account.authorized === true) return [];
    if (!hasText(account.holderName)) return [];
    const field = 'customer.settlementAccount.holderName';
    if (hasText(customer.licenseHolderName)) {
      return namesEqual(account.holderName, customer.licenseHolderName)
        ? []
        : [{ field, reason: 'holder-not-license-holder' }];
    }
    if (hasText(customer.legalRepresentative)) {
      return namesEqual(account.holderName, customer.legalRepresentative)
        ? []
        : [{ field, reason: 'holder-not-legal-representative' }];
    }
    return [];
  },
};
