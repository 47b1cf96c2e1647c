import { z } from 'zod';
import type { Check } from './types.ts';
import { hasText } from './names.ts';
import { validateUscc } from '../../pipelines/cn/uscc.ts';

export const usccFormatParams = z.strictObject({
  /** Accept a code written in lower case (GB 32100 writes it in upper case). */
  acceptLowerCase: z.boolean().default(false),
});
export type UsccFormatParams = z.infer<typeof usccFormatParams>;

export const usccFormat: Check<UsccFormatParams> = {
  name: 'uscc-format',
  params: usccFormatParams,
  run({ customer }, params) {
    if (customer.kind !== 'organization' || !hasText(customer.uscc)) return [];
    const result = validateUscc(customer.uscc, params);
    return result.ok ? [] : [{ field: 'customer.uscc', reason: result.reason }];
  },
};
