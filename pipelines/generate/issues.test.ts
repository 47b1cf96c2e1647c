import { describe, expect, it } from 'vitest';
import { IssueLifecycle, type EventRules } from './issues.ts';
import type { RuleId } from './model.ts';

const trips = (atIssueLevel: RuleId[], belowThreshold: RuleId[] = []): EventRules => ({
  tripped: new Set([...atIssueLevel, ...belowThreshold]),
  atIssueLevel: new Set(atIssueLevel),
});
const clean = trips([]);

describe('IssueLifecycle', () => {
  it('opens once per rule and customer, updates on a repeat, resolves on a clean pass', () => {
    const model = new IssueLifecycle();
    model.event('C1', trips(['mobile-format', 'email-format']));
    model.event('C1', trips(['mobile-format']));
    model.event('C1', clean);
    model.event('C2', trips(['mobile-format']));
    const { total, byRule, openByRule } = model.finish();
    expect(total).toEqual({ opened: 3, updated: 1, resolved: 2, withdrawn: 0, open: 1 });
    expect(byRule['mobile-format']).toEqual({ opened: 2, updated: 1, resolved: 1, withdrawn: 0, open: 1 });
    expect(openByRule['mobile-format']).toEqual(['C2']);
  });

  it('opens a new issue when the rule is tripped again after it was resolved', () => {
    const model = new IssueLifecycle();
    model.event('C1', trips(['address-incomplete']));
    model.event('C1', clean);
    model.event('C1', trips(['address-incomplete']));
    expect(model.finish().total).toEqual({ opened: 2, updated: 0, resolved: 1, withdrawn: 0, open: 1 });
  });

  it('lets a finding below the issue threshold neither open, update nor resolve', () => {
    const model = new IssueLifecycle();
    model.event('C1', trips([], ['bank-account-format']));
    model.event('C2', trips(['bank-account-format']));
    model.event('C2', trips([], ['bank-account-format']));
    expect(model.finish().total).toEqual({ opened: 1, updated: 0, resolved: 0, withdrawn: 0, open: 1 });
  });

  it('withdraws every open issue of a deleted customer', () => {
    const model = new IssueLifecycle();
    model.event('C1', trips(['required-fields', 'uscc-format']));
    model.deleted('C1');
    model.deleted('C2');
    const { total, openByRule } = model.finish();
    expect(total).toEqual({ opened: 2, updated: 0, resolved: 0, withdrawn: 2, open: 0 });
    expect(openByRule['required-fields']).toEqual([]);
  });
});
