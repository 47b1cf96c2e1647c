import { z } from 'zod';
import type { Check } from './types.ts';
import { MOBILE_PREFIXES, validateMobile } from '../../pipelines/cn/cn-mobile.ts';
import { hasText } from './names.ts';

export const mobileFormatParams = z.strictObject({
  /** 3-digit network segments in service; see MOBILE_PREFIXES for the MIIT allocation. */
  prefixes: z
    .array(z.string().regex(/^1[3-9]\d$/u))
    .min(1)
    .default([...MOBILE_PREFIXES]),
});
export type MobileFormatParams = z.infer<typeof mobileFormatParams>;

export const mobileFormat: Check<MobileFormatParams> = {
  name: 'mobile-format',
  params: mobileFormatParams,
  run({ customer }, params) {
    if (!hasText(customer.mobile)) return [];
    const result = validateMobile(customer.mobile, params.prefixes);
    return result.ok ? [] : [{ field: 'customer.mobile', reason: result.reason }];
  },
};
