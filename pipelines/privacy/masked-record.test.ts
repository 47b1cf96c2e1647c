import { describe, expect, it } from 'vitest';
import { AgentChange, CustomerChange, type CustomerChangeInput } from '../contract/customer-change.ts';
import { ageBandOf } from './age-band.ts';
import { MaskedRecord, maskChangeEvent, maskValueForField } from './masked-record.ts';
import { createTokenizer } from './tokens.ts';

const tokenizer = createTokenizer(Buffer.alloc(32, 0x5a));

/** A made-up resident ID with a correct GB 11643 check character. */
function residentId(region: string, birth: string, sequence: string): string {
  const body = `${region}${birth}${sequence}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * (weights[i] ?? 0), 0);
  return body + '10X98765432'[sum % 11];
}

const idNumber = residentId('330106', '19860307', '457');
const sensitive = {
  name: '钱多多',
  mobile: '13712340987',
  landline: '0571-87654321',
  email: 'qdd.test@example.cn',
  address: '浙江省杭州市西湖区文三路99号5幢301室',
  uscc: '91330106MA27XY8K3L',
  legalRepresentative: '孙小明',
  accounts: ['6222600110012345678', '6217000010098765432'],
  settlement: '6228480011223344556',
  premium: '6225880155556666',
  premiumHolder: '周测试',
  workUnit: '杭州测试科技有限公司',
};

function customerEvent(overrides: Partial<CustomerChangeInput> = {}): CustomerChange {
  return CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: 'test-000001',
    source: 'test-source',
    op: 'update',
    occurredAt: '2026-11-20T09:30:00+08:00',
    customerId: 'C-TEST-000001',
    customer: {
      kind: 'person',
      tier: 'important',
      name: sensitive.name,
      gender: 'F',
      birthDate: '1986-03-07',
      idType: 'CN_RESIDENT_ID',
      idNumber,
      mobile: `+86 ${sensitive.mobile.slice(0, 3)}-${sensitive.mobile.slice(3, 7)}-${sensitive.mobile.slice(7)}`,
      landline: sensitive.landline,
      email: sensitive.email,
      address: sensitive.address,
      workUnit: sensitive.workUnit,
      uscc: sensitive.uscc,
      legalRepresentative: sensitive.legalRepresentative,
      bankAccounts: [
        { number: sensitive.accounts[0] ?? '', holderName: sensitive.name, bank: 'TEST BANK' },
        { number: sensitive.accounts[1] ?? '', holderName: sensitive.name },
        // the first account again, written with spaces: must count once
        { number: (sensitive.accounts[0] ?? '').replace(/(\d{4})/g, '$1 ') },
      ],
      settlementAccount: { number: sensitive.settlement, holderName: sensitive.legalRepresentative },
      health: { declared: true, conditions: ['test-condition-code'] },
    },
    policy: {
      policyId: 'P-TEST-000981',
      role: 'policyholder',
      receivedAt: '2026-11-18',
      agentId: 'A-TEST-0042',
      channel: 'bancassurance',
      premiumAccount: { number: sensitive.premium, holderName: sensitive.premiumHolder },
    },
    ...overrides,
  });
}

describe('maskChangeEvent: customer events', () => {
  const record = maskChangeEvent(customerEvent(), tokenizer, '2026-11-20');

  it('produces a row of the records contract', () => {
    expect(MaskedRecord.parse(record)).toEqual(record);
  });

  it('contains none of the raw sensitive values', () => {
    const json = JSON.stringify(record);
    const raw = [
      sensitive.name,
      sensitive.mobile,
      sensitive.landline,
      sensitive.landline.replace('-', ''),
      idNumber,
      idNumber.slice(6, 14),
      ...sensitive.accounts,
      sensitive.settlement,
      sensitive.premium,
      sensitive.email,
      sensitive.email.split('@')[0] ?? '',
      sensitive.address,
      '文三路',
      sensitive.uscc,
      sensitive.legalRepresentative,
      sensitive.premiumHolder,
      sensitive.workUnit,
      'C-TEST-000001',
      'P-TEST-000981',
      'A-TEST-0042',
      'test-condition-code',
      '1986-03-07',
    ];
    for (const value of raw) expect(json, value).not.toContain(value);
  });

  it('masks each field for display', () => {
    expect(record).toMatchObject({
      entity: 'customer',
      kind: 'person',
      tier: 'important',
      secrecyLevel: '机密',
      protectionClass: 'most-sensitive',
      policyRole: 'policyholder',
      channel: 'bancassurance',
      nameMasked: '钱*',
      idType: 'CN_RESIDENT_ID',
      idNumberMasked: `330106********${idNumber.slice(14)}`,
      mobileMasked: '137****0987',
      landlineMasked: '0571-****21',
      emailMasked: 'q***@example.cn',
      addressMasked: '浙江省杭州市西湖区',
      usccMasked: '91330106********3L',
      legalRepresentativeMasked: '孙*',
      bankAccountsMasked: ['****5678', '****5432', '****4556', '****6666'],
      province: '浙江省',
      ageBand: '40-49',
      gender: 'F',
      hasHealthData: true,
    });
  });

  it('carries keyed tokens that join across records', () => {
    expect(record.customerToken).toBe(tokenizer.token('customer', 'C-TEST-000001'));
    expect(record.policyToken).toBe(tokenizer.token('policy', 'P-TEST-000981'));
    expect(record.agentToken).toBe(tokenizer.token('agent', 'A-TEST-0042'));
    expect(record.mobileToken).toBe(tokenizer.token('mobile', sensitive.mobile));
    expect(record.idNumberToken).toBe(tokenizer.token('id-number', idNumber.toLowerCase()));
    expect(record.bankAccountTokens).toEqual(
      [...sensitive.accounts, sensitive.settlement, sensitive.premium].map((n) => tokenizer.token('bank-account', n)),
    );
  });

  it('takes the province from the address when the ID number cannot give one', () => {
    const event = customerEvent();
    const customer = { ...event.customer!, idType: 'PASSPORT' as const, idNumber: 'E12340987', address: '北京市海淀区测试路1号' };
    const masked = maskChangeEvent({ ...event, customer }, tokenizer, '2026-11-20');
    expect(masked.province).toBe('北京市');
    expect(masked.idNumberMasked).toBe('****');
  });

  it('leaves absent fields blank', () => {
    const masked = maskChangeEvent(
      customerEvent({ customer: { kind: 'organization', name: '测试有限公司' }, policy: undefined }),
      tokenizer,
      '2026-11-20',
    );
    expect(masked).toMatchObject({
      kind: 'organization',
      tier: 'general',
      secrecyLevel: '秘密',
      protectionClass: 'sensitive',
      nameMasked: '测*',
      policyToken: '',
      agentToken: '',
      mobileMasked: '',
      mobileToken: '',
      idNumberToken: '',
      bankAccountsMasked: [],
      bankAccountTokens: [],
      province: '',
      ageBand: '',
      gender: '',
      hasHealthData: false,
    });
  });

  it('keeps only entity and token for a delete', () => {
    const deleted = CustomerChange.parse({
      schema: 'customer-change/v1',
      eventId: 'test-000002',
      source: 'test-source',
      op: 'delete',
      occurredAt: '2026-11-20T09:30:00+08:00',
      customerId: 'C-TEST-000001',
    });
    const masked = maskChangeEvent(deleted, tokenizer, '2026-11-20');
    const { entity, customerToken, bankAccountsMasked, bankAccountTokens, hasHealthData, ...rest } = masked;
    expect(entity).toBe('customer');
    expect(customerToken).toBe(record.customerToken);
    expect([bankAccountsMasked, bankAccountTokens, hasHealthData]).toEqual([[], [], false]);
    expect(new Set(Object.values(rest))).toEqual(new Set(['']));
  });

  it('rejects a malformed asOf', () => {
    expect(() => maskChangeEvent(customerEvent(), tokenizer, '20261120')).toThrow(RangeError);
  });
});

describe('maskChangeEvent: agent events', () => {
  const event = AgentChange.parse({
    schema: 'agent-change/v1',
    eventId: 'test-agent-1',
    source: 'test-source',
    op: 'create',
    occurredAt: '2026-11-20T09:30:00+08:00',
    agentId: 'A-TEST-0042',
    agent: {
      name: '吴测试',
      mobile: '13912340765',
      address: '江苏省南京市秦淮区测试路2号',
      relatives: [{ mobile: '13812340001', address: '江苏省南京市玄武区测试路3号' }],
    },
  });
  const record = maskChangeEvent(event, tokenizer, '2026-11-20');

  it('tokenises the agent id so it joins with customer rows', () => {
    expect(record).toMatchObject({
      entity: 'agent',
      kind: 'agent',
      customerToken: tokenizer.token('agent', 'A-TEST-0042'),
      agentToken: tokenizer.token('agent', 'A-TEST-0042'),
      nameMasked: '吴*',
      mobileMasked: '139****0765',
      mobileToken: tokenizer.token('mobile', '13912340765'),
      addressMasked: '江苏省南京市秦淮区',
      province: '江苏省',
      protectionClass: 'sensitive',
      tier: '',
      secrecyLevel: '',
    });
    expect(MaskedRecord.parse(record)).toEqual(record);
  });

  it('contains none of the raw values', () => {
    const json = JSON.stringify(record);
    for (const value of ['吴测试', '13912340765', '13812340001', '测试路', 'A-TEST-0042']) {
      expect(json, value).not.toContain(value);
    }
  });
});

describe('ageBandOf', () => {
  it('bands completed years at the event date', () => {
    expect(ageBandOf('2008-11-21', '2026-11-20')).toBe('<18');
    expect(ageBandOf('2008-11-20', '2026-11-20')).toBe('18-29');
    expect(ageBandOf('1997-01-01', '2026-11-20')).toBe('18-29');
    expect(ageBandOf('1996-11-20', '2026-11-20')).toBe('30-39');
    expect(ageBandOf('1986-03-07', '2026-11-20')).toBe('40-49');
    expect(ageBandOf('1976-03-07', '2026-11-20')).toBe('50-59');
    expect(ageBandOf('1966-03-07', '2026-11-20')).toBe('60-69');
    expect(ageBandOf('1956-11-20', '2026-11-20')).toBe('70+');
  });

  it('is blank without a usable birth date', () => {
    expect(ageBandOf(undefined, '2026-11-20')).toBe('');
    expect(ageBandOf('2027-01-01', '2026-11-20')).toBe('');
    expect(ageBandOf('1986/03/07', '2026-11-20')).toBe('');
  });
});

describe('maskValueForField', () => {
  it('picks the mask from the classification policy', () => {
    expect(maskValueForField('customer.idNumber', idNumber)).toBe(`330106********${idNumber.slice(14)}`);
    expect(maskValueForField('customer.bankAccounts[2].number', sensitive.accounts[1])).toBe('****5432');
    expect(maskValueForField('customer.bankAccounts[0].holderName', sensitive.name)).toBe('钱*');
    expect(maskValueForField('policy.premiumAccount.holderName', sensitive.premiumHolder)).toBe('周*');
    expect(maskValueForField('customer.settlementAccount.number', sensitive.settlement)).toBe('****4556');
    expect(maskValueForField('customer.mobile', 13712340987)).toBe('137****0987');
    expect(maskValueForField('customer.fax', sensitive.landline)).toBe('0571-****21');
    expect(maskValueForField('agent.relatives[0].mobile', '13812340001')).toBe('138****0001');
    expect(maskValueForField('customer.address', sensitive.address)).toBe('浙江省杭州市西湖区');
    expect(maskValueForField('customer.birthDate', '1986-03-07')).toBe('1986');
  });

  it('passes general values through', () => {
    expect(maskValueForField('customer.gender', 'M')).toBe('M');
    expect(maskValueForField('customer.idType', 'PASSPORT')).toBe('PASSPORT');
    expect(maskValueForField('policy.coolingOffDays', 15)).toBe('15');
    expect(maskValueForField('customer.settlementAccount.authorized', false)).toBe('false');
    expect(maskValueForField('customer.occupation', '教师')).toBe('教师');
  });

  it('scrubs contact data typed into general free text', () => {
    expect(maskValueForField('customer.occupation', `教师 ${sensitive.mobile}`)).toBe('教师 ***');
  });

  it('shows only presence for redacted, unknown, health and structured values', () => {
    expect(maskValueForField('customer.workUnit', sensitive.workUnit)).toBe('***');
    expect(maskValueForField('customer.ethnicity', '测试族')).toBe('***');
    expect(maskValueForField('customerId', 'C-TEST-000001')).toBe('***');
    expect(maskValueForField('customer.wechatId', 'test-wechat')).toBe('***');
    expect(maskValueForField('customer.health', { declared: true })).toBe('***');
    expect(maskValueForField('customer.health.declared', false)).toBe('***');
    expect(maskValueForField('customer.bankAccounts', [{ number: sensitive.accounts[0] }])).toBe('***');
    expect(maskValueForField('customer.bankAccounts[0]', { number: sensitive.accounts[0] })).toBe('***');
    expect(maskValueForField('customer.gender', { sneaky: sensitive.mobile })).toBe('***');
  });

  it('is blank for absent or blank values', () => {
    expect(maskValueForField('customer.name', undefined)).toBe('');
    expect(maskValueForField('customer.name', null)).toBe('');
    expect(maskValueForField('customer.idNumber', '  ')).toBe('');
  });
});
