import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChangeEvent } from './customer-change.ts';
import { NOT_SURE, compileFastParse, withFastPath } from './fast-parse.ts';
import { canonicalEvent } from '../../tests/fuzz/arbitraries.ts';
import { applyMutation, mutation } from '../../tests/fuzz/mutations.ts';

/**
 * Events near the contract: the fuzz suite's events, generated from the contract itself, half of
 * them left whole and half with one of its mutations (a wrong type, a dropped member, an edge
 * value…), through JSON as a decoded message is. An own `__proto__` key is left out: that input
 * is zod's by design (the test below), which this property would read as the compiled path missing one.
 */
const nearEvent = fc
  .tuple(canonicalEvent, fc.option(mutation.filter((m) => !(m.kind === 'proto-key' && m.key === '__proto__')), { freq: 2 }))
  .map(([event, m]) => JSON.parse(JSON.stringify(m === null ? event : applyMutation(event, m).root) ?? 'null') as unknown);

/** The fast parser agrees with zod: whatever it returns, zod accepts and builds the same value (keys in the same order). */
function expectAgreement(parse: (v: unknown) => unknown, schema: z.ZodType, value: unknown): boolean {
  const fast = parse(value);
  const zod = schema.safeParse(value);
  if (fast === NOT_SURE) return false;
  expect(zod.success).toBe(true);
  expect(fast).toStrictEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
  return true;
}

describe('compileFastParse over the event contract', () => {
  const fast = compileFastParse(ChangeEvent)!;

  it('compiles the contract', () => {
    expect(fast).toBeTypeOf('function');
  });

  it('agrees with zod on events near the contract, and is sure of every valid one it can be', () => {
    let sure = 0;
    let valid = 0;
    fc.assert(
      fc.property(nearEvent, (event) => {
        if (ChangeEvent.safeParse(event).success) valid += 1;
        if (expectAgreement(fast, ChangeEvent, event)) sure += 1;
      }),
      { numRuns: 3000 },
    );
    // Not sure only of what zod rejects (these inputs hold no undefined and no __proto__ key).
    expect(valid).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(2900);
    expect(sure).toBe(valid);
  });

  it('agrees with zod on any value at all', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (value) => {
        expectAgreement(fast, ChangeEvent, value);
      }),
      { numRuns: 2000 },
    );
  });

  it('builds a new value: defaults applied, unknown keys kept after the known ones, the input untouched', () => {
    const input = JSON.parse(
      '{"zz":1,"customer":{"kind":"person","bankAccounts":[{"number":"1","x":true}],"settlementAccount":{"number":"2"}},"customerId":"C1","occurredAt":"2026-07-06T09:00:00+08:00","op":"create","source":"s","eventId":"e1","schema":"customer-change/v1"}',
    ) as Record<string, unknown>;
    const before = JSON.stringify(input);
    const out = fast(input) as Record<string, Record<string, unknown>>;
    expect(out).not.toBe(input);
    expect(Object.keys(out)).toEqual(['schema', 'eventId', 'source', 'op', 'occurredAt', 'customerId', 'customer', 'zz']);
    expect(out['customer']!['tier']).toBe('general');
    expect(out['customer']!['settlementAccount']).toEqual({ number: '2', authorized: false });
    expect(out['customer']!['bankAccounts']).not.toBe((input['customer'] as Record<string, unknown>)['bankAccounts']);
    expect(JSON.stringify(input)).toBe(before);
  });

  it("runs the contract's refinements: a create without its customer is zod's to reject", () => {
    const event = { schema: 'customer-change/v1', eventId: 'e', source: 's', op: 'create', occurredAt: '2026-07-06T09:00:00+08:00', customerId: 'C1' };
    expect(fast(event)).toBe(NOT_SURE);
    expect(fast({ ...event, op: 'delete' })).toEqual({ ...event, op: 'delete' });
  });

  it('leaves a present undefined and an own __proto__ key to zod', () => {
    const event = { schema: 'agent-change/v1', eventId: 'e', source: 's', op: 'delete', occurredAt: '2026-07-06T09:00:00+08:00', agentId: 'A1' };
    expect(fast({ ...event, agent: undefined })).toBe(NOT_SURE);
    expect(fast(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(event).slice(1)}`))).toBe(NOT_SURE);
  });
});

describe('compileFastParse on schemas it does not know', () => {
  it.each([
    ['a value-rewriting check', z.object({ a: z.string().trim() })],
    ['a transform', z.object({ a: z.string().transform((s) => s.length) })],
    ['coercion', z.object({ a: z.coerce.number() })],
    ['a union of objects', z.union([z.object({ a: z.string() }), z.object({ b: z.string() })])],
    ['an optional default', z.object({ a: z.string().default('x').optional() })],
  ])('compiles nothing for %s, and withFastPath is zod', (_, schema) => {
    expect(compileFastParse(schema)).toBeUndefined();
    const parse = withFastPath(schema);
    fc.assert(
      fc.property(fc.oneof(fc.record({ a: fc.oneof(fc.string(), fc.integer()) }), fc.anything()), (value) => {
        const ours = parse(value);
        const theirs = schema.safeParse(value);
        expect(ours.success).toBe(theirs.success);
        if (ours.success && theirs.success) expect(ours.data).toStrictEqual(theirs.data);
        else expect(ours.error?.issues).toEqual(theirs.error?.issues);
      }),
      { numRuns: 300 },
    );
  });
});

describe('withFastPath', () => {
  it("gives zod's result for every input, its errors included", () => {
    const parse = withFastPath(ChangeEvent);
    fc.assert(
      fc.property(fc.oneof(nearEvent, fc.anything()), (value) => {
        const ours = parse(value);
        const theirs = ChangeEvent.safeParse(value);
        expect(ours.success).toBe(theirs.success);
        if (ours.success && theirs.success) expect(JSON.stringify(ours.data)).toBe(JSON.stringify(theirs.data));
        else expect(ours.error?.issues).toEqual(theirs.error?.issues);
      }),
      { numRuns: 2000 },
    );
  });
});
