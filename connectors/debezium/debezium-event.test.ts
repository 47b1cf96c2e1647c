import { beforeAll, describe, expect, it } from 'vitest';
import { ChangeEvent } from '../../pipelines/contract/customer-change.ts';
import { decodeMessage } from '../../pipelines/quality/decode.ts';
import { debeziumAdapter, isDebeziumChange, mapDebeziumChange } from './debezium-event.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from './load-mappings.ts';
import type { DebeziumMapping } from './mapping-file.ts';

// Synthetic rows for connectors/debezium/mappings/legacy-crm.yaml (MySQL connector, topic prefix legacy-crm).
const TS = Date.UTC(2026, 10, 20, 1, 30); // 2026-11-20T09:30:00+08:00
const OCCURRED = '2026-11-20T09:30:00.000+08:00';

const source = (over: object = {}) => ({
  version: '2.7.3.Final',
  connector: 'mysql',
  name: 'legacy-crm',
  ts_ms: TS,
  snapshot: 'false',
  db: 'crm',
  table: 'cust_info',
  server_id: 1,
  gtid: null,
  file: 'mysql-bin.000042',
  pos: 15400,
  row: 0,
  thread: 7,
  query: null,
  ...over,
});

const person = (over: object = {}) => ({
  cust_no: 'TEST-C0001',
  cust_type: 'P',
  cust_nm: '测试客户甲',
  sex_cd: '2',
  birth_dt: 7370, // io.debezium.time.Date: days since 1970-01-01 → 1990-03-07
  natn_cd: 'CHN',
  ethnic_cd: '01',
  occup_cd: 'TEST-OCC',
  cert_type: '01',
  cert_no: 'TEST-ID-000000001',
  cert_exp_dt: '20360101', // CHAR(8)
  mobile_no: '13800000000',
  tel_no: null,
  email_addr: 'test.customer@example.invalid',
  addr: '测试省测试市示例路1号',
  zip_cd: '000000',
  work_unit: null,
  acct_no: '6200000000000000001',
  acct_nm: '测试客户甲',
  open_bank: 'TEST BANK',
  uscc_cd: null,
  legal_rep: null,
  reg_cap: null,
  biz_scope: null,
  crt_tm: 1700000000000,
  upd_tm: 1700000000000,
  oper_no: 'TEST-OP',
  brch_no: 'TEST-BR',
  ...over,
});

const bare = (op: string, before: object | null, after: object | null, src: object = {}) => ({
  before,
  after,
  source: source(src),
  op,
  ts_ms: TS + 250,
  transaction: null,
});

// The JSON converter with schemas.enable=true; the Connect schema is abbreviated, the mapper ignores it.
const wrapped = (payload: object) => ({
  schema: {
    type: 'struct',
    fields: [
      { type: 'struct', fields: [{ type: 'string', optional: false, field: 'cust_no' }], optional: true, name: 'legacy-crm.crm.cust_info.Value', field: 'before' },
      { type: 'struct', fields: [{ type: 'string', optional: false, field: 'cust_no' }], optional: true, name: 'legacy-crm.crm.cust_info.Value', field: 'after' },
      { type: 'struct', fields: [], optional: false, name: 'io.debezium.connector.mysql.Source', field: 'source' },
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
    ],
    optional: false,
    name: 'legacy-crm.crm.cust_info.Envelope',
    version: 1,
  },
  payload,
});

let mappings: DebeziumMapping[];
beforeAll(async () => {
  mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
});

const without = (row: Record<string, unknown>, column: string) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== column));

function mapOk(value: unknown) {
  const result = mapDebeziumChange(value, mappings);
  if (!result.ok) throw new Error(`expected a mapped event, got ${result.code}: ${result.reason}`);
  // Every mapped event must be valid against the contract, not merely canonical-shaped.
  const parsed = ChangeEvent.safeParse(result.event);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return result;
}

function mapFail(value: unknown) {
  const result = mapDebeziumChange(value, mappings);
  if (result.ok) throw new Error('expected a mapping failure');
  return result;
}

describe('isDebeziumChange', () => {
  it('recognises wrapped and bare change events', () => {
    expect(isDebeziumChange(wrapped(bare('c', null, person())))).toBe(true);
    expect(isDebeziumChange(bare('u', person(), person()))).toBe(true);
    expect(isDebeziumChange(bare('d', person(), null))).toBe(true);
    expect(isDebeziumChange({ source: source(), op: 't', ts_ms: TS })).toBe(true);
    // The wrapper without a Connect schema, as some tools re-publish it.
    expect(isDebeziumChange({ payload: bare('r', null, person()) })).toBe(true);
  });

  it('never takes a canonical event for one', () => {
    const canonical = {
      schema: 'customer-change/v1',
      eventId: 'test-1',
      source: 'test-source',
      op: 'create',
      occurredAt: OCCURRED,
      customerId: 'TEST-C0001',
      customer: { kind: 'person' },
    };
    expect(isDebeziumChange(canonical)).toBe(false);
    // Even a malformed one that happens to look Debezium-ish keeps going to contract validation.
    expect(isDebeziumChange({ ...canonical, source: source(), op: 'c' })).toBe(false);
    expect(isDebeziumChange({ schema: 'customer-change/v1', payload: bare('c', null, person()) })).toBe(false);
  });

  it('rejects other shapes', () => {
    for (const value of [null, 'c', 42, [], {}, { op: 'c' }, { source: 'legacy-crm', op: 'c' }, { source: source(), op: 'x' }, { source: source(), op: 'toString' }]) {
      expect(isDebeziumChange(value)).toBe(false);
    }
  });
});

describe('mapDebeziumChange with legacy-crm.yaml', () => {
  it('maps a wrapped create to a full customer-change event', () => {
    const result = mapOk(wrapped(bare('c', null, person())));
    expect(result.event).toEqual({
      schema: 'customer-change/v1',
      eventId: 'legacy-crm:crm:cust_info:mysql-bin.000042:15400:0:TEST-C0001',
      source: 'legacy-crm',
      op: 'create',
      occurredAt: OCCURRED,
      customerId: 'TEST-C0001',
      customer: {
        kind: 'person',
        tier: 'general',
        name: '测试客户甲',
        gender: 'F',
        birthDate: '1990-03-07',
        nationality: 'CHN',
        ethnicity: '01',
        occupation: 'TEST-OCC',
        idType: 'CN_RESIDENT_ID',
        idNumber: 'TEST-ID-000000001',
        idExpiry: '2036-01-01',
        mobile: '13800000000',
        email: 'test.customer@example.invalid',
        address: '测试省测试市示例路1号',
        postcode: '000000',
        bankAccounts: [{ number: '6200000000000000001', holderName: '测试客户甲', bank: 'TEST BANK' }],
      },
    });
    expect(result.unknownColumns).toEqual([]);
  });

  it('maps a bare update', () => {
    const result = mapOk(bare('u', person(), person({ mobile_no: '13800000001', addr: '测试省测试市示例路2号' }), { pos: 16000, row: 1 }));
    expect(result.event).toMatchObject({
      op: 'update',
      eventId: 'legacy-crm:crm:cust_info:mysql-bin.000042:16000:1:TEST-C0001',
      customer: { mobile: '13800000001', address: '测试省测试市示例路2号' },
    });
  });

  it('maps a delete from the before-image, without an after-image', () => {
    const result = mapOk(bare('d', person(), null, { pos: 17000 }));
    expect(result.event).toEqual({
      schema: 'customer-change/v1',
      eventId: 'legacy-crm:crm:cust_info:mysql-bin.000042:17000:0:TEST-C0001',
      source: 'legacy-crm',
      op: 'delete',
      occurredAt: OCCURRED,
      customerId: 'TEST-C0001',
    });
  });

  it('maps snapshot reads to creates with distinct event ids despite one shared position', () => {
    const snapshot = { snapshot: 'true', pos: 154 };
    const first = mapOk(bare('r', null, person(), snapshot));
    const second = mapOk(bare('r', null, person({ cust_no: 'TEST-C0002' }), snapshot));
    expect(first.event).toMatchObject({ op: 'create', customerId: 'TEST-C0001' });
    expect(second.event).toMatchObject({ op: 'create', customerId: 'TEST-C0002' });
    expect((first.event as { eventId: string }).eventId).not.toBe((second.event as { eventId: string }).eventId);
  });

  it('reads dates as epoch days, YYYYMMDD or YYYY-MM-DD', () => {
    const at = (birth: unknown, expiry: unknown) =>
      (mapOk(bare('c', null, person({ birth_dt: birth, cert_exp_dt: expiry }))).event as { customer: Record<string, unknown> }).customer;
    expect(at(0, '2036-01-01')).toMatchObject({ birthDate: '1970-01-01', idExpiry: '2036-01-01' });
    expect(at(-1, 24472)).toMatchObject({ birthDate: '1969-12-31', idExpiry: '2037-01-01' });
    expect(at(7364, '20240229')).toMatchObject({ birthDate: '1990-03-01', idExpiry: '2024-02-29' });
  });

  it('translates codes through values, leaving out codes mapped to null', () => {
    const org = mapOk(bare('c', null, person({ cust_type: 'O', sex_cd: '9', birth_dt: null, uscc_cd: 'TEST-USCC-0001', reg_cap: '5000000.00', cert_type: '99' })));
    const customer = (org.event as { customer: Record<string, unknown> }).customer;
    expect(customer).toMatchObject({ kind: 'organization', idType: 'OTHER', uscc: 'TEST-USCC-0001', registeredCapital: 5000000 });
    expect(customer).not.toHaveProperty('gender');
    expect(customer).not.toHaveProperty('birthDate');
  });

  it('leaves out null columns, including a whole account', () => {
    const result = mapOk(bare('c', null, person({ acct_no: null, acct_nm: null, open_bank: null, mobile_no: null })));
    const customer = (result.event as { customer: Record<string, unknown> }).customer;
    expect(customer).not.toHaveProperty('bankAccounts');
    expect(customer).not.toHaveProperty('mobile');
  });

  it('reports columns that are neither mapped nor ignored', () => {
    const result = mapOk(bare('u', person(), person({ vip_flag: 'Y', wechat_id: 'test' })));
    expect(result.unknownColumns).toEqual(['vip_flag', 'wechat_id']);
  });

  it('says which source has no mapping', () => {
    expect(mapFail(bare('c', null, person(), { table: 'cust_addr' }))).toEqual({
      ok: false,
      code: 'unmapped-source',
      reason: 'no Debezium mapping for name legacy-crm, db crm, table cust_addr',
    });
    expect(mapFail(bare('c', null, person(), { db: 'crm_archive' })).code).toBe('unmapped-source');
    expect(mapFail(bare('c', null, person(), { name: 'other<script>' })).reason).toBe(
      'no Debezium mapping for name (not an identifier), db crm, table cust_info',
    );
  });

  const SECRET = 'TEST-SECRET-VALUE-9';
  it.each([
    ['a code missing from values', bare('c', null, person({ sex_cd: SECRET })), 'column sex_cd (→ customer.gender): code not listed under values'],
    ['an unreadable date', bare('c', null, person({ birth_dt: SECRET })), 'column birth_dt (→ customer.birthDate): expected a date'],
    ['an impossible date', bare('c', null, person({ birth_dt: '20230229' })), 'column birth_dt (→ customer.birthDate): expected a date'],
    ['an epoch day beyond year 9999', bare('c', null, person({ birth_dt: 99_999_999 })), 'column birth_dt (→ customer.birthDate): expected a date'],
    ['an account number rounded by JSON', bare('c', null, person({ acct_no: 6200000000000000001 })), 'column acct_no (→ customer.bankAccounts[0].number): expected a number JSON can hold exactly'],
    ['a non-numeric capital', bare('c', null, person({ reg_cap: SECRET })), 'column reg_cap (→ customer.registeredCapital): expected a number or a decimal string'],
    ['a missing entity id', bare('c', null, person({ cust_no: null })), 'entityId column cust_no is missing, empty or not a string or integer'],
    ['a renamed column', bare('c', null, without(person(), 'mobile_no')), 'column mobile_no is not in the row'],
    ['a delete without before-image', bare('d', null, null), 'delete without a before-image'],
    ['an update without after-image', bare('u', person(), null), 'op "u" without an after-image'],
    ['a truncate', { source: source(), op: 't', ts_ms: TS }, 'op "t" is a table truncate, not a row change'],
    ['a missing position', bare('c', null, person(), { file: null }), 'eventId part source.file is missing'],
    ['a bad timestamp', bare('c', null, person(), { ts_ms: String(TS) }), 'occurredAt: source.ts_ms is not an epoch-millisecond timestamp'],
  ])('fails on %s with a reason that names columns, not values', (_, value, expected) => {
    const result = mapFail(value);
    expect(result.code).toBe('mapping-failed');
    expect(result.reason).toContain(`mapping legacy-crm-customers: ${expected}`);
    expect(result.reason).not.toContain(SECRET);
    expect(result.reason).not.toContain('TEST-C0001');
  });

  it('feeds the pipeline decoder, which validates the mapped event', () => {
    const decoded = decodeMessage(Buffer.from(JSON.stringify(wrapped(bare('c', null, person())))), [debeziumAdapter(mappings)]);
    expect(decoded).toMatchObject({ ok: true, via: 'debezium', event: { customerId: 'TEST-C0001', customer: { tier: 'general' } } });
    const unmapped = decodeMessage(Buffer.from(JSON.stringify(bare('c', null, person(), { name: 'elsewhere' }))), [debeziumAdapter(mappings)]);
    expect(unmapped).toMatchObject({ ok: false, code: 'unmapped-source' });
  });
});
