// Which records the resident-ID rules look at, shared so the four ID rules never disagree.
import type { CheckContext } from './types.ts';
import { validateResidentId, type ResidentIdResult } from '../../pipelines/cn/cn-resident-id.ts';
import { hasText } from './names.ts';

/** The validation result for a person's mainland resident ID, or undefined when the rules do not apply. */
export function residentIdOf(context: CheckContext): ResidentIdResult | undefined {
  const { customer } = context;
  if (customer.kind !== 'person') return undefined;
  // An absent idType is read as the resident ID: upstream systems only name the type for others.
  if (customer.idType !== undefined && customer.idType !== 'CN_RESIDENT_ID') return undefined;
  if (!hasText(customer.idNumber)) return undefined;
  // Four rules ask for the same validation: the event's memo makes it one.
  return context.memo === undefined
    ? validateResidentId(customer.idNumber, context.asOf)
    : context.memo.residentId(customer.idNumber, context.asOf);
}
