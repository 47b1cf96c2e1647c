import { z } from 'zod';
import type { Check } from './types.ts';
import { residentIdOf } from './resident-id-subject.ts';

export const idNumberFormatParams = z.strictObject({});
export type IdNumberFormatParams = z.infer<typeof idNumberFormatParams>;

/** GB 11643 structure and check character; the 15-digit legacy form is `id-number-legacy`'s concern. */
export const idNumberFormat: Check<IdNumberFormatParams> = {
  name: 'id-number-format',
  params: idNumberFormatParams,
  run(context) {
    const result = residentIdOf(context);
    if (result === undefined || result.ok) return [];
    return [{ field: 'customer.idNumber', reason: result.reason }];
  },
};
