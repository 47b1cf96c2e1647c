// The poison messages of issue 6: events that once stopped the run with an exception from the
// calendar or the deadline maths, or exhausted it. Each is a valid event with one thing changed,
// and each must be dead-lettered with the code and error path given here.
import type { DeadLetterCode } from '../../pipelines/quality/decode.ts';

export interface Poison {
  readonly name: string;
  readonly code: DeadLetterCode;
  readonly errorPath: string;
  /** The poison made from a valid customer-change event. */
  readonly make: (base: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

const withOccurredAt = (occurredAt: string): Poison => ({
  name: `occurredAt ${occurredAt}`,
  code: 'out-of-range',
  errorPath: 'occurredAt',
  make: (base) => ({ ...base, occurredAt }),
});

/** A customer image for poisons that need one, whatever op the base event had. */
const imageOf = (base: Readonly<Record<string, unknown>>) =>
  typeof base.customer === 'object' && base.customer !== null ? (base.customer as Record<string, unknown>) : { kind: 'person' };

export const POISONS: readonly Poison[] = [
  withOccurredAt('9999-12-31T20:00:00-08:00'),
  withOccurredAt('0000-01-01T00:00:00+14:00'),
  withOccurredAt('9999-12-31T15:59:59Z'),
  {
    name: 'policy.receivedAt 9999-12-31',
    code: 'out-of-range',
    errorPath: 'policy.receivedAt',
    make: (base) => ({
      ...base,
      op: 'update',
      customer: imageOf(base),
      policy: { policyId: 'P0000000001', role: 'policyholder', coolingOffDays: 15, ...(base.policy as object | undefined), receivedAt: '9999-12-31' },
    }),
  },
  {
    name: '20,000 bank accounts',
    code: 'too-large',
    errorPath: 'customer.bankAccounts',
    // Short made-up numbers keep the message near 400 KB: under maxMessageBytes and Kafka's
    // default message size, so that it is the item count that rejects it.
    make: (base) => ({ ...base, op: 'update', customer: { ...imageOf(base), bankAccounts: Array.from({ length: 20_000 }, (_, i) => ({ number: String(100_000 + i) })) } }),
  },
];
