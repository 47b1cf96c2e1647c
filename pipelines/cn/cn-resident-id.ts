// GB 11643-1999 citizen identity number: 6-digit region, 8-digit birth date, 3-digit sequence
// (odd = male), ISO 7064 MOD 11-2 check character. The 15-digit pre-1999 form has a 2-digit year,
// no check character, and the sequence's last digit carries the gender.
import { isoDateOf } from './dates.ts';
import { PROVINCE_CODES } from './cn-regions.ts';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

export function residentIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('resident ID payload must be 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARACTERS[sum % 11] ?? '';
}

export type Gender = 'M' | 'F';

export interface ResidentIdParts {
  /** 6-digit administrative division code. */
  readonly region: string;
  /** Province-level name (GB/T 2260). */
  readonly province: string;
  readonly birthDate: string;
  readonly gender: Gender;
}

export type ResidentIdFailure =
  | 'bad-length'
  | 'bad-character'
  | 'bad-region'
  | 'bad-birth-date'
  | 'birth-date-too-early'
  | 'future-birth-date'
  | 'check-character';

export type ResidentIdResult =
  | ({ readonly ok: true; readonly legacy: false } & ResidentIdParts)
  /** A 15-digit number is acceptable format; its parts are present only when region and date are real. */
  | ({ readonly ok: true; readonly legacy: true } & Partial<ResidentIdParts>)
  | { readonly ok: false; readonly legacy: false; readonly reason: ResidentIdFailure };

/**
 * Issue 2 asks for "a real birth date not in the future". GB 11643's own second example
 * (440524188001010014) was born in 1880, so the standard's range reaches into the 1800s; a year
 * before 1800 is no living person's and marks a mistyped number.
 */
const EARLIEST_BIRTH_DATE = '1800-01-01';

function fail(reason: ResidentIdFailure): ResidentIdResult {
  return { ok: false, legacy: false, reason };
}

function provinceOf(region: string): string | undefined {
  const prefix = region.slice(0, 2);
  return Object.hasOwn(PROVINCE_CODES, prefix) ? PROVINCE_CODES[prefix] : undefined;
}

function parseLegacy(digits: string): ResidentIdResult {
  const region = digits.slice(0, 6);
  const province = provinceOf(region);
  const birthDate = isoDateOf(1900 + Number(digits.slice(6, 8)), Number(digits.slice(8, 10)), Number(digits.slice(10, 12)));
  if (province === undefined || birthDate === undefined) return { ok: true, legacy: true };
  const gender: Gender = Number(digits[14]) % 2 === 1 ? 'M' : 'F';
  return { ok: true, legacy: true, region, province, birthDate, gender };
}

/** Validates a resident ID number; `asOf` (YYYY-MM-DD) bounds the birth date. */
export function validateResidentId(value: string, asOf: string): ResidentIdResult {
  const id = value.trim();
  if (id.length === 15 && /^\d{15}$/.test(id)) return parseLegacy(id);
  if (id.length !== 18) return fail('bad-length');
  if (!/^\d{17}[\dXx]$/.test(id)) return fail('bad-character');

  const region = id.slice(0, 6);
  const province = provinceOf(region);
  if (province === undefined) return fail('bad-region');

  const birthDate = isoDateOf(Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14)));
  if (birthDate === undefined) return fail('bad-birth-date');
  if (birthDate < EARLIEST_BIRTH_DATE) return fail('birth-date-too-early');
  if (birthDate > asOf) return fail('future-birth-date');

  if (residentIdCheckCharacter(id.slice(0, 17)) !== id.slice(17).toUpperCase()) return fail('check-character');
  const gender: Gender = Number(id[16]) % 2 === 1 ? 'M' : 'F';
  return { ok: true, legacy: false, region, province, birthDate, gender };
}
