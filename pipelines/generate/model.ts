// The generator's view of a customer: the after-image it publishes (typed by the contract itself,
// so a field the contract does not know cannot slip in) plus the facts it needs to decide which
// defects can be injected without tripping a rule it did not intend to trip.
import type { CustomerChangeInput } from '../contract/customer-change.ts';
import type { Region } from './data/regions.ts';
import type { Gender } from './identifiers.ts';

export type CustomerImage = NonNullable<CustomerChangeInput['customer']>;
export type PolicyImage = NonNullable<CustomerChangeInput['policy']>;
export type BankAccountImage = NonNullable<CustomerImage['bankAccounts']>[number];

export const SOURCES = ['core-insurance', 'core-banking', 'crm'] as const;
export type Source = (typeof SOURCES)[number];

export type Role = 'policyholder' | 'insured' | 'beneficiary';

export interface CustomerProfile {
  readonly customerId: string;
  readonly kind: 'person' | 'organization';
  /** Undefined for persons without a policy (bank customers) and for organizations. */
  readonly role: Role | undefined;
  readonly region: Region;
  /** The person's name (or the organization's legal representative), kept even if a defect removes it. */
  readonly realName: string;
  readonly pinyin: readonly string[];
  readonly gender: Gender | undefined;
  readonly birthDate: string | undefined;
  /** Under 18 on the policy's receipt date: may lack an ID number. */
  readonly minor: boolean;
  /** Source of the create event; updates come from it or from the CRM. */
  readonly source: Source;
}

/** Mutable state, replayed event by event. */
export interface CustomerState {
  readonly profile: CustomerProfile;
  customer: CustomerImage;
  policy: PolicyImage | undefined;
}

/** Rule ids exactly as the rule packs name them. */
export const RULE_IDS = [
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
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * The cross-customer pattern rules and their default parameters, as the issue states them. They are
 * not per-record rules: nothing in `rules`, `customersByRule`, `eventsByRule` or `issues*` covers
 * them; their truth is in `activeFindings` and `patterns`.
 */
export const PATTERN_RULE_IDS = ['shared-mobile', 'shared-bank-account', 'agent-contact-reuse', 'frequent-mobile-change'] as const;
export type PatternRuleId = (typeof PATTERN_RULE_IDS)[number];

export const PATTERN_RULE_DEFAULTS = {
  'shared-mobile': { minHolders: 2 },
  'shared-bank-account': {},
  'agent-contact-reuse': {},
  'frequent-mobile-change': { minChanges: 2, windowDays: 30 },
} as const satisfies Record<PatternRuleId, Readonly<Record<string, number>>>;

/** Every rule with an active-finding truth: the per-record rules, then the pattern rules. */
export type AnyRuleId = RuleId | PatternRuleId;
