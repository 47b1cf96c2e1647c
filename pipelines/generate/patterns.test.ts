// The pattern truth against a second, deliberately simple computation: the generated JSONL is
// parsed and replayed here (latest record per customer and agent, deletes, mobile histories) and
// every rule is re-derived by brute force with normalisers of its own, then each injected scenario
// is looked for in the stream itself rather than taken from the truth's word.
import { beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent, type AgentChange, type CustomerChange } from '../contract/customer-change.ts';
import { generateStream, PATTERN_RULE_DEFAULTS, PATTERN_RULE_IDS, RULE_IDS, type AnyRuleId, type GroundTruth, type ScenarioRecord } from './index.ts';
import { SCENARIO_NAMES } from './pattern-scenarios.ts';

interface Generated {
  readonly lines: string[];
  readonly truth: GroundTruth;
}

function generate(customers: number, seed: number): Generated {
  const stream = generateStream({ customers, seed });
  const lines = [...stream];
  return { lines, truth: stream.truth };
}

const DAY = 86_400_000;

// ---- replay ---------------------------------------------------------------------------------------

interface Replay {
  /** Every first delivery per customer, in stream order, deletes included. */
  readonly customerEvents: Map<string, CustomerChange[]>;
  readonly agentEvents: Map<string, AgentChange[]>;
  /** Line index (0-based) of each first delivery. */
  readonly lineOf: Map<string, number>;
}

function replay({ lines }: Generated): Replay {
  const customerEvents = new Map<string, CustomerChange[]>();
  const agentEvents = new Map<string, AgentChange[]>();
  const lineOf = new Map<string, number>();
  lines.forEach((line, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const result = ChangeEvent.safeParse(parsed);
    if (!result.success || lineOf.has(result.data.eventId)) return;
    const event = result.data;
    lineOf.set(event.eventId, index);
    if (event.schema === 'customer-change/v1') {
      const list = customerEvents.get(event.customerId) ?? [];
      list.push(event);
      customerEvents.set(event.customerId, list);
    } else {
      const list = agentEvents.get(event.agentId) ?? [];
      list.push(event);
      agentEvents.set(event.agentId, list);
    }
  });
  return { customerEvents, agentEvents, lineOf };
}

/** Latest event of each customer that is not deleted. */
function existing(r: Replay): Map<string, CustomerChange> {
  const latest = new Map<string, CustomerChange>();
  for (const [id, list] of r.customerEvents) {
    const last = list.at(-1);
    if (last && last.op !== 'delete') latest.set(id, last);
  }
  return latest;
}

function currentAgent(r: Replay, agentId: string | undefined): AgentChange['agent'] | undefined {
  if (agentId === undefined) return undefined;
  const last = r.agentEvents.get(agentId)?.at(-1);
  return last && last.op !== 'delete' ? last.agent : undefined;
}

// ---- readings of the rules ----------------------------------------------------------------------

interface Reading {
  mobile(value: string): string;
  account(value: string): string;
  address(value: string): string;
  /** Two changes exactly windowDays apart count. */
  readonly windowInclusive: boolean;
  /** A change is measured from the last non-empty mobile, across events without one. */
  readonly acrossGaps: boolean;
}

/** The issue's words, through NFKC rather than the generator's own width folding. */
const ISSUE: Reading = {
  mobile(value) {
    const compact = value.normalize('NFKC').replace(/[\s-]/g, '');
    return /^\+?86(\d{11})$/.exec(compact)?.[1] ?? compact;
  },
  account: (value) => value.normalize('NFKC').replace(/[\s-]/g, ''),
  address: (value) => value.normalize('NFKC').replace(/\s/g, ''),
  windowInclusive: true,
  acrossGaps: false,
};

/**
 * Readings the words leave open (digits-only accounts, more separators and 0086 in mobiles, an open
 * window start, changes across a gap): the generated streams must not depend on which one is taken.
 */
const OTHER: Reading = {
  mobile(value) {
    const compact = value.normalize('NFKC').replace(/[\s\-().]/g, '');
    if (compact.startsWith('+86')) return compact.slice(3);
    if (compact.startsWith('0086')) return compact.slice(4);
    return /^861\d{10}$/.test(compact) ? compact.slice(2) : compact;
  },
  account: (value) => value.normalize('NFKC').replace(/\D/g, ''),
  address: (value) => value.normalize('NFKC').replace(/\s/g, ''),
  windowInclusive: false,
  acrossGaps: true,
};

function mobileKey(reading: Reading, event: CustomerChange): string {
  const mobile = event.customer?.mobile;
  return mobile === undefined ? '' : reading.mobile(mobile);
}

function ownAccountKeys(reading: Reading, event: CustomerChange): string[] {
  const numbers = [...(event.customer?.bankAccounts ?? []).map((a) => a.number)];
  if (event.customer?.settlementAccount) numbers.push(event.customer.settlementAccount.number);
  return numbers.map((n) => reading.account(n)).filter((n) => n !== '');
}

/** Times of a customer's mobile changes, in order. */
function changeTimes(reading: Reading, events: readonly CustomerChange[]): number[] {
  const times: number[] = [];
  let previous = '';
  for (const event of events) {
    if (event.op === 'delete') break;
    const key = mobileKey(reading, event);
    if (previous !== '' && key !== '' && key !== previous) times.push(Date.parse(event.occurredAt));
    if (key !== '' || !reading.acrossGaps) previous = key;
  }
  return times;
}

function frequent(reading: Reading, times: readonly number[]): boolean {
  const { minChanges, windowDays } = PATTERN_RULE_DEFAULTS['frequent-mobile-change'];
  const window = windowDays * DAY;
  return times.some((t) => times.filter((u) => u <= t && (reading.windowInclusive ? u >= t - window : u > t - window)).length >= minChanges);
}

/** The built-in placeholder rule's phones, restated: a listed number, one digit throughout, a run, or eight equal last digits. */
function standIn(mobile: string): boolean {
  if (!/^\d{11}$/.test(mobile)) return false;
  const steps = [...mobile].slice(1).map((d, i) => (Number(d) - Number(mobile[i]) + 10) % 10);
  return (
    ['13800000000', '13900000000', '13800138000'].includes(mobile) ||
    steps.every((x) => x === 1) ||
    steps.every((x) => x === 9) ||
    new Set(mobile.slice(-8)).size === 1
  );
}

function bruteForce(r: Replay, truth: GroundTruth, reading: Reading): Record<AnyRuleId, string[]> {
  const latest = [...existing(r)];
  const result = Object.fromEntries([...RULE_IDS, ...PATTERN_RULE_IDS].map((rule) => [rule, new Set<string>()])) as Record<AnyRuleId, Set<string>>;

  const eventsByRule = new Map(RULE_IDS.map((rule) => [rule, new Set(truth.eventsByRule[rule])]));
  for (const [id, event] of latest) for (const rule of RULE_IDS) if (eventsByRule.get(rule)?.has(event.eventId)) result[rule].add(id);

  const { minHolders } = PATTERN_RULE_DEFAULTS['shared-mobile'];
  const mobiles = latest.map(([id, event]) => [id, mobileKey(reading, event)] as const);
  for (const [id, mobile] of mobiles) {
    if (mobile === '' || standIn(mobile)) continue;
    const others = mobiles.filter(([other, m]) => other !== id && m === mobile).length;
    if (others >= minHolders - 1) result['shared-mobile'].add(id);
  }

  const accounts = latest.map(([id, event]) => [id, ownAccountKeys(reading, event)] as const);
  for (const [id, own] of accounts) {
    if (accounts.some(([other, theirs]) => other !== id && own.some((a) => theirs.includes(a)))) result['shared-bank-account'].add(id);
  }

  for (const [id, event] of latest) {
    const agent = currentAgent(r, event.policy?.agentId);
    if (!agent) continue;
    const people = [agent, ...(agent.relatives ?? [])];
    const mobile = mobileKey(reading, event);
    const address = event.customer?.address === undefined ? '' : reading.address(event.customer.address);
    const mobileReused = mobile !== '' && people.some((p) => p.mobile !== undefined && reading.mobile(p.mobile) === mobile);
    const addressReused = address !== '' && people.some((p) => p.address !== undefined && reading.address(p.address) === address);
    if (mobileReused || addressReused) result['agent-contact-reuse'].add(id);
  }

  for (const [id] of latest) {
    if (frequent(reading, changeTimes(reading, r.customerEvents.get(id) ?? []))) result['frequent-mobile-change'].add(id);
  }
  return Object.fromEntries(Object.entries(result).map(([rule, ids]) => [rule, [...ids].sort()])) as Record<AnyRuleId, string[]>;
}

// ---- scenario helpers ---------------------------------------------------------------------------

function instances(truth: GroundTruth, scenario: string): ScenarioRecord[] {
  return PATTERN_RULE_IDS.flatMap((rule) => truth.patterns[rule].scenarios).filter((s) => s.scenario === scenario && s.complete);
}

function eventsOf(r: Replay, customerId: string | undefined): CustomerChange[] {
  return r.customerEvents.get(customerId ?? '') ?? [];
}

function lastOf(r: Replay, customerId: string | undefined): CustomerChange {
  const last = eventsOf(r, customerId).at(-1);
  if (!last) throw new Error(`no events for ${customerId}`);
  return last;
}

const writtenMobiles = (r: Replay, ids: readonly string[]) =>
  ids.flatMap((id) => eventsOf(r, id).map((e) => e.customer?.mobile)).filter((m): m is string => m !== undefined);

const ISSUE_FORMS: Readonly<Record<string, RegExp>> = {
  '+86 139 1234 5678': /^\+86 1\d{2} \d{4} \d{4}$/,
  '86-13912345678': /^86-1\d{10}$/,
  '139 1234 5678': /^1\d{2} \d{4} \d{4}$/,
  '１３９１２３４５６７８': /^[０-９]{11}$/,
};

// ---- tests --------------------------------------------------------------------------------------

describe.each([
  { customers: 300, seed: 1, least: 1 },
  { customers: 300, seed: 2, least: 1 },
  { customers: 300, seed: 77, least: 1 },
  { customers: 2000, seed: 424242, least: 3 },
])('pattern truth for $customers customers, seed $seed', ({ customers, seed, least }) => {
  let generated: Generated;
  let r: Replay;
  let truth: GroundTruth;
  let active: Record<AnyRuleId, ReadonlySet<string>>;
  beforeAll(() => {
    generated = generate(customers, seed);
    truth = generated.truth;
    r = replay(generated);
    const sets = {} as Record<AnyRuleId, ReadonlySet<string>>;
    for (const rule of [...RULE_IDS, ...PATTERN_RULE_IDS]) sets[rule] = new Set(truth.activeFindings[rule]);
    active = sets;
  });

  it('matches a brute-force replay of the written stream, for every rule', () => {
    const expected = bruteForce(r, truth, ISSUE);
    expect(Object.keys(truth.activeFindings).sort()).toEqual([...RULE_IDS, ...PATTERN_RULE_IDS].sort());
    for (const rule of [...RULE_IDS, ...PATTERN_RULE_IDS]) {
      expect(truth.activeFindings[rule], rule).toEqual(expected[rule]);
      expect(truth.activeFindingCounts[rule], rule).toBe(expected[rule].length);
    }
    for (const rule of PATTERN_RULE_IDS) expect(truth.activeFindings[rule].length, rule).toBeGreaterThan(0);
  });

  it('does not depend on how the open points of the rules are read', () => {
    const issue = bruteForce(r, truth, ISSUE);
    const other = bruteForce(r, truth, OTHER);
    for (const rule of PATTERN_RULE_IDS) expect(other[rule], rule).toEqual(issue[rule]);
  });

  it('explains every active pattern finding by a group, and every group by a scenario or as an accident', () => {
    for (const rule of PATTERN_RULE_IDS) {
      const { groups, params } = truth.patterns[rule];
      expect(params).toEqual(PATTERN_RULE_DEFAULTS[rule]);
      expect([...new Set(groups.flatMap((g) => g.customers))].sort(), rule).toEqual(truth.activeFindings[rule]);
      for (const group of groups) {
        expect(group.scenarios.length).toBeGreaterThan(0);
        expect([...group.customers].sort()).toEqual(group.customers);
        if (group.kind === 'mobile') expect(group.customers.length).toBeGreaterThanOrEqual(PATTERN_RULE_DEFAULTS['shared-mobile'].minHolders);
        if (group.kind === 'bank-account') expect(group.customers.length).toBeGreaterThanOrEqual(2);
        if (group.kind.startsWith('agent-')) expect(group.agentId).toMatch(/^A\d{4}$/);
      }
      // Groups name customers and agents, never the value they share.
      const text = JSON.stringify(groups);
      expect(text).not.toMatch(/\d{7}/);
    }
    // Shared-mobile groups are exactly the holders of one number.
    const latest = existing(r);
    for (const group of truth.patterns['shared-mobile'].groups) {
      const keys = new Set(group.customers.map((id) => mobileKey(ISSUE, latest.get(id) as CustomerChange)));
      expect(keys.size).toBe(1);
      const holders = [...latest].filter(([, e]) => keys.has(mobileKey(ISSUE, e))).map(([id]) => id).sort();
      expect(holders).toEqual(group.customers);
    }
  });

  it(`runs every scenario at least ${least} time(s), each with the outcome it means`, () => {
    for (const name of SCENARIO_NAMES) {
      const done = instances(truth, name);
      expect(done.length, name).toBeGreaterThanOrEqual(least);
      for (const instance of done) {
        const findings = active[instance.rule];
        for (const id of instance.customers) expect(findings.has(id), `${instance.id}: ${id}`).toBe(instance.expectedActive.includes(id));
      }
    }
  });

  it('shares mobiles in pairs and triples, written differently by each holder', () => {
    const latest = existing(r);
    for (const instance of [...instances(truth, 'mobile-pair'), ...instances(truth, 'mobile-triple')]) {
      const keys = new Set(instance.customers.map((id) => mobileKey(ISSUE, latest.get(id) as CustomerChange)));
      expect(keys.size, instance.id).toBe(1);
    }
    expect(instances(truth, 'mobile-triple').every((s) => s.customers.length === 3)).toBe(true);
    const shared = PATTERN_RULE_IDS.flatMap((rule) => truth.patterns[rule].scenarios).filter((s) => s.rule === 'shared-mobile');
    const written = writtenMobiles(r, shared.flatMap((s) => s.customers));
    for (const [form, pattern] of Object.entries(ISSUE_FORMS)) expect(written.some((m) => pattern.test(m)), form).toBe(true);
    const varied = truth.patterns['shared-mobile'].groups.filter((g) => new Set(g.customers.map((id) => latest.get(id)?.customer?.mobile)).size === g.customers.length);
    expect(varied.length).toBeGreaterThan(0);
  });

  it('breaks a pair by an update and by a delete, and re-forms a group after a break', () => {
    for (const instance of instances(truth, 'mobile-pair-broken-by-update')) {
      const [a, b] = instance.customers;
      const history = eventsOf(r, b);
      const key = mobileKey(ISSUE, lastOf(r, a));
      expect(mobileKey(ISSUE, history[0] as CustomerChange)).toBe(key);
      expect(lastOf(r, b).op).toBe('update');
      expect(mobileKey(ISSUE, lastOf(r, b))).not.toBe(key);
    }
    for (const instance of instances(truth, 'mobile-pair-broken-by-delete')) {
      const [a, b] = instance.customers;
      expect(mobileKey(ISSUE, eventsOf(r, b)[0] as CustomerChange)).toBe(mobileKey(ISSUE, lastOf(r, a)));
      expect(lastOf(r, b).op).toBe('delete');
    }
    for (const instance of instances(truth, 'mobile-group-re-formed')) {
      const [a, b, c] = instance.customers;
      const key = mobileKey(ISSUE, lastOf(r, a));
      const bEvents = eventsOf(r, b);
      const last = bEvents.at(-1) as CustomerChange;
      expect(last.op === 'delete' || mobileKey(ISSUE, last) !== key).toBe(true);
      const brokeAt = Date.parse((bEvents.find((e) => e.op === 'delete' || mobileKey(ISSUE, e) !== key) as CustomerChange).occurredAt);
      expect(Date.parse((eventsOf(r, c)[0] as CustomerChange).occurredAt)).toBeGreaterThan(brokeAt);
      expect(mobileKey(ISSUE, lastOf(r, c))).toBe(key);
    }
  });

  it('shares own accounts in bank and settlement accounts, with spaces and dashes, but never a premium account', () => {
    const latest = existing(r);
    const forms = new Set<string>();
    for (const instance of [...instances(truth, 'account-shared-bank-accounts'), ...instances(truth, 'account-shared-settlement')]) {
      const [a, b] = instance.customers.map((id) => latest.get(id) as CustomerChange);
      const shared = ownAccountKeys(ISSUE, a as CustomerChange).filter((k) => ownAccountKeys(ISSUE, b as CustomerChange).includes(k));
      expect(shared.length, instance.id).toBe(1);
      const written = [...(b?.customer?.bankAccounts ?? []).map((x) => x.number), b?.customer?.settlementAccount?.number].find(
        (n) => n !== undefined && ISSUE.account(n) === shared[0],
      ) as string;
      if (/ /.test(written)) forms.add('spaces');
      if (/-/.test(written)) {
        forms.add('dashes');
        // A dash is not allowed by the account-format rule: declared, so the per-record truth has it.
        expect(truth.customersByRule['bank-account-format']).toContain(b?.customerId);
        expect(truth.activeFindings['bank-account-format']).toContain(b?.customerId);
      }
      if (instance.scenario === 'account-shared-settlement') {
        expect(ISSUE.account(a?.customer?.settlementAccount?.number ?? '')).toBe(shared[0]);
      }
    }
    expect(forms).toEqual(new Set(['spaces', 'dashes']));
    expect(truth.defects['shared-account-with-dashes']).toBeGreaterThan(0);

    for (const instance of instances(truth, 'premium-account-decoy')) {
      const [x, p] = instance.customers.map((id) => latest.get(id) as CustomerChange);
      const premium = p?.policy?.premiumAccount;
      expect(premium?.approved).toBe(true);
      // The premium is paid from the other customer's own account: counted, it would be a finding.
      expect(ownAccountKeys(ISSUE, x as CustomerChange)).toContain(ISSUE.account(premium?.number ?? ''));
      expect(active['shared-bank-account'].has(x?.customerId ?? '')).toBe(false);
      expect(active['shared-bank-account'].has(p?.customerId ?? '')).toBe(false);
      expect(active['premium-payer-mismatch'].has(p?.customerId ?? '')).toBe(false);
    }
  });

  it("reuses an agent's mobile, a relative's mobile and its address (written differently)", () => {
    const latest = existing(r);
    for (const instance of instances(truth, 'agent-own-mobile')) {
      const customer = latest.get(instance.customers[0] ?? '') as CustomerChange;
      const agent = currentAgent(r, customer.policy?.agentId);
      expect(customer.policy?.agentId).toBe(instance.agents[0]);
      expect(mobileKey(ISSUE, customer)).toBe(ISSUE.mobile(agent?.mobile ?? ''));
    }
    for (const instance of instances(truth, 'agent-relative-mobile')) {
      const customer = latest.get(instance.customers[0] ?? '') as CustomerChange;
      const agent = currentAgent(r, customer.policy?.agentId);
      expect((agent?.relatives ?? []).map((x) => ISSUE.mobile(x.mobile ?? ''))).toContain(mobileKey(ISSUE, customer));
    }
    const variants = new Set<string>();
    for (const instance of instances(truth, 'agent-address')) {
      const customer = latest.get(instance.customers[0] ?? '') as CustomerChange;
      const agent = currentAgent(r, customer.policy?.agentId);
      const address = customer.customer?.address ?? '';
      const theirs = [agent?.address, ...(agent?.relatives ?? []).map((x) => x.address)].filter((a): a is string => a !== undefined);
      expect(theirs).not.toContain(address);
      expect(theirs.map(ISSUE.address)).toContain(ISSUE.address(address));
      if (/[\s\u3000]/.test(address)) variants.add('whitespace');
      if (/[０-９]/.test(address)) variants.add('full-width');
    }
    expect(variants).toEqual(new Set(['whitespace', 'full-width']));
  });

  it('finds the reuse when the agent is published after its customer, and ends it when the agent changes its phone', () => {
    for (const instance of instances(truth, 'agent-published-late')) {
      const [customerId] = instance.customers;
      const agentEvents = r.agentEvents.get(instance.agents[0] ?? '') ?? [];
      const firstCustomerLine = r.lineOf.get(eventsOf(r, customerId)[0]?.eventId ?? '') ?? Infinity;
      expect(r.lineOf.get(agentEvents[0]?.eventId ?? '')).toBeGreaterThan(firstCustomerLine);
      expect(lastOf(r, customerId).policy?.agentId).toBe(instance.agents[0]);
    }
    for (const instance of instances(truth, 'agent-mobile-changes-away')) {
      const [customerId] = instance.customers;
      const customer = lastOf(r, customerId);
      const [created, ...updates] = r.agentEvents.get(instance.agents[0] ?? '') ?? [];
      expect(ISSUE.mobile(created?.agent?.mobile ?? '')).toBe(mobileKey(ISSUE, customer));
      const change = updates.find((u) => ISSUE.mobile(u.agent?.mobile ?? '') !== mobileKey(ISSUE, customer));
      expect(change).toBeDefined();
      expect(Date.parse(change?.occurredAt ?? '')).toBeGreaterThan(Date.parse(eventsOf(r, customerId)[0]?.occurredAt ?? ''));
    }
  });

  it('tells two mobile changes within 25 or 29 days (active) from two 31 or 40 days apart, a deleted customer and mere reformatting', () => {
    for (const instance of instances(truth, 'mobile-changes-within-25-days')) {
      const times = changeTimes(ISSUE, eventsOf(r, instance.customers[0]));
      expect(times.length).toBe(2);
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThanOrEqual(25 * DAY);
    }
    for (const instance of instances(truth, 'mobile-changes-40-days-apart')) {
      const times = changeTimes(ISSUE, eventsOf(r, instance.customers[0]));
      expect(times.length).toBe(2);
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(40 * DAY);
    }
    for (const [name, days] of [['mobile-changes-29-days-apart', 29], ['mobile-changes-31-days-apart', 31]] as const) {
      for (const instance of instances(truth, name)) {
        const times = changeTimes(ISSUE, eventsOf(r, instance.customers[0]));
        expect(times.length).toBe(2);
        expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(days * DAY);
        expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThanOrEqual((days + 0.5) * DAY);
      }
    }
    for (const instance of instances(truth, 'mobile-changes-then-deleted')) {
      const events = eventsOf(r, instance.customers[0]);
      expect(frequent(ISSUE, changeTimes(ISSUE, events))).toBe(true);
      expect(events.at(-1)?.op).toBe('delete');
    }
    for (const instance of instances(truth, 'mobile-reformatted-only')) {
      const written = eventsOf(r, instance.customers[0]).map((e) => e.customer?.mobile);
      expect(new Set(written).size).toBeGreaterThanOrEqual(3);
      expect(new Set(written.map((m) => ISSUE.mobile(m ?? ''))).size).toBe(1);
    }
  });

  it('keeps every scripted event inside the stream and every customer history to five events', () => {
    for (const [, events] of r.customerEvents) {
      expect(events.length).toBeLessThanOrEqual(5);
      for (let i = 1; i < events.length; i++) {
        expect(Date.parse(events[i]?.occurredAt ?? '')).toBeGreaterThan(Date.parse(events[i - 1]?.occurredAt ?? ''));
      }
    }
    const times = [...r.customerEvents.values(), ...r.agentEvents.values()].flat().map((e) => Date.parse(e.occurredAt));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2026-10-01T00:00:00+08:00'));
  });

  it('lists each shared value in the raw values as written and as compared', () => {
    const raw = new Set([...(truth.rawValues['customer.mobile'] ?? []), ...(truth.rawValues['customer.bankAccounts[].number'] ?? [])]);
    const addresses = new Set(truth.rawValues['customer.address'] ?? []);
    const scenarios = PATTERN_RULE_IDS.flatMap((rule) => truth.patterns[rule].scenarios);
    for (const id of scenarios.flatMap((s) => s.customers)) {
      for (const event of eventsOf(r, id)) {
        const c = event.customer;
        if (!c) continue;
        for (const value of [c.mobile, ...(c.bankAccounts ?? []).map((a) => a.number)]) {
          if (value === undefined) continue;
          expect(raw.has(value), value).toBe(true);
          expect(raw.has(ISSUE.mobile(value)) || raw.has(ISSUE.account(value)), value).toBe(true);
        }
        if (c.address !== undefined) {
          expect(addresses.has(c.address)).toBe(true);
          expect(addresses.has(ISSUE.address(c.address))).toBe(true);
        }
      }
    }
  });
});

describe('pattern injection', () => {
  it('is deterministic: the same seed gives the same lines and truth', () => {
    const a = generate(2000, 424242);
    const b = generate(2000, 424242);
    expect(b.lines.join('\n') === a.lines.join('\n')).toBe(true);
    expect(JSON.stringify(b.truth) === JSON.stringify(a.truth)).toBe(true);
  });

  it('keeps the pattern truth independent of the noise rates', () => {
    const noisy = generateStream({ customers: 300, seed: 5 });
    const quiet = generateStream({ customers: 300, seed: 5, badLineRate: 0, duplicateRate: 0 });
    void [...noisy, ...quiet];
    expect(quiet.truth.activeFindings).toEqual(noisy.truth.activeFindings);
    expect(quiet.truth.patterns).toEqual(noisy.truth.patterns);
  });

  it('still generates a stream of a handful of customers', () => {
    const { truth } = generate(5, 3);
    expect(truth.customers).toBe(5);
    for (const rule of PATTERN_RULE_IDS) expect(truth.activeFindingCounts[rule]).toBe(truth.activeFindings[rule].length);
  });
});
