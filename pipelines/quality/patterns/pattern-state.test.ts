// The workspace's change set is what the store writes: for each holder, the batch's last change
// must win over whatever the store held before the batch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerFacts } from './facts.ts';
import { emptySnapshot, findingKey, PatternWorkspace, type ActiveFinding } from './pattern-state.ts';

function loaded(holders: Record<string, Record<string, string>>): PatternWorkspace {
  const snapshot = emptySnapshot();
  for (const [key, map] of Object.entries(holders)) snapshot.holders.set(key, new Map(Object.entries(map)));
  return new PatternWorkspace(snapshot);
}

const netOf = (ws: PatternWorkspace) => {
  const { holdersAdded, holdersRemoved } = ws.changes();
  return {
    added: Object.fromEntries([...holdersAdded].filter(([, m]) => m.size > 0).map(([k, m]) => [k, Object.fromEntries(m)])),
    removed: Object.fromEntries([...holdersRemoved].filter(([, s]) => s.size > 0).map(([k, s]) => [k, [...s]])),
  };
};

describe('holder changes', () => {
  it('a holder removed, held again and removed in one batch is deleted', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.removeHolder('mobile:m', 'c');
    ws.addHolder('mobile:m', 'c', 't2');
    ws.removeHolder('mobile:m', 'c');
    expect(netOf(ws)).toEqual({ added: {}, removed: { 'mobile:m': ['c'] } });
  });

  it('a holder removed and held again is written with its new since', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.removeHolder('mobile:m', 'c');
    ws.addHolder('mobile:m', 'c', 't2');
    expect(netOf(ws)).toEqual({ added: { 'mobile:m': { c: 't2' } }, removed: {} });
  });

  it('a new holder that leaves again within the batch is deleted (a no-op for the store)', () => {
    const ws = loaded({});
    ws.addHolder('account:a', 'c', 't1');
    ws.removeHolder('account:a', 'c');
    expect(netOf(ws)).toEqual({ added: {}, removed: { 'account:a': ['c'] } });
  });

  it('holding a value already held changes nothing', () => {
    const ws = loaded({ 'mobile:m': { c: 't0' } });
    ws.addHolder('mobile:m', 'c', 't5');
    expect(netOf(ws)).toEqual({ added: {}, removed: {} });
    expect(ws.holdersOf('mobile:m').get('c')).toBe('t0');
  });
});

describe('the active-findings mirror', () => {
  const customer = (token: string, channel = 'app', agentToken = 'agent-1'): CustomerFacts => ({
    customerToken: token,
    deleted: false,
    mobile: undefined,
    address: undefined,
    accounts: [],
    agentToken,
    source: 'unit',
    channel,
    updatedAt: '2026-06-01T00:00:00Z',
    lastEventId: 'e0',
    frequentSince: undefined,
  });
  const finding = (customerToken: string, groupSize = 2): ActiveFinding => ({
    ruleId: 'shared-mobile',
    customerToken,
    since: '2026-06-01T00:00:00Z',
    sinceEventId: 'e1',
    groupToken: 'm',
    groupSize,
    evidence: { holders: [] },
  });
  const withFinding = (f: ActiveFinding, c: CustomerFacts) => {
    const snapshot = emptySnapshot();
    snapshot.customers.set(c.customerToken, c);
    snapshot.findings.set(findingKey(f.ruleId, f.customerToken), f);
    return new PatternWorkspace(snapshot);
  };
  const rows = (ws: PatternWorkspace) => ws.changes().findingMirror.map((r) => `${r.ruleId}|${r.customerToken}|${r.active ? 'active' : 'cleared'}|${r.groupSize}|${r.channel}`);

  it('an activation, a change of group size and a clearing each write a row; a finding merely confirmed writes none', () => {
    const fresh = new PatternWorkspace(emptySnapshot());
    fresh.putCustomer(customer('c1'));
    fresh.putFinding(finding('c1'));
    expect(rows(fresh)).toEqual(['shared-mobile|c1|active|2|app']);

    const confirmed = withFinding(finding('c1'), customer('c1'));
    confirmed.putCustomer(customer('c1'));
    confirmed.putFinding(finding('c1'));
    expect(rows(confirmed)).toEqual([]);

    const grown = withFinding(finding('c1'), customer('c1'));
    grown.putFinding(finding('c1', 3));
    expect(rows(grown)).toEqual(['shared-mobile|c1|active|3|app']);

    const cleared = withFinding(finding('c1'), customer('c1'));
    cleared.clearFinding('shared-mobile', 'c1');
    expect(rows(cleared)).toEqual(['shared-mobile|c1|cleared|2|app']);
  });

  it("a customer's new channel shows on every finding of theirs, though the findings did not change", () => {
    const ws = withFinding(finding('c1'), customer('c1'));
    ws.putCustomer(customer('c1', 'branch'));
    expect(rows(ws)).toEqual(['shared-mobile|c1|active|2|branch']);
  });

  it('cleared and found again within the batch, unchanged, writes nothing; activated and cleared within it writes nothing', () => {
    const back = withFinding(finding('c1'), customer('c1'));
    back.clearFinding('shared-mobile', 'c1');
    back.putFinding(finding('c1'));
    expect(rows(back)).toEqual([]);

    const fleeting = new PatternWorkspace(emptySnapshot());
    fleeting.putFinding(finding('c2'));
    fleeting.clearFinding('shared-mobile', 'c2');
    expect(rows(fleeting)).toEqual([]);
  });
});

describe('finding lookups', () => {
  it('answer as the loaded findings and every put and clear since, for each customer and rule', () => {
    const rules = ['r1', 'r2', 'r3'];
    const customers = ['c1', 'c2', 'c3'];
    const pair = fc.tuple(fc.constantFrom(...rules), fc.constantFrom(...customers));
    const finding = ([ruleId, customerToken]: [string, string], n: number): ActiveFinding => ({
      ruleId,
      customerToken,
      since: `2026-01-0${1 + (n % 9)}T00:00:00Z`,
      sinceEventId: `e${n}`,
      groupToken: '',
      groupSize: 1,
      evidence: { reasons: [] },
    });
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), fc.array(fc.tuple(fc.boolean(), pair), { maxLength: 20 }), (initial, steps) => {
        const snapshot = emptySnapshot();
        initial.forEach((p, n) => snapshot.findings.set(findingKey(...p), finding(p, n)));
        const ws = new PatternWorkspace(snapshot);
        const expected = new Map(snapshot.findings);
        const agrees = () => {
          for (const r of rules) for (const c of customers) expect(ws.finding(r, c)).toBe(expected.get(findingKey(r, c)));
        };
        agrees();
        steps.forEach(([put, p], n) => {
          if (put) {
            const f = finding(p, 100 + n);
            ws.putFinding(f);
            expected.set(findingKey(...p), f);
          } else {
            ws.clearFinding(...p);
            expected.delete(findingKey(...p));
          }
          agrees();
        });
      }),
    );
  });
});
