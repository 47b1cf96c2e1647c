// The applied-id window's pure part: the cutoff and the count, from the retention and the time.
// The window applied to a real store: tests/postgres/applied-window.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTBOX_SENT_KEPT_MS, housekeepingPlan } from './state-housekeeping.ts';

describe('housekeepingPlan', () => {
  it('cuts the applied ids off exactly the retention before now, keeps the configured count, and sent outbox rows a day', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 3650 }),
        fc.integer({ min: 100_000, max: 10_000_000_000 }),
        (now, retentionDays, maxIds) => {
          const plan = housekeepingPlan({ retentionDays, maxIds }, now.toISOString());
          expect(now.getTime() - Date.parse(plan.appliedBefore)).toBe(retentionDays * 86_400_000);
          expect(now.getTime() - Date.parse(plan.sentBefore)).toBe(OUTBOX_SENT_KEPT_MS);
          expect(plan.appliedBefore).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
          expect(plan.keepApplied).toBe(maxIds);
        },
      ),
    );
  });
});
