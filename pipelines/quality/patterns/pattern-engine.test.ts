// The pattern rules on scripted scenarios, in memory: one workspace holds all the state, as if one
// batch carried every event. The same scenarios run against a real broker and PostgreSQL in
// tests/kafka/patterns.test.ts. Synthetic values only.
import { beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../../calendar/prc-calendar.ts';
import { shanghaiDate } from '../../calendar/deadlines.ts';
import { AgentChange, CustomerChange, type AgentChangeInput, type CustomerChangeInput } from '../../contract/customer-change.ts';
import type { IssueChange } from '../../contract/issue.ts';
import { createTokenizer } from '../../privacy/tokens.ts';
import { loadRulePack, type CompiledRule } from '../../../rules/engine/load-rule-pack.ts';
import { evaluateRules, recordRules } from '../evaluate-rules.ts';
import { IssueTracker } from '../issue-tracker.ts';
import { agentFactsOf, customerFactsOf } from './facts.ts';
import { EVIDENCE_HOLDERS, PatternEngine } from './pattern-engine.ts';
import { emptySnapshot, PatternWorkspace, workspaceIssues } from './pattern-state.ts';
import { standInMobiles } from './stand-ins.ts';

const tokenizer = createTokenizer(Buffer.alloc(32, 0x42));
const ct = (id: string) => tokenizer.token('customer', id);
let rules: readonly CompiledRule[];

beforeAll(async () => {
  rules = (await loadRulePack()).rules;
});

let sequence = 0;

/** Every event of a scenario through the record rules, the record issue tracker and the pattern engine. */
function scenario() {
  const ws = new PatternWorkspace(emptySnapshot());
  const engine = new PatternEngine(rules, prcCalendar, () => '2026-06-30T00:00:00.000Z');
  const tracker = new IssueTracker(workspaceIssues(ws), prcCalendar);
  const issueChanges: IssueChange[] = [];
  const at = (day: number) => new Date(Date.parse('2026-06-01T09:00:00+08:00') + day * 86_400_000).toISOString().replace('.000Z', 'Z');
  return {
    ws,
    issueChanges,
    customer(id: string, day: number, customer: Partial<NonNullable<CustomerChangeInput['customer']>> | null, policy?: CustomerChangeInput['policy']) {
      const event = CustomerChange.parse({
        schema: 'customer-change/v1',
        eventId: `p-${++sequence}`,
        source: 'unit-crm',
        op: customer === null ? 'delete' : 'update',
        occurredAt: at(day),
        customerId: id,
        ...(customer === null ? {} : { customer: { kind: 'person', name: '样例', ...customer } }),
        ...(policy ? { policy } : {}),
      });
      const token = ct(id);
      const outcomes = event.customer ? evaluateRules(recordRules(rules), event, shanghaiDate(event.occurredAt)) : [];
      issueChanges.push(...tracker.apply(event, token, outcomes).changes);
      const out = engine.customerEvent(ws, event, customerFactsOf(event, token, tokenizer, standInMobiles(rules)), outcomes);
      issueChanges.push(...out.issueChanges);
      return out;
    },
    agent(id: string, day: number, agent: AgentChangeInput['agent'] | null) {
      const event = AgentChange.parse({
        schema: 'agent-change/v1',
        eventId: `p-${++sequence}`,
        source: 'unit-crm',
        op: agent === null ? 'delete' : 'update',
        occurredAt: at(day),
        agentId: id,
        ...(agent === null ? {} : { agent }),
      });
      const out = engine.agentEvent(ws, event, agentFactsOf(event, tokenizer));
      issueChanges.push(...out.issueChanges);
      return out;
    },
    /** Customer ids with an active finding for the rule, sorted, among `ids`. */
    active(ruleId: string, ids: readonly string[]): string[] {
      return ids.filter((id) => ws.finding(ruleId, ct(id)) !== undefined).sort();
    },
    openIssue(ruleId: string, id: string) {
      return ws.openIssue(ruleId, ct(id));
    },
  };
}

const M1 = '13912340001';
const M2 = '13912340002';
const ABC = ['A', 'B', 'C'];

describe('shared-mobile', () => {
  it('names at most EVIDENCE_HOLDERS others, the first by token, in a group of any size', () => {
    const s = scenario();
    const ids = Array.from({ length: EVIDENCE_HOLDERS + 15 }, (_, i) => `G${i}`);
    ids.forEach((id, day) => s.customer(id, day, { mobile: M1 }));
    const tokens = ids.map(ct).sort();
    for (const self of [tokens[0]!, tokens[10]!, tokens.at(-1)!]) {
      const finding = s.ws.finding('shared-mobile', self)!;
      expect(finding.groupSize).toBe(ids.length);
      expect(finding.evidence.holders!.map((h) => h.customerToken)).toEqual(tokens.filter((t) => t !== self).slice(0, EVIDENCE_HOLDERS));
    }
  });

  it('finds a pair and a triple, with the others as evidence, tokens and masks only', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: M1 });
    expect(s.active('shared-mobile', ABC)).toEqual([]);
    s.customer('B', 1, { mobile: M1 });
    expect(s.active('shared-mobile', ABC)).toEqual(['A', 'B']);
    s.customer('C', 2, { mobile: M1 });
    expect(s.active('shared-mobile', ABC)).toEqual(ABC);
    const finding = s.ws.finding('shared-mobile', ct('A'))!;
    expect(finding).toMatchObject({ groupSize: 3, since: s.ws.finding('shared-mobile', ct('A'))!.since });
    expect(finding.evidence.holders!.map((h) => h.customerToken)).toEqual([ct('B'), ct('C')].sort());
    expect(JSON.stringify(finding)).not.toContain(M1);
    expect(finding.evidence.holders![0]!.masked).toBe('139****0001');
    // One open issue per customer, in the callback-verification queue.
    for (const id of ABC) expect(s.openIssue('shared-mobile', id)).toMatchObject({ queue: 'callback-verification', status: 'open' });
  });

  it('is broken by an update and by a delete, resolving the others\' issues as condition-cleared', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: M1 });
    s.customer('B', 1, { mobile: M1 });
    const bIssue = s.openIssue('shared-mobile', 'B')!;
    s.customer('A', 2, { mobile: M2 });
    expect(s.active('shared-mobile', ABC)).toEqual([]);
    expect(s.issueChanges.filter((c) => c.issue.ruleId === 'shared-mobile' && c.change === 'resolved').map((c) => [c.issue.customerToken, c.issue.resolution])).toEqual(
      [[ct('A'), 'condition-cleared'], [ct('B'), 'condition-cleared']].sort(),
    );
    expect(s.openIssue('shared-mobile', 'B')).toBeUndefined();
    // Re-formed with a new member: issues open again.
    s.customer('C', 3, { mobile: M1 });
    expect(s.active('shared-mobile', ABC)).toEqual(['B', 'C']);
    expect(s.openIssue('shared-mobile', 'B')?.issueId).not.toBe(bIssue.issueId);
    // A delete breaks it: the deleted customer's issues are withdrawn, the other's resolved.
    s.customer('C', 4, null);
    expect(s.active('shared-mobile', ABC)).toEqual([]);
    const last = s.issueChanges.filter((c) => c.issue.ruleId === 'shared-mobile').slice(-2);
    expect(last.map((c) => [c.issue.customerToken, c.change, c.issue.resolution]).sort()).toEqual(
      [[ct('B'), 'resolved', 'condition-cleared'], [ct('C'), 'withdrawn', 'customer-deleted']].sort(),
    );
  });

  it('forms no group on a stand-in mobile: each holder has the placeholder finding instead', () => {
    const s = scenario();
    const ids = ['A', 'B', 'C', 'D'];
    ids.forEach((id, day) => s.customer(id, day, { mobile: day % 2 === 0 ? '13800000000' : '+86 138-0000-0000' }));
    expect(s.active('shared-mobile', ids)).toEqual([]);
    expect(s.active('placeholder-value', ids)).toEqual(ids);
    expect(s.ws.holdersOf(`mobile:${tokenizer.token('mobile', '13800000000')}`).size).toBe(0);
    // Real numbers still form groups; leaving one for a stand-in breaks it.
    s.customer('A', 5, { mobile: M1 });
    s.customer('B', 6, { mobile: M1 });
    expect(s.active('shared-mobile', ids)).toEqual(['A', 'B']);
    s.customer('B', 7, { mobile: '13800000000' });
    expect(s.active('shared-mobile', ids)).toEqual([]);
    expect(s.issueChanges.filter((c) => c.issue.ruleId === 'shared-mobile' && c.change === 'resolved').map((c) => c.issue.customerToken).sort()).toEqual([ct('A'), ct('B')].sort());
  });

  it('normalises formatting variants of one mobile', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: '+86 139 1234 0001' });
    s.customer('B', 1, { mobile: '86-13912340001' });
    s.customer('C', 2, { mobile: '１３９１２３４０００１' });
    expect(s.active('shared-mobile', ABC)).toEqual(ABC);
  });

  it('does not depend on arrival order across customers', () => {
    const events: [string, string][] = [['A', M1], ['B', M1], ['C', M2], ['A', M2], ['B', M2]];
    const finals = [events, [...events].reverse().filter((_, i, arr) => arr.findIndex(([id]) => id === arr[i]![0]) === i)].map((order) => {
      const s = scenario();
      // Per customer, events keep their order; across customers the order differs.
      const byCustomer = new Map<string, string[]>();
      for (const [id, mobile] of events) byCustomer.set(id, [...(byCustomer.get(id) ?? []), mobile]);
      const ids = order === events ? ['A', 'B', 'C'] : ['C', 'B', 'A'];
      let day = 0;
      for (const id of ids) for (const mobile of byCustomer.get(id)!) s.customer(id, day++, { mobile });
      return s.active('shared-mobile', ABC);
    });
    expect(finals[0]).toEqual(['A', 'B', 'C']);
    expect(finals[1]).toEqual(finals[0]);
  });
});

describe('shared-bank-account', () => {
  const CARD = '6222020000001234';
  it('counts own accounts, in any grouping, and never a premium payer\'s', () => {
    const s = scenario();
    s.customer('A', 0, { bankAccounts: [{ number: CARD }] });
    // A relative paying B's premium from A's card is normal.
    s.customer('B', 1, {}, { policyId: 'P-1', role: 'policyholder', premiumAccount: { number: CARD, approved: false } });
    expect(s.active('shared-bank-account', ABC)).toEqual([]);
    s.customer('C', 2, { kind: 'organization', settlementAccount: { number: '6222 0200 0000 1234', authorized: true } });
    expect(s.active('shared-bank-account', ABC)).toEqual(['A', 'C']);
    expect(s.ws.finding('shared-bank-account', ct('C'))!.evidence.holders!.map((h) => h.masked)).toEqual(['****1234']);
  });
});

describe('agent-contact-reuse', () => {
  const policy = { policyId: 'P-9', role: 'policyholder' as const, agentId: 'AG-1', channel: 'bancassurance' };
  it('holds whichever arrives first, for the agent\'s and a relative\'s contacts, and ends when the agent\'s phone changes away', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: M1 }, policy);
    s.customer('B', 0, { address: '北京市海淀区测试路1号' }, policy);
    s.customer('C', 0, { mobile: M2 }, policy);
    expect(s.active('agent-contact-reuse', ABC)).toEqual([]);
    // The agent arrives after its customers: its own mobile is A's, a relative's is C's, its address B's (full-width, spaces).
    s.agent('AG-1', 1, { name: '代理人', mobile: M1, address: '北京市海淀区测试路 １ 号', relatives: [{ mobile: M2 }] });
    expect(s.active('agent-contact-reuse', ABC)).toEqual(ABC);
    expect(s.ws.finding('agent-contact-reuse', ct('C'))!.evidence.agent!.matches).toEqual([{ field: 'mobile', who: 'relative', masked: '139****0002' }]);
    expect(s.openIssue('agent-contact-reuse', 'A')).toMatchObject({ priority: 'P1' });
    // The agent's own phone changes away: A's finding ends, the others stay.
    s.agent('AG-1', 2, { name: '代理人', mobile: '13912349999', address: '北京市海淀区测试路1号', relatives: [{ mobile: M2 }] });
    expect(s.active('agent-contact-reuse', ABC)).toEqual(['B', 'C']);
    expect(s.openIssue('agent-contact-reuse', 'A')).toBeUndefined();
    // A customer arriving after the agent is found at once.
    s.customer('D', 3, { mobile: '13912349999' }, policy);
    expect(s.active('agent-contact-reuse', ['D'])).toEqual(['D']);
  });
});

describe('frequent-mobile-change', () => {
  it('two changes within 25 days hold, two changes 40 days apart do not, and it stays until the customer is deleted', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: '13912340010' });
    s.customer('A', 5, { mobile: '13912340011' });
    s.customer('A', 30, { mobile: '13912340012' });
    expect(s.active('frequent-mobile-change', ['A'])).toEqual(['A']);
    s.customer('B', 0, { mobile: '13912340020' });
    s.customer('B', 5, { mobile: '13912340021' });
    s.customer('B', 45, { mobile: '13912340022' });
    expect(s.active('frequent-mobile-change', ['B'])).toEqual([]);
    // Sticky: later events without changes keep it, a format change is not a change.
    s.customer('A', 80, { mobile: '+86 139 1234 0012' });
    expect(s.active('frequent-mobile-change', ['A'])).toEqual(['A']);
    s.customer('A', 90, null);
    expect(s.active('frequent-mobile-change', ['A'])).toEqual([]);
  });
});

describe('record rules\' active findings', () => {
  it('follow the latest event: active while it violates, gone when it passes or the customer is deleted', () => {
    const s = scenario();
    s.customer('A', 0, { mobile: '12345' });
    expect(s.active('mobile-format', ['A'])).toEqual(['A']);
    s.customer('A', 1, { mobile: M1 });
    expect(s.active('mobile-format', ['A'])).toEqual([]);
    s.customer('A', 2, { mobile: '12345' });
    s.customer('A', 3, null);
    expect(s.active('mobile-format', ['A'])).toEqual([]);
  });
});
