import { z } from 'zod';
import type { Check } from './types.ts';
import { parsedAddress } from '../../pipelines/cn/event-memo.ts';
import { hasText } from './names.ts';

export const addressIncompleteParams = z.strictObject({
  requireDistrict: z.boolean().default(true),
  /** Province-level names whose addresses need no district: HK and Macau addresses name areas instead. */
  districtOptionalIn: z.array(z.string().min(1)).default(['香港特别行政区', '澳门特别行政区']),
});
export type AddressIncompleteParams = z.infer<typeof addressIncompleteParams>;

/** Reports the highest missing level only, so the reason codes stay a small fixed set. */
export const addressIncomplete: Check<AddressIncompleteParams> = {
  name: 'address-incomplete',
  params: addressIncompleteParams,
  run({ customer, memo }, params) {
    if (!hasText(customer.address)) return [];
    const parsed = parsedAddress(customer.address, memo);
    const field = 'customer.address';
    if (parsed.province === undefined) return [{ field, reason: 'missing-province' }];
    if (parsed.city === undefined) return [{ field, reason: 'missing-city' }];
    const districtNeeded = params.requireDistrict && !params.districtOptionalIn.includes(parsed.province);
    if (parsed.district === undefined && districtNeeded) return [{ field, reason: 'missing-district' }];
    return [];
  },
};
