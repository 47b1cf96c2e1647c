import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { CustomerChange, type CustomerChangeInput } from '../contract/customer-change.ts';
import { loadRulePack, type RecordRule } from '../../rules/engine/load-rule-pack.ts';
import { luhnCheckDigit } from '../cn/luhn.ts';
import { evaluateRules } from './evaluate-rules.ts';
import { stableId } from '../contract/ids.ts';
import { IssueTracker } from './issue-tracker.ts';
import { InMemoryIssueStateStore } from '../../tests/support/fakes/in-memory-issue-state.ts';
import { shanghaiDate } from '../calendar/deadlines.ts';
import { lifecycleDefaults } from '../contract/issue.ts';

// Synthetic values only. 2026-06-01 is a Monday; no holiday falls in the next two weeks.
const GOOD_MOBILE = '13912340001';
const BAD_MOBILE = '1391234'; // too short
const GOOD_CARD = `620000000000123${luhnCheckDigit('620000000000123')}`; // 16-digit UnionPay, Luhn-valid
const LUHN_BAD_CARD = `620000000000123${(Number(luhnCheckDigit('620000000000123')) + 1) % 10}`;
const SHORT_ACCOUNT = '12345678'; // below the 12-digit minimum: medium severity

let rules: RecordRule[];
let mobileRule: RecordRule;
let bankRule: RecordRule;

beforeAll(async () => {
  const pack = await loadRulePack();
  const byId = (id: string) => {
    const rule = pack.rules.find((r) => r.definition.id === id);
    if (!rule || rule.kind !== 'record') throw new Error(`built-in record rule ${id} is missing`);
    return rule;
  };
  mobileRule = byId('mobile-format');
  bankRule = byId('bank-account-format');
  rules = [mobileRule, bankRule];
});

let eventCounter = 0;
function event(
  over: { op?: 'create' | 'update' | 'delete'; at?: string; customerId?: string; mobile?: string; account?: string } & {
    policy?: CustomerChangeInput['policy'];
  } = {},
): CustomerChange {
  const op = over.op ?? 'update';
  return CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: `unit-issue-${++eventCounter}`,
    source: 'unit-test',
    op,
    occurredAt: over.at ?? '2026-06-01T09:30:00+08:00',
    customerId: over.customerId ?? 'C-TEST-1',
    ...(op === 'delete'
      ? {}
      : {
          customer: {
            kind: 'person',
            name: '测甲乙',
            mobile: over.mobile ?? GOOD_MOBILE,
            bankAccounts: [{ number: over.account ?? GOOD_CARD }],
          },
        }),
    ...(over.policy ? { policy: over.policy } : {}),
  });
}

const TOKEN_1 = 'tok-test-customer-1';
const TOKEN_2 = 'tok-test-customer-2';

let store: InMemoryIssueStateStore;
let tracker: IssueTracker;
beforeEach(() => {
  store = new InMemoryIssueStateStore();
  tracker = new IssueTracker(store, prcCalendar);
});

function apply(e: CustomerChange, token = TOKEN_1) {
  return tracker.apply(e, token, evaluateRules(rules, e, shanghaiDate(e.occurredAt)));
}

describe('IssueTracker', () => {
  it('opens an issue on the first violation, with a deterministic id and a working-day deadline', () => {
    const e = event({ mobile: BAD_MOBILE });
    const { changes, issueIdByRule } = apply(e);
    const expectedId = stableId('issue', 'mobile-format', TOKEN_1, e.eventId);
    expect(changes).toEqual([
      {
        change: 'opened',
        eventId: e.eventId,
        occurredAt: e.occurredAt,
        issue: {
          issueId: expectedId,
          queue: 'contact-verification',
          ruleId: 'mobile-format',
          ruleVersion: 1,
          customerToken: TOKEN_1,
          status: 'open',
          resolution: '',
          priority: 'P2',
          severity: 'medium',
          openedAt: e.occurredAt,
          openedByEventId: e.eventId,
          // Day 0 is Monday 06-01 (not counted): Tue, Wed, Thu.
          dueAt: '2026-06-04T23:59:59.999+08:00',
          dueDate: '2026-06-04',
          deadlineBasis: 'working-days:3',
          deadlineProvisional: false,
          occurrences: 1,
          lastEventId: e.eventId,
          lastSeenAt: e.occurredAt,
          updatedAt: e.occurredAt,
          version: 1,
          ...lifecycleDefaults(),
        },
      },
    ]);
    expect(issueIdByRule).toEqual(new Map([['mobile-format', expectedId]]));
    expect(store.get('mobile-format', TOKEN_1)?.issueId).toBe(expectedId);
    expect(store.openCount).toBe(1);

    // The same event under a fresh tracker derives the same id (replays are idempotent).
    const again = new IssueTracker(new InMemoryIssueStateStore(), prcCalendar).apply(e, TOKEN_1, evaluateRules(rules, e, '2026-06-01'));
    expect(again.changes[0]?.issue.issueId).toBe(expectedId);
  });

  it('takes the earliest deadline: a cooling-off period ending first wins', () => {
    const e = event({ mobile: BAD_MOBILE, policy: { policyId: 'P-TEST-1', role: 'policyholder', receivedAt: '2026-05-25', coolingOffDays: 8 } });
    const [opened] = apply(e).changes;
    expect(opened?.issue).toMatchObject({
      dueDate: '2026-06-02',
      dueAt: '2026-06-02T23:59:59.999+08:00',
      deadlineBasis: 'cooling-off-end',
    });
    // A cooling-off period ending after the working-day deadline does not.
    const later = event({ customerId: 'C-TEST-2', mobile: BAD_MOBILE, policy: { policyId: 'P-TEST-2', role: 'policyholder', receivedAt: '2026-05-25', coolingOffDays: 15 } });
    expect(apply(later, TOKEN_2).changes[0]?.issue).toMatchObject({ dueDate: '2026-06-04', deadlineBasis: 'working-days:3' });
  });

  it('updates the open issue on a repeat violation instead of opening a second one', () => {
    const first = event({ mobile: BAD_MOBILE });
    const opened = apply(first).changes[0]!.issue;
    const repeat = event({ mobile: BAD_MOBILE, at: '2026-06-02T10:00:00+08:00' });
    const { changes, issueIdByRule } = apply(repeat);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ change: 'updated', eventId: repeat.eventId });
    expect(changes[0]?.issue).toEqual({
      ...opened,
      occurrences: 2,
      version: 2,
      lastEventId: repeat.eventId,
      lastSeenAt: repeat.occurredAt,
      updatedAt: repeat.occurredAt,
    });
    expect(issueIdByRule.get('mobile-format')).toBe(opened.issueId);
    expect(store.openCount).toBe(1);
  });

  it('resolves the open issue when a later event passes the rule', () => {
    const opened = apply(event({ mobile: BAD_MOBILE })).changes[0]!.issue;
    const fixed = event({ mobile: GOOD_MOBILE, at: '2026-06-03T11:00:00+08:00' });
    const { changes, issueIdByRule } = apply(fixed);
    expect(changes).toEqual([
      {
        change: 'resolved',
        eventId: fixed.eventId,
        occurredAt: fixed.occurredAt,
        issue: {
          ...opened,
          status: 'resolved',
          resolution: 'corrected-upstream',
          outcome: 'corrected-upstream',
          lastEventId: fixed.eventId,
          lastSeenAt: fixed.occurredAt,
          updatedAt: fixed.occurredAt,
          version: 2,
        },
      },
    ]);
    expect(issueIdByRule.size).toBe(0);
    expect(store.get('mobile-format', TOKEN_1)).toBeUndefined();
    expect(store.openCount).toBe(0);
    // Passing again changes nothing.
    expect(apply(event({ at: '2026-06-04T11:00:00+08:00' })).changes).toEqual([]);
  });

  it('opens no issue for a violation below the rule\'s minSeverity (a Luhn warning)', () => {
    const e = event({ account: LUHN_BAD_CARD });
    const outcomes = evaluateRules(rules, e, '2026-06-01');
    // The finding exists, at low severity…
    expect(outcomes.find((o) => o.rule === bankRule)?.violations).toEqual([
      { field: 'customer.bankAccounts[0].number', reason: 'card-check-digit', severity: 'low' },
    ]);
    // …but bank-account-format opens issues from medium up.
    const { changes, issueIdByRule } = tracker.apply(e, TOKEN_1, outcomes);
    expect(changes).toEqual([]);
    expect(issueIdByRule.size).toBe(0);
    expect(store.openCount).toBe(0);
  });

  it('does not resolve an open issue on a sub-threshold violation, only on a clean pass', () => {
    const opened = apply(event({ account: SHORT_ACCOUNT })).changes;
    expect(opened).toMatchObject([{ change: 'opened', issue: { ruleId: 'bank-account-format', severity: 'medium', queue: 'account-verification', deadlineBasis: 'working-days:10' } }]);
    const warning = apply(event({ account: LUHN_BAD_CARD, at: '2026-06-02T09:00:00+08:00' }));
    expect(warning.changes).toEqual([]);
    expect(store.get('bank-account-format', TOKEN_1)).toEqual(opened[0]?.issue);
    const clean = apply(event({ account: GOOD_CARD, at: '2026-06-03T09:00:00+08:00' }));
    expect(clean.changes).toMatchObject([{ change: 'resolved', issue: { issueId: opened[0]?.issue.issueId, resolution: 'corrected-upstream' } }]);
  });

  it('withdraws every open issue of a deleted customer, and only that customer\'s', () => {
    const both = apply(event({ mobile: BAD_MOBILE, account: SHORT_ACCOUNT })).changes;
    expect(both.map((c) => c.issue.ruleId).sort()).toEqual(['bank-account-format', 'mobile-format']);
    const other = apply(event({ customerId: 'C-TEST-2', mobile: BAD_MOBILE }), TOKEN_2).changes;
    expect(store.openCount).toBe(3);

    const deletion = event({ op: 'delete', at: '2026-06-05T08:00:00+08:00' });
    const { changes, issueIdByRule } = apply(deletion);
    expect(changes).toHaveLength(2);
    for (const change of changes) {
      const before = both.find((c) => c.issue.issueId === change.issue.issueId)!.issue;
      expect(change).toEqual({
        change: 'withdrawn',
        eventId: deletion.eventId,
        occurredAt: deletion.occurredAt,
        issue: {
          ...before,
          status: 'withdrawn',
          resolution: 'customer-deleted',
          outcome: 'customer-deleted',
          lastEventId: deletion.eventId,
          lastSeenAt: deletion.occurredAt,
          updatedAt: deletion.occurredAt,
          version: 2,
        },
      });
    }
    expect(issueIdByRule.size).toBe(0);
    expect(store.openRulesOf(TOKEN_1)).toEqual([]);
    expect(store.get('mobile-format', TOKEN_2)).toEqual(other[0]?.issue);
    expect(store.openCount).toBe(1);
    // Deleting a customer without open issues changes nothing.
    expect(apply(event({ op: 'delete' }), 'tok-test-nobody').changes).toEqual([]);
  });

  it('opens a new issue id when a resolved problem comes back', () => {
    const first = apply(event({ mobile: BAD_MOBILE })).changes[0]!.issue;
    apply(event({ mobile: GOOD_MOBILE, at: '2026-06-02T09:00:00+08:00' }));
    const back = event({ mobile: BAD_MOBILE, at: '2026-06-08T09:00:00+08:00' });
    const { changes } = apply(back);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      change: 'opened',
      issue: { occurrences: 1, version: 1, openedByEventId: back.eventId, dueDate: '2026-06-11' },
    });
    expect(changes[0]?.issue.issueId).not.toBe(first.issueId);
    expect(changes[0]?.issue.issueId).toBe(stableId('issue', 'mobile-format', TOKEN_1, back.eventId));
  });

  it('opens no issue for a rule without an issue policy', () => {
    const noIssue: RecordRule = { ...mobileRule, definition: { ...mobileRule.definition, id: 'test-no-issue', issue: undefined } };
    const e = event({ mobile: BAD_MOBILE });
    const { changes } = tracker.apply(e, TOKEN_1, evaluateRules([noIssue], e, '2026-06-01'));
    expect(changes).toEqual([]);
    expect(store.openCount).toBe(0);
  });
});
