// One value → its analytics-safe form, chosen by the classification policy. The rule engine builds
// a finding's `evidence` with it, and the analytics record uses it for every masked column, so a
// field is masked the same way wherever it surfaces.
import type { EventMemo } from '../cn/event-memo.ts';
import { fieldPolicyOf, type MaskKind } from './classification.ts';
import {
  maskAddress,
  maskBankAccount,
  maskBirthDate,
  maskEmail,
  maskIdNumber,
  maskLandline,
  maskMobile,
  maskName,
  maskUscc,
  firstChars,
  scrubFreeText,
} from './masking.ts';

const PRESENT = '***';
/** General values pass through, but evidence is a hint, not a copy of a long upstream string. */
const MAX_PASSTHROUGH = 200;

const MASKS: Readonly<Record<MaskKind, (value: string, memo: EventMemo | undefined) => string>> = {
  none: (value) => firstChars(value, MAX_PASSTHROUGH),
  'free-text': scrubFreeText,
  redact: () => PRESENT,
  name: maskName,
  mobile: maskMobile,
  landline: maskLandline,
  email: maskEmail,
  address: maskAddress,
  'id-number': maskIdNumber,
  'bank-account': maskBankAccount,
  uscc: maskUscc,
  'birth-year': maskBirthDate,
};

/**
 * The masked form of `value` found at `fieldPath` (`customer.idNumber`,
 * `customer.bankAccounts[2].number`, `policy.premiumAccount.holderName`, …). Absent or blank → ''.
 * A path the policy does not know, and any object or array (which could hold anything), show only
 * that something is there: `***`. `memo`: the event's, so a value parsed for a rule is not parsed again.
 */
export function maskValueForField(fieldPath: string, value: unknown, memo?: EventMemo): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') return PRESENT;
  const text = String(value);
  if (text.trim() === '') return '';
  return MASKS[fieldPolicyOf(fieldPath).mask](text, memo);
}
