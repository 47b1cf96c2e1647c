import { describe, expect, it } from 'vitest';
import { checks } from './index.ts';

const RULE_IDS = [
  'required-fields',
  'id-number-format',
  'id-number-legacy',
  'id-gender-mismatch',
  'id-birthdate-mismatch',
  'mobile-format',
  'landline-format',
  'email-format',
  'bank-account-format',
  'uscc-format',
  'placeholder-value',
  'address-incomplete',
  'settlement-holder-mismatch',
  'premium-payer-mismatch',
];

describe('check registry', () => {
  it('holds exactly one check per rule id, keyed by its name', () => {
    expect([...checks.keys()].sort()).toEqual([...RULE_IDS].sort());
    for (const [id, check] of checks) expect(check.name).toBe(id);
  });

  it('accepts empty params for every check', () => {
    for (const check of checks.values()) expect(check.params.safeParse({}).success).toBe(true);
  });

  it('rejects misspelt params instead of ignoring them', () => {
    for (const check of checks.values()) expect(check.params.safeParse({ noSuchParam: 1 }).success).toBe(false);
  });
});
