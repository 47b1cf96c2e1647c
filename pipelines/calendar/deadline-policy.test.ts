import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { DeadlinePolicies, DeadlinePolicy } from './deadline-policy.ts';

function message(input: unknown): string {
  const result = DeadlinePolicies.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return z.prettifyError(result.error);
}

describe('DeadlinePolicies', () => {
  it('reads the forms as written in a rule pack', () => {
    const rule = parse(`
deadline:
  - workingDays: 3
  - calendarDays: 30
  - policyField: coolingOffEnd
`) as { deadline: unknown };
    expect(DeadlinePolicies.parse(rule.deadline)).toEqual([
      { workingDays: 3 },
      { calendarDays: 30 },
      { policyField: 'coolingOffEnd' },
    ]);
  });

  it('accepts the bounds 0 and 365', () => {
    expect(DeadlinePolicy.parse({ workingDays: 0 })).toEqual({ workingDays: 0 });
    expect(DeadlinePolicy.parse({ calendarDays: 365 })).toEqual({ calendarDays: 365 });
  });

  it('rejects a mistyped key and names the one meant', () => {
    const text = message([{ workingdays: 3 }]);
    expect(text).toContain('"workingdays" (did you mean "workingDays"?)');
    expect(text).toContain('→ at [0]');
  });

  it('rejects negative counts', () => {
    expect(message([{ workingDays: -1 }])).toMatch(/>=0[\s\S]*at \[0\]\.workingDays/);
    expect(message([{ calendarDays: -5 }])).toMatch(/>=0[\s\S]*at \[0\]\.calendarDays/);
  });

  it('rejects fractions and counts beyond a year', () => {
    expect(message([{ workingDays: 2.5 }])).toContain('workingDays: Invalid input: expected int');
    expect(message([{ calendarDays: 366 }])).toMatch(/<=365/);
  });

  it('rejects other policy fields, two forms in one entry, non-mappings and an empty list', () => {
    expect(message([{ policyField: 'receivedAt' }])).toContain('policyField: Invalid input: expected "coolingOffEnd"');
    expect(message([{ workingDays: 3, calendarDays: 5 }])).toContain('got workingDays and calendarDays');
    expect(message([3])).toContain('a deadline must be a mapping');
    expect(message([])).toMatch(/>=1 items/);
  });
});
