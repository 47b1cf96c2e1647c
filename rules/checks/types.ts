// The contract between the rule engine and the pure check functions.
import type { z } from 'zod';
import type { Customer, CustomerChange, Policy } from '../../pipelines/contract/customer-change.ts';
import type { EventMemo } from '../../pipelines/cn/event-memo.ts';

export { SEVERITIES, type Severity } from '../../pipelines/contract/issue.ts';
import type { Severity } from '../../pipelines/contract/issue.ts';

/** What a check sees: one customer change event's after-image. Checks never do I/O. */
export interface CheckContext {
  readonly event: CustomerChange;
  readonly customer: Customer;
  readonly policy: Policy | undefined;
  /** Event date in Asia/Shanghai (YYYY-MM-DD): "today" for the check, so replays agree. */
  readonly asOf: string;
  /** Values several checks derive from the same field, computed once per event (see EventMemo). */
  readonly memo?: EventMemo;
}

/**
 * One failed expectation. `field` is a path into the event such as `customer.idNumber` or
 * `customer.bankAccounts[1].number`; the engine masks the value behind it for the evidence.
 * `reason` is a short code (`check-character`, `too-short`): never the raw value.
 */
export interface Violation {
  readonly field: string;
  readonly reason: string;
  /** Overrides the rule's severity, e.g. a Luhn failure on a UnionPay card is only `low`. */
  readonly severity?: Severity;
}

export interface Check<Params = Record<string, never>> {
  readonly name: string;
  readonly params: z.ZodType<Params>;
  run(context: CheckContext, params: Params): Violation[];
}
