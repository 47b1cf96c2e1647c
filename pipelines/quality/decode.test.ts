import { beforeAll, describe, expect, it } from 'vitest';
import { debeziumAdapter } from '../../connectors/debezium/debezium-event.ts';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import type { DebeziumMapping } from '../../connectors/debezium/mapping-file.ts';
import { residentIdCheckCharacter } from '../cn/cn-resident-id.ts';
import { DEFAULT_INPUT_LIMITS, eventTimeWindow } from '../contract/bounds.ts';
import { decodeMessage, type DecodeResult } from './decode.ts';

// Synthetic values only; each is distinctive so a leak into a reason would be caught.
const ID_PAYLOAD = '11010519900307123';
const ID_NUMBER = ID_PAYLOAD + residentIdCheckCharacter(ID_PAYLOAD);
const NAME = '测甲乙';
const MOBILE = '13912340077';
const EVENT_ID = 'unit-decode-event-7731';
const CUSTOMER_ID = 'C-TEST-DECODE-4409';

const canonical = (over: Record<string, unknown> = {}) => ({
  schema: 'customer-change/v1',
  eventId: EVENT_ID,
  source: 'unit-test',
  op: 'update',
  occurredAt: '2026-06-01T09:30:00+08:00',
  customerId: CUSTOMER_ID,
  customer: { kind: 'person', name: NAME, idNumber: ID_NUMBER, mobile: MOBILE },
  ...over,
});

// A bare Debezium change row for connectors/debezium/mappings/legacy-crm.yaml.
const TS = Date.UTC(2026, 5, 1, 1, 30); // 2026-06-01T09:30:00+08:00
const row = (over: Record<string, unknown> = {}) => ({
  cust_no: CUSTOMER_ID,
  cust_type: 'P',
  cust_nm: NAME,
  sex_cd: '1',
  birth_dt: '19900307',
  natn_cd: null,
  ethnic_cd: null,
  occup_cd: null,
  cert_type: '01',
  cert_no: ID_NUMBER,
  cert_exp_dt: null,
  mobile_no: MOBILE,
  tel_no: null,
  email_addr: null,
  addr: null,
  zip_cd: null,
  work_unit: null,
  acct_no: null,
  acct_nm: null,
  open_bank: null,
  uscc_cd: null,
  legal_rep: null,
  reg_cap: null,
  biz_scope: null,
  crt_tm: null,
  upd_tm: null,
  oper_no: null,
  brch_no: null,
  ...over,
});
const debezium = (op: string, after: object | null, source: Record<string, unknown> = {}) => ({
  before: null,
  after,
  source: { connector: 'mysql', name: 'legacy-crm', ts_ms: TS, snapshot: 'false', db: 'crm', table: 'cust_info', file: 'mysql-bin.000001', pos: 4711, row: 0, ...source },
  op,
  ts_ms: TS + 5,
});

let mappings: DebeziumMapping[];
beforeAll(async () => {
  mappings = await loadMappings(EXAMPLE_MAPPINGS_DIR);
});

/** Decodes `value` as JSON; `decodeText` takes the raw message text. */
const decode = (value: unknown) => decodeText(JSON.stringify(value));
const decodeText = (text: string) => decodeMessage(Buffer.from(text), [debeziumAdapter(mappings)]);

const RAW_VALUES = [ID_NUMBER, ID_PAYLOAD.slice(6, 14), NAME, MOBILE, EVENT_ID, CUSTOMER_ID];

function failure(result: DecodeResult, extraRaw: readonly string[] = []) {
  if (result.ok) throw new Error('expected a decode failure');
  for (const raw of [...RAW_VALUES, ...extraRaw]) {
    expect(result.reason, `reason leaks ${raw}`).not.toContain(raw);
    expect(result.errorPath).not.toContain(raw);
  }
  return result;
}

describe('decodeMessage: not JSON', () => {
  it('says where the JSON breaks without quoting any of it', () => {
    const text = `{"customerId": "${CUSTOMER_ID}", "name": "${NAME}" SECRET-TAIL`;
    const result = failure(decodeText(text), ['SECRET-TAIL', 'SECRET', '"name"']);
    expect(result).toEqual({ ok: false, code: 'not-json', reason: expect.stringMatching(/^not valid JSON/), errorPath: '' });
    // The reason must not contain any fragment of the input (4+ characters).
    for (let i = 0; i + 4 <= text.length; i++) expect(result.reason).not.toContain(text.slice(i, i + 4));
  });

  it('gives the position as a byte offset, also after multi-byte characters', () => {
    expect(failure(decodeText('{"a":1}}'))).toMatchObject({ reason: 'not valid JSON (at byte 7)' });
    // 测甲乙 is 3 UTF-16 units but 9 UTF-8 bytes: the bad token starts at byte 22.
    const text = `{"name": "${NAME}", bad}`;
    expect(Buffer.from(text).indexOf('bad')).toBe(22);
    expect(failure(decodeText(text))).toMatchObject({ code: 'not-json', reason: 'not valid JSON (at byte 22)' });
  });

  it('takes the position only from V8\'s own suffix, never from the input it quotes (found by tests/fuzz)', () => {
    // "Unexpected token" messages carry no position but quote the text around the token: a
    // number there is the input's, and must neither be reported nor pass for a position.
    const long = `{"pad":"${'x'.repeat(300)}","a": position 4711}`;
    expect(failure(decodeText(long), ['4711'])).toEqual({ ok: false, code: 'not-json', reason: 'not valid JSON', errorPath: '' });
    expect(failure(decodeText('position 4711'), ['4711'])).toEqual({ ok: false, code: 'not-json', reason: 'not valid JSON', errorPath: '' });
    expect(failure(decodeText('{"a": position 5}'))).toMatchObject({ reason: 'not valid JSON' });
  });

  it('counts the byte offset from the first byte of the message, BOM included (found by tests/fuzz)', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}}')]);
    expect(failure(decodeMessage(withBom, [debeziumAdapter(mappings)]))).toMatchObject({ code: 'not-json', reason: 'not valid JSON (at byte 10)' });
    expect(withBom[10]).toBe('}'.charCodeAt(0));
  });

  it('rejects an empty message and a lone word', () => {
    expect(failure(decodeText(''))).toMatchObject({ code: 'not-json', reason: 'not valid JSON: the message is empty' });
    expect(failure(decodeText(' \t'))).toMatchObject({ code: 'not-json', reason: 'not valid JSON: the message is empty' });
    expect(failure(decodeText('SECRETWORD'), ['SECRETWORD', 'SECR'])).toMatchObject({ code: 'not-json' });
  });
});

describe('decodeMessage: bytes', () => {
  it('rejects bytes that are not UTF-8 instead of accepting U+FFFD in a value', () => {
    // Latin-1 "café" inside an otherwise valid event: decoding would silently change the name.
    const latin1 = Buffer.from(JSON.stringify(canonical({ customer: { kind: 'person', name: 'caf\u00e9' } })), 'latin1');
    const result = failure(decodeMessage(latin1, [debeziumAdapter(mappings)]));
    expect(result).toEqual({ ok: false, code: 'not-json', reason: 'not valid JSON: the bytes are not valid UTF-8', errorPath: '' });
    expect(failure(decodeMessage(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), [debeziumAdapter(mappings)])).code).toBe('not-json');
  });

  it('rejects a string or member name with an unpaired surrogate escape, naming where (found by tests/fuzz)', () => {
    // Valid JSON, but no Unicode text: the store's JSON input refused the batch holding it, and the
    // run stopped. Rejected here, the event fails alone.
    const lone = (text: string) => decodeText(JSON.stringify(canonical()).replace(`"${MOBILE}"`, text));
    expect(failure(lone('"1391234\\ud800"'))).toEqual({
      ok: false,
      code: 'not-json',
      reason: 'not valid JSON: customer.mobile holds an unpaired surrogate escape, which is no Unicode character (RFC 8259 §8.2)',
      errorPath: 'customer.mobile',
    });
    expect(failure(decodeText(JSON.stringify(canonical()).replace(`"${EVENT_ID}"`, '"\\udc00x"')))).toMatchObject({ code: 'not-json', errorPath: 'eventId' });
    expect(failure(lone('"\\ude00\\ud83d"'))).toMatchObject({ code: 'not-json', errorPath: 'customer.mobile' });
    expect(failure(decodeText(JSON.stringify(canonical({ note: { 'k\ud800': 1 } }))))).toMatchObject({ code: 'not-json', errorPath: '<key>' });
    // A pair written as two escapes is one character, and fine.
    const pair = lone('"\\ud83d\\ude00"');
    expect(pair.ok && pair.event.schema === 'customer-change/v1' && pair.event.customer?.mobile).toBe('\u{1F600}');
  });

  it('rejects U+0000 in any string or member name, naming where: PostgreSQL text cannot hold it (found by tests/fuzz)', () => {
    const withName = (name: string) => decodeText(JSON.stringify(canonical({ customer: { kind: 'person', name } })));
    expect(failure(withName('样\u0000例'))).toEqual({
      ok: false,
      code: 'contract',
      reason: 'violates the event contract: customer.name holds U+0000 (NUL), which no text of an event may contain',
      errorPath: 'customer.name',
    });
    expect(failure(decodeText(JSON.stringify(canonical({ note: { 'k\u0000': 1 } }))))).toMatchObject({ code: 'contract', errorPath: '<key>' });
    // A backslash followed by "u0000" is six characters of text, and fine.
    expect(withName('样\\u0000例').ok).toBe(true);
  });

  it('ignores a UTF-8 byte order mark before the JSON text (RFC 8259 §8.1)', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(canonical()))]);
    const result = decodeMessage(withBom, [debeziumAdapter(mappings)]);
    expect(result.ok && result.event.eventId).toBe(EVENT_ID);
  });
});

describe('decodeMessage: not an object', () => {
  it.each([
    ['an array', [CUSTOMER_ID, NAME], 'an array'],
    ['a number', 13912340077, 'a number'],
    ['null', null, 'null'],
    ['a string', MOBILE, 'a string'],
    ['a boolean', true, 'a boolean'],
  ])('rejects %s', (_, value, actual) => {
    expect(failure(decode(value), ['13912340077'])).toEqual({
      ok: false,
      code: 'not-object',
      reason: `expected a JSON object, got ${actual}`,
      errorPath: '',
    });
  });
});

describe('decodeMessage: contract violations', () => {
  it.each([
    ['a missing eventId', { eventId: undefined }, 'eventId', /eventId: Invalid input: expected string, received undefined/],
    ['an unknown op', { op: 'SECRET-OP-upsert' }, 'op', /op: Invalid option: expected one of "create"\|"update"\|"delete"/],
    ['a bad occurredAt', { occurredAt: '2026-06-01 09:30 SECRET' }, 'occurredAt', /occurredAt: Invalid ISO datetime/],
    ['an instant without offset', { occurredAt: '2026-06-01T09:30:00' }, 'occurredAt', /occurredAt: Invalid ISO datetime/],
    ['a customer that is not an object', { customer: 'x' }, 'customer', /customer: Invalid input: expected object, received string/],
    ['a missing customer on update', { customer: undefined }, 'customer', /customer: required when op is "update"/],
    ['an unknown schema', { schema: 'customer-change/v9-SECRET' }, 'schema', /schema: /],
    // Blank keys all tokenised to '' and merged into one customer, whose issue events Kafka mode
    // could not publish: the run stopped (found by tests/fuzz).
    ['a blank customerId', { customerId: ' \u3000\t' }, 'customerId', /customerId: must not be blank/],
    ['a bad nested value', { customer: { kind: 'person', name: NAME, birthDate: '1990-02-30', bankAccounts: [{ number: 6200000012 }] } }, 'customer.birthDate', /customer\.birthDate: Invalid ISO date; customer\.bankAccounts\[0\]\.number: Invalid input: expected string, received number/],
  ])('names the path for %s', (_, over, path, message) => {
    const result = failure(decode(canonical(over)), ['SECRET', '1990-02-30', '6200000012', 'upsert']);
    expect(result.code).toBe('contract');
    expect(result.errorPath).toBe(path);
    expect(result.reason).toMatch(/^violates the event contract: /);
    expect(result.reason).toMatch(message);
  });

  it('lists at most three issues and counts the rest', () => {
    const result = failure(decode({ schema: 'customer-change/v1', op: 'update' }));
    expect(result.reason).toMatch(/^violates the event contract: [^;]+; [^;]+; [^;]+ \(\+\d+ more\)$/);
  });
});

describe('decodeMessage: accepted events', () => {
  it('passes a canonical customer event through, with contract defaults applied', () => {
    const result = decode(canonical());
    expect(result).toEqual({
      ok: true,
      via: 'canonical',
      event: {
        schema: 'customer-change/v1',
        eventId: EVENT_ID,
        source: 'unit-test',
        op: 'update',
        occurredAt: '2026-06-01T09:30:00+08:00',
        customerId: CUSTOMER_ID,
        customer: { kind: 'person', tier: 'general', name: NAME, idNumber: ID_NUMBER, mobile: MOBILE },
      },
    });
  });

  it('passes a canonical delete without a customer, and an agent event', () => {
    expect(decode(canonical({ op: 'delete', customer: undefined }))).toMatchObject({ ok: true, via: 'canonical', event: { op: 'delete' } });
    const agent = { schema: 'agent-change/v1', eventId: 'unit-agent-1', source: 'unit-test', op: 'create', occurredAt: '2026-06-01T09:30:00Z', agentId: 'A-TEST-1', agent: { name: NAME } };
    expect(decode(agent)).toMatchObject({ ok: true, via: 'canonical', event: { schema: 'agent-change/v1', agentId: 'A-TEST-1' } });
  });

  it('maps a Debezium change through legacy-crm.yaml and validates the result', () => {
    const result = decode(debezium('c', row()));
    expect(result).toEqual({
      ok: true,
      via: 'debezium',
      event: {
        schema: 'customer-change/v1',
        eventId: `legacy-crm:crm:cust_info:mysql-bin.000001:4711:0:${CUSTOMER_ID}`,
        source: 'legacy-crm',
        op: 'create',
        occurredAt: '2026-06-01T09:30:00.000+08:00',
        customerId: CUSTOMER_ID,
        customer: {
          kind: 'person',
          tier: 'general',
          name: NAME,
          gender: 'M',
          birthDate: '1990-03-07',
          idType: 'CN_RESIDENT_ID',
          idNumber: ID_NUMBER,
          mobile: MOBILE,
        },
      },
    });
    // The Kafka Connect JSON wrapper with schemas.enable=true works the same.
    expect(decode({ schema: { type: 'struct' }, payload: debezium('c', row()) })).toMatchObject({ ok: true, via: 'debezium' });
  });

  it('dead-letters a Debezium source no mapping claims as unmapped-source', () => {
    const result = failure(decode(debezium('c', row(), { table: 'cust_addr' })));
    expect(result).toEqual({
      ok: false,
      code: 'unmapped-source',
      reason: 'no Debezium mapping for name legacy-crm, db crm, table cust_addr',
      errorPath: '',
    });
    // Without any mapping loaded, every Debezium event is unmapped.
    const none = decodeMessage(Buffer.from(JSON.stringify(debezium('c', row()))), [debeziumAdapter([])]);
    expect(none).toMatchObject({ ok: false, code: 'unmapped-source' });
  });

  it('dead-letters a Debezium row the mapping cannot convert, naming the column only', () => {
    const result = failure(decode(debezium('c', row({ sex_cd: 'SECRET-CODE' }))), ['SECRET-CODE']);
    expect(result.code).toBe('mapping-failed');
    expect(result.reason).toContain('column sex_cd');
  });
});

describe('decodeMessage: bounds (too-large, out-of-range)', () => {
  const now = Date.parse('2026-12-02T08:00:00Z');
  const bounds = { limits: { ...DEFAULT_INPUT_LIMITS, maxArrayItems: 5 }, eventTime: eventTimeWindow('1970-01-01T00:00:00Z', 24, now) };
  const decodeBounded = (value: unknown) => decodeMessage(Buffer.from(JSON.stringify(value)), [debeziumAdapter(mappings)], bounds);

  it('rejects a message over maxMessageBytes before parsing it', () => {
    const big = Buffer.from(JSON.stringify(canonical({ customer: { kind: 'person', name: NAME, address: 'x'.repeat(2000) } })));
    const result = failure(decodeMessage(big, [debeziumAdapter(mappings)], { ...bounds, limits: { ...bounds.limits, maxMessageBytes: 1024 } }));
    expect(result).toEqual({ ok: false, code: 'too-large', reason: 'too large: the message has more than 1024 bytes (maxMessageBytes)', errorPath: '' });
  });

  it('rejects an array over maxArrayItems whole: nothing is truncated', () => {
    const accounts = Array.from({ length: 6 }, (_, i) => ({ number: `62220000000000${i}`, holderName: NAME }));
    const result = failure(decodeBounded(canonical({ customer: { kind: 'person', name: NAME, bankAccounts: accounts } })));
    expect(result).toMatchObject({ code: 'too-large', errorPath: 'customer.bankAccounts', reason: 'too large: customer.bankAccounts has more than 5 items (maxArrayItems)' });
  });

  it.each([
    ['9999-12-31T20:00:00-08:00', 'after'],
    ['0000-01-01T00:00:00+14:00', 'before'],
    ['9999-12-31T15:59:59Z', 'after'],
  ])('dead-letters occurredAt %s as out-of-range (an upstream clock bug), not as an exception', (occurredAt, side) => {
    const result = failure(decodeBounded(canonical({ occurredAt })), [occurredAt]);
    expect(result).toMatchObject({ code: 'out-of-range', errorPath: 'occurredAt' });
    expect(result.reason).toContain(`occurredAt is ${side}`);
  });

  it('dead-letters a policy receipt date of 9999-12-31 as out-of-range', () => {
    const result = failure(decodeBounded(canonical({ policy: { policyId: 'P-1', role: 'insured', receivedAt: '9999-12-31', coolingOffDays: 15 } })));
    expect(result).toMatchObject({ code: 'out-of-range', errorPath: 'policy.receivedAt' });
  });

  it('accepts an event within every bound', () => {
    expect(decodeBounded(canonical()).ok).toBe(true);
  });
});
