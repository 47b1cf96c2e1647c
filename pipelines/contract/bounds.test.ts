import { describe, expect, it } from 'vitest';
import { CustomerChange, type ChangeEvent } from './customer-change.ts';
import { DATE_DOMAIN, DEFAULT_INPUT_LIMITS, eventTimeWindow, findDateOutOfRange, findOversize } from './bounds.ts';

const limits = { ...DEFAULT_INPUT_LIMITS, maxStringLength: 100, maxArrayItems: 3, maxObjectKeys: 20, maxDepth: 6 };

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('findOversize', () => {
  it('passes a message within every limit', () => {
    expect(findOversize({ customer: { bankAccounts: [{ number: '1' }, { number: '2' }, { number: '3' }] } }, limits)).toBeUndefined();
  });

  it('names the array, the limit and the config key, never the content', () => {
    const found = findOversize({ customer: { kind: 'person', bankAccounts: [{}, {}, {}, {}] } }, limits);
    expect(found).toEqual({ path: 'customer.bankAccounts', reason: 'customer.bankAccounts has more than 3 items (maxArrayItems)' });
  });

  it('finds a long string anywhere, in document order', () => {
    const found = findOversize({ customer: { name: 'x'.repeat(101), address: 'y'.repeat(500) } }, limits);
    expect(found?.path).toBe('customer.name');
    expect(found?.reason).toContain('maxStringLength');
  });

  it('shows keys the contract does not declare as <key>: a payload key may itself be personal data', () => {
    const found = findOversize({ customer: { 张三的备注: 'x'.repeat(101) } }, limits);
    expect(found?.path).toBe('customer.<key>');
    expect(JSON.stringify(found)).not.toContain('张三');
    const longKey = findOversize({ ['k'.repeat(101)]: 1 }, limits);
    expect(longKey?.reason).toContain('member name');
    expect(longKey?.reason).not.toContain('kkkk');
  });

  it('bounds objects by their member count', () => {
    const wide = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]));
    expect(findOversize({ customer: wide }, limits)?.reason).toBe('customer has more than 20 members (maxObjectKeys)');
  });

  it('bounds nesting, and walks a very deep value without overflowing the stack', () => {
    expect(findOversize(nested(6), limits)).toBeUndefined();
    expect(findOversize(nested(7), limits)?.reason).toContain('maxDepth');
    expect(findOversize(nested(200_000), { ...limits, maxDepth: 1000 })?.reason).toContain('deeper than 1000 levels');
  });

  it('is deterministic: the same value gives the same answer', () => {
    const value = { a: ['x'.repeat(200)], customer: { bankAccounts: [1, 2, 3, 4] } };
    expect(findOversize(value, limits)).toEqual(findOversize(structuredClone(value), limits));
  });
});

const event = (occurredAt: string, policy?: Record<string, unknown>): ChangeEvent =>
  CustomerChange.parse({
    schema: 'customer-change/v1',
    eventId: 'unit-bounds-1',
    source: 'unit',
    op: 'create',
    occurredAt,
    customerId: 'C-UNIT-1',
    customer: { kind: 'person' },
    ...(policy ? { policy: { policyId: 'P-1', role: 'insured', ...policy } } : {}),
  });

describe('findDateOutOfRange', () => {
  const now = Date.parse('2026-12-02T08:00:00Z');
  const window = eventTimeWindow('1970-01-01T00:00:00Z', 24, now);

  it('accepts event times from 1970 to a day after the processing time', () => {
    expect(findDateOutOfRange(event('1970-01-01T00:00:00Z'), window)).toBeUndefined();
    expect(findDateOutOfRange(event('2026-12-03T07:59:59Z'), window)).toBeUndefined();
  });

  // The upstream clock bugs that used to kill the pipeline (issue 6).
  it.each([
    '9999-12-31T20:00:00-08:00',
    '0000-01-01T00:00:00+14:00',
    '9999-12-31T15:59:59Z',
    '2026-12-03T08:00:01Z',
    '1969-12-31T23:59:59Z',
  ])('rejects occurredAt %s as out of range, without quoting it', (occurredAt) => {
    const found = findDateOutOfRange(event(occurredAt), window);
    expect(found?.path).toBe('occurredAt');
    expect(found?.reason).not.toContain(occurredAt);
  });

  it('rejects a policy receipt date outside the date domain', () => {
    expect(findDateOutOfRange(event('2026-06-01T00:00:00Z', { receivedAt: '9999-12-31', coolingOffDays: 15 }), window)).toEqual({
      path: 'policy.receivedAt',
      reason: `policy.receivedAt is outside ${DATE_DOMAIN.first} to ${DATE_DOMAIN.last}, where deadlines can be counted`,
    });
    expect(findDateOutOfRange(event('2026-06-01T00:00:00Z', { receivedAt: '1899-12-31' }), window)?.path).toBe('policy.receivedAt');
    expect(findDateOutOfRange(event('2026-06-01T00:00:00Z', { receivedAt: DATE_DOMAIN.last, coolingOffDays: 366 }), window)).toBeUndefined();
  });

  it('never widens the window beyond the date domain, whatever the configuration says', () => {
    const wide = eventTimeWindow('1000-01-01T00:00:00Z', 24 * 366, Date.parse('2199-12-30T00:00:00Z'));
    expect(new Date(wide.earliestMs).toISOString()).toBe(`${DATE_DOMAIN.first}T00:00:00.000Z`);
    expect(new Date(wide.latestMs).toISOString()).toBe(`${DATE_DOMAIN.last}T23:59:59.999Z`);
  });
});
