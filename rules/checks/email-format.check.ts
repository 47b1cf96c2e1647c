import { z } from 'zod';
import type { Check } from './types.ts';
import { validateEmail } from '../../pipelines/cn/email.ts';
import { hasText } from './names.ts';

export const emailFormatParams = z.strictObject({});
export type EmailFormatParams = z.infer<typeof emailFormatParams>;

export const emailFormat: Check<EmailFormatParams> = {
  name: 'email-format',
  params: emailFormatParams,
  run({ customer }) {
    if (!hasText(customer.email)) return [];
    const result = validateEmail(customer.email);
    return result.ok ? [] : [{ field: 'customer.email', reason: result.reason }];
  },
};
