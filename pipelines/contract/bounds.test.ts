import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CustomerChange, type ChangeEvent } from './customer-change.ts';
import { DATE_DOMAIN, DEFAULT_INPUT_LIMITS, eventTimeWindow, findDateOutOfRange, findOversize, showPath, type InputLimits } from './bounds.ts';

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

  it('reports the first violation in document order, at its path: as a plain recursive walk does', () => {
    // The reference: the obvious recursion, carrying the path (fine at these small depths).
    const reference = (value: unknown, l: InputLimits, path: (string | number)[] = []): string | undefined => {
      if (typeof value === 'string') return value.length > l.maxStringLength ? `${showPath(path)} maxStringLength` : undefined;
      if (typeof value !== 'object' || value === null) return undefined;
      if (path.length + 1 > l.maxDepth) return `${showPath(path)} maxDepth`;
      if (Array.isArray(value)) {
        if (value.length > l.maxArrayItems) return `${showPath(path)} maxArrayItems`;
        for (let i = 0; i < value.length; i++) {
          const found = reference(value[i], l, [...path, i]);
          if (found) return found;
        }
        return undefined;
      }
      const keys = Object.keys(value);
      if (keys.length > l.maxObjectKeys) return `${showPath(path)} maxObjectKeys`;
      if (keys.some((k) => k.length > l.maxStringLength)) return `${showPath(path)} maxStringLength`;
      for (const k of keys) {
        const found = reference((value as Record<string, unknown>)[k], l, [...path, k]);
        if (found) return found;
      }
      return undefined;
    };
    const small = fc.record({
      maxStringLength: fc.integer({ min: 0, max: 6 }),
      maxDepth: fc.integer({ min: 1, max: 5 }),
      maxArrayItems: fc.integer({ min: 0, max: 4 }),
      maxObjectKeys: fc.integer({ min: 0, max: 4 }),
    });
    const keys = fc.constantFrom('customer', 'name', 'bankAccounts', 'number', '张三', 'x'.repeat(7), '');
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(keys, tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(value, small, (v, sizes) => {
        const l = { ...DEFAULT_INPUT_LIMITS, ...sizes };
        const found = findOversize(v, l);
        const expected = reference(v, l);
        expect(found === undefined ? undefined : `${found.path} ${/\((\w+)\)$/.exec(found.reason)?.[1]}`).toBe(expected);
      }),
      { numRuns: 3000 },
    );
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
