import { z } from 'zod';
import type { Check } from './types.ts';
import { residentIdOf } from './resident-id-subject.ts';

export const idGenderMismatchParams = z.strictObject({});
export type IdGenderMismatchParams = z.infer<typeof idGenderMismatchParams>;

export const idGenderMismatch: Check<IdGenderMismatchParams> = {
  name: 'id-gender-mismatch',
  params: idGenderMismatchParams,
  run(context) {
    const result = residentIdOf(context);
    const recorded = context.customer.gender;
    if (result === undefined || !result.ok || result.gender === undefined || recorded === undefined) return [];
    return result.gender === recorded ? [] : [{ field: 'customer.gender', reason: 'gender-mismatch' }];
  },
};
