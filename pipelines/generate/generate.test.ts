import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent, type CustomerChange } from '../contract/customer-change.ts';
import { residentIdCheckCharacter } from '../cn/cn-resident-id.ts';
import { usccCheckCharacter } from '../cn/uscc.ts';
import { luhnCheckDigit } from '../cn/luhn.ts';
import { generateStream, writeGeneratedStream, truthFileFor, PATTERN_RULE_IDS, RULE_IDS, type GroundTruth } from './index.ts';
import { REGIONS } from './data/regions.ts';
import { FIELD_POLICY } from '../privacy/classification.ts';
import { ageOn } from './time.ts';

interface Generated {
  readonly lines: string[];
  readonly truth: GroundTruth;
}

function generate(customers: number, seed: number, extra: { badLineRate?: number; duplicateRate?: number } = {}): Generated {
  const stream = generateStream({ customers, seed, ...extra });
  const lines = [...stream];
  return { lines, truth: stream.truth };
}

/** Valid first deliveries, in stream order. */
function distinctEvents(generated: Generated): ChangeEvent[] {
  const dead = new Set(generated.truth.deadLetters.map((d) => d.line));
  const seen = new Set<string>();
  const events: ChangeEvent[] = [];
  generated.lines.forEach((line, i) => {
    if (dead.has(i + 1)) return;
    const event = ChangeEvent.parse(JSON.parse(line));
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    events.push(event);
  });
  return events;
}

function customerEvents(events: readonly ChangeEvent[]): Map<string, CustomerChange[]> {
  const byCustomer = new Map<string, CustomerChange[]>();
  for (const event of events) {
    if (event.schema !== 'customer-change/v1') continue;
    const list = byCustomer.get(event.customerId) ?? [];
    list.push(event);
    byCustomer.set(event.customerId, list);
  }
  return byCustomer;
}

function shanghaiDay(instant: string): string {
  return new Date(Date.parse(instant) + 8 * 3_600_000).toISOString().slice(0, 10);
}

const digitsOnly = (value: string) => value.replace(/[\s-]/g, '');

/** Customers in a pattern scenario or group: they share values on purpose (or by accident), in varied forms. */
function patternCustomers(truth: GroundTruth): Set<string> {
  return new Set(
    PATTERN_RULE_IDS.flatMap((rule) => [
      ...truth.patterns[rule].scenarios.flatMap((s) => s.customers),
      ...truth.patterns[rule].groups.flatMap((g) => g.customers),
    ]),
  );
}

describe('generateStream', () => {
  let small: Generated;
  beforeAll(() => {
    small = generate(500, 20261102);
  });

  it('is deterministic: the same seed gives the same lines and truth', () => {
    const again = generate(500, 20261102);
    expect(again.lines).toEqual(small.lines);
    expect(JSON.stringify(again.truth)).toBe(JSON.stringify(small.truth));
  });

  it('differs between seeds', () => {
    const other = generate(500, 20261103);
    expect(other.lines.join('\n')).not.toBe(small.lines.join('\n'));
    expect(other.truth.customersByRule).not.toEqual(small.truth.customersByRule);
  });

  it('keeps the customers (and so the rule truth) independent of the noise rates', () => {
    const quiet = generate(500, 20261102, { badLineRate: 0, duplicateRate: 0 });
    expect(quiet.truth.deadLetters).toEqual([]);
    expect(quiet.truth.duplicateLines).toBe(0);
    expect(quiet.truth.customersByRule).toEqual(small.truth.customersByRule);
    expect(quiet.truth.activeFindings).toEqual(small.truth.activeFindings);
    expect(quiet.truth.expectedDistinctEvents).toBe(small.truth.expectedDistinctEvents);
  });

  it('can be read only once, and has its truth only after that', () => {
    const stream = generateStream({ customers: 5, seed: 1 });
    expect(() => stream.truth).toThrow(/complete only after/);
    expect([...stream].length).toBeGreaterThan(5);
    expect(() => [...stream]).toThrow(/only once/);
  });

  it('rejects impossible options', () => {
    expect(() => generateStream({ customers: 0, seed: 1 })).toThrow();
    expect(() => generateStream({ customers: 10, seed: 1.5 })).toThrow();
    expect(() => generateStream({ customers: 10, seed: 1, startAt: 'tomorrow' })).toThrow();
  });

  it('accounts for every line: accepted (distinct + duplicates) plus dead-lettered', () => {
    const { truth, lines } = small;
    expect(truth.lines).toBe(lines.length);
    expect(truth.expectedAccepted).toBe(truth.expectedDistinctEvents + truth.duplicateLines);
    expect(truth.lines).toBe(truth.expectedAccepted + truth.expectedDeadLettered);
    expect(truth.expectedDeadLettered).toBe(truth.deadLetters.length);
    expect(truth.expectedDistinctEvents).toBe(truth.expectedCustomerEvents + truth.expectedAgentEvents);
    expect(truth.expectedAgentEvents).toBeGreaterThan(0);
  });

  it('writes only contract-valid lines where the truth says so, and dead letters fail as stated', () => {
    const { truth, lines } = generate(3000, 5);
    const dead = new Map(truth.deadLetters.map((d) => [d.line, d.reason]));
    expect(new Set(dead.values())).toEqual(new Set(['not-json', 'not-object', 'contract']));
    const seen = new Map<string, string>();
    let duplicates = 0;
    lines.forEach((line, i) => {
      const reason = dead.get(i + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        expect(reason, `line ${i + 1}`).toBe('not-json');
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        expect(reason, `line ${i + 1}`).toBe('not-object');
        return;
      }
      const result = ChangeEvent.safeParse(parsed);
      if (!result.success) {
        expect(reason, `line ${i + 1}`).toBe('contract');
        return;
      }
      expect(reason, `line ${i + 1}: ${line.slice(0, 120)}`).toBeUndefined();
      const earlier = seen.get(result.data.eventId);
      if (earlier !== undefined) {
        // A duplicate is a byte-identical re-delivery, never a different event under the same id.
        expect(line).toBe(earlier);
        duplicates++;
      } else {
        seen.set(result.data.eventId, line);
      }
    });
    expect(duplicates).toBe(truth.duplicateLines);
    expect(seen.size).toBe(truth.expectedDistinctEvents);
    expect(truth.duplicateLines).toBeGreaterThan(0);
  });

  it('gives every rule at least one customer in 500', () => {
    for (const seed of [1, 2, 3, 20261102]) {
      const { truth } = seed === 20261102 ? small : generate(500, seed);
      for (const rule of RULE_IDS) expect(truth.rules[rule], `seed ${seed}, ${rule}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('writes a truth with every rule id, sorted customer lists and counts that agree', () => {
    const { truth } = small;
    expect(Object.keys(truth.rules).sort()).toEqual([...RULE_IDS].sort());
    const customerIds = new Set(customerEvents(distinctEvents(small)).keys());
    for (const rule of RULE_IDS) {
      const customers = truth.customersByRule[rule];
      expect(customers.length).toBe(truth.rules[rule]);
      expect([...customers].sort()).toEqual(customers);
      for (const id of customers) expect(customerIds.has(id)).toBe(true);
    }
    // Placeholder phones 11111111111 / 12345678901 are also malformed mobiles.
    const mobile = new Set(truth.customersByRule['mobile-format']);
    expect(truth.defects['placeholder-malformed-mobile']).toBeGreaterThan(0);
    expect(truth.customersByRule['placeholder-value'].some((id) => mobile.has(id))).toBe(true);
  });

  it('lists raw sensitive values that really occur in the stream, by classified field', () => {
    const text = small.lines.join('\n');
    const raw = small.truth.rawValues;
    for (const [field, values] of Object.entries(raw)) {
      expect(FIELD_POLICY, field).toHaveProperty([field]);
      expect(FIELD_POLICY[field as keyof typeof FIELD_POLICY].class, field).not.toBe('general');
      expect(values.length, field).toBeGreaterThan(0);
      for (const value of values) expect(value.length).toBeGreaterThanOrEqual(2);
      // Phones, accounts and ID numbers are also listed without separators / upper-cased, and
      // addresses as a pattern rule compares them.
      const derived = ['mobile', 'landline', 'bank-account', 'id-number', 'address'].includes(FIELD_POLICY[field as keyof typeof FIELD_POLICY].mask);
      const missing = values.filter((value) => !text.includes(value));
      if (derived) expect(missing.length, field).toBeLessThan(values.length);
      else expect(missing, field).toEqual([]);
    }
  });

  it('records raw values for every field the classification policy calls sensitive', () => {
    // The PII scan looks for exactly these: a sensitive field the stream never carries (or that is
    // not recorded) would be a field no end-to-end test could catch leaking.
    const sensitive = Object.entries(FIELD_POLICY).filter(([, policy]) => policy.class !== 'general').map(([field]) => field);
    const recorded = Object.keys(small.truth.rawValues);
    expect(sensitive.filter((field) => !recorded.includes(field))).toEqual([]);
    expect(sensitive).toEqual(expect.arrayContaining(['customer.birthDate', 'customer.workUnit', 'customerId', 'customer.fax', 'customer.health']));
  });

  it('says per event which rules it trips, consistently with the customers per rule', () => {
    const { truth } = small;
    const customerOf = new Map<string, string>();
    for (const event of distinctEvents(small)) if (event.schema === 'customer-change/v1') customerOf.set(event.eventId, event.customerId);
    for (const rule of RULE_IDS) {
      const events = truth.eventsByRule[rule];
      expect([...events].sort()).toEqual(events);
      for (const id of events) expect(customerOf.has(id), rule).toBe(true);
      expect([...new Set(events.map((id) => customerOf.get(id)))].sort(), rule).toEqual(truth.customersByRule[rule]);
    }
  });

  it('states the issue changes the defects cause, and they add up', () => {
    const { truth } = small;
    const sum = { opened: 0, updated: 0, resolved: 0, withdrawn: 0, open: 0 };
    for (const rule of RULE_IDS) {
      const counts = truth.issuesByRule[rule];
      expect(counts.opened - counts.resolved - counts.withdrawn, rule).toBe(counts.open);
      expect(truth.openIssuesByRule[rule]).toHaveLength(counts.open);
      // At most one issue per customer at a time, and only customers that trip the rule get one.
      for (const id of truth.openIssuesByRule[rule]) expect(truth.customersByRule[rule]).toContain(id);
      expect(counts.opened).toBeLessThanOrEqual(truth.eventsByRule[rule].length);
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += counts[key];
    }
    expect(truth.issues).toEqual(sum);
    expect(truth.issues.opened).toBeGreaterThan(0);
    expect(truth.issues.updated).toBeGreaterThan(0);
    // A Luhn warning opens nothing, so bank-account-format has fewer issues than customers.
    expect(truth.issuesByRule['bank-account-format'].opened).toBeLessThan(truth.rules['bank-account-format']);
  });

  it('orders events in time, keeps each customer in order, and stays within Jul – Sep 2026', () => {
    const events = distinctEvents(small);
    let previous = '';
    for (const event of events) {
      expect(event.occurredAt.endsWith('+08:00')).toBe(true);
      expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(previous ? Date.parse(previous) : 0);
      previous = event.occurredAt;
    }
    expect(events[0]?.occurredAt).toBe('2026-07-06T09:00:00+08:00');
    expect(previous < '2026-10-01').toBe(true);
    expect(previous > '2026-09-01').toBe(true);
    for (const [id, list] of customerEvents(events)) {
      expect(list[0]?.op, id).toBe('create');
      list.slice(1, -1).forEach((e) => expect(e.op).toBe('update'));
      if (list.at(-1)?.op === 'delete') expect(list.at(-1)?.customer).toBeUndefined();
      expect(list.length).toBeLessThanOrEqual(5);
    }
  });

  it('has a realistic mix of kinds, roles and tiers', () => {
    const { truth, lines } = generate(4000, 9);
    const creates = distinctEvents({ truth, lines }).filter(
      (e): e is CustomerChange => e.schema === 'customer-change/v1' && e.op === 'create',
    );
    const share = (predicate: (e: CustomerChange) => boolean) => creates.filter(predicate).length / creates.length;
    expect(creates.length).toBe(4000);
    expect(share((e) => e.customer?.kind === 'organization')).toBeCloseTo(0.25, 1);
    expect(share((e) => e.customer?.tier === 'general')).toBeCloseTo(0.85, 1);
    expect(share((e) => e.customer?.tier === 'core')).toBeGreaterThan(0.01);
    expect(share((e) => e.policy?.role === 'policyholder')).toBeGreaterThan(0.2);
    expect(share((e) => e.policy?.role === 'insured')).toBeGreaterThan(0.1);
    expect(share((e) => e.policy?.role === 'beneficiary')).toBeGreaterThan(0.05);
    expect(share((e) => e.customer?.kind === 'person' && !e.policy)).toBeGreaterThan(0.15);
    for (const source of ['core-insurance', 'core-banking', 'crm']) {
      expect(lines.some((l) => l.includes(`"eventId":"${source}-`))).toBe(true);
    }
  });
});

describe('clean records', () => {
  let generated: Generated;
  let clean: CustomerChange[];
  beforeAll(() => {
    generated = generate(3000, 77);
    const dirty = new Set([...Object.values(generated.truth.customersByRule).flat(), ...patternCustomers(generated.truth)]);
    clean = [...customerEvents(distinctEvents(generated)).entries()]
      .filter(([id]) => !dirty.has(id))
      .flatMap(([, list]) => list)
      .filter((e) => e.customer !== undefined);
  });

  it('are the large majority', () => {
    const dirty = new Set(Object.values(generated.truth.customersByRule).flat());
    expect(dirty.size / 3000).toBeGreaterThan(0.1);
    expect(dirty.size / 3000).toBeLessThan(0.35);
  });

  it('carry valid resident IDs whose region, birth date and gender agree with the record', () => {
    const regions = new Map(REGIONS.map((r) => [r.code, r]));
    let lowercase = 0;
    let minorsWithoutId = 0;
    let beneficiariesWithoutBirthDate = 0;
    for (const event of clean) {
      const c = event.customer;
      if (!c || c.kind !== 'person') continue;
      if (c.birthDate === undefined) {
        // Only a beneficiary may go without: its key fields are a name and an ID number.
        expect(event.policy?.role).toBe('beneficiary');
        expect(c.idNumber).toBeDefined();
        beneficiariesWithoutBirthDate++;
        continue;
      }
      const age = ageOn(c.birthDate, shanghaiDay(event.occurredAt));
      expect(age).toBeGreaterThanOrEqual(1);
      expect(age).toBeLessThanOrEqual(82);
      if (c.idNumber === undefined) {
        // Only minors may lack an ID, and only on a policy.
        expect(event.policy?.role).toMatch(/^(insured|beneficiary)$/);
        expect(ageOn(c.birthDate ?? '', event.policy?.receivedAt ?? '')).toBeLessThan(18);
        minorsWithoutId++;
        continue;
      }
      const id = c.idNumber;
      expect(id).toMatch(/^\d{17}[\dXx]$/);
      if (id.endsWith('x')) lowercase++;
      expect(id.slice(17).toUpperCase()).toBe(residentIdCheckCharacter(id.slice(0, 17)));
      const region = regions.get(id.slice(0, 6));
      expect(region, id.slice(0, 6)).toBeDefined();
      expect(id.slice(6, 14)).toBe((c.birthDate ?? '').replaceAll('-', ''));
      expect(Number(id.charAt(16)) % 2 === 1 ? 'M' : 'F').toBe(c.gender);
    }
    expect(lowercase).toBeGreaterThan(0);
    expect(minorsWithoutId).toBeGreaterThan(0);
    expect(beneficiariesWithoutBirthDate).toBeGreaterThan(0);
  });

  it('have complete addresses, in the ID region for most persons', () => {
    for (const event of clean) {
      const address = event.customer?.address;
      if (address === undefined) continue;
      const region = REGIONS.find((r) => address.startsWith(r.province === r.city ? r.city + r.district : r.province + r.city + r.district));
      expect(region, address).toBeDefined();
    }
  });

  it('have well-formed, unique mobiles and landlines with the right area code', () => {
    const owner = new Map<string, string>();
    for (const event of clean) {
      const { mobile, landline } = event.customer ?? {};
      if (mobile !== undefined) {
        const national = digitsOnly(mobile).replace(/^\+86/, '');
        expect(national, mobile).toMatch(/^1(39|38|86|58|77|99|35|50|88|87)\d{8}$/);
        const previous = owner.get(national);
        expect(previous === undefined || previous === event.customerId, `${national} shared`).toBe(true);
        owner.set(national, event.customerId);
      }
      if (landline !== undefined) {
        expect(landline).toMatch(/^(0\d{2,3}-[2-8]\d{6,7}(-\d{3,4})?|\(0\d{2,3}\)[2-8]\d{6,7}|\+86 [1-9]\d{1,2} [2-8]\d{6,7})$/);
      }
    }
  });

  it('have valid account numbers: 62-cards pass Luhn, others are 12–19 digits', () => {
    let cards = 0;
    let others = 0;
    for (const event of clean) {
      const c = event.customer;
      const numbers = [
        ...(c?.bankAccounts ?? []).map((a) => a.number),
        c?.settlementAccount?.number,
        event.policy?.premiumAccount?.number,
      ].filter((n): n is string => n !== undefined);
      for (const raw of numbers) {
        const n = raw.replaceAll(' ', '');
        expect(n).toMatch(/^\d{12,19}$/);
        if (n.startsWith('62')) {
          expect(n.length === 16 || n.length === 19).toBe(true);
          expect(n.slice(-1)).toBe(luhnCheckDigit(n.slice(0, -1)));
          cards++;
        } else {
          others++;
        }
      }
    }
    expect(cards).toBeGreaterThan(100);
    expect(others).toBeGreaterThan(10);
  });

  it('have valid USCCs and matching holders', () => {
    let authorized = 0;
    let approved = 0;
    for (const event of clean) {
      const c = event.customer;
      if (c?.kind === 'organization') {
        expect(c.uscc).toMatch(/^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$/);
        expect(c.uscc?.slice(17)).toBe(usccCheckCharacter(c.uscc?.slice(0, 17) ?? ''));
        const settlement = c.settlementAccount;
        if (settlement?.authorized) authorized++;
        else expect(settlement?.holderName).toBe(c.licenseHolderName ?? c.legalRepresentative);
        expect(c.mobile ?? c.landline).toBeDefined();
      }
      const premium = event.policy?.premiumAccount;
      if (premium) {
        expect(event.policy?.role).toBe('policyholder');
        if (premium.approved) approved++;
        else expect(premium.holderName).toBe(c?.name);
      }
    }
    expect(authorized).toBeGreaterThan(0);
    expect(approved).toBeGreaterThan(0);
  });

  it('never look like placeholders', () => {
    for (const event of clean) {
      const c = event.customer;
      expect(['测试', '无', '未知', 'test']).not.toContain(c?.name);
      expect(c?.name ?? '').not.toMatch(/[测试无未知]/);
      const mobile = digitsOnly(c?.mobile ?? '');
      expect(mobile).not.toMatch(/(\d)\1{3}|0123|1234|2345|3456|4567|5678|6789|9876|8765|7654|6543|5432|4321|3210/);
    }
  });
});

describe('writeGeneratedStream', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verity-generate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the JSONL file and its truth next to it, byte-identical across runs', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const truth = await writeGeneratedStream(a, { customers: 800, seed: 4 });
    await writeGeneratedStream(b, { customers: 800, seed: 4 });
    const [textA, textB] = await Promise.all([readFile(a, 'utf8'), readFile(b, 'utf8')]);
    expect(textA).toBe(textB);
    expect(await readFile(truthFileFor(a), 'utf8')).toBe(await readFile(truthFileFor(b), 'utf8'));
    expect(textA.endsWith('\n')).toBe(true);
    expect(textA.split('\n').length - 1).toBe(truth.lines);
    const written = JSON.parse(await readFile(truthFileFor(a), 'utf8')) as GroundTruth;
    expect(written.rules).toEqual(truth.rules);
    expect(written.seed).toBe(4);
  });

  it('generates 150k+ events in seconds', async () => {
    const file = join(dir, 'large.jsonl');
    const started = performance.now();
    const truth = await writeGeneratedStream(file, { customers: 75_000, seed: 150 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`generated ${truth.lines} lines (${truth.expectedDistinctEvents} events) in ${seconds.toFixed(2)} s`);
    expect(truth.expectedDistinctEvents).toBeGreaterThanOrEqual(150_000);
  });
});
