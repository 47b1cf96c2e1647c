// Stand-in mobiles are exactly those the pack's placeholder-value rule flags. Synthetic values only.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRulePack, type CompiledRule } from '../../../rules/engine/load-rule-pack.ts';
import { placeholderValue, placeholderValueParams } from '../../../rules/checks/placeholder-value.check.ts';
import { NO_STAND_INS, standInMobiles } from './stand-ins.ts';

let rules: readonly CompiledRule[];
beforeAll(async () => {
  rules = (await loadRulePack()).rules;
});

const flagged = (rule: CompiledRule | undefined, mobile: string) =>
  rule?.kind === 'record' && rule.check.run({ customer: { kind: 'person', mobile } } as never, rule.params).some((v) => v.field === 'customer.mobile');

describe('standInMobiles', () => {
  it('takes the built-in placeholder phones, runs and repeats, in any formatting', () => {
    const standIn = standInMobiles(rules);
    for (const m of ['13800000000', '+86 138-0000-0000', '１３８００１３８０００', '11111111111', '12345678901', '13811111111']) expect(standIn(m), m).toBe(true);
    for (const m of ['13912340001', '+8613912340002', '', 'not a number']) expect(standIn(m), m).toBe(false);
  });

  it('follows the pack: its own placeholder list, and none without the rule', () => {
    const placeholder = rules.find((r) => r.definition.check === 'placeholder-value')!;
    const custom = [{ ...placeholder, params: placeholderValueParams.parse({ phones: ['13912340001'], sequentialRun: false }) }] as CompiledRule[];
    expect(standInMobiles(custom)('13912340001')).toBe(true);
    expect(standInMobiles(custom)('12345678901')).toBe(false);
    expect(standInMobiles(rules.filter((r) => r.definition.check !== 'placeholder-value'))).toBe(NO_STAND_INS);
  });

  it('agrees with the placeholder-value rule on every mobile (property)', () => {
    const placeholder = rules.find((r) => r.definition.check === 'placeholder-value');
    expect(placeholder?.kind === 'record' && placeholder.check).toBe(placeholderValue);
    const standIn = standInMobiles(rules);
    const digits = fc.stringMatching(/^(\+86 ?)?1\d{2}[- ]?\d{4}[- ]?\d{4}$/);
    const runs = fc.constantFrom('13800000000', '13900000000', '13800138000', '12345678901', '98765432109', '15588888888');
    fc.assert(fc.property(fc.oneof(digits, runs, fc.string()), (mobile) => standIn(mobile) === flagged(placeholder, mobile)));
  });
});
