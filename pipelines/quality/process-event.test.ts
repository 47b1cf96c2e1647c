import { beforeAll, describe, expect, it } from 'vitest';
import { prcCalendar } from '../calendar/prc-calendar.ts';
import { AgentChange, CustomerChange, type ChangeEvent, type CustomerChangeInput } from '../contract/customer-change.ts';
import { MaskedRecord } from '../privacy/masked-record.ts';
import { createTokenizer } from '../privacy/tokens.ts';
import { loadRulePack, type CompiledRule, type RecordRule } from '../../rules/engine/load-rule-pack.ts';
import { residentIdCheckCharacter } from '../cn/cn-resident-id.ts';
import { luhnCheckDigit } from '../cn/luhn.ts';
import { ProcessingError } from '../errors.ts';
import { stableId } from '../contract/ids.ts';
import { IssueTracker } from './issue-tracker.ts';
import { InMemoryIssueStateStore } from '../../tests/support/fakes/in-memory-issue-state.ts';
import { processEvent, type EventProcessorDeps } from './process-event.ts';

// Synthetic values only. The ID number has a real region and birth date but a wrong check character.
const BIRTH = '19900307';
const ID_PAYLOAD = `110105${BIRTH}123`;
const GOOD_CHECK = residentIdCheckCharacter(ID_PAYLOAD);
const BAD_ID = ID_PAYLOAD + (GOOD_CHECK === '1' ? '2' : '1');
const GOOD_ID = ID_PAYLOAD + GOOD_CHECK;
const RAW = {
  name: '测甲乙',
  mobile: '13912340477',
  email: 'unit.person@example.invalid',
  address: '北京市海淀区测试路17号3单元',
  account: `623000000000447${luhnCheckDigit('623000000000447')}`, // Luhn-valid
};
const NOW = '2026-06-01T02:00:00.000Z';

let rules: CompiledRule[];
beforeAll(async () => {
  rules = [...(await loadRulePack()).rules];
});

const tokenizer = createTokenizer(Buffer.alloc(32, 0x3c));

function deps(): EventProcessorDeps {
  return { rules, tokenizer, issues: new IssueTracker(new InMemoryIssueStateStore(), prcCalendar), now: () => NOW };
}

function person(customer: Partial<NonNullable<CustomerChangeInput['customer']>> = {}, eventId = 'unit-process-1'): CustomerChange {
  return CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId,
    source: 'unit-test',
    op: 'update',
    occurredAt: '2026-06-01T09:30:00+08:00',
    customerId: 'C-TEST-PROCESS-1',
    customer: {
      kind: 'person',
      name: RAW.name,
      gender: 'M',
      birthDate: '1990-03-07',
      idType: 'CN_RESIDENT_ID',
      idNumber: GOOD_ID,
      mobile: RAW.mobile,
      email: RAW.email,
      address: RAW.address,
      ...customer,
    },
  });
}

/** Every raw value that must never reach a record or a finding. */
const rawValues = (...extra: string[]) => [...Object.values(RAW), GOOD_ID, BAD_ID, BIRTH, 'C-TEST-PROCESS-1', ...extra];

const RECORD_KEYS = [...Object.keys(MaskedRecord.shape), 'eventId', 'source', 'op', 'occurredAt', 'ingestedAt', 'sourceRef', 'failedRules'].sort();

describe('processEvent', () => {
  it('produces a clean record, no findings and no issues for a valid person', () => {
    const out = processEvent(person(), 'file:unit.jsonl:1', deps());
    expect(out.findings).toEqual([]);
    expect(out.issueChanges).toEqual([]);
    expect(out.record.failedRules).toEqual([]);
    expect(out.record).toMatchObject({
      eventId: 'unit-process-1',
      source: 'unit-test',
      op: 'update',
      occurredAt: '2026-06-01T09:30:00+08:00',
      ingestedAt: NOW,
      sourceRef: 'file:unit.jsonl:1',
      entity: 'customer',
      kind: 'person',
      gender: 'M',
      province: '北京市',
      customerToken: tokenizer.token('customer', 'C-TEST-PROCESS-1'),
    });
  });

  it('builds a record of masked fields only, listing the failed rules', () => {
    const event = person({ idNumber: BAD_ID, bankAccounts: [{ number: RAW.account }] });
    const { record } = processEvent(event, 'file:unit.jsonl:2', deps());
    expect(record.bankAccountsMasked).toEqual([`****${RAW.account.slice(-4)}`]);
    expect(Object.keys(record).sort()).toEqual(RECORD_KEYS);
    const { eventId, source, op, occurredAt, ingestedAt, sourceRef, failedRules, ...masked } = record;
    expect(MaskedRecord.safeParse(masked).success).toBe(true);
    expect({ eventId, source, op, occurredAt, ingestedAt, sourceRef }).toEqual({
      eventId: 'unit-process-1',
      source: 'unit-test',
      op: 'update',
      occurredAt: '2026-06-01T09:30:00+08:00',
      ingestedAt: NOW,
      sourceRef: 'file:unit.jsonl:2',
    });
    expect(failedRules).toContain('id-number-format');
    expect(record.idNumberMasked).toBe(`110105********${BAD_ID.slice(14)}`);
    expect(record.nameMasked).not.toBe(RAW.name);
    const text = JSON.stringify(record);
    for (const raw of rawValues()) expect(text, `record leaks ${raw}`).not.toContain(raw);
  });

  it('derives findings with masked evidence, deterministic ids and the issue they opened', () => {
    const event = person({ idNumber: BAD_ID });
    const out = processEvent(event, 'file:unit.jsonl:3', deps());
    expect(out.record.failedRules).toEqual(['id-number-format']);
    expect(out.findings).toHaveLength(1);
    const [finding] = out.findings;
    const opened = out.issueChanges.find((c) => c.issue.ruleId === 'id-number-format');
    expect(opened?.change).toBe('opened');
    expect(finding).toEqual({
      findingId: stableId('finding', 'unit-process-1', 'id-number-format', 'customer.idNumber', 'check-character'),
      ruleId: 'id-number-format',
      ruleVersion: 1,
      severity: 'high',
      customerToken: tokenizer.token('customer', 'C-TEST-PROCESS-1'),
      field: 'customer.idNumber',
      reason: 'check-character',
      evidence: `check-character: 110105********${BAD_ID.slice(14)}`,
      violationCount: 1,
      eventId: 'unit-process-1',
      source: 'unit-test',
      occurredAt: '2026-06-01T09:30:00+08:00',
      detectedAt: NOW,
      issueId: opened?.issue.issueId,
    });
    expect(finding?.issueId).toMatch(/^[0-9a-f]{32}$/);
    // The evidence shows neither the ID number nor its birth-date digits.
    expect(finding?.evidence).not.toContain(BAD_ID);
    expect(finding?.evidence).not.toContain(BIRTH);
    expect(finding?.evidence).not.toContain(BIRTH.slice(2));
    const text = JSON.stringify(out);
    for (const raw of rawValues()) expect(text, `output leaks ${raw}`).not.toContain(raw);

    // A replay of the same event through fresh state derives the same ids.
    const replay = processEvent(event, 'file:unit.jsonl:3', deps());
    expect(replay.findings.map((f) => [f.findingId, f.issueId])).toEqual([[finding?.findingId, finding?.issueId]]);
  });

  it('links a repeat violation\'s finding to the already open issue', () => {
    const d = deps();
    const first = processEvent(person({ idNumber: BAD_ID }, 'unit-process-a'), 'file:unit.jsonl:4', d);
    const second = processEvent(person({ idNumber: BAD_ID }, 'unit-process-b'), 'file:unit.jsonl:5', d);
    expect(second.issueChanges.map((c) => c.change)).toEqual(['updated']);
    expect(second.findings[0]?.issueId).toBe(first.findings[0]?.issueId);
    expect(second.findings[0]?.findingId).not.toBe(first.findings[0]?.findingId);
  });

  it('records a sub-threshold finding without an issue id', () => {
    // A 62-prefixed 16-digit card with a wrong Luhn digit: only a low-severity warning.
    const card = RAW.account.slice(0, 15) + ((Number(RAW.account[15]) + 1) % 10);
    const out = processEvent(person({ bankAccounts: [{ number: card }] }), 'file:unit.jsonl:6', deps());
    expect(out.record.failedRules).toEqual(['bank-account-format']);
    expect(out.issueChanges).toEqual([]);
    expect(out.findings).toMatchObject([
      { ruleId: 'bank-account-format', severity: 'low', reason: 'card-check-digit', field: 'customer.bankAccounts[0].number', issueId: '' },
    ]);
    expect(out.findings[0]?.evidence).toBe(`card-check-digit: ****${card.slice(-4)}`);
    expect(out.findings[0]?.evidence).not.toContain(card);
  });

  it('produces a record but no findings or issues for an agent event', () => {
    const event: ChangeEvent = AgentChange.parse({
      schema: 'agent-change/v1',
      eventId: 'unit-agent-1',
      source: 'unit-test',
      op: 'create',
      occurredAt: '2026-06-01T09:30:00+08:00',
      agentId: 'A-TEST-1',
      // Values that would fail customer rules if they were applied to agents.
      agent: { name: RAW.name, mobile: '12345', address: RAW.address },
    });
    const out = processEvent(event, 'file:unit.jsonl:7', deps());
    expect(out.findings).toEqual([]);
    expect(out.issueChanges).toEqual([]);
    expect(out.record).toMatchObject({
      entity: 'agent',
      kind: 'agent',
      eventId: 'unit-agent-1',
      failedRules: [],
      agentToken: tokenizer.token('agent', 'A-TEST-1'),
    });
    expect(Object.keys(out.record).sort()).toEqual(RECORD_KEYS);
    expect(JSON.stringify(out.record)).not.toContain(RAW.name);
  });

  it('withdraws issues on delete and writes a record without personal fields', () => {
    const d = deps();
    const opened = processEvent(person({ idNumber: BAD_ID }), 'file:unit.jsonl:8', d);
    const deletion = CustomerChange.parse({
      schema: 'customer-change/v1',
      eventId: 'unit-process-delete',
      source: 'unit-test',
      op: 'delete',
      occurredAt: '2026-06-02T09:30:00+08:00',
      customerId: 'C-TEST-PROCESS-1',
    });
    const out = processEvent(deletion, 'file:unit.jsonl:9', d);
    expect(out.findings).toEqual([]);
    expect(out.record).toMatchObject({ op: 'delete', kind: '', nameMasked: '', idNumberMasked: '', failedRules: [] });
    expect(out.issueChanges).toMatchObject([{ change: 'withdrawn', issue: { issueId: opened.findings[0]?.issueId, resolution: 'customer-deleted' } }]);
  });
});

describe('processEvent: one event fails alone, and findings stay bounded', () => {
  /** A rule whose check has a bug: it throws for an event with a landline. */
  function buggyRule(): CompiledRule {
    const base = rules.find((r): r is RecordRule => r.definition.id === 'mobile-format' && r.kind === 'record')!;
    return {
      ...base,
      definition: { ...base.definition, id: 'buggy-check' },
      check: {
        name: 'buggy-check',
        params: base.check.params,
        run: (context) => {
          if (context.customer.landline !== undefined) throw new TypeError(`cannot read ${context.customer.landline}`);
          return [];
        },
      },
    };
  }

  it('names the failing check and the error class, never the error message, and changes no issue state', () => {
    const state = new InMemoryIssueStateStore();
    const d: EventProcessorDeps = { rules: [...rules, buggyRule()], tokenizer, issues: new IssueTracker(state, prcCalendar), now: () => NOW };
    // An open issue first, so that a failed event could have changed it.
    processEvent(person({ idNumber: BAD_ID }, 'unit-isolate-1'), 'file:unit.jsonl:20', d);
    const before = JSON.stringify(state.get('id-number-format', tokenizer.token('customer', 'C-TEST-PROCESS-1')));
    let thrown: unknown;
    try {
      processEvent(person({ idNumber: GOOD_ID, landline: '010-62345678' }, 'unit-isolate-2'), 'file:unit.jsonl:21', d);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProcessingError);
    expect(thrown).toMatchObject({ code: 'PROCESSING_FAILED', stage: 'rule:buggy-check', causeClass: 'TypeError' });
    expect((thrown as Error).message).toBe('processing failed at stage rule:buggy-check: TypeError');
    expect((thrown as Error).message).not.toContain('62345678');
    // The clean pass of id-number-format in the failed event must not have resolved the issue.
    expect(JSON.stringify(state.get('id-number-format', tokenizer.token('customer', 'C-TEST-PROCESS-1')))).toBe(before);
  });

  it('names the calendar stage when an event date is outside the calendar', () => {
    const event = { ...person(), occurredAt: '9999-12-31T20:00:00-08:00' } as ChangeEvent;
    expect(() => processEvent(event, 'file:unit.jsonl:22', deps())).toThrow(expect.objectContaining({ stage: 'calendar', causeClass: 'RangeError' }));
  });

  it('names the deadline stage when a policy date breaks the deadline maths', () => {
    const event = CustomerChange.parse({
      ...person({ idNumber: BAD_ID }),
      policy: { policyId: 'P-UNIT-1', role: 'policyholder', receivedAt: '9999-12-31', coolingOffDays: 15 },
    });
    expect(() => processEvent(event, 'file:unit.jsonl:23', deps())).toThrow(expect.objectContaining({ stage: 'deadline', causeClass: 'RangeError' }));
  });

  it('collapses repeats of one reason on one field of many items into one finding with a count', () => {
    const card = RAW.account.slice(0, 15) + ((Number(RAW.account[15]) + 1) % 10);
    const accounts = Array.from({ length: 40 }, () => ({ number: card }));
    const out = processEvent(person({ bankAccounts: [...accounts, { number: '12' }] }), 'file:unit.jsonl:24', deps());
    const luhn = out.findings.filter((f) => f.ruleId === 'bank-account-format');
    expect(luhn.map((f) => [f.field, f.reason, f.violationCount])).toEqual([
      ['customer.bankAccounts[0].number', 'card-check-digit', 40],
      ['customer.bankAccounts[40].number', expect.any(String), 1],
    ]);
    expect(luhn[0]?.evidence).toBe(`card-check-digit: ****${card.slice(-4)} (and 39 more like it)`);
    // The first of a group keeps the id a single violation would have had.
    expect(luhn[0]?.findingId).toBe(stableId('finding', 'unit-process-1', 'bank-account-format', 'customer.bankAccounts[0].number', 'card-check-digit'));
  });
});
