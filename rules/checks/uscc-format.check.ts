import { z } from 'zod';
import type { Check } from './types.ts';
import { hasText } from './names.ts';
import { validateUscc } from './uscc.ts';

export const usccFormatParams = z.strictObject({});
export type UsccFormatParams = z.infer<typeof usccFormatParams>;

export const usccFormat: Check<UsccFormatParams> = {
  name: 'uscc-format',
  params: usccFormatParams,
  run({ customer }) {
    if (customer.kind !== 'organization' || !hasText(customer.uscc)) return [];
    const result = validateUscc(customer.uscc);
    return result.ok ? [] : [{ field: 'customer.uscc', reason: result.reason }];
  },
};
