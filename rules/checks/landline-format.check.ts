import { z } from 'zod';
import type { Check } from './types.ts';
import { validateLandline } from '../../pipelines/cn/cn-landline.ts';
import { hasText } from './names.ts';

export const landlineFormatParams = z
  .strictObject({
    minLocalLength: z.number().int().min(5).max(8).default(7),
    maxLocalLength: z.number().int().min(5).max(8).default(8),
  })
  .refine((params) => params.minLocalLength <= params.maxLocalLength, {
    message: 'minLocalLength must not exceed maxLocalLength',
  });
export type LandlineFormatParams = z.infer<typeof landlineFormatParams>;

export const landlineFormat: Check<LandlineFormatParams> = {
  name: 'landline-format',
  params: landlineFormatParams,
  run({ customer }, params) {
    if (!hasText(customer.landline)) return [];
    const result = validateLandline(customer.landline, params);
    return result.ok ? [] : [{ field: 'customer.landline', reason: result.reason }];
  },
};
