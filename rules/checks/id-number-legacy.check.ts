import { z } from 'zod';
import type { Check } from './types.ts';
import { residentIdOf } from './resident-id-subject.ts';

export const idNumberLegacyParams = z.strictObject({});
export type IdNumberLegacyParams = z.infer<typeof idNumberLegacyParams>;

/** 15-digit numbers were replaced in 1999–2013; still valid, but worth upgrading on contact. */
export const idNumberLegacy: Check<IdNumberLegacyParams> = {
  name: 'id-number-legacy',
  params: idNumberLegacyParams,
  run(context) {
    const result = residentIdOf(context);
    if (result === undefined || !result.legacy) return [];
    return [{ field: 'customer.idNumber', reason: 'legacy-15-digit' }];
  },
};
