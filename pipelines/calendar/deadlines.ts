// The due date of an issue from its rule's deadline policies (domain §6: "the effective deadline is
// the earliest that applies"). Periods follow 民法典 art. 201: the opening day is day 0 and is not
// counted. The clock starts at the event's own time, never the wall clock, so a replay gives the
// same dates.
import type { CustomerChange, Policy } from '../contract/customer-change.ts';
import { addDays, epochDay } from './calendar-date.ts';
import type { CalendarDate } from './calendar-date.ts';
import type { DeadlinePolicy } from './deadline-policy.ts';
import type { WorkingDayCalendar } from './prc-calendar.ts';
import { endOfShanghaiDay, shanghaiDate } from './shanghai-time.ts';
import { addWorkingDays } from './working-days.ts';

export { addWorkingDays } from './working-days.ts';
export { shanghaiDate } from './shanghai-time.ts';

/** What a deadline needs from the triggering event; a CustomerChange satisfies it as is. */
export type DeadlineInput = Pick<CustomerChange, 'occurredAt'> & {
  readonly policy?: Pick<Policy, 'receivedAt' | 'coolingOffDays'> | undefined;
};

export type DeadlineBasis = `working-days:${number}` | `calendar-days:${number}` | 'cooling-off-end';

export interface DeadlineCandidate {
  readonly basis: DeadlineBasis;
  readonly dueDate: CalendarDate;
  /** Counted over days without a published schedule; recompute once the data set has them. */
  readonly provisional: boolean;
}

export interface Deadline {
  readonly dueDate: CalendarDate;
  /** End of the due day in Asia/Shanghai, e.g. 2026-10-10T23:59:59.999+08:00. */
  readonly dueAt: string;
  readonly basis: DeadlineBasis;
  /** True when any candidate is: a provisional loser may still turn out to be the earliest. */
  readonly provisional: boolean;
  /** Every applicable policy, in the order the rule lists them. */
  readonly candidates: readonly DeadlineCandidate[];
}

/**
 * Tie order when candidates fall on the same day: the working-day basis is the one regulations
 * state (004 art. 13), so it is the reason worth recording; then calendar days, then cooling-off.
 */
function tieRank(basis: DeadlineBasis): number {
  if (basis.startsWith('working-days:')) return 0;
  if (basis.startsWith('calendar-days:')) return 1;
  return 2;
}

function coolingOffEnd(policy: DeadlineInput['policy']): CalendarDate | undefined {
  const receivedAt = policy?.receivedAt;
  const days = policy?.coolingOffDays;
  if (receivedAt === undefined || days === undefined) return undefined;
  // The contract already guarantees these; a violation here is a caller bug, not a missing field.
  epochDay(receivedAt);
  if (!Number.isSafeInteger(days) || days < 0) {
    throw new RangeError(`coolingOffDays must be a non-negative integer, got ${days}`);
  }
  return addDays(receivedAt, days);
}

function candidateFor(
  policy: DeadlinePolicy,
  opening: CalendarDate,
  input: DeadlineInput,
  calendar: WorkingDayCalendar,
): DeadlineCandidate | undefined {
  if ('workingDays' in policy) {
    const { date, provisional } = addWorkingDays(opening, policy.workingDays, calendar);
    return { basis: `working-days:${policy.workingDays}`, dueDate: date, provisional };
  }
  if ('calendarDays' in policy) {
    return { basis: `calendar-days:${policy.calendarDays}`, dueDate: addDays(opening, policy.calendarDays), provisional: false };
  }
  const end = coolingOffEnd(input.policy);
  // Once the cooling-off period is over its callback has happened: it no longer bounds the check,
  // and an issue must not be born overdue because of it.
  if (end === undefined || end < opening) return undefined;
  return { basis: 'cooling-off-end', dueDate: end, provisional: false };
}

function earlier(a: DeadlineCandidate, b: DeadlineCandidate): DeadlineCandidate {
  // Four-digit-year ISO dates order correctly as strings.
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? a : b;
  return tieRank(b.basis) < tieRank(a.basis) ? b : a;
}

/** The earliest applicable deadline, or null when none of the policies applies to this event. */
export function computeDeadline(
  policies: readonly DeadlinePolicy[],
  input: DeadlineInput,
  calendar: WorkingDayCalendar,
): Deadline | null {
  const opening = shanghaiDate(input.occurredAt);
  const candidates: DeadlineCandidate[] = [];
  for (const policy of policies) {
    const candidate = candidateFor(policy, opening, input, calendar);
    if (candidate) candidates.push(candidate);
  }
  const [first, ...rest] = candidates;
  if (!first) return null;
  const winner = rest.reduce(earlier, first);
  return {
    dueDate: winner.dueDate,
    dueAt: endOfShanghaiDay(winner.dueDate),
    basis: winner.basis,
    provisional: candidates.some((candidate) => candidate.provisional),
    candidates,
  };
}
