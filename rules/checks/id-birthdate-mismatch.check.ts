import { z } from 'zod';
import type { Check } from './types.ts';
import { residentIdOf } from './resident-id-subject.ts';

export const idBirthdateMismatchParams = z.strictObject({});
export type IdBirthdateMismatchParams = z.infer<typeof idBirthdateMismatchParams>;

export const idBirthdateMismatch: Check<IdBirthdateMismatchParams> = {
  name: 'id-birthdate-mismatch',
  params: idBirthdateMismatchParams,
  run(context) {
    const result = residentIdOf(context);
    const recorded = context.customer.birthDate;
    if (result === undefined || !result.ok || result.birthDate === undefined || recorded === undefined) return [];
    return result.birthDate === recorded ? [] : [{ field: 'customer.birthDate', reason: 'birth-date-mismatch' }];
  },
};
