import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { ACTIVE_STATUSES, IssueState, isActive, lifecycleDefaults } from '../contract/issue.ts';
import { ConflictError, ForbiddenError } from '../errors.ts';
import { StewardAction, type Actor } from './actions.ts';
import { applyStewardAction, fold, nextWorkingMorning, PIPELINE_ACTOR, recordOnly, reopen, systemEntry, type HistoryEntry } from './lifecycle.ts';

const OPENED_AT = '2026-09-28T09:00:00.000+08:00';

function opened(tier: IssueState['tier'] = 'general'): IssueState {
  return {
    issueId: 'issue-1',
    queue: 'callback-verification',
    ruleId: 'shared-mobile',
    ruleVersion: 1,
    customerToken: 'ct_1',
    status: 'open',
    resolution: '',
    priority: 'P2',
    severity: 'high',
    openedAt: OPENED_AT,
    openedByEventId: 'ev-1',
    dueAt: '2026-10-09T23:59:59.999+08:00',
    dueDate: '2026-10-09',
    deadlineBasis: 'working-days:3',
    deadlineProvisional: false,
    occurrences: 1,
    lastEventId: 'ev-1',
    lastSeenAt: OPENED_AT,
    updatedAt: OPENED_AT,
    version: 1,
    ...lifecycleDefaults({ tier, source: 'crm', channel: 'agency', agentToken: 'at_1' }),
  };
}

const li: Actor = { username: 'li', role: 'steward' };
const wang: Actor = { username: 'wang', role: 'steward' };
const boss: Actor = { username: 'zhao', role: 'supervisor' };
const analyst: Actor = { username: 'qian', role: 'analyst' };
const ctx = (actor: Actor, at = '2026-09-29T10:00:00.000+08:00') => ({ actor, at, calendar: prcCalendar });

describe('steward actions', () => {
  it('claims, verifies with callbacks, and resolves as corrected, keeping raw values out of history', () => {
    let s = opened();
    const claim = applyStewardAction(s, { type: 'claim' }, ctx(li));
    expect(claim.state).toMatchObject({ status: 'claimed', assignee: 'li', version: 2 });
    expect(claim.entry).toMatchObject({ seq: 2, fromStatus: 'open', toStatus: 'claimed', actor: 'li', actorRole: 'steward', action: 'claim' });
    s = claim.state;
    const unreachable = applyStewardAction(s, { type: 'record-callback', channel: 'phone', result: 'unreachable', note: 'no answer' }, ctx(li, '2026-09-30T16:00:00.000+08:00'));
    expect(unreachable.state).toMatchObject({ status: 'in-verification', callbackAttempts: 1, nextAttemptAt: nextWorkingMorning('2026-09-30T16:00:00.000+08:00', prcCalendar) });
    expect(unreachable.state.nextAttemptAt.startsWith('2026-10-')).toBe(true);
    expect(isActive(unreachable.state.status)).toBe(true);
    s = applyStewardAction(unreachable.state, { type: 'record-callback', channel: 'phone', result: 'reached', note: 'confirmed new number' }, ctx(li)).state;
    expect(s).toMatchObject({ callbackAttempts: 2, nextAttemptAt: '' });
    const resolved = applyStewardAction(s, { type: 'resolve', outcome: 'corrected', note: 'fixed', corrected: { mobile: '13800138000' } }, ctx(li));
    expect(resolved.state).toMatchObject({ status: 'resolved', outcome: 'corrected', resolution: 'corrected', version: 5 });
    expect(JSON.stringify(resolved.entry)).not.toContain('13800138000');
  });

  it('the unreachable default is 09:00 on the next PRC working day (National Day 2026, 调休 Saturday)', () => {
    // Wed 2026-09-30 → National Day holiday 10-01..10-07 → Thu 10-08.
    expect(nextWorkingMorning('2026-09-30T16:00:00.000+08:00', prcCalendar)).toBe('2026-10-08T09:00:00.000+08:00');
    // Fri 2026-10-09 → Saturday 10-10 is a 调休 working day.
    expect(nextWorkingMorning('2026-10-09T16:00:00.000+08:00', prcCalendar)).toBe('2026-10-10T09:00:00.000+08:00');
    // Thu 2026-09-24 → Fri 09-25 (Mid-Autumn) and the weekend off → Mon 09-28.
    expect(nextWorkingMorning('2026-09-24T16:00:00.000+08:00', prcCalendar)).toBe('2026-09-28T09:00:00.000+08:00');
  });

  it('refuses illegal transitions with typed errors', () => {
    const claimed = applyStewardAction(opened(), { type: 'claim' }, ctx(li)).state;
    expect(() => applyStewardAction(claimed, { type: 'claim' }, ctx(wang))).toThrow(ConflictError);
    expect(() => applyStewardAction(claimed, { type: 'resolve', outcome: 'false-positive', note: '' }, ctx(wang))).toThrow(ForbiddenError);
    expect(() => applyStewardAction(opened(), { type: 'resolve', outcome: 'false-positive', note: '' }, ctx(li))).toThrow(ConflictError);
    expect(() => applyStewardAction(opened(), { type: 'claim' }, ctx(analyst))).toThrow(ForbiddenError);
    expect(() => applyStewardAction(claimed, { type: 'assign', assignee: 'wang' }, ctx(li))).toThrow(ForbiddenError);
    expect(() => applyStewardAction(opened('general'), { type: 'approve-reveal' }, ctx(boss))).toThrow(ConflictError);
    // A supervisor may resolve an issue another steward holds.
    expect(applyStewardAction(claimed, { type: 'resolve', outcome: 'false-positive', note: 'dup' }, ctx(boss)).state.status).toBe('resolved');
    const done = applyStewardAction(claimed, { type: 'resolve', outcome: 'confirmed-correct', note: '' }, ctx(li)).state;
    expect(() => applyStewardAction(done, { type: 'escalate', note: 'x' }, ctx(li))).toThrow(ConflictError);
  });

  it('validates the actions: legitimate needs a reason, corrected needs values', () => {
    expect(StewardAction.safeParse({ type: 'resolve', outcome: 'legitimate', note: '' }).success).toBe(false);
    expect(StewardAction.safeParse({ type: 'resolve', outcome: 'legitimate', note: '', reason: 'family' }).success).toBe(true);
    expect(StewardAction.safeParse({ type: 'resolve', outcome: 'corrected', note: '' }).success).toBe(false);
    expect(StewardAction.safeParse({ type: 'resolve', outcome: 'corrected', note: '', corrected: {} }).success).toBe(false);
    expect(StewardAction.safeParse({ type: 'pause', reason: '' }).success).toBe(false);
    expect(StewardAction.safeParse({ type: 'record-callback', channel: 'fax', result: 'reached', note: '' }).success).toBe(false);
  });

  it('reopens a resolved issue on new evidence, with nobody holding it', () => {
    const claimed = applyStewardAction(opened(), { type: 'claim' }, ctx(li)).state;
    const done = applyStewardAction(claimed, { type: 'resolve', outcome: 'confirmed-correct', note: '' }, ctx(li)).state;
    const again = reopen(done, 'ev-9', '2026-10-12T10:00:00.000+08:00');
    expect(again.issue).toMatchObject({ status: 'open', assignee: '', outcome: '', resolution: '', version: done.version + 1 });
    expect(() => reopen(claimed, 'ev-9', '2026-10-12T10:00:00.000+08:00')).toThrow(ConflictError);
  });
});

// Random sequences of actions by random actors: every step either throws a typed error and
// changes nothing, or produces a valid state one version further; folding the history gives the state.
const actors = fc.constantFrom<Actor>(li, wang, boss, analyst);
const instants = fc.integer({ min: 0, max: 60 * 24 * 30 }).map((m) => new Date(Date.parse('2026-09-29T01:00:00.000Z') + m * 60_000).toISOString());
const actions: fc.Arbitrary<StewardAction> = fc.oneof(
  fc.constant({ type: 'claim' as const }),
  fc.constant({ type: 'release' as const }),
  fc.constant({ type: 'start-verification' as const }),
  fc.record({
    type: fc.constant('record-callback' as const),
    channel: fc.constantFrom('phone' as const, 'sms' as const, 'email' as const, 'visit' as const),
    result: fc.constantFrom('reached' as const, 'unreachable' as const, 'wrong-number' as const, 'refused' as const),
    note: fc.string({ maxLength: 20 }),
  }),
  fc.constant({ type: 'pause' as const, reason: 'waiting for documents' }),
  fc.constant({ type: 'resume' as const }),
  fc.constant({ type: 'escalate' as const, note: 'help' }),
  fc.constant({ type: 'return' as const, note: 'back' }),
  fc.constantFrom('li', 'wang').map((assignee) => ({ type: 'assign' as const, assignee })),
  fc.constantFrom(
    { type: 'resolve' as const, outcome: 'confirmed-correct' as const, note: '' },
    { type: 'resolve' as const, outcome: 'false-positive' as const, note: 'x' },
    { type: 'resolve' as const, outcome: 'legitimate' as const, note: '', reason: 'family' },
    { type: 'resolve' as const, outcome: 'corrected' as const, note: '', corrected: { mobile: '13912345678' } },
  ),
  fc.constant({ type: 'approve-reveal' as const }),
);
const steps = fc.array(fc.oneof({ weight: 9, arbitrary: fc.tuple(actors, actions, instants) }, { weight: 1, arbitrary: fc.constant('reopen' as const) }), { maxLength: 40 });

describe('lifecycle properties', () => {
  it('never reaches an illegal state; each transition adds one version; fold(history) == state', () => {
    fc.assert(
      fc.property(fc.constantFrom('general' as const, 'core' as const), steps, (tier, plan) => {
        let state = opened(tier);
        const history: HistoryEntry[] = [systemEntry(undefined, { change: 'opened', issue: state, eventId: 'ev-1', occurredAt: OPENED_AT }, PIPELINE_ACTOR)];
        for (const step of plan) {
          const before = state;
          if (step === 'reopen') {
            if (state.status !== 'resolved') continue;
            const change = reopen(state, `ev-${state.version}`, '2026-10-20T10:00:00.000+08:00');
            history.push(systemEntry(state, change, PIPELINE_ACTOR));
            state = change.issue;
          } else {
            const [actor, action, at] = step;
            try {
              const t = applyStewardAction(state, action, { actor, at, calendar: prcCalendar });
              history.push(t.entry);
              state = t.state;
            } catch (error) {
              expect(error instanceof ConflictError || error instanceof ForbiddenError).toBe(true);
              expect(state).toBe(before);
              continue;
            }
          }
          expect(state.version).toBe(before.version + 1);
          IssueState.parse(state);
          // Invariants: a held issue has an assignee, an open one none; closed ones carry an outcome.
          if (state.status === 'claimed' || state.status === 'in-verification') expect(state.assignee).not.toBe('');
          if (state.status === 'open') expect(state.assignee).toBe('');
          expect(isActive(state.status)).toBe(state.outcome === '');
          expect((ACTIVE_STATUSES as readonly string[]).includes(state.status) || state.status === 'resolved').toBe(true);
          if (state.nextAttemptAt) expect(isActive(state.status)).toBe(true);
        }
        expect(fold(history)).toEqual(state);
        expect(JSON.stringify(history)).not.toContain('13912345678');
      }),
      { numRuns: 300 },
    );
  });

  it('a correction recorded or confirmed changes only the version', () => {
    const s = opened();
    const c = recordOnly(s, 'correction-confirmed', 'ev-2', '2026-10-12T10:00:00.000+08:00');
    expect(c.issue).toEqual({ ...s, updatedAt: c.occurredAt, version: 2 });
  });
});
