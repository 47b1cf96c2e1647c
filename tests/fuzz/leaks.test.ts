// The leak check must find a leak, or every fuzz property that relies on it passes for nothing;
// and it must let the vocabulary through, or it fails for nothing. Synthetic values only.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MAPPINGS_DIR, loadMappings } from '../../connectors/debezium/load-mappings.ts';
import { DEFAULT_INPUT_LIMITS, DOMAIN_WINDOW } from '../../pipelines/contract/bounds.ts';
import { candidatesOf, findLeaks, Vocabulary } from './leaks.ts';
import { stringLiterals } from './source-strings.ts';

const vocabulary = new Vocabulary({ mappings: await loadMappings(EXAMPLE_MAPPINGS_DIR), limits: [DEFAULT_INPUT_LIMITS], windows: [DOMAIN_WINDOW], ruleIds: ['mobile-format'] });
const of = (value: unknown) => candidatesOf(Buffer.from(JSON.stringify(value)), value, true);
const leaks = (shown: string, value: unknown) => findLeaks(shown, of(value), vocabulary).map((l) => `${l.form}:${l.length}`);

describe('findLeaks', () => {
  const event = { customerId: 'C-LEAK-7731', customer: { name: '样例甲', mobile: '13912340077', address: '北京市海淀区样例路17号' } };

  it('finds a value whole, cut short, or a two-character piece of a Chinese one', () => {
    expect(leaks('violates the event contract: customer.mobile: 13912340077', event)).toEqual(['whole:11']);
    expect(leaks('customer.mobile: 391234007 is wrong', event)).toEqual(['piece:8']);
    expect(leaks('customer.name: 例甲 is wrong', event)).toEqual(['piece:2']);
    expect(leaks('at C-LEAK-7731', event)).toEqual(['whole:11']);
    // A member name the contract does not declare is input too.
    expect(leaks('<key> SECRET-KEY-1', { customer: { 'SECRET-KEY-1': 1 } })).toEqual(['whole:12']);
  });

  it('lets reasons made of the vocabulary through, whatever the input holds', () => {
    const words = { customer: { kind: 'person', note: 'customer.name', other: 'Invalid input', date: '2199-12-31', n: 4096 } };
    expect(leaks('violates the event contract: customer.name: Invalid input: expected string, received number', words)).toEqual([]);
    expect(leaks('out of range: policy.receivedAt is outside 1900-01-01 to 2199-12-31, where deadlines can be counted', words)).toEqual([]);
    expect(leaks('too large: customer.<key> is longer than 4096 characters (maxStringLength)', words)).toEqual([]);
    expect(leaks('processing failed at stage rule:mobile-format: TypeError', words)).toEqual([]);
  });

  it('blanks the numbers the decoder computes, and the Debezium source names it shows on purpose', () => {
    expect(leaks('not valid JSON (at byte 4711)', { n: '4711' })).toEqual([]);
    expect(leaks('customer.bankAccounts[1234].number: Invalid input', { n: '1234' })).toEqual([]);
    const debezium = { payload: { op: 'c', source: { name: 'crm-west', table: 'cust_x' }, after: {} } };
    expect(leaks('no Debezium mapping for name crm-west, table cust_x', debezium)).toEqual([]);
  });
});

describe('stringLiterals', () => {
  it('reads strings, template literals split at their holes, and skips comments and regex literals', () => {
    const source = "// 'not this'\nconst a = 'one' + \"two\"; /* 'nor this' */ const r = /'x\"[/]'/g;\nconst t = `three ${a ? `inner` : 'four'} five`;";
    expect(stringLiterals(source)).toEqual(['one', 'two', 'three ', 'inner', 'four', ' five']);
  });
});
