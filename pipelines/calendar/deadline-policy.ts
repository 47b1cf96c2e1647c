// Deadline policies as written in rule-pack YAML under a rule's issue policy:
//   deadline:
//     - workingDays: 3
//     - policyField: coolingOffEnd
// Every applicable entry yields a date and the earliest wins (see deadlines.ts).
import { z } from 'zod';

const dayCount = z.number().int().min(0).max(365);

export const WorkingDaysPolicy = z.strictObject({ workingDays: dayCount });
export const CalendarDaysPolicy = z.strictObject({ calendarDays: dayCount });
/** End of the policy's cooling-off period (犹豫期): policy.receivedAt + policy.coolingOffDays. */
export const CoolingOffEndPolicy = z.strictObject({ policyField: z.literal('coolingOffEnd') });

// The key that identifies each form, in the order the union below lists them.
const FORM_KEYS: readonly string[] = ['workingDays', 'calendarDays', 'policyField'];
const EXPECTED = `expected exactly one of ${FORM_KEYS.join(', ')}`;

/**
 * zod reports a failed union as a bare "Invalid input"; a rule author needs to know which key is
 * wrong. Pick the form the author evidently meant and surface its own complaint.
 */
function explain(input: unknown, errorsPerForm: readonly (readonly z.core.$ZodIssue[])[]): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return `a deadline must be a mapping, ${EXPECTED}`;
  }
  const keys = Object.keys(input);
  const strays = keys.filter((key) => !FORM_KEYS.includes(key));
  if (strays.length > 0) {
    const hints = strays.map((key) => {
      const meant = FORM_KEYS.find((known) => known.toLowerCase() === key.toLowerCase());
      return meant ? `"${key}" (did you mean "${meant}"?)` : `"${key}"`;
    });
    return `unknown deadline key ${hints.join(', ')}; ${EXPECTED}`;
  }
  if (keys.length !== 1) {
    return `a deadline has one form, got ${keys.length ? keys.join(' and ') : 'none'}; ${EXPECTED}`;
  }
  const index = FORM_KEYS.indexOf(keys[0] ?? '');
  const issues = errorsPerForm[index] ?? [];
  return issues.map((issue) => `${[...issue.path].join('.') || keys[0]}: ${issue.message}`).join('; ') || EXPECTED;
}

export const DeadlinePolicy = z.union([WorkingDaysPolicy, CalendarDaysPolicy, CoolingOffEndPolicy], {
  error: (issue) => (issue.code === 'invalid_union' ? explain(issue.input, issue.errors) : undefined),
});
export type DeadlinePolicy = z.infer<typeof DeadlinePolicy>;
export type WorkingDaysPolicy = z.infer<typeof WorkingDaysPolicy>;
export type CalendarDaysPolicy = z.infer<typeof CalendarDaysPolicy>;
export type CoolingOffEndPolicy = z.infer<typeof CoolingOffEndPolicy>;

/** A rule's `deadline:` list; at least one entry. */
export const DeadlinePolicies = z.array(DeadlinePolicy).min(1);
export type DeadlinePolicies = z.infer<typeof DeadlinePolicies>;
