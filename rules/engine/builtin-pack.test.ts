// The built-in pack as a whole, run the way the pipeline runs it: which rule ids fire for records
// that sit on the edges of issue 2 §4 (legacy IDs, case, UnionPay Luhn warnings, municipalities).
// All identifiers are computed or the standards' published examples, never real people's.
import { beforeAll, describe, expect, it } from 'vitest';
import { CustomerChange, type CustomerChangeInput } from '../../pipelines/contract/customer-change.ts';
import { evaluateRules, recordRules, type RuleOutcome } from '../../pipelines/quality/evaluate-rules.ts';
import { luhnCheckDigit } from '../../pipelines/cn/luhn.ts';
import { loadRulePack, type RulePack } from './load-rule-pack.ts';

const AS_OF = '2026-06-01';
type Customer = NonNullable<CustomerChangeInput['customer']>;
type Policy = NonNullable<CustomerChangeInput['policy']>;

/** A complete policyholder record around GB 11643's example 11010519491231002X (a woman, 1949-12-31). */
const PERSON: Customer = {
  kind: 'person',
  name: '示例',
  gender: 'F',
  birthDate: '1949-12-31',
  idType: 'CN_RESIDENT_ID',
  idNumber: '11010519491231002X',
  mobile: '13912345678',
  address: '北京市海淀区中关村大街1号3单元502',
};
const POLICY: Policy = { policyId: 'P-UNIT-1', role: 'policyholder', receivedAt: '2026-05-20', coolingOffDays: 15 };

let pack: RulePack;
beforeAll(async () => {
  pack = await loadRulePack();
});

function outcomes(customer: Customer, policy: Policy | undefined = POLICY): RuleOutcome[] {
  const event = CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: 'unit-builtin-1',
    source: 'unit-test',
    op: 'update',
    occurredAt: `${AS_OF}T09:30:00+08:00`,
    customerId: 'C-UNIT-1',
    customer,
    ...(policy ? { policy } : {}),
  });
  return evaluateRules(recordRules(pack.rules), event, AS_OF);
}

/** Rule ids with at least one violation, sorted. */
const failing = (customer: Customer, policy?: Policy) =>
  outcomes(customer, policy)
    .filter((o) => o.violations.length > 0)
    .map((o) => o.rule.definition.id)
    .sort();

describe('the built-in pack', () => {
  it('has exactly the rule ids analysts key on', () => {
    expect(pack.rules.map((r) => r.definition.id).sort()).toEqual(
      [
        'required-fields', 'id-number-format', 'id-number-legacy', 'id-gender-mismatch', 'id-birthdate-mismatch',
        'mobile-format', 'landline-format', 'email-format', 'bank-account-format', 'uscc-format', 'placeholder-value',
        'address-incomplete', 'settlement-holder-mismatch', 'premium-payer-mismatch',
        'shared-mobile', 'shared-bank-account', 'agent-contact-reuse', 'frequent-mobile-change',
      ].sort(),
    );
  });

  it('passes a complete record on the standard example, lowercase x included', () => {
    expect(failing(PERSON)).toEqual([]);
    expect(failing({ ...PERSON, idNumber: '11010519491231002x' })).toEqual([]);
  });

  it('gives a 15-digit legacy number id-number-legacy only, not id-number-format', () => {
    expect(failing({ ...PERSON, idNumber: '110105491231002' })).toEqual(['id-number-legacy']);
    // Even one whose date cannot be read is legacy, not malformed.
    expect(failing({ ...PERSON, idNumber: '110105490230002', birthDate: '1949-12-31' })).toEqual(['id-number-legacy']);
    const legacy = outcomes({ ...PERSON, idNumber: '110105491231002' }).find((o) => o.rule.definition.id === 'id-number-legacy');
    expect(legacy?.violations[0]?.severity).toBe('low');
  });

  it('flags a wrong check character as id-number-format, and disagreeing gender or birth date separately', () => {
    expect(failing({ ...PERSON, idNumber: '110105194912310021' })).toEqual(['id-number-format']);
    expect(failing({ ...PERSON, gender: 'M' })).toEqual(['id-gender-mismatch']);
    expect(failing({ ...PERSON, birthDate: '1949-12-30' })).toEqual(['id-birthdate-mismatch']);
  });

  it('warns (low severity, below the issue threshold) on a Luhn failure of a 62 card only', () => {
    const payload = '621700123456789012';
    const good = payload + luhnCheckDigit(payload);
    const bad = payload + String((Number(luhnCheckDigit(payload)) + 1) % 10);
    expect(failing({ ...PERSON, bankAccounts: [{ number: good }] })).toEqual([]);
    const bank = outcomes({ ...PERSON, bankAccounts: [{ number: bad }] }).find((o) => o.rule.definition.id === 'bank-account-format');
    expect(bank?.violations).toEqual([{ field: 'customer.bankAccounts[0].number', reason: 'card-check-digit', severity: 'low' }]);
    expect(bank?.rule.definition.issue?.minSeverity).toBe('medium');
    // The same digits without the UnionPay prefix are a bank's own account number: no Luhn test.
    expect(failing({ ...PERSON, bankAccounts: [{ number: `43${bad.slice(2)}` }] })).toEqual([]);
  });

  it('takes municipality addresses as complete and flags placeholder values', () => {
    for (const address of ['上海市浦东新区世纪大道100号', '天津市和平区南京路1号', '重庆市巫山县广东路1号', '北京朝阳区建国路1号']) {
      expect(failing({ ...PERSON, address }), address).toEqual([]);
    }
    expect(failing({ ...PERSON, address: '北京市中关村大街1号' })).toEqual(['address-incomplete']);
    expect(failing({ ...PERSON, name: '未知' })).toEqual(['placeholder-value']);
    expect(failing({ ...PERSON, mobile: '13800000000' })).toEqual(['placeholder-value']);
    expect(failing({ ...PERSON, mobile: '12345678901' })).toEqual(['mobile-format', 'placeholder-value']);
  });

  it('exempts an insured who was a minor on the policy receipt date from the ID number only', () => {
    const minor: Customer = { kind: 'person', name: '示例', gender: 'F', birthDate: '2008-05-25' };
    const insured = (receivedAt: string): Policy => ({ policyId: 'P-UNIT-2', role: 'insured', receivedAt });
    expect(failing(minor, insured('2026-05-24'))).toEqual([]);
    expect(failing(minor, insured('2026-05-25'))).toEqual(['required-fields']);
  });

  it('checks a credit code in upper case, with check character 0 and in lower case', () => {
    const org: Customer = {
      kind: 'organization',
      name: '示例贸易有限公司',
      uscc: '91110108MA01A2B370',
      legalRepresentative: '示例',
      address: '北京市海淀区中关村大街1号',
      landline: '010-62345678',
    };
    expect(failing(org, undefined)).toEqual([]);
    expect(failing({ ...org, uscc: '91110108ma01a2b370' }, undefined)).toEqual(['uscc-format']);
  });
});
