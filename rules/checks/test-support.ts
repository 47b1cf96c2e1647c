// Builds check contexts the way the engine does: through the contract schema, so defaults apply.
import { CustomerChange, type CustomerChangeInput } from '../../pipelines/contract/customer-change.ts';
import { residentIdCheckCharacter } from '../../pipelines/cn/cn-resident-id.ts';
import type { Check, CheckContext, Violation } from './types.ts';

export type CustomerInput = NonNullable<CustomerChangeInput['customer']>;
export type PolicyInput = NonNullable<CustomerChangeInput['policy']>;

export const AS_OF = '2026-06-01';

export function contextFor(customer: CustomerInput, options: { policy?: PolicyInput; asOf?: string } = {}): CheckContext {
  const event = CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: 'unit-test-1',
    source: 'unit-test',
    op: 'update',
    occurredAt: `${options.asOf ?? AS_OF}T09:30:00+08:00`,
    customerId: 'C-TEST',
    customer,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  if (!event.customer) throw new Error('test event has no customer');
  return { event, customer: event.customer, policy: event.policy, asOf: options.asOf ?? AS_OF };
}

/** Runs a check with params parsed by its own schema, as the engine does. */
export function runCheck<P>(check: Check<P>, context: CheckContext, params: unknown = {}): Violation[] {
  return check.run(context, check.params.parse(params));
}

/** A valid 18-character resident ID for a computed (not real) 17-digit payload. */
export function residentId(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

export function policy(role: PolicyInput['role'], extra: Partial<PolicyInput> = {}): PolicyInput {
  return { policyId: 'P-TEST-1', role, receivedAt: AS_OF, ...extra };
}
