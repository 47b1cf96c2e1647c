import { z } from 'zod';
import type { Check, Violation } from './types.ts';
import { validateLandline } from '../../pipelines/cn/cn-landline.ts';
import { hasText } from './names.ts';
import { isPlaceholderMobile, isPlaceholderName, isPlaceholderPhone, PLACEHOLDER_NAMES, PLACEHOLDER_PHONES } from './placeholder.ts';

export const placeholderValueParams = z.strictObject({
  names: z.array(z.string().min(1)).default([...PLACEHOLDER_NAMES]),
  /** Exact mobiles, or landline local numbers, known to be stand-ins. */
  phones: z.array(z.string().regex(/^\d+$/u)).default([...PLACEHOLDER_PHONES]),
  repeatedDigit: z.boolean().default(true),
  sequentialRun: z.boolean().default(true),
  /** A phone whose last N digits are all one digit (13811111111); 0 turns this off. */
  repeatedTailLength: z.number().int().min(0).max(11).default(8),
});
export type PlaceholderValueParams = z.infer<typeof placeholderValueParams>;

const NAME_FIELDS = ['name', 'legalRepresentative'] as const;

export const placeholderValue: Check<PlaceholderValueParams> = {
  name: 'placeholder-value',
  params: placeholderValueParams,
  run({ customer }, params) {
    const violations: Violation[] = [];
    for (const field of NAME_FIELDS) {
      const value = customer[field];
      if (hasText(value) && isPlaceholderName(value, params.names)) {
        violations.push({ field: `customer.${field}`, reason: 'placeholder-name' });
      }
    }
    if (hasText(customer.mobile) && isPlaceholderMobile(customer.mobile, params)) {
      violations.push({ field: 'customer.mobile', reason: 'placeholder-phone' });
    }
    if (hasText(customer.landline)) {
      const landline = validateLandline(customer.landline);
      if (landline.ok && isPlaceholderPhone(landline.local, params)) {
        violations.push({ field: 'customer.landline', reason: 'placeholder-phone' });
      }
    }
    return violations;
  },
};
