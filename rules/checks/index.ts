// The check registry: one check per rule, keyed by the rule id the rule pack's `check:` names.
import type { Check } from './types.ts';
import { addressIncomplete } from './address-incomplete.check.ts';
import { bankAccountFormat } from './bank-account-format.check.ts';
import { emailFormat } from './email-format.check.ts';
import { idBirthdateMismatch } from './id-birthdate-mismatch.check.ts';
import { idGenderMismatch } from './id-gender-mismatch.check.ts';
import { idNumberFormat } from './id-number-format.check.ts';
import { idNumberLegacy } from './id-number-legacy.check.ts';
import { landlineFormat } from './landline-format.check.ts';
import { mobileFormat } from './mobile-format.check.ts';
import { placeholderValue } from './placeholder-value.check.ts';
import { premiumPayerMismatch } from './premium-payer-mismatch.check.ts';
import { requiredFields } from './required-fields.check.ts';
import { settlementHolderMismatch } from './settlement-holder-mismatch.check.ts';
import { usccFormat } from './uscc-format.check.ts';

// Each check's Params differ; the engine parses params with the check's own schema before run().
type AnyCheck = Check<any>;

const all: readonly AnyCheck[] = [
  requiredFields,
  idNumberFormat,
  idNumberLegacy,
  idGenderMismatch,
  idBirthdateMismatch,
  mobileFormat,
  landlineFormat,
  emailFormat,
  bankAccountFormat,
  usccFormat,
  placeholderValue,
  addressIncomplete,
  settlementHolderMismatch,
  premiumPayerMismatch,
];

export const checks: ReadonlyMap<string, AnyCheck> = new Map(all.map((check) => [check.name, check]));

export {
  addressIncomplete,
  bankAccountFormat,
  emailFormat,
  idBirthdateMismatch,
  idGenderMismatch,
  idNumberFormat,
  idNumberLegacy,
  landlineFormat,
  mobileFormat,
  placeholderValue,
  premiumPayerMismatch,
  requiredFields,
  settlementHolderMismatch,
  usccFormat,
};
export type { Check, CheckContext, Severity, Violation } from './types.ts';
